"""Document types: one module per type with its marshmallow schema; registry.py ties them together."""

from schemas.registry import DOC_TYPES, DocumentInvalid, id_prefix, validate_document

__all__ = ["DOC_TYPES", "DocumentInvalid", "id_prefix", "validate_document"]
