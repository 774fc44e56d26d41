"""CouchDB as the store (see :mod:`.store`)."""

from .store import CouchDatabase, CouchStore

__all__ = ["CouchDatabase", "CouchStore"]
