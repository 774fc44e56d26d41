"""Access as a pure function of document content: channels and grants.

A document belongs to channels; a user reads the channels their account gives them plus
those that documents grant them. Ids double as channel names (``event:...``,
``person:...``, ``user:...``, ``org:...``); a municipality's channel is
``municipality:<name>``; ``public`` holds what anyone may read (events, organizations).
Sensitive records (people, check-ins, hours, contact requests) are never public.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PUBLIC = "public"

Doc = Mapping[str, Any]


def municipality_channel(name: str) -> str:
    """The channel of everything that concerns one town, for its coordinators."""
    return f"municipality:{name}"


def has_valid_consent(person: Doc) -> bool:
    """Whether at least one consent of a person is given and not withdrawn."""
    consents = person.get("consents")
    if not isinstance(consents, list):
        return False
    return any(isinstance(c, dict) and c.get("given_at") and not c.get("withdrawn_at") for c in consents)


def channels_of(doc: Doc) -> frozenset[str]:
    """The channels a document belongs to; unknown types belong to none (admins only)."""
    doc_type = doc.get("type")
    doc_id = doc.get("_id")
    found: set[str] = set()

    def add(*values: object) -> None:
        found.update(value for value in values if isinstance(value, str) and value)

    municipality = doc.get("municipality")
    local = municipality_channel(municipality) if isinstance(municipality, str) and municipality else None
    if doc_type == "organization":
        add(PUBLIC, doc_id)
    elif doc_type == "event":
        add(PUBLIC, doc_id, doc.get("organization_id"), local)
    elif doc_type == "person":
        add(doc_id)
        if has_valid_consent(doc):  # without consent only the person and admins see the record
            add(local)
    elif doc_type in ("registration", "checkin"):
        add(doc.get("event_id"), doc.get("person_id"), doc.get("organization_id"), local)
    elif doc_type == "hours":
        add(doc.get("volunteer_id"), doc.get("organization_id"), local)
    elif doc_type == "contact_request":
        add(doc.get("person_id"), doc.get("organization_id"), doc.get("assignee"), local)
    elif doc_type == "device":
        add(doc.get("user_id"))
    return frozenset(found)


def grants_of(doc: Doc) -> Mapping[str, frozenset[str]]:
    """Channels a document grants to users: an event to its assigned volunteers, a person
    record to the resident's own account."""
    doc_type = doc.get("type")
    doc_id = doc.get("_id")
    if not isinstance(doc_id, str):
        return {}
    if doc_type == "event":
        volunteers = doc.get("assigned_volunteers")
        if isinstance(volunteers, list):
            return {user: frozenset({doc_id}) for user in volunteers if isinstance(user, str)}
    if doc_type == "person":
        account = doc.get("account_id")
        if isinstance(account, str):
            return {account: frozenset({doc_id})}
    return {}


class DomainRules:
    """:class:`sync.access.AccessRules` for Miteinander's document types."""

    channels_of = staticmethod(channels_of)
    grants_of = staticmethod(grants_of)
