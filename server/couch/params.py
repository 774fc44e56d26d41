"""Query-string and body parsing for the CouchDB endpoints, with CouchDB's 400s."""

from __future__ import annotations

from typing import Any

import orjson
from flask import current_app, request

from sync import errors
from sync.storage.base import ReadOptions


def flag(name: str, default: bool = False) -> bool:
    """A ``true``/``false`` query parameter.

    :raises CouchError: bad_request for any other value
    """
    value = request.args.get(name)
    if value is None:
        return default
    if value in ("true", "false"):
        return value == "true"
    raise errors.bad_request(f"Invalid boolean parameter: {name}")


def integer(name: str, default: int | None = None) -> int | None:
    """A non-negative integer query parameter.

    :raises CouchError: bad_request for anything else
    """
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isdigit() or len(value) > 18:
        raise errors.bad_request(f"Invalid integer parameter: {name}")
    return int(value)


def json_param(name: str) -> Any:
    """A JSON-encoded query parameter (``keys``, ``startkey``, ``open_revs``), or None.

    :raises CouchError: bad_request if it is not valid JSON
    """
    value = request.args.get(name)
    if value is None:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        raise errors.bad_request(f"Invalid JSON in parameter: {name}") from None


def json_body(required: bool = True) -> Any:
    """The request body as JSON.

    :raises CouchError: 415 for another content type, 400 for an empty or malformed body,
        413 (through Werkzeug) when it exceeds the request size limit
    """
    data = request.get_data(cache=True)
    if not data:
        if required:
            raise errors.bad_request("Request body must be JSON")
        return None
    if request.mimetype != "application/json":
        raise errors.unsupported_media_type()
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        raise errors.bad_request("invalid UTF-8 JSON") from None


def json_object_body() -> dict[str, Any]:
    """The request body, which must be a JSON object.

    :raises CouchError: bad_request otherwise
    """
    body = json_body()
    if not isinstance(body, dict):
        raise errors.bad_request("Request body must be a JSON object")
    return body


def bounded(items: Any) -> Any:
    """``items`` (documents, requests or ids of one request) if there are not too many.

    :raises CouchError: 413 too_large past ``max_docs_per_request``
    """
    most = current_app.config["SETTINGS"].max_docs_per_request
    if isinstance(items, list | dict) and len(items) > most:
        raise errors.request_too_large(f"at most {most} documents or ids per request")
    return items


def read_options() -> ReadOptions:
    """What a document read should include, from ``revs``, ``conflicts``, ``latest``..."""
    return ReadOptions(
        revs=flag("revs"),
        revs_info=flag("revs_info"),
        conflicts=flag("conflicts"),
        deleted_conflicts=flag("deleted_conflicts"),
        attachments=flag("attachments"),
        latest=flag("latest"),
    )
