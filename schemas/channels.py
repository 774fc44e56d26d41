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

from schemas.doctype import DocType, Municipal
from schemas.registry import TYPES

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
    """The channels a document belongs to, as its type's entry says; unknown types belong to
    none (admins only)."""
    entry = _entry(doc)
    if entry is None:
        return frozenset()
    candidates: list[Any] = [doc.get(name) for name in entry.channel_fields]
    if entry.public:
        candidates.append(PUBLIC)
    if entry.own_channel:
        candidates.append(doc.get("_id"))
    municipality = doc.get("municipality")
    municipal = entry.municipal is Municipal.ALWAYS or (
        entry.municipal is Municipal.WITH_CONSENT and has_valid_consent(doc))  # without consent: the person and admins
    if municipal and isinstance(municipality, str) and municipality:
        candidates.append(municipality_channel(municipality))
    return frozenset(value for value in candidates if isinstance(value, str) and value)


def grants_of(doc: Doc) -> Mapping[str, frozenset[str]]:
    """Channels a document grants to users: its own channel to the users its type's grant
    field names (an event to its assigned volunteers, a person record to the resident's account)."""
    entry = _entry(doc)
    doc_id = doc.get("_id")
    if entry is None or entry.grant_field is None or not isinstance(doc_id, str):
        return {}
    users = doc.get(entry.grant_field)
    named = users if isinstance(users, list) else [users]
    return {user: frozenset({doc_id}) for user in named if isinstance(user, str) and user}


def _entry(doc: Doc) -> DocType | None:
    doc_type = doc.get("type")
    return TYPES.get(doc_type) if isinstance(doc_type, str) else None


class DomainRules:
    """:class:`sync.access.AccessRules` for Miteinander's document types."""

    channels_of = staticmethod(channels_of)
    grants_of = staticmethod(grants_of)

    @staticmethod
    def table() -> Mapping[str, Any]:
        return {name: entry.as_json() for name, entry in TYPES.items()}
