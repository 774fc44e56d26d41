"""Events (Veranstaltung, Begegnung): what people register for and volunteers check people in at."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from schemas.doctype import DocType
from schemas.document import DocumentSchema
from schemas.fields import IsoDateTime, Municipality, Reference, TranslatedText, require_german
from schemas.programmes import PROGRAMMES

EVENT_KINDS: tuple[str, ...] = (
    "encounter", "course", "training", "fair", "information", "sports", "culture", "language_cafe", "other",
)
# Seats at one event: a village hall's, or a county fair's; a bound so that no number breaks a sum or a form.
CAPACITY = validate.Range(min=0, max=100_000)


class EventSchema(DocumentSchema):
    """An event in one municipality, run by an organisation, with the volunteers assigned to it."""

    TYPE = "event"
    ID_PREFIX = "event:"

    title = TranslatedText(max_length=200, required=True, validate=require_german)
    description = TranslatedText(max_length=5000)
    kind = fields.String(required=True, validate=validate.OneOf(EVENT_KINDS))
    municipality = Municipality(required=True)
    place = fields.String(required=True, validate=validate.Length(1, 200))
    start = IsoDateTime(required=True)
    end = IsoDateTime(required=True)
    capacity = fields.Integer(strict=True, validate=CAPACITY)
    organization_id = Reference("org:", required=True)
    programme = fields.String(validate=validate.OneOf(PROGRAMMES))
    assigned_volunteers = fields.List(Reference("user:"), load_default=list)

    @validates_schema
    def check_end_not_before_start(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Attendance is counted per event and month, so an event must have a sane time span."""
        if data["end"] < data["start"]:
            raise ValidationError("Must not be before start.", field_name="end")


DOC_TYPE = DocType(
    EventSchema, public=True, own_channel=True, channel_fields=("organization_id",),
    grant_field="assigned_volunteers", rule_fields=("organization_id",),
)
