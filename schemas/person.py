"""People: participants and residents, with the consents their data is kept under."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.consent import ConsentSchema
from schemas.doctype import DocType, Municipal
from schemas.document import DocumentSchema
from schemas.fields import IsoDateTime, Language, Municipality, Reference


class ContactSchema(Schema):
    """How to reach a person; both parts optional, since many participants share neither."""

    phone = fields.String(validate=validate.Length(1, 40))
    email = fields.Email()


class PersonConsentSchema(ConsentSchema):
    """A withdrawn consent stays on record with its date, so we can show what held when."""

    withdrawn_at = IsoDateTime()


class PersonSchema(DocumentSchema):
    """A person known to a programme; personal data of vulnerable people, kept only under a consent."""

    TYPE = "person"
    ID_PREFIX = "person:"

    display_name = fields.String(required=True, validate=validate.Length(1, 120))
    languages = fields.List(Language(), load_default=list)
    municipality = Municipality(required=True)
    contact = fields.Nested(ContactSchema)
    consents = fields.List(fields.Nested(PersonConsentSchema), required=True, validate=validate.Length(min=1))
    account_id = Reference("user:")


DOC_TYPE = DocType(
    PersonSchema, own_channel=True, municipal=Municipal.WITH_CONSENT, grant_field="account_id",
    owner_fields=("account_id",), person_field="_id", personal_fields=("display_name", "contact", "languages"),
)
