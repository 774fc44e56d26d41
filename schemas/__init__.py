"""Document types: one module per type with its marshmallow schema and its entry in the type
table (schemas/doctype.py); registry.py ties them together."""

from schemas.registry import DOC_TYPES, TYPES, DocumentInvalid, validate_document

__all__ = ["DOC_TYPES", "TYPES", "DocumentInvalid", "validate_document"]
