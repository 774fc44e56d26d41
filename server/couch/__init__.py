"""CouchDB's wire protocol under ``/sync``: a plain Blueprint that copies CouchDB's shapes.

Views parse the request, call the store, and return; the store owns every rule.
"""

from __future__ import annotations

from flask import Blueprint, Flask

blp = Blueprint("couch", __name__)


def init_app(app: Flask) -> None:
    """Serve the wire protocol under ``/sync``, with this process's open-feed limits."""
    app.extensions["feed_slots"] = feeds.FeedSlots(app.config["SETTINGS"].max_feeds_per_account)
    app.register_blueprint(blp, url_prefix=COUCH_PREFIX)

# Importing the modules registers their routes on ``blp``.
from ..errors import COUCH_PREFIX  # noqa: E402
from . import databases, documents, feeds, replication  # noqa: E402,F401
