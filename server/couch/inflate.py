"""Compressed request bodies under ``/sync``: ``Content-Encoding: gzip`` inflated with a cap.

The web app gzips what it pushes (``CompressionStream``) because on a slow mobile link the
upload is most of a sync. CouchDB accepts gzip request bodies too. A body is inflated
incrementally and never past ``max_request_size``: a few kilobytes that would inflate to
gigabytes (a gzip bomb) get 413 after at most that many bytes, not memory exhaustion.
The views then see a plain body, with ``CONTENT_LENGTH`` set to its inflated length, so the
usual request-size limit and parsing apply unchanged.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_CHUNK = 64 * 1024


class BodyError(Exception):
    """A compressed body that cannot be taken: its status, CouchDB error and reason."""

    def __init__(self, status: str, error: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.error, self.reason = status, error, reason


class InflateRequests:
    """WSGI middleware: inflate gzip request bodies of paths under ``prefix``, at most ``limit`` bytes."""

    def __init__(self, app: WSGIApplication, prefix: str, limit: int) -> None:
        self.app = app
        self.prefix = prefix
        self.limit = limit

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        encoding = environ.get("HTTP_CONTENT_ENCODING", "").strip().lower()
        if encoding in ("", "identity") or not environ.get("PATH_INFO", "").startswith(self.prefix + "/"):
            return self.app(environ, start_response)
        try:
            if encoding not in ("gzip", "x-gzip"):
                raise BodyError("415 Unsupported Media Type", "bad_content_type",
                                "Content-Encoding must be gzip or identity")
            body = inflate(environ["wsgi.input"], _content_length(environ), self.limit)
        except BodyError as refused:
            payload = orjson.dumps({"error": refused.error, "reason": refused.reason})
            start_response(refused.status, [("Content-Type", "application/json"),
                                            ("Content-Length", str(len(payload)))])
            return [payload]
        del environ["HTTP_CONTENT_ENCODING"]
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = True
        return self.app(environ, start_response)


def _content_length(environ: WSGIEnvironment) -> int | None:
    """The compressed body's declared length, or None when the body runs to the end (chunked)."""
    value = environ.get("CONTENT_LENGTH") or ""
    try:
        return max(int(value), 0) if value else None
    except ValueError as err:
        raise BodyError("400 Bad Request", "bad_request", "invalid Content-Length") from err


def inflate(stream: io.BufferedIOBase | io.RawIOBase, length: int | None, limit: int) -> bytes:
    """Read a gzip body from ``stream`` and inflate it, never holding more than ``limit`` bytes.

    :param stream: the request body (``wsgi.input``)
    :param length: its declared (compressed) length, or None to read to its end
    :param limit: the largest inflated body accepted, and the largest compressed one read
    :raises BodyError: 413 past ``limit``, 400 when the body is not valid gzip
    """
    if length is not None and length > limit:
        raise BodyError("413 Request Entity Too Large", "too_large", "the request entity is too large")
    # wbits 16 + MAX_WBITS: a gzip header and trailer around the deflate stream (RFC 1952).
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    parts: list[bytes] = []
    size = read = 0
    while length is None or read < length:
        chunk = stream.read(_CHUNK if length is None else min(_CHUNK, length - read))
        if not chunk:
            break
        read += len(chunk)
        if read > limit:
            raise BodyError("413 Request Entity Too Large", "too_large", "the request entity is too large")
        data = chunk
        while data:
            try:
                # At most one byte past the limit: enough to know it is exceeded.
                out = inflater.decompress(data, limit - size + 1)
            except zlib.error as err:
                raise BodyError("400 Bad Request", "bad_request", "invalid gzip body") from err
            size += len(out)
            if size > limit:
                raise BodyError("413 Request Entity Too Large", "too_large", "the request entity is too large")
            parts.append(out)
            data = inflater.unconsumed_tail
            if inflater.eof:
                # Another gzip member may follow (RFC 1952 2.2): it inflates into the same body.
                data = inflater.unused_data
                if data:
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    if not inflater.eof:
        raise BodyError("400 Bad Request", "bad_request", "invalid gzip body")
    return b"".join(parts)
