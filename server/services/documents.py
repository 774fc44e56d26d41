"""Reading and writing domain documents as a principal, through the same rules as sync.

A coordinator approving hours in the REST API and a tablet pushing the same document go
through one validator (schema and write rules) and one scope, so neither door is wider.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sync.storage import Database, Store

from ..access.policy import Principal, document_validator, scope_for


@contextmanager
def open_as(store: Store, db_name: str, principal: Principal) -> Iterator[Database]:
    """The synced database as ``principal`` sees it, with their write checks."""
    database = store.database(db_name, scope_for(principal))
    database.validate = document_validator(principal, database.reader_channels)
    try:
        yield database
    finally:
        database.close()


def save(store: Store, db_name: str, principal: Principal, doc: dict[str, Any]) -> dict[str, Any]:
    """Write one document as ``principal``; returns it with its new ``_rev``.

    :raises CouchError: conflict, forbidden (rules or schema), not_found
    """
    with open_as(store, db_name, principal) as database:
        result = database.put(doc)
    return {**doc, "_rev": result["rev"]}


def save_many(store: Store, db_name: str, principal: Principal, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write documents as ``principal`` in one transaction; one result per document."""
    with open_as(store, db_name, principal) as database:
        return database.bulk_docs(docs)
