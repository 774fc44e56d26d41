"""Check-ins (Teilnahme): attendance at an event, recorded on a volunteer's device, often offline."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas.consent import ConsentSchema
from schemas.doctype import DocType
from schemas.document import DocumentSchema
from schemas.fields import IsoDateTime, Municipality, Reference


class WalkInSchema(Schema):
    """A participant who came without registering: only what the count and the consent need."""

    display_name = fields.String(required=True, validate=validate.Length(1, 120))
    municipality = Municipality()
    consent = fields.Nested(ConsentSchema, required=True)


class CheckinSchema(DocumentSchema):
    """One participant present at one event, either a registered person or a walk-in."""

    TYPE = "checkin"
    ID_PREFIX = "checkin:"

    event_id = Reference("event:", required=True)
    person_id = Reference("person:")
    walk_in = fields.Nested(WalkInSchema)
    checked_in_at = IsoDateTime(required=True)
    by = Reference("user:", required=True)
    device_id = fields.String(required=True, validate=validate.Length(min=1))
    devices = fields.List(fields.String(validate=validate.Length(min=1)))
    municipality = Municipality(required=True)
    organization_id = Reference("org:", required=True)

    @validates_schema
    def check_participant_and_id(self, data: dict[str, Any], **kwargs: Any) -> None:
        """A registered person's check-in id is derived from event and person, so two tablets checking
        the same person in write the same document and conflict instead of counting them twice."""
        if ("person_id" in data) == ("walk_in" in data):
            raise ValidationError("Exactly one of person_id and walk_in is required.")
        if "person_id" in data:
            if data["id"] != f"checkin:{data['event_id']}:{data['person_id']}":
                raise ValidationError("Must be 'checkin:<event_id>:<person_id>'.", field_name="_id")
            return
        walk_in_prefix = f"checkin:{data['event_id']}:walkin:"
        if not data["id"].startswith(walk_in_prefix) or data["id"] == walk_in_prefix:
            raise ValidationError("Must be 'checkin:<event_id>:walkin:<id>' for a walk-in.", field_name="_id")


def merge_conflict(leaves: list[dict[str, Any]]) -> dict[str, Any]:
    """Two tablets checked the same person in: keep the earliest time and every device.

    :param leaves: the live conflicting revisions (bodies), in any order
    :returns: the merged body
    """
    earliest = min(leaves, key=lambda leaf: str(leaf.get("checked_in_at", "")))
    devices = {device for leaf in leaves for device in [leaf.get("device_id"), *leaf.get("devices", [])]
               if isinstance(device, str) and device}
    return {**earliest, "devices": sorted(devices)}


DOC_TYPE = DocType(
    CheckinSchema, channel_fields=("event_id", "person_id", "organization_id"),
    nested_under="event", owner_fields=("event_id", "person_id"), rule_fields=("by",), person_field="person_id",
    personal_fields=("walk_in",), activity_fields=("created_at", "updated_at", "checked_in_at"), merge=merge_conflict,
)
