"""The work behind the scheduled jobs: conflicts by rule, retention, the coordinators' summary.

Each verb takes the store, the settings' values it needs and the time, returns a small
JSON-able result for the job's status, and logs ids only.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from schemas.channels import has_valid_consent
from schemas.registry import MERGE_RULES, TYPES
from sync import conflicts, errors
from sync.storage import Store
from sync.storage.base import AllDocsQuery

from ..access.policy import scope_for
from . import accounts, documents

JOBS_DB = "jobs"
_EVERYTHING = AllDocsQuery(include_docs=True)


def _checkpoint(store: Store, name: str) -> dict[str, Any]:
    with store.database(JOBS_DB) as database:
        try:
            return database.get(f"checkpoint:{name}")
        except errors.CouchError as error:
            if error.status != 404:
                raise
            return {"_id": f"checkpoint:{name}", "since": 0}


def _put(store: Store, doc: dict[str, Any]) -> None:
    with store.database(JOBS_DB) as database:
        database.put(doc)


def resolve_conflicts(store: Store, db_name: str, now: datetime) -> dict[str, Any]:
    """Resolve the conflicts that arrived since the last pass, by each type's rule.

    Losing revisions are kept in a ``conflict-audit`` record in the jobs database; conflicts
    no rule covers are listed in the result for coordinators.
    """
    checkpoint = _checkpoint(store, "conflicts")
    with documents.open_for_server(store, db_name, "job:conflicts", "job") as database:
        candidates, last_seq = conflicts.conflicted_since(database, checkpoint["since"])
        outcome = conflicts.resolve(database, candidates, MERGE_RULES, last_seq)
    if outcome.resolved:
        _put(store, {"_id": f"conflict-audit:{now.isoformat()}:{uuid.uuid4().hex[:8]}", "at": now.isoformat(),
                     "resolved": outcome.resolved})
    _put(store, {**checkpoint, "since": outcome.last_seq if not outcome.failed else checkpoint["since"]})
    return {"resolved": [item["id"] for item in outcome.resolved], "unresolved": outcome.unresolved,
            "failed": [item["id"] for item in outcome.failed]}


def forget_conflicts(store: Store, doc_ids: set[str]) -> int:
    """Take erased documents out of the conflict-audit records, which keep losing bodies.

    A record naming one is purged and, if it also names others, written again under a new
    id without it (purged, so no old revision keeps the body on either store).

    :returns: how many records were purged
    """
    with store.database(JOBS_DB) as database:
        rows = database.all_docs(AllDocsQuery.prefixed("conflict-audit:"))["rows"]
        touched = [row["doc"] for row in rows
                   if any(item.get("id") in doc_ids for item in row["doc"].get("resolved", []))]
        if not touched:
            return 0
        database.purge([doc["_id"] for doc in touched])
        kept = [{"_id": f"conflict-audit:{doc['at']}:{uuid.uuid4().hex[:8]}", "at": doc["at"],
                 "resolved": [item for item in doc["resolved"] if item.get("id") not in doc_ids]} for doc in touched]
        database.bulk_docs([doc for doc in kept if doc["resolved"]])
    return len(touched)


def _latest_activity(doc: dict[str, Any]) -> str:
    entry = TYPES.get(str(doc.get("type")))
    return max(entry.activity(doc), default="") if entry else ""


def _person_of(doc: dict[str, Any]) -> str | None:
    entry = TYPES.get(str(doc.get("type")))
    return entry.person_of(doc) if entry else None


def apply_retention(store: Store, db_name: str, now: datetime, contact_days: int, person_days: int) -> dict[str, Any]:
    """Purge what has outlived its purpose: closed contact requests after ``contact_days``,
    and people without activity or without a valid consent after ``person_days``, together
    with every document that refers to them. Purged documents also leave the devices."""
    contact_cutoff = (now - timedelta(days=contact_days)).isoformat()
    person_cutoff = (now - timedelta(days=person_days)).isoformat()
    with documents.open_for_server(store, db_name, "job:retention", "job") as database:
        docs = [row["doc"] for row in database.all_docs(_EVERYTHING)["rows"]]
        last_seen: dict[str, str] = {}
        for doc in docs:
            person = _person_of(doc)
            if isinstance(person, str):
                last_seen[person] = max(last_seen.get(person, ""), _latest_activity(doc))
        expired_people = {doc["_id"] for doc in docs if doc.get("type") == "person"
                          and (last_seen.get(doc["_id"], "") < person_cutoff
                               or (not has_valid_consent(doc) and _latest_activity(doc) < person_cutoff))}
        purge = {doc["_id"] for doc in docs
                 if (doc.get("type") == "contact_request" and doc.get("status") == "closed"
                     and _latest_activity(doc) < contact_cutoff)
                 or _person_of(doc) in expired_people}
        documents.purge(database, sorted(purge))
    return {"purged": len(purge), "people": len(expired_people)}


def coordinator_summary(store: Store, db_name: str, now: datetime) -> dict[str, Any]:
    """What waits for each coordinator: hours to decide, open contact requests, and devices in
    their area that have not synced for three days. Stored per coordinator in the jobs db."""
    stale_before = (now - timedelta(days=3)).isoformat()
    stale_devices = accounts.devices_silent_since(store, stale_before)
    written = 0
    for account in accounts.list_accounts(store):
        if account.role != "coordinator" or account.revoked:
            continue
        with store.database(db_name, scope_for(account.principal())) as database:
            docs = [row["doc"] for row in database.all_docs(_EVERYTHING)["rows"]]
        summary = {
            "hours_pending": sum(1 for d in docs if d.get("type") == "hours" and d.get("status") == "pending"),
            "contact_requests_open": sum(1 for d in docs if d.get("type") == "contact_request"
                                         and d.get("status") in ("new", "assigned")),
            "devices_silent": sorted(stale_devices),
        }
        _put(store, {"_id": f"summary:{account.user_id}:{now.date().isoformat()}:{uuid.uuid4().hex[:6]}",
                     "user_id": account.user_id, "at": now.isoformat(), **summary})
        written += 1
    return {"coordinators": written}


def latest_summary(store: Store, user_id: str) -> dict[str, Any] | None:
    """The newest summary written for one coordinator."""
    with store.database(JOBS_DB) as database:
        rows = database.all_docs(AllDocsQuery(startkey=f"summary:{user_id}:\uffff", endkey=f"summary:{user_id}:",
                                              descending=True, limit=1, include_docs=True))["rows"]
    return rows[0]["doc"] if rows else None
