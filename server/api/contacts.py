"""Contact requests for coordinators: see what came in, assign it, and close it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from schemas import DocumentInvalid
from schemas.contact_request import CONTACT_STATUSES
from schemas.fields import Municipality, Reference

from ..services import contacts
from .blueprint import AUTHENTICATED, Blueprint
from .context import request_context
from .errors import fail, require_role

blp = Blueprint("contact-requests", __name__, description="Contact requests: routing and handling",
                errors=(*AUTHENTICATED, 403))


@blp.before_request
def coordinators_only() -> None:
    """Requests are handled by coordinators and admins."""
    require_role(("admin", "coordinator"), "Only coordinators and admins handle contact requests.")


class ContactRequestQueryArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf(CONTACT_STATUSES))
    municipality = Municipality()


class HistoryStepSchema(Schema):
    at = fields.String(required=True)
    by = fields.String(required=True)
    status = fields.String(required=True)
    note = fields.String()


class ContactRequestSchema(Schema):
    id = fields.String(attribute="_id", required=True)
    rev = fields.String(attribute="_rev", required=True)
    topic = fields.String(required=True)
    language = fields.String(required=True)
    municipality = fields.String(required=True)
    message = fields.String()
    status = fields.String(required=True)
    assignee = fields.String()
    person_id = fields.String()
    organization_id = fields.String()
    callback = fields.Dict(keys=fields.String(), values=fields.String(),
                           metadata={"description": "name, phone, email of a requester without a person record"})
    history = fields.List(fields.Nested(HistoryStepSchema))
    created_at = fields.String()
    updated_at = fields.String()


class AssignmentSchema(Schema):
    assignee = Reference("user:", required=True)
    note = fields.String(validate=validate.Length(max=1000))


class StatusChangeSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(CONTACT_STATUSES))
    note = fields.String(validate=validate.Length(max=1000))
    rev = fields.String(metadata={"description": "the revision seen; a newer one answers 409"})


@blp.route("")
class ContactRequests(MethodView):
    @blp.arguments(ContactRequestQueryArgsSchema, location="query")
    @blp.response(200, ContactRequestSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """List contact requests, optionally by status and town."""
        ctx = request_context()
        return contacts.list_requests(ctx.store, ctx.db_name, ctx.principal, args.get("status"),
                                      args.get("municipality"))


@blp.route("/<request_id>/assign")
class ContactRequestAssignment(MethodView):
    @blp.arguments(AssignmentSchema)
    @blp.response(200, ContactRequestSchema)
    @blp.errors(404, 409)
    def post(self, data: dict[str, Any], request_id: str) -> dict[str, Any]:
        """Assign a request to a coordinator, volunteer or admin."""
        ctx = request_context()
        try:
            return contacts.assign(ctx.store, ctx.db_name, ctx.principal, request_id, data["assignee"],
                                   data.get("note"), datetime.now(UTC))
        except (contacts.NotAssignable, DocumentInvalid) as error:
            fail(422, str(error))


@blp.route("/<request_id>/status")
class ContactRequestStatus(MethodView):
    @blp.arguments(StatusChangeSchema)
    @blp.response(200, ContactRequestSchema)
    @blp.errors(404, 409)
    def post(self, data: dict[str, Any], request_id: str) -> dict[str, Any]:
        """Change a request's status, with an optional note for the history."""
        ctx = request_context()
        try:
            return contacts.set_status(ctx.store, ctx.db_name, ctx.principal, request_id, data["status"],
                                       data.get("note"), datetime.now(UTC), data.get("rev"))
        except DocumentInvalid as error:
            fail(422, error.reason)
