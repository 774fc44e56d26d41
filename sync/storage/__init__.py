"""Storage backends, registered by name as PouchDB registers adapters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import Database, Limits
from .couchdb import CouchStore
from .sqlite import SqliteStore
from .store import Store

BACKENDS: dict[str, Callable[..., Store]] = {"sqlite": SqliteStore, "couchdb": CouchStore}


def open_store(backend: str, limits: Limits, **options: Any) -> Store:
    """Open the store ``backend`` names with its own options (a directory, a URL).

    :raises KeyError: for an unknown backend name
    """
    return BACKENDS[backend](limits=limits, **options)


__all__ = ["BACKENDS", "Database", "Limits", "Store", "open_store"]
