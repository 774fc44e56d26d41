"""Events: list, create, edit, and assign volunteers (attendance is nested below each event)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas import DocumentInvalid
from schemas.event import CAPACITY, EVENT_KINDS
from schemas.fields import IsoDateTime, Municipality, Reference, TranslatedText, require_german
from schemas.programmes import PROGRAMMES

from ..services import events
from . import attendance
from .blueprint import Blueprint, schema_rules
from .context import RequestContext, request_context
from .errors import fail

blp = Blueprint("events", __name__, description="Events: planning, volunteers and attendance")
blp.register_blueprint(attendance.blp, url_prefix="/<event_id>/attendance")

EDITORS = ("admin", "coordinator")


class EventQueryArgsSchema(Schema):
    municipality = Municipality()
    start_from = fields.Date(data_key="from", metadata={"description": "events ending on or after this day"})
    until = fields.Date(data_key="to", metadata={"description": "events starting on or before this day"})
    kind = fields.String(validate=validate.OneOf(EVENT_KINDS))


class EventSchema(Schema):
    id = fields.String(attribute="_id", required=True)
    rev = fields.String(attribute="_rev", required=True)
    title = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    description = fields.Dict(keys=fields.String(), values=fields.String())
    kind = fields.String(required=True)
    municipality = fields.String(required=True)
    place = fields.String(required=True)
    start = fields.String(required=True)
    end = fields.String(required=True)
    capacity = fields.Integer()
    organization_id = fields.String(required=True)
    programme = fields.String()
    assigned_volunteers = fields.List(fields.String())
    created_at = fields.String()
    updated_at = fields.String()


class _EventFields(Schema):
    title = TranslatedText(max_length=200, validate=require_german,
                           metadata={"description": 'by language, German required: {"de": "Sprachcafé"}'})
    description = TranslatedText(max_length=5000, allow_none=True)
    kind = fields.String(validate=validate.OneOf(EVENT_KINDS))
    place = fields.String(validate=validate.Length(1, 200))
    start = IsoDateTime()
    end = IsoDateTime()
    capacity = fields.Integer(strict=True, validate=CAPACITY, allow_none=True)
    programme = fields.String(validate=validate.OneOf(PROGRAMMES), allow_none=True)


@schema_rules(description="`end` must not come before `start`.")
class EventCreateSchema(_EventFields):
    title = TranslatedText(max_length=200, validate=require_german, required=True)
    kind = fields.String(validate=validate.OneOf(EVENT_KINDS), required=True)
    place = fields.String(validate=validate.Length(1, 200), required=True)
    start = IsoDateTime(required=True)
    end = IsoDateTime(required=True)
    municipality = Municipality(required=True)
    organization_id = Reference("org:", required=True)

    @validates_schema
    def check_span(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["end"] < data["start"]:
            raise ValidationError("Must not be before start.", field_name="end")


@schema_rules(anyOf=[{"required": [name]} for name in _EventFields._declared_fields],
              description="At least one field besides `rev`; `end` must not come before `start`.")
class EventPatchSchema(_EventFields):
    rev = fields.String(metadata={"description": "the revision edited; a newer one answers 409"})

    @validates_schema
    def check_something(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not set(data) - {"rev"}:
            raise ValidationError("Give at least one field to change.")


class VolunteerSchema(Schema):
    user_id = Reference("user:", required=True)


def _editor_context() -> RequestContext:
    """The request's context if its principal may plan events (reading is for everyone, scoped)."""
    ctx = request_context()
    if ctx.principal.role not in EDITORS:
        fail(403, "Only coordinators and admins plan events.")
    return ctx


def _document(data: dict[str, Any]) -> dict[str, Any]:
    """Input fields as stored: times as ISO 8601 strings."""
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in data.items()}


@blp.route("")
class Events(MethodView):
    @blp.arguments(EventQueryArgsSchema, location="query")
    @blp.response(200, EventSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """List my events: a coordinator's towns and organisations, a volunteer's assignments."""
        ctx = request_context()
        return events.list_events(ctx.store, ctx.db_name, ctx.principal, events.EventFilter(**args))

    @blp.arguments(EventCreateSchema)
    @blp.response(201, EventSchema)
    @blp.errors(403)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create an event."""
        ctx = _editor_context()
        fields_ = {key: value for key, value in _document(data).items() if value is not None}
        try:
            return events.create_event(ctx.store, ctx.db_name, ctx.principal, fields_, datetime.now(UTC))
        except DocumentInvalid as invalid:
            fail(422, invalid.reason)


@blp.route("/<event_id>")
class EventsById(MethodView):
    @blp.response(200, EventSchema)
    @blp.errors(404)
    def get(self, event_id: str) -> dict[str, Any]:
        """Show one event."""
        ctx = request_context()
        return events.get_event(ctx.store, ctx.db_name, ctx.principal, event_id)

    @blp.arguments(EventPatchSchema)
    @blp.response(200, EventSchema)
    @blp.errors(403, 404, 409)
    def patch(self, data: dict[str, Any], event_id: str) -> dict[str, Any]:
        """Edit title, description, place, times, capacity, kind or programme; null removes an optional one."""
        ctx = _editor_context()
        changes = _document(data)
        rev = changes.pop("rev", None)
        try:
            return events.update_event(ctx.store, ctx.db_name, ctx.principal, event_id, changes, datetime.now(UTC), rev)
        except DocumentInvalid as invalid:
            fail(422, invalid.reason)


@blp.route("/<event_id>/volunteers")
class EventVolunteers(MethodView):
    @blp.arguments(VolunteerSchema)
    @blp.response(200, EventSchema)
    @blp.errors(403, 404)
    def post(self, data: dict[str, Any], event_id: str) -> dict[str, Any]:
        """Assign a volunteer: their devices receive the event's registrations."""
        ctx = _editor_context()
        try:
            return events.assign_volunteer(ctx.store, ctx.db_name, ctx.principal, event_id, data["user_id"],
                                           datetime.now(UTC))
        except events.NotAssignable as error:
            fail(422, str(error))


@blp.route("/<event_id>/volunteers/<user_id>")
class EventVolunteersById(MethodView):
    @blp.response(200, EventSchema)
    @blp.errors(403, 404)
    def delete(self, event_id: str, user_id: str) -> dict[str, Any]:
        """Unassign a volunteer: their devices stop receiving the event's documents."""
        ctx = _editor_context()
        return events.unassign_volunteer(ctx.store, ctx.db_name, ctx.principal, event_id, user_id, datetime.now(UTC))
