"""The contract of a store: a set of databases, like one CouchDB server.

Each backend (``sqlite/``, ``couchdb/``) implements it beside its :class:`~.base.Database`;
``open_store`` in ``__init__.py`` picks one by name.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any

from .. import errors
from ..access import EVERYTHING, Scope, Validator
from ..changes import ChangeHub, Signal
from .base import Database
from .types import Limits

# CouchDB's rule (couch_db.erl ``?DBNAME_REGEX``, at most 238 characters). ``/`` is allowed:
# ``a/b`` is one database, addressed as ``/a%2Fb``. ``\Z``, not ``$``, which would let a trailing
# newline through (CouchDB matches with ``dollar_endonly``).
DB_NAME_RE = re.compile(r"^[a-z][a-z0-9_$()+/-]{0,237}\Z")


class Store(ABC):
    """A set of databases, like one CouchDB server."""

    # Each store follows its databases' changes for the feeds waiting on them.
    changes: ChangeHub

    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    @abstractmethod
    def server_uuid(self) -> str:
        """A stable id of this server; replicators put it into their checkpoint ids."""

    @abstractmethod
    def all_dbs(self) -> list[str]:
        """Names of all databases, sorted."""

    @abstractmethod
    def create_db(self, name: str) -> None:
        """:raises CouchError: bad_request for an illegal name, file_exists if present"""

    @abstractmethod
    def delete_db(self, name: str) -> None:
        """:raises CouchError: not_found if there is no such database"""

    @abstractmethod
    def database(self, name: str, scope: Scope = EVERYTHING, validate: Validator | None = None) -> Database:
        """Open a database for one request as one reader sees it; the caller closes it.

        :raises CouchError: not_found if there is no such database
        """

    @abstractmethod
    def tail(self, name: str, position: Any, timeout: float) -> tuple[Any, list[Signal]]:
        """What changed in ``name`` after ``position``, for :class:`~sync.changes.ChangeHub`'s
        followers; with ``position`` None the current position and nothing else.

        :raises CouchError: not_found if the database is gone
        """

    @abstractmethod
    def close(self) -> None:
        """Release what the store holds across requests."""


def check_db_name(name: str) -> str:
    """Return ``name`` if CouchDB would accept it as a database name.

    :raises CouchError: bad_request otherwise
    """
    if not DB_NAME_RE.match(name):
        raise errors.illegal_database_name(
            f"Name: '{name[:64]}'. Only lowercase characters (a-z), digits (0-9), and any of the"
            " characters _, $, (, ), +, -, and / are allowed. Must begin with a letter."
        )
    return name
