"""The REST API's Blueprint: flask-smorest's, parsing JSON bodies with orjson, and documenting
the errors each operation really answers.

The standard library's parser recurses once per nesting level, so a body nested a few
thousand levels deep raised RecursionError and became a 500. orjson refuses more than 1024
levels with a decode error, which webargs answers as a 400 like any malformed body.

flask-smorest documents a catch-all ``default`` error, which says nothing and lets any status
pass a check against the document. Instead each operation lists its errors: those of its
blueprint (``errors=``: 401 and 429 behind the gate, 403 behind a role check) and its own
(:meth:`Blueprint.errors`: 404 for an id, 409 for a stale revision, 422 beyond the arguments'),
and 400 wherever a body is read. Public operations say ``security=[]``.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

import flask
import orjson
from flask_smorest import Blueprint as SmorestBlueprint
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

F = TypeVar("F", bound=Callable[..., Any])
S = TypeVar("S", bound=type)

# Behind the gate: no or wrong credentials (401), too many failed ones from this address or
# for this account (429), the account store briefly unavailable (503).
AUTHENTICATED = (401, 429, 503)

# JSON Schema a marshmallow schema cannot say (rules across fields), by component name.
SCHEMA_RULES: dict[str, dict[str, Any]] = {}


class JsonParser(FlaskParser):
    """webargs' Flask parser with orjson (its decode error is a ``json.JSONDecodeError``)."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        return orjson.loads(req.get_data(cache=True))


class Blueprint(SmorestBlueprint):  # type: ignore[misc]
    """A resource module's blueprint; ``errors`` are the statuses every one of its operations may answer."""

    ARGUMENTS_PARSER = JsonParser()

    def __init__(self, *args: Any, errors: tuple[int, ...] = AUTHENTICATED, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.common_errors = errors
        self._prepare_doc_cbks.append(self._prepare_errors_doc)

    def errors(self, *statuses: int) -> Callable[[F], F]:
        """Document that the decorated view may also answer ``statuses``, in the error shape."""

        def decorator(func: F) -> F:
            for status in statuses:
                func = self.alt_response(status, response=HTTPStatus(status).name)(func)
            return func

        return decorator

    def _prepare_errors_doc(self, doc: dict[str, Any], doc_info: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        responses = doc.setdefault("responses", {})
        if "requestBody" in doc:
            responses.setdefault("400", HTTPStatus(400).name)  # a body that is not JSON
        for status in self.common_errors:
            responses.setdefault(str(status), HTTPStatus(status).name)
        return doc


def schema_rules(**rules: Any) -> Callable[[S], S]:
    """Add JSON Schema keywords (``anyOf``, ...) to the decorated schema's component in the document."""

    def decorator(cls: S) -> S:
        SCHEMA_RULES[cls.__name__.removesuffix("Schema")] = rules
        return cls

    return decorator
