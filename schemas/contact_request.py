"""Contact requests (Kontaktanfrage): a resident asks for an interpreter, a partner club, a course ..."""

from __future__ import annotations

import json
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas.doctype import DocType
from schemas.document import DocumentSchema
from schemas.fields import IsoDateTime, Language, Municipality, Reference

CONTACT_TOPICS: tuple[str, ...] = ("interpreter", "club_partner", "course", "counselling", "event", "other")
CONTACT_STATUSES: tuple[str, ...] = ("new", "assigned", "done", "closed")


class CallbackSchema(Schema):
    """Whom to call back when the request does not come from a registered person."""

    name = fields.String(required=True, validate=validate.Length(1, 120))
    phone = fields.String(validate=validate.Length(1, 40))
    email = fields.Email()

    @validates_schema
    def check_reachable(self, data: dict[str, Any], **kwargs: Any) -> None:
        """A callback without a phone number or an email address cannot be answered."""
        if "phone" not in data and "email" not in data:
            raise ValidationError("Give a phone number or an email address.")


class HistoryEntrySchema(Schema):
    """One step in a request's handling, so a coordinator taking over sees what happened."""

    at = IsoDateTime(required=True)
    by = fields.String(required=True, validate=validate.Length(min=1))
    status = fields.String(required=True, validate=validate.OneOf(CONTACT_STATUSES))
    note = fields.String(validate=validate.Length(max=1000))


class ContactRequestSchema(DocumentSchema):
    """A request routed to a coordinator or a club, from a registered person or with callback details."""

    TYPE = "contact_request"
    ID_PREFIX = "contact:"

    person_id = Reference("person:")
    callback = fields.Nested(CallbackSchema)
    topic = fields.String(required=True, validate=validate.OneOf(CONTACT_TOPICS))
    language = Language(required=True)
    municipality = Municipality(required=True)
    message = fields.String(validate=validate.Length(max=2000))
    status = fields.String(required=True, validate=validate.OneOf(CONTACT_STATUSES))
    assignee = Reference("user:")
    organization_id = Reference("org:")
    history = fields.List(fields.Nested(HistoryEntrySchema), load_default=list)

    @validates_schema
    def check_requester(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Either we know the person or we have callback details; both would keep personal data twice."""
        if ("person_id" in data) == ("callback" in data):
            raise ValidationError("Exactly one of person_id and callback is required.")

    @validates_schema
    def check_assignee(self, data: dict[str, Any], **kwargs: Any) -> None:
        """An assigned request must say to whom, or nobody answers it."""
        if data["status"] == "assigned" and "assignee" not in data:
            raise ValidationError("Required when status is assigned.", field_name="assignee")


def merge_conflict(leaves: list[dict[str, Any]]) -> dict[str, Any]:
    """The furthest status wins (new < assigned < done < closed) and the histories are joined,
    so no note written on either side is lost.

    :param leaves: the live conflicting revisions (bodies), in any order
    :returns: the merged body
    """
    furthest = max(leaves, key=lambda leaf: CONTACT_STATUSES.index(leaf["status"])
                   if leaf.get("status") in CONTACT_STATUSES else -1)
    seen: dict[str, dict[str, Any]] = {}
    for leaf in leaves:
        for entry in leaf.get("history", []):
            seen.setdefault(json.dumps(entry, sort_keys=True), entry)
    history = sorted(seen.values(), key=lambda entry: str(entry.get("at", "")))
    return {**furthest, "history": history}


DOC_TYPE = DocType(
    ContactRequestSchema, channel_fields=("person_id", "organization_id", "assignee"),
    owner_fields=("person_id",), rule_fields=("status", "assignee"), person_field="person_id",
    personal_fields=("callback", "message", "history"), activity_fields=("created_at", "updated_at", "history.at"),
    merge=merge_conflict,
)
