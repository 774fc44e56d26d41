"""Who is asking (identity) and what they may do (policy)."""
