"""The web app: the built files of ``web/dist`` (``node web/build.mjs``, run by ``make``).

Only the app shell is public (HTML, script, styles, icons, translations, manifest and the
service worker); every piece of data still comes through ``/api`` and ``/sync`` behind the
gate. Responses are revalidated on each request (``no-cache`` plus ETag), so a new build
reaches browsers at once; offline, the service worker answers from its own cache.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, send_from_directory

DIST = Path(__file__).resolve().parents[1] / "web" / "dist"

blp = Blueprint("web", __name__)

def _send(directory: Path, name: str, mimetype: str | None = None) -> Response:
    if not (DIST / "index.html").is_file():
        return Response("The web app is not built: run `make run` or `node web/build.mjs`.\n", status=503,
                        mimetype="text/plain")
    response = send_from_directory(directory, name, mimetype=mimetype, max_age=0)
    # Read the (small) file into the response, so Flask-Compress gzips it: it leaves streamed
    # responses alone. The bundle shrinks to a third, which counts on a rural mobile link.
    response.direct_passthrough = False
    response.get_data()
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blp.get("/")
def shell() -> Response:
    """The app shell; the hash in the address picks the screen."""
    response = _send(DIST, "index.html")
    # No framing by other sites, no scripts or connections to other origins.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; manifest-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'self'")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@blp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, at the root so that its scope is the whole app."""
    response = _send(DIST, "sw.js", "text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@blp.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest: name, icons, start URL, standalone display."""
    return _send(DIST, "manifest.webmanifest", "application/manifest+json")


@blp.get("/assets/<path:name>")
def asset(name: str) -> Response:
    """Script, styles, icons and translations of the app. Source maps are built for
    developers and stay on the server: they would hand anyone the unminified source."""
    if name.endswith(".map"):
        abort(404)
    return _send(DIST / "assets", name)
