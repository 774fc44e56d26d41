"""Document types: one module per type with its marshmallow schema and merge rule."""
