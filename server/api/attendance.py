"""Attendance of one event: who registered, who was checked in, walk-ins.

Nested under ``/api/events/<event_id>/attendance`` by the events blueprint.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from ..services import events
from .blueprint import Blueprint
from .context import request_context

blp = Blueprint("attendance", __name__, description="Attendance per event")


class AttendanceCountsSchema(Schema):
    registered = fields.Integer(required=True, metadata={"description": "registrations not cancelled"})
    cancelled = fields.Integer(required=True)
    checked_in = fields.Integer(required=True, metadata={"description": "every check-in, walk-ins included"})
    walk_ins = fields.Integer(required=True)


class ParticipantSchema(Schema):
    person_id = fields.String(allow_none=True, metadata={"description": "null for a walk-in"})
    display_name = fields.String(allow_none=True)
    registration_status = fields.String(allow_none=True)
    registered_at = fields.String(allow_none=True)
    checked_in_at = fields.String(allow_none=True)
    walk_in = fields.Boolean(required=True)


class AttendanceSchema(Schema):
    event_id = fields.String(required=True)
    title = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    start = fields.String(required=True)
    counts = fields.Nested(AttendanceCountsSchema, required=True)
    participants = fields.List(fields.Nested(ParticipantSchema), required=True)


@blp.route("")
class Attendance(MethodView):
    @blp.response(200, AttendanceSchema)
    @blp.errors(404)
    def get(self, event_id: str) -> dict[str, Any]:
        """Show an event's registrations and check-ins with counts."""
        ctx = request_context()
        return events.attendance(ctx.store, ctx.db_name, ctx.principal, event_id)
