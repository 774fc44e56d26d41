"""Registrations (Anmeldung): a person signed up for an event."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from schemas.doctype import DocType
from schemas.document import DocumentSchema
from schemas.fields import IsoDateTime, Municipality, Reference

REGISTRATION_STATUSES: tuple[str, ...] = ("registered", "cancelled")


class RegistrationSchema(DocumentSchema):
    """A person's registration for an event, with a snapshot of the name for the participant list.

    Volunteers' tablets hold the registrations of their events but not the person records, so the
    display name is copied here.
    """

    TYPE = "registration"
    ID_PREFIX = "registration:"

    event_id = Reference("event:", required=True)
    person_id = Reference("person:", required=True)
    display_name = fields.String(required=True, validate=validate.Length(1, 120))
    municipality = Municipality(required=True)
    organization_id = Reference("org:", required=True)
    registered_at = IsoDateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(REGISTRATION_STATUSES))

    @validates_schema
    def check_id_names_event_and_person(self, data: dict[str, Any], **kwargs: Any) -> None:
        """One document per person and event: two devices registering the same person conflict, not double."""
        if data["id"] != f"registration:{data['event_id']}:{data['person_id']}":
            raise ValidationError("Must be 'registration:<event_id>:<person_id>'.", field_name="_id")


DOC_TYPE = DocType(
    RegistrationSchema, channel_fields=("event_id", "person_id", "organization_id"),
    nested_under="event", owner_fields=("event_id", "person_id"), person_field="person_id",
    personal_fields=("display_name",),
    activity_fields=("created_at", "updated_at", "registered_at"),
)
