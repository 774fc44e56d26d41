"""People for coordinators: search, and a person's rights to a copy of their data and to erasure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from schemas.fields import Municipality

from ..services import privacy
from .blueprint import AUTHENTICATED, Blueprint
from .context import request_context
from .errors import require_role

blp = Blueprint("people", __name__, description="People: search, data export and erasure",
                errors=(*AUTHENTICATED, 403))


@blp.before_request
def coordinators_only() -> None:
    """People's data is for coordinators (their towns) and admins."""
    require_role(("admin", "coordinator"), "Only coordinators and admins look up people.")


class PeopleQueryArgsSchema(Schema):
    q = fields.String(validate=validate.Length(max=120), metadata={"description": "part of the name, any case"})
    municipality = Municipality()
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class PersonSummarySchema(Schema):
    id = fields.String(required=True)
    display_name = fields.String(required=True)
    languages = fields.List(fields.String(), required=True)
    municipality = fields.String(required=True)


class PersonExportSchema(Schema):
    complete = fields.Boolean(required=True, metadata={
        "description": "true for admins and the person themself; a coordinator's export holds their towns' part"})
    person = fields.Dict(required=True)
    registrations = fields.List(fields.Dict(), required=True)
    checkins = fields.List(fields.Dict(), required=True)
    contact_requests = fields.List(fields.Dict(), required=True)
    audit = fields.List(fields.Dict(), required=True, metadata={"description": "log entries naming these ids"})


class ErasureSchema(Schema):
    person_id = fields.String(required=True)
    purged = fields.List(fields.String(), required=True, metadata={"description": "ids erased for good"})


@blp.route("")
class People(MethodView):
    @blp.arguments(PeopleQueryArgsSchema, location="query")
    @blp.response(200, PersonSummarySchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Search people by name; contact details are not listed."""
        ctx = request_context()
        return privacy.search_people(ctx.store, ctx.db_name, ctx.principal, args.get("q"), args.get("municipality"),
                                     args["limit"])


@blp.route("/<person_id>/export")
class PersonExport(MethodView):
    @blp.response(200, PersonExportSchema)
    @blp.errors(404)
    def get(self, person_id: str) -> dict[str, Any]:
        """Export everything stored about a person (GDPR art. 15)."""
        ctx = request_context()
        return privacy.export_person(ctx.store, ctx.db_name, ctx.principal, person_id)


@blp.route("/<person_id>/erase")
class PersonErasure(MethodView):
    @blp.response(200, ErasureSchema)
    @blp.errors(404)
    def post(self, person_id: str) -> dict[str, Any]:
        """Erase a person and every document naming them (GDPR art. 17); devices drop them on sync."""
        ctx = request_context()
        purged = privacy.erase_person(ctx.store, ctx.db_name, ctx.principal, person_id, datetime.now(UTC))
        return {"person_id": person_id, "purged": purged}
