"""Valid documents of every type, and helpers to derive invalid ones from them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from schemas import DocumentInvalid, validate_document

COMMON = {"schema_version": 1, "created_at": "2026-11-21T09:00:00Z"}
CONSENT = {"purpose": "registration", "given_at": "2026-11-02T17:30:00+01:00"}

EXAMPLES: dict[str, dict[str, Any]] = {
    "organization": {
        "_id": "org:tsv-hofgeismar", "type": "organization", **COMMON,
        "name": "TSV Hofgeismar", "kind": "club", "municipality": "Hofgeismar", "programme": "INSIST",
        "contact_email": "vorstand@tsv-hofgeismar.example",
    },
    "event": {
        "_id": "event:2026-11-21-sprachcafe-wolfhagen", "type": "event", **COMMON,
        "updated_at": "2026-11-21T09:30:00.123Z",
        "title": {"de": "Sprachcafé", "ar": "مقهى اللغة", "prs": "کافه زبان"},
        "description": {"de": "Deutsch üben bei Kaffee und Kuchen."},
        "kind": "language_cafe", "municipality": "Wolfhagen", "place": "Bürgerhaus",
        "start": "2026-11-21T15:00:00+01:00", "end": "2026-11-21T17:00:00+01:00", "capacity": 30,
        "organization_id": "org:vips", "programme": "VIPs", "assigned_volunteers": ["user:anna", "user:omid"],
    },
    "person": {
        "_id": "person:7f3a", "type": "person", **COMMON,
        "display_name": "Mariam A.", "languages": ["prs", "fa", "de"], "municipality": "Baunatal",
        "contact": {"phone": "+49 561 123456", "email": "mariam@example.org"},
        "consents": [CONSENT, {"purpose": "photos", "given_at": "2026-11-02T17:30:00Z",
                               "withdrawn_at": "2026-11-10T08:00:00Z"}],
        "account_id": "user:mariam",
    },
    "registration": {
        "_id": "registration:event:e1:person:7f3a", "type": "registration", **COMMON,
        "event_id": "event:e1", "person_id": "person:7f3a", "display_name": "Mariam A.",
        "municipality": "Baunatal", "organization_id": "org:vips",
        "registered_at": "2026-11-03T12:00:00Z", "status": "registered",
    },
    "checkin": {
        "_id": "checkin:event:e1:person:7f3a", "type": "checkin", **COMMON,
        "event_id": "event:e1", "person_id": "person:7f3a", "checked_in_at": "2026-11-21T15:05:00+01:00",
        "by": "user:anna", "device_id": "device:tablet-3", "devices": ["device:tablet-3", "device:tablet-4"],
        "municipality": "Wolfhagen", "organization_id": "org:vips",
    },
    "checkin_walk_in": {
        "_id": "checkin:event:e1:walkin:9c1d", "type": "checkin", **COMMON,
        "event_id": "event:e1",
        "walk_in": {"display_name": "Olena K.", "municipality": "Kassel", "consent": CONSENT},
        "checked_in_at": "2026-11-21T15:07:00+01:00", "by": "user:anna", "device_id": "device:tablet-3",
        "municipality": "Wolfhagen", "organization_id": "org:vips",
    },
    "hours_pending": {
        "_id": "hours:user:anna:2026-11-21-1", "type": "hours", **COMMON,
        "volunteer_id": "user:anna", "date": "2026-11-21", "minutes": 150, "activity": "event_support",
        "event_id": "event:e1", "municipality": "Wolfhagen", "organization_id": "org:vips",
        "note": "Aufbau und Check-in", "status": "pending",
    },
    "hours_approved": {
        "_id": "hours:user:omid:2026-11-20-1", "type": "hours", **COMMON,
        "volunteer_id": "user:omid", "date": "2026-11-20", "minutes": 60, "activity": "interpreting",
        "municipality": "Kassel", "status": "approved",
        "decided_by": "user:coordinator", "decided_at": "2026-11-22T10:00:00Z",
    },
    "hours_rejected": {
        "_id": "hours:user:omid:2026-11-19-1", "type": "hours", **COMMON,
        "volunteer_id": "user:omid", "date": "2026-11-19", "minutes": 1440, "activity": "other",
        "municipality": "Kassel", "status": "rejected",
        "decided_by": "user:coordinator", "decided_at": "2026-11-22T10:00:00Z", "reason": "Doppelt erfasst",
    },
    "contact_request": {
        "_id": "contact:4b2e", "type": "contact_request", **COMMON,
        "person_id": "person:7f3a", "topic": "interpreter", "language": "prs", "municipality": "Baunatal",
        "message": "Dolmetscher für Dari am Dienstag beim Jobcenter", "status": "assigned",
        "assignee": "user:coordinator", "organization_id": "org:wir",
        "history": [
            {"at": "2026-11-21T09:00:00Z", "by": "person:7f3a", "status": "new"},
            {"at": "2026-11-21T11:00:00Z", "by": "user:coordinator", "status": "assigned", "note": "an Omid"},
        ],
    },
    "contact_request_callback": {
        "_id": "contact:8d01", "type": "contact_request", **COMMON,
        "callback": {"name": "SV Nieste", "email": "info@sv-nieste.example"},
        "topic": "club_partner", "language": "de", "municipality": "Nieste", "status": "new",
    },
    "device": {
        "_id": "device:tablet-3", "type": "device", **COMMON,
        "name": "Tablet 3 (VIPs)", "user_id": "user:anna", "registered_at": "2026-10-01T08:00:00Z",
        "revoked": False, "last_sync_at": "2026-11-21T18:00:00+01:00",
    },
}

DROP = object()
"""A value for ``changed`` that removes the key."""


def example(name: str) -> dict[str, Any]:
    """A fresh copy of a valid document, for a test to change."""
    return copy.deepcopy(EXAMPLES[name])


def changed(name: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The example ``name`` with ``changes`` applied; keys are dotted paths ("walk_in.consent.purpose")."""
    doc = example(name)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        key = int(last) if isinstance(target, list) else last
        if value is DROP:
            del target[key]
        else:
            target[key] = copy.deepcopy(value)
    return doc


def reason_for(doc: dict[str, Any]) -> str:
    """The reason validate_document gives for rejecting ``doc``; fails the test if it accepts it."""
    with pytest.raises(DocumentInvalid) as caught:
        validate_document(doc)
    return caught.value.reason
