"""Devices for admins: which tablets and phones sync, and revoking a lost one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from ..services import privacy
from .blueprint import Blueprint
from .context import request_context
from .errors import fail, require_role

blp = Blueprint("devices", __name__, description="Devices: list and revoke")

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
    def post(self, device_id: str) -> dict[str, Any]:
        """Revoke a lost device: its sessions end and its record is marked revoked."""
        ctx = request_context()
        ended, device = privacy.revoke_device(ctx.store, ctx.db_name, ctx.principal, device_id, datetime.now(UTC))
        if device is None and not ended:
            fail(404, "No such device and no sessions of it.")
        return {"device_id": device_id, "sessions_ended": ended, "device": device}
