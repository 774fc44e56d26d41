"""People's data: finding people, a person's rights to a copy and to erasure (GDPR art. 15, 17),
and cutting off a lost device that holds such data.

Search and the visibility check read as the principal. Export and erasure then collect what
refers to the person across the whole database (a coordinator may erase a person of their
town who also registered for an event elsewhere): registrations and check-ins name the
person in their ids, contact requests in ``person_id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from schemas import TYPES
from sync import errors
from sync.access import Scope
from sync.storage import Store
from sync.storage.base import AllDocsQuery, ChangesQuery

from ..access.policy import Principal, scope_for
from . import accounts, audit, documents, maintenance

_PEOPLE = AllDocsQuery.prefixed(TYPES["person"].id_prefix)
_DEVICES = AllDocsQuery.prefixed(TYPES["device"].id_prefix)


def search_people(store: Store, db_name: str, principal: Principal, text: str | None = None,
                  municipality: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """People the principal sees whose name contains ``text`` (any case), without contact data."""
    needle = (text or "").casefold()
    with documents.open_checked(store, db_name, principal) as database:
        rows = database.all_docs(_PEOPLE)["rows"]
    found = [
        {"id": doc["_id"], "display_name": doc["display_name"], "languages": doc.get("languages", []),
         "municipality": doc["municipality"]}
        for doc in (row["doc"] for row in rows if row.get("doc") and row["doc"].get("type") == "person")
        if needle in doc["display_name"].casefold()
        and (municipality is None or doc["municipality"] == municipality)
    ]
    found.sort(key=lambda person: (person["display_name"].casefold(), person["id"]))
    return found[:limit]


def export_person(store: Store, db_name: str, principal: Principal, person_id: str) -> dict[str, Any]:
    """What is stored about a person: their record, the documents naming them, and the audit
    entries naming those documents.

    Complete for admins and for the person themself (their right of access). A coordinator
    gets what their role reads: the person's documents in their towns and organisations, not
    those of other towns (``complete`` is then false; an admin gives the complete export).

    :raises CouchError: not_found if the principal does not see the person
    """
    person = _visible_person(store, db_name, principal, person_id)
    related, _ = _referring(store, db_name, person_id)
    complete = principal.is_admin or principal.person_id == person_id
    if not complete and related:
        with store.database(db_name, scope_for(principal)) as scoped:
            rows = scoped.all_docs(AllDocsQuery(keys=tuple(doc["_id"] for doc in related)))["rows"]
        visible = {row["id"] for row in rows if "id" in row and "error" not in row}
        related = [doc for doc in related if doc["_id"] in visible]
    ids = frozenset({person_id, *(doc["_id"] for doc in related)})
    return {
        "complete": complete,
        "person": person,
        "registrations": [doc for doc in related if doc.get("type") == "registration"],
        "checkins": [doc for doc in related if doc.get("type") == "checkin"],
        "contact_requests": [doc for doc in related if doc.get("type") == "contact_request"],
        "audit": list(audit.entries(store, ids)),
    }


def export_own(store: Store, db_name: str, principal: Principal, now: datetime) -> dict[str, Any]:
    """A resident's copy of everything stored about them (GDPR art. 15): :func:`export_person`
    of their own record (complete), with their account (address, name, since when) and their
    live sessions (device, sign-in, last use). Never a password hash or a token.

    :raises CouchError: not_found if the principal has no person record
    """
    if principal.person_id is None:
        raise errors.not_found()
    export = export_person(store, db_name, principal, principal.person_id)
    account = next((a for a in accounts.list_accounts(store) if a.user_id == principal.user_id), None)
    sessions = [{key: session[key] for key in ("device_name", "device_id", "issued_at", "last_seen")}
                for session in accounts.list_sessions(store, now) if session["user_id"] == principal.user_id]
    return {**export, "account": None if account is None else {
        "email": account.email, "display_name": account.display_name, "role": account.role,
        "created_at": accounts.created_at(store, account.email)}, "sessions": sessions}


def erase_person(store: Store, db_name: str, principal: Principal, person_id: str, now: datetime) -> list[str]:
    """Purge a person's record and every document naming them: all revisions, attachments and
    index entries. Devices learn of it through the removals feed and drop their copies.

    :returns: the purged ids
    :raises CouchError: not_found if the principal does not see the person
    """
    person = _visible_person(store, db_name, principal, person_id)
    if isinstance(person.get("account_id"), str):  # a resident's login goes with their data
        accounts.erase_account(store, person["account_id"])
    related, deleted = _referring(store, db_name, person_id)
    ids = [person_id, *(doc["_id"] for doc in related), *deleted]
    with documents.open_for_server(store, db_name, principal.user_id, "api") as database:
        purged = documents.purge(database, ids)
    maintenance.forget_conflicts(store, set(ids))
    return sorted(purged)


def list_devices(store: Store, db_name: str, principal: Principal) -> list[dict[str, Any]]:
    """The device records the principal sees (admins: all): each device holds personal data."""
    with documents.open_checked(store, db_name, principal) as database:
        rows = database.all_docs(_DEVICES)["rows"]
    return [row["doc"] for row in rows if row.get("doc") and row["doc"].get("type") == "device"]


def revoke_device(store: Store, db_name: str, principal: Principal, device_id: str,
                  now: datetime) -> tuple[int, dict[str, Any] | None]:
    """Cut off a lost device: end every session it holds and mark its record revoked.

    :returns: how many sessions ended, and the device record (None if there is none)
    :raises CouchError: forbidden if the principal may not write the record
    """
    ended = accounts.revoke_device(store, device_id)
    if not device_id.startswith("device:"):
        return ended, None
    with documents.open_checked(store, db_name, principal) as database:
        try:
            device = database.get(device_id)
        except errors.CouchError as error:
            if error.status != 404:
                raise
            return ended, None
    if device.get("revoked"):
        return ended, device
    return ended, documents.save(store, db_name, principal, {**device, "revoked": True, "updated_at": now.isoformat()})


def _visible_person(store: Store, db_name: str, principal: Principal, person_id: str) -> dict[str, Any]:
    if not person_id.startswith("person:"):
        raise errors.not_found()
    with documents.open_checked(store, db_name, principal) as database:
        person = database.get(person_id)
    if person.get("type") != "person":
        raise errors.not_found()
    return person


def _referring(store: Store, db_name: str, person_id: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Live documents that name ``person_id``, and the ids of deleted ones. Every type with a
    person field puts its documents into that person's channel (the type table), and a
    deleted document keeps the channels it had, so one read of that channel finds them all:
    the cost is the person's documents, not the database's."""
    with store.database(db_name, Scope(channels=frozenset({person_id}))) as database:
        changes = [change for change in database.changes(ChangesQuery(include_docs=True)).results
                   if change.id != person_id]
    live = [change.doc for change in changes if not change.deleted and change.doc is not None]
    return live, [change.id for change in changes if change.deleted]
