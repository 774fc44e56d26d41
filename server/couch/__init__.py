"""CouchDB's wire protocol under ``/sync``: a plain Blueprint that copies CouchDB's shapes.

Views parse the request, call the store, and return; the store owns every rule.
"""

from __future__ import annotations

from flask import Blueprint

blp = Blueprint("couch", __name__)

# Importing the modules registers their routes on ``blp``.
from . import databases, documents, replication  # noqa: E402,F401
