"""The CouchDB error table: every error the engine raises, as (status, error, reason).

Lower layers raise :class:`CouchError`; only ``server/errors.py`` turns it into HTTP.
The names and statuses follow CouchDB's wire format (``couch_httpd:error_info/1``) and
``pouchdb-errors``, so clients that switch on ``error`` keep working.
"""

from __future__ import annotations


class CouchError(Exception):
    """An error with CouchDB's wire shape ``{"error": ..., "reason": ...}``."""

    def __init__(self, status: int, error: str, reason: str, retry_after: int | None = None) -> None:
        super().__init__(f"{error}: {reason}")
        self.status = status
        self.error = error
        self.reason = reason
        # Seconds after which the client should try again (sent as ``Retry-After``).
        self.retry_after = retry_after

    def as_json(self) -> dict[str, str]:
        """The body CouchDB sends for this error."""
        return {"error": self.error, "reason": self.reason}


def bad_request(reason: str) -> CouchError:
    """400: the request is malformed (JSON, parameter or document shape)."""
    return CouchError(400, "bad_request", reason)


def query_parse_error(reason: str) -> CouchError:
    """400: query parameters that contradict each other (CouchDB's view argument checks)."""
    return CouchError(400, "query_parse_error", reason)


def illegal_database_name(reason: str) -> CouchError:
    """400: the name breaks CouchDB's rule for database names."""
    return CouchError(400, "illegal_database_name", reason)


def doc_validation(reason: str) -> CouchError:
    """400: a document breaks a rule of its shape (CouchDB's ``doc_validation``)."""
    return CouchError(400, "doc_validation", reason)


def not_found(reason: str = "missing") -> CouchError:
    """404: no such database, document, revision or attachment."""
    return CouchError(404, "not_found", reason)


def conflict(reason: str = "Document update conflict.") -> CouchError:
    """409: the edit does not extend a leaf revision."""
    return CouchError(409, "conflict", reason)


def file_exists(reason: str = "The database could not be created, the file already exists.") -> CouchError:
    """412: PUT on a database that exists."""
    return CouchError(412, "file_exists", reason)


def missing_stub(reason: str) -> CouchError:
    """412: an attachment stub refers to an attachment the server does not hold."""
    return CouchError(412, "missing_stub", reason)


def document_too_large(doc_id: str) -> CouchError:
    """413: one document exceeds the configured size limit."""
    return CouchError(413, "document_too_large", doc_id)


def request_too_large(reason: str = "the request entity is too large") -> CouchError:
    """413: the whole request body exceeds the configured size limit."""
    return CouchError(413, "too_large", reason)


def unauthorized(reason: str = "You are not authorized to access this db.") -> CouchError:
    """401: no valid credentials."""
    return CouchError(401, "unauthorized", reason)


def forbidden(reason: str) -> CouchError:
    """403: credentials are valid but the rules refuse this document or database."""
    return CouchError(403, "forbidden", reason)


def unsupported_media_type(reason: str = "Content-Type must be application/json") -> CouchError:
    """415: a JSON endpoint received another content type."""
    return CouchError(415, "bad_content_type", reason)


def not_implemented(reason: str) -> CouchError:
    """501: a CouchDB feature this gateway deliberately does not serve (README lists them)."""
    return CouchError(501, "not_implemented", reason)


def service_unavailable(reason: str, retry_after: int = 5) -> CouchError:
    """503: the server cannot answer right now (store away, overloaded); the client should retry."""
    return CouchError(503, "service_unavailable", reason, retry_after)


def too_many_requests(reason: str, retry_after: int) -> CouchError:
    """429: this client or account is over a limit; it may come back after ``retry_after`` s."""
    return CouchError(429, "too_many_requests", reason, retry_after)
