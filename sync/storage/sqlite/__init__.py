"""The embedded store: one SQLite file per database (see :mod:`.store`)."""

from .store import SqliteDatabase, SqliteStore

__all__ = ["SqliteDatabase", "SqliteStore"]
