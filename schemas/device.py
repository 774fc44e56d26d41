"""Devices: tablets and phones registered to a user, so access can end when a device is revoked."""

from __future__ import annotations

from marshmallow import fields, validate

from schemas.doctype import DocType, Municipal
from schemas.document import DocumentSchema
from schemas.fields import IsoDateTime, Reference, StrictBoolean


class DeviceSchema(DocumentSchema):
    """A device that syncs on behalf of one user; a revoked device gets no more data."""

    TYPE = "device"
    ID_PREFIX = "device:"

    name = fields.String(required=True, validate=validate.Length(1, 100))
    user_id = Reference("user:", required=True)
    registered_at = IsoDateTime(required=True)
    revoked = StrictBoolean(load_default=False)
    last_sync_at = IsoDateTime()


DOC_TYPE = DocType(
    DeviceSchema, channel_fields=("user_id",), municipal=Municipal.NEVER, owner_fields=("user_id",),
    activity_fields=("created_at", "updated_at", "registered_at", "last_sync_at"),
)
