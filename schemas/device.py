"""Devices: tablets and phones registered to a user, so access can end when a device is revoked."""

from __future__ import annotations

from marshmallow import fields, validate

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
