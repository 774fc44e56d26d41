"""CouchDB's wire protocol under ``/sync``: a plain Blueprint that copies CouchDB's shapes.

Views parse the request, call the store, and return; the store owns every rule.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, request

blp = Blueprint("couch", __name__)


def init_app(app: Flask) -> None:
    """Serve the wire protocol under ``/sync``, with this process's open-feed limits."""
    app.extensions["feed_slots"] = feeds.FeedSlots(app.config["SETTINGS"].max_feeds_per_account)
    app.register_blueprint(blp, url_prefix=COUCH_PREFIX)
    app.wsgi_app = paths.RawPathRouting(app.wsgi_app, COUCH_PREFIX)  # type: ignore[method-assign]
    app.wsgi_app = inflate.InflateRequests(  # type: ignore[method-assign]
        app.wsgi_app, COUCH_PREFIX, app.config["SETTINGS"].max_request_size)


@blp.url_value_preprocessor
def _decode_segments(endpoint: str | None, values: dict[str, Any] | None) -> None:
    paths.unescape_segments(request.environ, values)


# Importing the modules registers their routes on ``blp``.
from ..errors import COUCH_PREFIX  # noqa: E402
from . import databases, documents, feeds, inflate, paths, refusals, replication  # noqa: E402,F401
