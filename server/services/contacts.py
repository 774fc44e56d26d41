"""Contact requests as coordinators handle them: list, assign, move through their statuses.

Every change appends a step to the request's ``history``, so whoever takes over sees who
did what and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from schemas import TYPES, validate_document
from sync import errors
from sync.storage import Store
from sync.storage.base import AllDocsQuery

from ..access.policy import Principal
from . import accounts, documents

# Accounts a request may be assigned to: the assignee reads the request and its contact details.
ASSIGNABLE_ROLES = ("coordinator", "volunteer", "admin")
_REQUESTS = AllDocsQuery.prefixed(TYPES["contact_request"].id_prefix)


class NotAssignable(ValueError):
    """The assignee names no active account that may handle requests."""


def list_requests(store: Store, db_name: str, principal: Principal, status: str | None = None,
                  municipality: str | None = None) -> list[dict[str, Any]]:
    """Contact requests the principal sees, oldest first; None for ``status`` means every status."""
    with documents.open_checked(store, db_name, principal) as database:
        rows = database.all_docs(_REQUESTS)["rows"]
    found = [row["doc"] for row in rows if row.get("doc") and row["doc"].get("type") == "contact_request"]
    return sorted((doc for doc in found
                   if (status is None or doc.get("status") == status)
                   and (municipality is None or doc.get("municipality") == municipality)),
                  key=lambda doc: (doc["created_at"], doc["_id"]))


def assign(store: Store, db_name: str, principal: Principal, request_id: str, assignee: str, note: str | None,
           now: datetime) -> dict[str, Any]:
    """Give a request to ``assignee`` (status "assigned").

    :raises NotAssignable: if ``assignee`` is no active coordinator, volunteer or admin account
    :raises CouchError: not_found, conflict, forbidden
    """
    account = next((a for a in accounts.list_accounts(store) if a.user_id == assignee), None)
    if account is None or account.revoked or account.role not in ASSIGNABLE_ROLES:
        raise NotAssignable("assignee: no active coordinator, volunteer or admin account has this id")
    return _change(store, db_name, principal, request_id, {"status": "assigned", "assignee": assignee}, note, now)


def set_status(store: Store, db_name: str, principal: Principal, request_id: str, status: str, note: str | None,
               now: datetime, rev: str | None = None) -> dict[str, Any]:
    """Move a request to ``status`` ("new", "assigned", "done", "closed").

    :param rev: if given, the revision the client saw; a newer one is a conflict
    :raises DocumentInvalid: e.g. "assigned" without an assignee
    :raises CouchError: not_found, conflict, forbidden
    """
    return _change(store, db_name, principal, request_id, {"status": status}, note, now, rev)


def get_request(store: Store, db_name: str, principal: Principal, request_id: str) -> dict[str, Any]:
    """One request the principal sees. :raises CouchError: not_found"""
    if not request_id.startswith("contact:"):
        raise errors.not_found()
    with documents.open_checked(store, db_name, principal) as database:
        return database.get(request_id)


def _change(store: Store, db_name: str, principal: Principal, request_id: str, fields: dict[str, Any],
            note: str | None, now: datetime, rev: str | None = None) -> dict[str, Any]:
    request = get_request(store, db_name, principal, request_id)
    if rev is not None and rev != request["_rev"]:
        raise errors.conflict()
    step: dict[str, Any] = {"at": now.isoformat(), "by": principal.user_id, "status": fields["status"]}
    if note:
        step["note"] = note
    updated = {**request, **fields, "history": [*(request.get("history") or []), step],
               "updated_at": now.isoformat()}
    validate_document(updated)
    return documents.save(store, db_name, principal, updated)
