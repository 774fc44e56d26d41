"""Volunteer hours (Ehrenamtsstunden): logged by a volunteer, approved or rejected by a coordinator."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from schemas.doctype import DocType
from schemas.document import DocumentSchema
from schemas.fields import IsoDate, IsoDateTime, Municipality, Reference

ACTIVITIES: tuple[str, ...] = ("event_support", "accompaniment", "interpreting", "training", "other")
HOURS_STATUSES: tuple[str, ...] = ("pending", "approved", "rejected")
DECISION_FIELDS: tuple[str, ...] = ("decided_by", "decided_at")


class HoursSchema(DocumentSchema):
    """Time a volunteer gave on one day, reported to funders per activity once a coordinator approves it."""

    TYPE = "hours"
    ID_PREFIX = "hours:"

    volunteer_id = Reference("user:", required=True)
    date = IsoDate(required=True)
    minutes = fields.Integer(strict=True, required=True, validate=validate.Range(1, 1440))
    activity = fields.String(required=True, validate=validate.OneOf(ACTIVITIES))
    event_id = Reference("event:")
    municipality = Municipality(required=True)
    organization_id = Reference("org:")
    note = fields.String(validate=validate.Length(max=1000))
    status = fields.String(required=True, validate=validate.OneOf(HOURS_STATUSES))
    decided_by = Reference("user:")
    decided_at = IsoDateTime()
    reason = fields.String(validate=validate.Length(1, 1000))

    @validates_schema
    def check_id_names_volunteer(self, data: dict[str, Any], **kwargs: Any) -> None:
        """The id starts with the volunteer's id, so access rules and filters can tell whose hours these are."""
        prefix = f"hours:{data['volunteer_id']}:"
        if not data["id"].startswith(prefix) or data["id"] == prefix:
            raise ValidationError("Must be 'hours:<volunteer_id>:<id>'.", field_name="_id")

    @validates_schema
    def check_decision(self, data: dict[str, Any], **kwargs: Any) -> None:
        """A decision records who made it and when; a pending entry has none, and a rejection says why."""
        status = data["status"]
        errors: dict[str, list[str]] = {}
        for name in DECISION_FIELDS:
            if status == "pending" and name in data:
                errors[name] = ["Must be absent while status is pending."]
            elif status != "pending" and name not in data:
                errors[name] = [f"Required when status is {status}."]
        if status == "rejected" and "reason" not in data:
            errors["reason"] = ["Required when status is rejected."]
        if errors:
            raise ValidationError(errors)


def merge_conflict(leaves: list[dict[str, Any]]) -> dict[str, Any]:
    """A coordinator's decision wins over a volunteer's edit made meanwhile; among decisions
    the latest one, and among undecided edits the latest update.

    :param leaves: the live conflicting revisions (bodies), in any order
    :returns: the merged body
    """
    decided = [leaf for leaf in leaves if leaf.get("status") in ("approved", "rejected")]
    if decided:
        return max(decided, key=lambda leaf: str(leaf.get("decided_at", "")))
    return max(leaves, key=lambda leaf: str(leaf.get("updated_at") or leaf.get("created_at", "")))


DOC_TYPE = DocType(
    HoursSchema, channel_fields=("volunteer_id", "organization_id"), owner_fields=("volunteer_id",),
    rule_fields=("status", "decided_by", "event_id"), personal_fields=("note", "reason"),
    activity_fields=("created_at", "updated_at", "decided_at"), merge=merge_conflict,
)
