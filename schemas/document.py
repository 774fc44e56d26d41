"""What every document type shares: its _id, type, schema_version and timestamps."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate, validates

from schemas.fields import IsoDateTime


class DocumentSchema(Schema):
    """Base of the document schemas; each subclass names its TYPE and the ID_PREFIX of its ids.

    Ids carry their type ("event:...") so that replication filters and access rules can route a
    document by its id alone. Keys starting with "_" other than _id belong to CouchDB and are not
    part of a schema.
    """

    TYPE: ClassVar[str]
    ID_PREFIX: ClassVar[str]

    id = fields.String(data_key="_id", required=True)
    type = fields.String(required=True)
    schema_version = fields.Integer(strict=True, required=True, validate=validate.Equal(1))
    created_at = IsoDateTime(required=True)
    updated_at = IsoDateTime()

    @validates("type")
    def check_type(self, value: str, **kwargs: Any) -> None:
        """A schema loads only its own type, also when used on its own rather than through the registry."""
        if value != self.TYPE:
            raise ValidationError(f"Must be '{self.TYPE}'.")

    @validates("id")
    def check_id(self, value: str, **kwargs: Any) -> None:
        """Subclasses whose ids are tied to other fields check that in a schema validator as well."""
        if not value.startswith(self.ID_PREFIX) or value == self.ID_PREFIX:
            raise ValidationError(f"Must start with '{self.ID_PREFIX}' followed by an id.")
