"""Verbs that change state. They take the store, the principal and the time as arguments and
never read the request, so jobs and tests call them as the API does."""
