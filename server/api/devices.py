"""Devices for admins: which tablets and phones sync, who is signed in where, and revoking a
lost one.

Admins only. Coordinators do not manage devices: the write rules give device records to
admins alone, and volunteer accounts carry no town, so "the accounts of a coordinator's towns"
has no definition to check. A coordinator who hears of a lost tablet asks an admin.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from ..services import accounts, privacy
from .blueprint import AUTHENTICATED, Blueprint
from .context import request_context
from .errors import fail, require_role

blp = Blueprint("devices", __name__, description="Devices: list and revoke",
                errors=(*AUTHENTICATED, 403))

@blp.before_request
def admins_only() -> None:
    """Devices are managed by admins."""
    require_role(("admin",), "Only admins manage devices.")


class DeviceSchema(Schema):
    id = fields.String(attribute="_id", required=True)
    rev = fields.String(attribute="_rev", required=True)
    name = fields.String(required=True)
    user_id = fields.String(required=True)
    registered_at = fields.String(required=True)
    revoked = fields.Boolean(dump_default=False)
    last_sync_at = fields.String()


class DeviceRevocationSchema(Schema):
    device_id = fields.String(required=True)
    sessions_ended = fields.Integer(required=True)
    device = fields.Nested(DeviceSchema, allow_none=True)


class SessionSchema(Schema):
    id = fields.String(required=True, metadata={"description": "the session's id (never its token)"})
    user_id = fields.String(required=True)
    email = fields.String(required=True)
    display_name = fields.String(allow_none=True)
    role = fields.String(required=True)
    device_id = fields.String(allow_none=True)
    device_name = fields.String(allow_none=True)
    issued_at = fields.String(allow_none=True, metadata={"description": "when the user signed in"})
    last_seen = fields.String(allow_none=True, metadata={"description": "last use, to within 10 minutes"})
    expires_at = fields.String(required=True)


class SessionRevocationSchema(Schema):
    session_id = fields.String(required=True)
    sessions_ended = fields.Integer(required=True)


@blp.route("")
class Devices(MethodView):
    @blp.response(200, DeviceSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """List registered devices."""
        ctx = request_context()
        return privacy.list_devices(ctx.store, ctx.db_name, ctx.principal)


@blp.route("/<device_id>/revoke")
class DeviceRevocation(MethodView):
    @blp.response(200, DeviceRevocationSchema)
    @blp.errors(404)
    def post(self, device_id: str) -> dict[str, Any]:
        """Revoke a lost device: its sessions end and its record is marked revoked."""
        ctx = request_context()
        ended, device = privacy.revoke_device(ctx.store, ctx.db_name, ctx.principal, device_id, datetime.now(UTC))
        if device is None and not ended:
            fail(404, "No such device and no sessions of it.")
        return {"device_id": device_id, "sessions_ended": ended, "device": device}


@blp.route("/sessions")
class Sessions(MethodView):
    @blp.response(200, SessionSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """List every signed-in session: who, on which device, since when, last used."""
        return accounts.list_sessions(request_context().store, datetime.now(UTC))


@blp.route("/sessions/<session_id>/revoke")
class SessionRevocation(MethodView):
    @blp.response(200, SessionRevocationSchema)
    @blp.errors(404)
    def post(self, session_id: str) -> dict[str, Any]:
        """End one session at once (a phone without a device id, or one user on a shared tablet)."""
        if not accounts.revoke_session(request_context().store, session_id):
            fail(404, "No such session.")
        return {"session_id": session_id, "sessions_ended": 1}
