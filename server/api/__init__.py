"""The REST API for people (coordinators, admins), one module per resource."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import fields

from schemas.fields import ISO_DATETIME, IsoDateTime, Reference, TranslatedText, require_german
from schemas.languages import LANGUAGES

from ..extensions import Api
from . import audit, auth, contacts, devices, events, hours, jobs, me, people, reports, status, users
from .blueprint import SCHEMA_RULES

# attendance is nested in events (/api/events/<id>/attendance).
MODULES = (status, auth, events, hours, contacts, people, reports, audit, devices, jobs, users, me)


def document_field_rules(converter: Any, field: fields.Field[Any], **kwargs: Any) -> dict[str, Any]:
    """The rules of our own field types as JSON Schema, so that the document states what loading checks."""
    if isinstance(field, Reference):
        return {"pattern": f"^{re.escape(field.prefix)}.+", "minLength": len(field.prefix) + 1}
    if isinstance(field, IsoDateTime):
        return {"pattern": f"^{ISO_DATETIME.pattern}$"}
    if isinstance(field, TranslatedText):
        text = kwargs["ret"]["additionalProperties"]
        rules: dict[str, Any] = {"properties": {language: text for language in LANGUAGES},
                                 "additionalProperties": False}
        if require_german in (getattr(field, "validators", None) or []):
            rules["required"] = ["de"]
        return rules
    return {}


def register_blueprints(api: Api) -> None:
    """Register every resource module's blueprint under ``/api``; each operation lists its own errors."""
    api.DEFAULT_ERROR_RESPONSE_NAME = None
    api.ma_plugin.converter.add_attribute_function(document_field_rules)
    for module in MODULES:
        api.register_blueprint(module.blp, url_prefix=f"/api/{module.blp.name}")
    for name, rules in SCHEMA_RULES.items():
        api.spec.components.schemas[name].update(rules)
