"""Volunteer hours as coordinators review them: list, approve, reject.

A decision is an ordinary write through the sync rules, so what holds for a tablet holds
here: nobody decides on their own hours, and nobody outside a town decides on its hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from schemas import TYPES
from sync import errors
from sync.storage import Store
from sync.storage.base import AllDocsQuery

from ..access.policy import Principal
from . import documents

DECISIONS = {"approve": "approved", "reject": "rejected"}
# Error names of per-document results and the statuses they stand for in the REST API.
ERROR_STATUS = {"forbidden": 403, "not_found": 404, "conflict": 409, "bad_request": 400, "doc_validation": 400,
                "document_too_large": 413}
_HOURS = AllDocsQuery.prefixed(TYPES["hours"].id_prefix)


def list_hours(store: Store, db_name: str, principal: Principal, status: str | None = "pending",
               municipality: str | None = None, volunteer_id: str | None = None) -> list[dict[str, Any]]:
    """Hours entries the principal sees, by date; None for ``status`` means every status."""
    with documents.open_checked(store, db_name, principal) as database:
        rows = database.all_docs(_HOURS)["rows"]
    found = [row["doc"] for row in rows if row.get("doc") and row["doc"].get("type") == "hours"]
    return sorted((doc for doc in found
                   if (status is None or doc.get("status") == status)
                   and (municipality is None or doc.get("municipality") == municipality)
                   and (volunteer_id is None or doc.get("volunteer_id") == volunteer_id)),
                  key=lambda doc: (doc["date"], doc["_id"]))


def decide(store: Store, db_name: str, principal: Principal, ids: Sequence[str], decision: str,
           reason: str | None, now: datetime) -> list[dict[str, Any]]:
    """Approve or reject hours entries, each on its own: one refusal does not stop the others.

    :param decision: "approve" or "reject" (a rejection needs a ``reason``)
    :returns: per id, in the order given, ``{id, ok, rev}`` or ``{id, error, reason, status}``
    """
    status = DECISIONS[decision]
    outcomes: dict[str, dict[str, Any]] = {}
    changed: list[dict[str, Any]] = []
    with documents.open_checked(store, db_name, principal) as database:
        for doc_id in dict.fromkeys(ids):
            try:
                if not doc_id.startswith("hours:"):
                    raise errors.not_found()
                doc = database.get(doc_id)
            except errors.CouchError as error:
                outcomes[doc_id] = _failure(doc_id, error.error, error.reason)
                continue
            decided = {**doc, "status": status, "decided_by": principal.user_id, "decided_at": now.isoformat(),
                       "updated_at": now.isoformat()}
            decided.pop("reason", None)
            if reason is not None:
                decided["reason"] = reason
            changed.append(decided)
    if changed:
        for result in documents.save_many(store, db_name, principal, changed):
            outcomes[result["id"]] = ({"id": result["id"], "ok": True, "rev": result["rev"]} if result.get("ok")
                                      else _failure(result["id"], result["error"], result["reason"]))
    return [outcomes[doc_id] for doc_id in dict.fromkeys(ids)]


def _failure(doc_id: str, error: str, reason: str) -> dict[str, Any]:
    return {"id": doc_id, "ok": False, "error": error, "reason": reason, "status": ERROR_STATUS.get(error, 400)}
