"""Consent (Einwilligung, GDPR art. 6/7) as recorded on people and walk-ins."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.fields import IsoDateTime

CONSENT_PURPOSES: tuple[str, ...] = ("registration", "contact", "photos", "newsletter")


class ConsentSchema(Schema):
    """What a consent was given for and when: art. 7(1) requires that we can show both."""

    purpose = fields.String(required=True, validate=validate.OneOf(CONSENT_PURPOSES))
    given_at = IsoDateTime(required=True)
