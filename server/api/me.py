"""What a signed-in resident reads about themself: a complete copy of their data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields

from ..extensions import limiter
from ..services import privacy
from .blueprint import Blueprint
from .context import request_context
from .people import PersonExportSchema

blp = Blueprint("me", __name__, description="Me: a resident's own data")


class OwnAccountSchema(Schema):
    email = fields.String(required=True)
    display_name = fields.String(allow_none=True)
    role = fields.String(required=True)
    created_at = fields.String(allow_none=True)


class OwnSessionSchema(Schema):
    device_name = fields.String(allow_none=True)
    device_id = fields.String(allow_none=True)
    issued_at = fields.String(allow_none=True)
    last_seen = fields.String(allow_none=True)


class OwnDataSchema(PersonExportSchema):
    account = fields.Nested(OwnAccountSchema, allow_none=True)
    sessions = fields.List(fields.Nested(OwnSessionSchema), required=True)


@blp.route("/data")
class OwnData(MethodView):
    # Anyone may register, and a copy of one's data reads the whole audit log (entries are
    # kept by time, not by document): bounded per address like logins.
    decorators = [limiter.limit(lambda: current_app.config["SETTINGS"].login_rate)]

    @blp.response(200, OwnDataSchema)
    @blp.errors(404)
    def get(self) -> dict[str, Any]:
        """Everything stored about me: person record, registrations, check-ins, requests, account, sessions."""
        ctx = request_context()
        return privacy.export_own(ctx.store, ctx.db_name, ctx.principal, datetime.now(UTC))
