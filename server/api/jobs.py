"""Scheduled jobs: their last runs, and what waits for a coordinator."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from ..extensions import get_store
from ..jobs import status
from ..services import maintenance
from .blueprint import AUTHENTICATED, Blueprint
from .context import request_context
from .errors import fail, require_role

blp = Blueprint("jobs", __name__, description="Scheduled jobs and the coordinators' summary",
                errors=(*AUTHENTICATED, 403))


@blp.before_request
def staff_only() -> None:
    """Jobs concern the people who run and coordinate the programmes."""
    require_role(("admin", "coordinator"), "Only coordinators and admins see the jobs.")


class LastRunSchema(Schema):
    started_at = fields.String()
    duration_ms = fields.Float(allow_none=True)
    status = fields.String()
    result = fields.Dict()
    holder = fields.String()


class JobStatusSchema(Schema):
    job = fields.String(required=True)
    last_run = fields.Nested(LastRunSchema, allow_none=True)


class SummarySchema(Schema):
    at = fields.String(required=True)
    hours_pending = fields.Integer(required=True)
    contact_requests_open = fields.Integer(required=True)
    devices_silent = fields.List(fields.String(), required=True)


@blp.route("")
class Jobs(MethodView):
    @blp.response(200, JobStatusSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Each job's last run: start, duration and result."""
        return status(get_store())


@blp.route("/summary")
class Summary(MethodView):
    @blp.response(200, SummarySchema)
    @blp.errors(404)
    def get(self) -> dict[str, Any]:
        """What waits for me: hours to decide, open contact requests, silent devices."""
        ctx = request_context()
        summary = maintenance.latest_summary(ctx.store, ctx.principal.user_id)
        if summary is None:
            fail(404, "No summary yet; the daily job has not run for you.")
        return summary
