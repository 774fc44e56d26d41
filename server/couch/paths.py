"""Routing by the raw request path, as CouchDB does: ``%2F`` inside a segment is part of a name.

WSGI servers decode ``%2F`` into ``/`` before the application sees ``PATH_INFO``, so
``/db/a%2Fb`` would be routed as attachment ``b`` of document ``a``. PouchDB sends ids with
``/`` encoded that way (``encodeURIComponent``), so the CouchDB side routes by the raw path
that gunicorn (``RAW_URI``) and Werkzeug (``REQUEST_URI``) keep. Only requests whose raw path
holds an encoded slash are touched: in them ``PATH_INFO`` keeps ``%2F`` (and ``%25`` for a
literal ``%``) inside segments, and the blueprint decodes its view arguments again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlsplit

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Set on the environ when PATH_INFO holds escaped segments.
ESCAPED = "miteinander.escaped_segments"
_ENCODED_SLASH = re.compile("%2f", re.IGNORECASE)
_ESCAPE = re.compile("%(25|2F)")


class RawPathRouting:
    """WSGI middleware: keep encoded slashes inside segments of paths under ``prefix``."""

    def __init__(self, app: WSGIApplication, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path_info = _escaped_path_info(environ, self.prefix)
        if path_info is not None:
            environ["PATH_INFO"] = path_info
            environ[ESCAPED] = True
        return self.app(environ, start_response)


def _escaped_path_info(environ: WSGIEnvironment, prefix: str) -> str | None:
    """PATH_INFO with ``%`` and ``/`` escaped inside each raw segment, or None to leave it."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        return None
    raw_path = raw.split("?", 1)[0] if raw.startswith("/") else urlsplit(raw).path
    if _ENCODED_SLASH.search(raw_path) is None:
        return None
    script_name: str = environ.get("SCRIPT_NAME", "")
    path_info: str = environ.get("PATH_INFO", "")
    # Only when the raw path is what the server decoded (no proxy rewrote it in between).
    if unquote_to_bytes(raw_path).decode("latin-1") != script_name + path_info:
        return None
    segments = [unquote_to_bytes(segment).replace(b"%", b"%25").replace(b"/", b"%2F")
                for segment in raw_path.split("/")]
    escaped = b"/".join(segments).decode("latin-1")
    if not escaped.startswith(script_name) or not escaped[len(script_name):].startswith(prefix + "/"):
        return None
    return escaped[len(script_name):]


def unescape_segments(environ: Any, values: dict[str, Any] | None) -> None:
    """Decode the view arguments of a request whose PATH_INFO :class:`RawPathRouting` escaped."""
    if not values or not environ.get(ESCAPED):
        return
    for key, value in values.items():
        if isinstance(value, str):
            values[key] = _ESCAPE.sub(lambda match: "%" if match[1] == "25" else "/", value)
