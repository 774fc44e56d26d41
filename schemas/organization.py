"""Organisations: clubs, associations, offices and programmes that run events and receive contact requests."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, validate, validates

from schemas.doctype import DocType, Municipal
from schemas.document import DocumentSchema
from schemas.fields import Municipality
from schemas.programmes import PROGRAMMES

ORGANIZATION_KINDS: tuple[str, ...] = (
    "club", "association", "programme", "office", "school", "migrant_organization", "other",
)
ORGANIZATION_ID = re.compile(r"org:[a-z0-9]+(?:-[a-z0-9]+)*")


class OrganizationSchema(DocumentSchema):
    """A Verein, office or programme; events, check-ins and hours name it by its id."""

    TYPE = "organization"
    ID_PREFIX = "org:"

    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(ORGANIZATION_KINDS))
    municipality = Municipality()
    programme = fields.String(validate=validate.OneOf(PROGRAMMES))
    contact_email = fields.Email()

    @validates("id")
    def check_id(self, value: str, **kwargs: Any) -> None:
        """Organisation ids are slugs ("org:tsv-hofgeismar"): people read and type them in references."""
        if not ORGANIZATION_ID.fullmatch(value):
            raise ValidationError("Must be 'org:' followed by a slug of lowercase letters, digits and hyphens.")


DOC_TYPE = DocType(
    OrganizationSchema, public=True, own_channel=True, municipal=Municipal.NEVER,
)
