"""Replication engine: CouchDB revision semantics and pluggable stores. Imports no Flask."""
