"""Events as coordinators plan them: create, edit, assign volunteers, and see who came.

Events are public (anyone may read them through sync), so "which events are mine" is a
second, narrower question this module answers with :func:`is_theirs`: a coordinator's
towns and organisations, a volunteer's assignments, everything for admins.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from schemas import validate_document
from sync import errors
from sync.storage import Database, Store
from sync.storage.base import AllDocsQuery

from ..access.policy import ASSIGNABLE_ROLES, Principal
from . import accounts, documents

EDITABLE = ("title", "description", "place", "start", "end", "capacity", "kind", "programme")
# Roles whose accounts may be assigned to an event; the assignment lets them read its registrations.


class NotAssignable(ValueError):
    """The user id names no active account that may help at events."""


@dataclass(frozen=True)
class EventFilter:
    """Which events a list shows; days compare with the dates as written (local time)."""

    municipality: str | None = None
    start_from: date | None = None
    until: date | None = None
    kind: str | None = None

    def matches(self, event: Mapping[str, Any]) -> bool:
        if self.municipality is not None and event.get("municipality") != self.municipality:
            return False
        if self.kind is not None and event.get("kind") != self.kind:
            return False
        if self.start_from is not None and str(event.get("end", ""))[:10] < self.start_from.isoformat():
            return False
        return self.until is None or str(event.get("start", ""))[:10] <= self.until.isoformat()


def is_theirs(principal: Principal, event: Mapping[str, Any]) -> bool:
    """Whether ``event`` is one ``principal`` works on (not merely may read)."""
    if principal.is_admin:
        return True
    if principal.role == "coordinator":
        return event.get("municipality") in principal.municipalities or (
            event.get("organization_id") in principal.organizations)
    if principal.role == "volunteer":
        return principal.user_id in (event.get("assigned_volunteers") or ())
    return False


def prefix_range(prefix: str, include_docs: bool = True) -> AllDocsQuery:
    """All ids starting with ``prefix``, e.g. every registration of one event."""
    return AllDocsQuery.prefixed(prefix, include_docs)


def list_events(store: Store, db_name: str, principal: Principal, filters: EventFilter) -> list[dict[str, Any]]:
    """The principal's events that match ``filters``, by start."""
    with documents.open_checked(store, db_name, principal) as database:
        rows = database.all_docs(prefix_range("event:"))["rows"]
    events = [row["doc"] for row in rows if row.get("doc") and row["doc"].get("type") == "event"]
    return sorted((event for event in events if is_theirs(principal, event) and filters.matches(event)),
                  key=lambda event: (event["start"], event["_id"]))


def get_event(store: Store, db_name: str, principal: Principal, event_id: str) -> dict[str, Any]:
    """One of the principal's events.

    :raises CouchError: not_found if it does not exist or is not theirs
    """
    with documents.open_checked(store, db_name, principal) as database:
        return _their_event(database, principal, event_id)


def create_event(store: Store, db_name: str, principal: Principal, fields: Mapping[str, Any],
                 now: datetime) -> dict[str, Any]:
    """A new event from ``fields`` (title, kind, municipality, place, start, end, organization_id ...).

    :raises DocumentInvalid: if the event would not be valid
    :raises CouchError: forbidden outside the principal's towns and organisations
    """
    doc = {"_id": f"event:{uuid.uuid4().hex}", "type": "event", "schema_version": 1, "created_at": now.isoformat(),
           "assigned_volunteers": [], **fields}
    return _write(store, db_name, principal, doc)


def update_event(store: Store, db_name: str, principal: Principal, event_id: str, changes: Mapping[str, Any],
                 now: datetime, rev: str | None = None) -> dict[str, Any]:
    """Edit the :data:`EDITABLE` fields of an event; a None value removes an optional field.

    :param rev: if given, the revision the client edited; a newer one is a conflict
    :raises DocumentInvalid: if the edited event would not be valid
    :raises CouchError: not_found, conflict, forbidden
    """
    event = get_event(store, db_name, principal, event_id)
    if rev is not None and rev != event["_rev"]:
        raise errors.conflict()
    edits = {key: value for key, value in changes.items() if key in EDITABLE}
    updated = {**event, **edits, "updated_at": now.isoformat()}
    updated = {key: value for key, value in updated.items() if value is not None}
    return _write(store, db_name, principal, updated)


def assign_volunteer(store: Store, db_name: str, principal: Principal, event_id: str, user_id: str,
                     now: datetime) -> dict[str, Any]:
    """Add ``user_id`` to the event's volunteers; their devices then receive its registrations.

    :raises NotAssignable: if ``user_id`` is no active volunteer or coordinator account
    :raises CouchError: not_found, forbidden
    """
    event = get_event(store, db_name, principal, event_id)
    volunteers = list(event.get("assigned_volunteers") or [])
    if user_id in volunteers:
        return event
    account = next((a for a in accounts.list_accounts(store) if a.user_id == user_id), None)
    if account is None or account.revoked or account.role not in ASSIGNABLE_ROLES:
        raise NotAssignable("user_id: no active volunteer or coordinator account has this id")
    return _write(store, db_name, principal, {**event, "assigned_volunteers": [*volunteers, user_id],
                                              "updated_at": now.isoformat()})


def unassign_volunteer(store: Store, db_name: str, principal: Principal, event_id: str, user_id: str,
                       now: datetime) -> dict[str, Any]:
    """Take ``user_id`` off the event. The store's grants follow the event, so the volunteer's
    next sync no longer receives the event's registrations and check-ins and lists them as removed.

    :raises CouchError: not_found, forbidden
    """
    event = get_event(store, db_name, principal, event_id)
    volunteers = list(event.get("assigned_volunteers") or [])
    if user_id not in volunteers:
        return event
    remaining = [volunteer for volunteer in volunteers if volunteer != user_id]
    return _write(store, db_name, principal, {**event, "assigned_volunteers": remaining,
                                              "updated_at": now.isoformat()})


def attendance(store: Store, db_name: str, principal: Principal, event_id: str) -> dict[str, Any]:
    """Registrations and check-ins of one event, as the principal sees them, with counts.

    :raises CouchError: not_found if the event does not exist or is not theirs
    """
    with documents.open_checked(store, db_name, principal) as database:
        event = _their_event(database, principal, event_id)
        registrations = _docs(database, f"registration:{event_id}:", "registration")
        checkins = _docs(database, f"checkin:{event_id}:", "checkin")
        registered_people = {doc["person_id"] for doc in registrations}
        unregistered = sorted({doc["person_id"] for doc in checkins
                               if doc.get("person_id") and doc["person_id"] not in registered_people})
        names = _display_names(database, unregistered)
    checked_in = {doc["person_id"]: doc for doc in checkins if doc.get("person_id")}
    participants = []
    for registration in registrations:
        checkin = checked_in.get(registration["person_id"])
        participants.append({
            "person_id": registration["person_id"], "display_name": registration["display_name"],
            "registration_status": registration["status"], "registered_at": registration["registered_at"],
            "checked_in_at": checkin["checked_in_at"] if checkin else None, "walk_in": False})
    for checkin in checkins:
        person_id = checkin.get("person_id")
        if person_id in registered_people:
            continue
        walk_in = checkin.get("walk_in") or {}
        participants.append({
            "person_id": person_id, "display_name": walk_in.get("display_name") or names.get(str(person_id)),
            "registration_status": None, "registered_at": None, "checked_in_at": checkin["checked_in_at"],
            "walk_in": bool(walk_in)})
    participants.sort(key=lambda row: ((row["display_name"] or "").casefold(), str(row["person_id"])))
    counts = {
        "registered": sum(1 for doc in registrations if doc["status"] == "registered"),
        "cancelled": sum(1 for doc in registrations if doc["status"] == "cancelled"),
        "checked_in": len(checkins),
        "walk_ins": sum(1 for doc in checkins if doc.get("walk_in")),
    }
    return {"event_id": event["_id"], "title": event["title"], "start": event["start"], "counts": counts,
            "participants": participants}



def _their_event(database: Database, principal: Principal, event_id: str) -> dict[str, Any]:
    if not event_id.startswith("event:"):
        raise errors.not_found()
    event = database.get(event_id)
    if event.get("type") != "event" or not is_theirs(principal, event):
        raise errors.not_found()
    return event


def _docs(database: Database, prefix: str, doc_type: str) -> list[dict[str, Any]]:
    rows = database.all_docs(prefix_range(prefix))["rows"]
    return [row["doc"] for row in rows if row.get("doc") and row["doc"].get("type") == doc_type]


def _display_names(database: Database, person_ids: list[str]) -> dict[str, str]:
    """Names of the people the reader may see; others stay unnamed."""
    if not person_ids:
        return {}
    rows = database.all_docs(AllDocsQuery(keys=tuple(person_ids), include_docs=True))["rows"]
    return {row["id"]: row["doc"]["display_name"] for row in rows if row.get("doc")}


def _write(store: Store, db_name: str, principal: Principal, doc: dict[str, Any]) -> dict[str, Any]:
    """Check the event as a REST client deserves (a 422 naming the field), then save it as
    ``principal`` through the sync rules (which audit it)."""
    validate_document(doc)
    return documents.save(store, db_name, principal, doc)
