"""Reports for funders, as JSON or as CSV for a spreadsheet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas.fields import Municipality

from ..services import reports
from .blueprint import AUTHENTICATED, Blueprint
from .context import request_context
from .errors import require_role

blp = Blueprint("reports", __name__, description="Figures per month, town and programme",
                errors=(*AUTHENTICATED, 403))

MONTH = validate.Regexp(r"^[0-9]{4}-(0[1-9]|1[0-2])$", error="Not a month like 2026-11.")

def _json_or_csv(rows: type[Schema]) -> dict[str, Any]:
    """The 200 response in both media types: JSON rows by default, CSV with ``format=csv``."""
    json_rows = {"type": "array", "items": {"$ref": f"#/components/schemas/{rows.__name__.removesuffix('Schema')}"}}
    return {"responses": {"200": {"content": {"application/json": {"schema": json_rows},
                                              "text/csv": {"schema": {"type": "string"}}}}}}



@blp.before_request
def coordinators_only() -> None:
    """Reports are for coordinators (their towns) and admins."""
    require_role(("admin", "coordinator"), "Only coordinators and admins read reports.")


class ReportQueryArgsSchema(Schema):
    start_month = fields.String(data_key="from", validate=MONTH, metadata={"description": "first month, YYYY-MM"})
    end_month = fields.String(data_key="to", validate=MONTH,
                              metadata={"description": "last month, YYYY-MM, not before from"})
    municipality = Municipality()
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))

    @validates_schema
    def check_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("start_month") and data.get("end_month") and data["end_month"] < data["start_month"]:
            raise ValidationError("Must not be before from.", field_name="to")


class ParticipantsRowSchema(Schema):
    month = fields.String(required=True)
    programme = fields.String(allow_none=True)
    municipality = fields.String(required=True)
    kind = fields.String(allow_none=True)
    events = fields.Integer(required=True)
    participants = fields.Integer(required=True, metadata={"description": "check-ins, walk-ins included"})
    walk_ins = fields.Integer(required=True)


class HoursRowSchema(Schema):
    month = fields.String(required=True)
    municipality = fields.String(required=True)
    activity = fields.String(required=True)
    hours = fields.Float(required=True, metadata={"description": "approved hours, one decimal"})
    entries = fields.Integer(required=True)
    volunteers = fields.Integer(required=True)


def _filter(args: dict[str, Any]) -> reports.ReportFilter:
    return reports.ReportFilter(args.get("start_month"), args.get("end_month"), args.get("municipality"))


def _csv(rows: list[dict[str, Any]], columns: Sequence[str], name: str) -> Response:
    return Response(reports.to_csv(rows, columns), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@blp.route("/participants")
class ParticipantsReport(MethodView):
    @blp.arguments(ReportQueryArgsSchema, location="query")
    @blp.response(200, ParticipantsRowSchema(many=True))
    @blp.doc(**_json_or_csv(ParticipantsRowSchema))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]] | Response:
        """Count participants per month, programme, town and event kind."""
        ctx = request_context()
        rows = reports.participants(ctx.store, ctx.db_name, ctx.principal, _filter(args))
        return _csv(rows, reports.PARTICIPANT_COLUMNS, "participants") if args["format"] == "csv" else rows


@blp.route("/hours")
class HoursReport(MethodView):
    @blp.arguments(ReportQueryArgsSchema, location="query")
    @blp.response(200, HoursRowSchema(many=True))
    @blp.doc(**_json_or_csv(HoursRowSchema))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]] | Response:
        """Sum approved volunteer hours per month, town and activity."""
        ctx = request_context()
        rows = reports.approved_hours(ctx.store, ctx.db_name, ctx.principal, _filter(args))
        return _csv(rows, reports.HOURS_COLUMNS, "hours") if args["format"] == "csv" else rows
