"""The audit log: who changed which documents, when, and through which door.

Entries live in the server-side ``audit`` database (never synced) and name documents by id
and revision only: no contents and no names, so the log itself holds no personal data
beyond pseudonymous ids. One call to :func:`record` appends one entry; entry ids start with
the time, so the log reads in order by id.
"""

from __future__ import annotations

import uuid
from collections.abc import Generator, Sequence
from contextlib import closing
from datetime import UTC, datetime
from typing import Any

from sync import errors
from sync.storage import Database, Store
from sync.storage.base import AllDocsQuery, Journal

from ..access.policy import Principal, scope_for

AUDIT_DB = "audit"
VIA = ("api", "sync", "job")
_PAGE = 500


def record(store: Store, principal_user_id: str, via: str, changes: Sequence[tuple[str, str]], now: datetime,
           *, action: str = "write") -> str | None:
    """Append one entry saying that ``principal_user_id`` wrote ``changes`` at ``now``.

    :param via: "api", "sync" or "job" (the server's scheduled work)
    :param changes: (doc_id, rev) pairs; nothing is recorded when there are none
    :param action: "write" for new revisions, "purge" for erasures (the revs are the purged leaves)
    :returns: the entry's id, or None if nothing was recorded
    :raises ValueError: for an unknown ``via``
    """
    if via not in VIA:
        raise ValueError(f"via must be one of {', '.join(VIA)}")
    if not changes:
        return None
    # One fixed width, so that ids sort as times do.
    at = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    entry_id = f"audit:{at}:{uuid.uuid4().hex}"
    entry = {"_id": entry_id, "at": at, "by": principal_user_id, "via": via,
             "action": action, "changes": [[doc_id, rev] for doc_id, rev in changes]}
    with _open(store) as database:
        database.put(entry)
    return entry_id


def journal(store: Store, principal_user_id: str, via: str) -> Journal:
    """A database's :data:`~sync.storage.base.Journal` that records its writes and purges here."""

    def write_down(action: str, changes: list[tuple[str, str]]) -> None:
        record(store, principal_user_id, via, changes, datetime.now(UTC), action=action)

    return write_down


def entries(store: Store, doc_ids: frozenset[str] | None = None) -> Generator[dict[str, Any], None, None]:
    """Every entry, newest first; with ``doc_ids`` only those naming one of them."""
    with _open(store) as database:
        startkey = "audit:\uffff"
        skip = 0
        while True:
            rows = database.all_docs(AllDocsQuery(startkey=startkey, endkey="audit:", descending=True,
                                                  limit=_PAGE, skip=skip, include_docs=True))["rows"]
            for row in rows:
                entry = _entry(row["doc"])
                if doc_ids is None or any(doc_id in doc_ids for doc_id, _ in entry["changes"]):
                    yield entry
            if len(rows) < _PAGE:
                return
            startkey, skip = rows[-1]["id"], 1


def list_entries(store: Store, db_name: str, principal: Principal, doc_id: str | None = None,
                 limit: int = 100) -> list[dict[str, Any]]:
    """The log as ``principal`` may read it, newest first.

    Admins read every entry. Others read their own entries whole, and of other entries only
    the changes to documents they can see now in ``db_name``.
    """
    wanted = frozenset({doc_id}) if doc_id is not None else None
    found: list[dict[str, Any]] = []
    if principal.is_admin:
        with closing(entries(store, wanted)) as log:
            for entry in log:
                found.append(entry)
                if len(found) >= limit:
                    break
        return found
    with store.database(db_name, scope_for(principal)) as database, closing(entries(store, wanted)) as log:
        pending: list[dict[str, Any]] = []
        for entry in log:
            pending.append(entry)
            if len(pending) >= _PAGE:
                found += _visible_parts(database, principal, pending)
                pending = []
                if len(found) >= limit:
                    break
        found += _visible_parts(database, principal, pending)
    return found[:limit]


def _visible_parts(database: Database, principal: Principal, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each entry of ``batch`` cut down to what ``principal`` may know of it, dropping empty ones."""
    others = sorted({doc_id for entry in batch if entry["by"] != principal.user_id for doc_id, _ in entry["changes"]})
    visible = set()
    if others:
        rows = database.all_docs(AllDocsQuery(keys=tuple(others)))["rows"]
        visible = {row["id"] for row in rows if "id" in row}
    shown = []
    for entry in batch:
        if entry["by"] == principal.user_id:
            shown.append(entry)
            continue
        changes = [change for change in entry["changes"] if change[0] in visible]
        if changes:
            shown.append({**entry, "changes": changes})
    return shown


def _entry(doc: dict[str, Any]) -> dict[str, Any]:
    return {"id": doc["_id"], "at": doc["at"], "by": doc["by"], "via": doc["via"],
            "action": doc.get("action", "write"), "changes": [list(change) for change in doc["changes"]]}


def _open(store: Store) -> Database:
    """The audit database, created on first use (another worker may be first)."""
    try:
        return store.database(AUDIT_DB)
    except errors.CouchError as error:
        if error.status != 404:
            raise
    try:
        store.create_db(AUDIT_DB)
    except errors.CouchError as error:
        if error.error != "file_exists":
            raise
    return store.database(AUDIT_DB)
