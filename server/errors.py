"""Domain errors to HTTP, in one place and in both dialects.

Under ``/sync`` clients are CouchDB replicators and get ``{"error", "reason"}``; elsewhere
they get flask-smorest's ``{"code", "status", "message"}``. Nothing a client sends may
produce a 500: an unexpected exception is logged by id and answered without details.
"""

from __future__ import annotations

import logging
import uuid

import orjson
from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from sync.errors import CouchError

log = logging.getLogger(__name__)

COUCH_PREFIX = "/sync"

# Werkzeug's HTTP errors under their CouchDB names.
_COUCH_NAMES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    411: "bad_request",
    412: "precondition_failed",
    413: "too_large",
    415: "bad_content_type",
    416: "requested_range_not_satisfiable",
    429: "too_many_requests",
    503: "service_unavailable",
}


def is_couch_path() -> bool:
    """Whether the current request speaks CouchDB's dialect."""
    return request.path == COUCH_PREFIX or request.path.startswith(COUCH_PREFIX + "/")


def couch_json(payload: object, status: int = 200) -> Response:
    """A JSON response as CouchDB writes it."""
    return Response(orjson.dumps(payload), status=status, mimetype="application/json")


def couch_error_response(error: CouchError | HTTPException) -> Response:
    """An error in CouchDB's wire format."""
    if isinstance(error, CouchError):
        response = couch_json(error.as_json(), error.status)
    else:
        status = error.code or 500
        reason = error.description or error.name
        if status == 404:
            reason = "missing"
        response = couch_json({"error": _COUCH_NAMES.get(status, "unknown_error"), "reason": reason}, status)
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
    retry_after = error.retry_after if isinstance(error, CouchError) else None
    if retry_after is None and response.status_code == 503:
        retry_after = 5
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def rest_error(status: int, message: str) -> Response:
    """An error in flask-smorest's shape, for the REST API."""
    return Response(orjson.dumps({"code": status, "status": HTTP_STATUS_CODES.get(status, "Error"),
                                  "message": message}), status, mimetype="application/json")


def init_app(app: Flask) -> None:
    """Register the handlers that the Api subclass does not cover."""

    @app.errorhandler(CouchError)
    def handle_couch_error(error: CouchError) -> Response:
        if is_couch_path():
            return couch_error_response(error)
        response = rest_error(error.status, error.reason)
        if error.retry_after is not None:
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(MethodNotAllowed)
    def handle_method_not_allowed(error: MethodNotAllowed) -> Response:
        """Both dialects name the methods the resource has in ``Allow`` (RFC 9110, 15.5.6)."""
        if is_couch_path():
            return couch_error_response(error)
        response = rest_error(405, f"{request.method} is not allowed here.")
        if error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            if is_couch_path():
                return couch_error_response(error)
            return error  # type: ignore[return-value]  # Flask renders HTTPExceptions itself
        incident = uuid.uuid4().hex[:12]
        # Only the incident id, the method and the endpoint: never bodies or document ids' contents.
        log.exception("unhandled error %s on %s %s", incident, request.method, request.endpoint)
        if is_couch_path():
            return couch_json({"error": "unknown_error", "reason": f"internal error {incident}"}, 500)
        return rest_error(500, f"internal error {incident}")
