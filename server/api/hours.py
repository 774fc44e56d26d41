"""Volunteer hours for coordinators: review and decide, one entry or many at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas.fields import Municipality, Reference
from schemas.hours import HOURS_STATUSES

from ..services import hours
from .blueprint import AUTHENTICATED, Blueprint, schema_rules
from .context import request_context
from .errors import require_role

blp = Blueprint("hours", __name__, description="Volunteer hours: review and approval",
                errors=(*AUTHENTICATED, 403))


@blp.before_request
def coordinators_only() -> None:
    """Hours are reviewed by coordinators and admins; volunteers log theirs on their devices."""
    require_role(("admin", "coordinator"), "Only coordinators and admins review hours.")


class HoursQueryArgsSchema(Schema):
    status = fields.String(load_default="pending", validate=validate.OneOf((*HOURS_STATUSES, "all")))
    municipality = Municipality()
    volunteer_id = Reference("user:")


class HoursSchema(Schema):
    id = fields.String(attribute="_id", required=True)
    rev = fields.String(attribute="_rev", required=True)
    volunteer_id = fields.String(required=True)
    date = fields.String(required=True)
    minutes = fields.Integer(required=True)
    activity = fields.String(required=True)
    municipality = fields.String(required=True)
    event_id = fields.String()
    organization_id = fields.String()
    note = fields.String()
    status = fields.String(required=True)
    decided_by = fields.String()
    decided_at = fields.String()
    reason = fields.String()


@schema_rules(anyOf=[{"properties": {"decision": {"enum": [name for name in hours.DECISIONS if name != "reject"]}}},
                     {"required": ["reason"]}],
              description="`reason` is required when `decision` is `reject`.")
class DecisionSchema(Schema):
    ids = fields.List(fields.String(validate=validate.Length(1, 300)), required=True,
                      validate=validate.Length(1, 500))
    decision = fields.String(required=True, validate=validate.OneOf(tuple(hours.DECISIONS)))
    reason = fields.String(validate=validate.Length(1, 1000))

    @validates_schema
    def check_reason(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("decision") == "reject" and not data.get("reason"):
            raise ValidationError("Required when rejecting.", field_name="reason")


class DecisionResultSchema(Schema):
    id = fields.String(required=True)
    ok = fields.Boolean(required=True)
    rev = fields.String()
    status = fields.Integer(metadata={"description": "HTTP status of this entry's failure"})
    error = fields.String()
    reason = fields.String()


@blp.route("")
class Hours(MethodView):
    @blp.arguments(HoursQueryArgsSchema, location="query")
    @blp.response(200, HoursSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """List hours entries by status (pending unless asked otherwise)."""
        ctx = request_context()
        status = None if args["status"] == "all" else args["status"]
        return hours.list_hours(ctx.store, ctx.db_name, ctx.principal, status, args.get("municipality"),
                                args.get("volunteer_id"))


@blp.route("/decisions")
class HoursDecisions(MethodView):
    @blp.arguments(DecisionSchema)
    @blp.response(200, DecisionResultSchema(many=True))
    def post(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        """Approve or reject hours entries; each succeeds or fails on its own."""
        ctx = request_context()
        return hours.decide(ctx.store, ctx.db_name, ctx.principal, data["ids"], data["decision"], data.get("reason"),
                            datetime.now(UTC))
