"""The one door to the synced database: open it as a principal, and every write through it
is validated (schema and write rules) against the whole story of the document.

A coordinator approving hours in the REST API and a tablet pushing the same document over
``/sync`` open the database here, so neither door is wider than the other.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from schemas.registry import TYPES
from sync import errors
from sync.storage import Database, Store
from sync.storage.types import AllDocsQuery

from ..access.policy import Doc, Principal, document_validator, scope_for
from . import accounts, audit


class StoreDirectory:
    """The lookups the write rules make (accounts, referenced documents), read once per
    request: a batch of check-ins names the same event a hundred times."""

    def __init__(self, store: Store, db_name: str) -> None:
        self._store = store
        self._db_name = db_name
        self._accounts: dict[str, Principal] | None = None
        self._documents: dict[str, Doc | None] = {}

    def account(self, user_id: str) -> Principal | None:
        if self._accounts is None:
            self._accounts = {account.user_id: account.principal()
                              for account in accounts.list_accounts(self._store) if not account.revoked}
        return self._accounts.get(user_id)

    def document(self, doc_id: str) -> Doc | None:
        if doc_id not in self._documents:
            with self._store.database(self._db_name) as database:
                try:
                    self._documents[doc_id] = database.get(doc_id)
                except errors.CouchError as error:
                    if error.status != 404:
                        raise
                    self._documents[doc_id] = None
        return self._documents[doc_id]


def open_checked(store: Store, db_name: str, principal: Principal, via: str = "api") -> Database:
    """The synced database as ``principal`` sees it: their scope, their write checks, and
    every write and purge audited in their name; the caller closes it (``with``).

    :param via: the door, "api" or "sync", as the audit log names it
    """
    database = store.database(db_name, scope_for(principal))
    database.validate = document_validator(principal, database.reader_channels, StoreDirectory(store, db_name))
    database.journal = audit.journal(store, principal.user_id, via)
    return database


def open_for_server(store: Store, db_name: str, by: str, via: str) -> Database:
    """The whole synced database for the server's own work (conflict rules, retention, an
    erasure already checked against the requester's scope): no write rules, still audited.

    :param by: who the audit log names: the requester's user id, or the job
    """
    database = store.database(db_name)
    database.journal = audit.journal(store, by, via)
    return database


# Types whose documents live under another's id, by that parent's id prefix.
_NESTED = {TYPES[parent].id_prefix: [entry for entry in TYPES.values() if entry.nested_under == parent]
           for parent in {entry.nested_under for entry in TYPES.values() if entry.nested_under}}


def purge(database: Database, doc_ids: Collection[str]) -> dict[str, list[str]]:
    """Purge ``doc_ids`` (every revision), never leaving behind a document that lives under one
    of them: a registration or check-in outliving its purged event would name an id that
    anyone may create again, with its channel and so its people.

    :returns: the purged leaves by id
    :raises CouchError: bad_request naming what belongs to a purged document and is not purged with it
    """
    purged = set(doc_ids)
    for doc_id in sorted(purged):
        for nested in next((types for prefix, types in _NESTED.items() if doc_id.startswith(prefix)), []):
            start, end = nested.nested_range(doc_id)
            left = [row["id"] for row in database.all_docs(AllDocsQuery(startkey=start, endkey=end))["rows"]
                    if row["id"] not in purged]
            if left:
                raise errors.bad_request(f"Purge {doc_id[:100]} together with the {len(left)} documents that belong"
                                         f" to it, such as {left[0][:200]}; nothing was purged")
    return database.purge(list(doc_ids))


def save(store: Store, db_name: str, principal: Principal, doc: dict[str, Any]) -> dict[str, Any]:
    """Write one document as ``principal``; returns it with its new ``_rev``.

    :raises CouchError: conflict, forbidden (rules or schema), not_found
    """
    with open_checked(store, db_name, principal) as database:
        result = database.put(doc)
    return {**doc, "_rev": result["rev"]}


def save_many(store: Store, db_name: str, principal: Principal, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write documents as ``principal`` in one transaction; one result per document."""
    with open_checked(store, db_name, principal) as database:
        return database.bulk_docs(docs)
