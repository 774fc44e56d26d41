"""What the gateway deliberately does not serve, refused in CouchDB's shape (501 not_implemented).

Each route exists so that the refusal is explicit: without it a view would be routed as an
attachment of its design document (a 404 that looks like a missing document) and ``_compact``
as a document (405). The README's "Endpoints under /sync" lists them with the same reasons.
Design-document filters are refused where ``_changes`` parses its filter, and
``validate_doc_update`` where documents are checked (``sync/documents.py``).
"""

from __future__ import annotations

from flask import Response

from sync import errors

from ..extensions import get_database
from . import blp

VIEWS = ("Map/reduce views are not supported: this gateway keeps documents for replication and runs no "
         "JavaScript. Read with _all_docs, or _changes with filter=_selector.")
COMPACTION = ("Compaction is not needed: this gateway keeps only the leaf revisions of each document, "
              "as CouchDB does after compacting.")


@blp.route("/<db>/_design/<ddoc>/_view/<view>", methods=["GET", "POST"])
def view(db: str, ddoc: str, view: str) -> Response:
    """Refused: map/reduce views."""
    get_database(db)  # a missing database is still CouchDB's 404
    raise errors.not_implemented(VIEWS)


@blp.post("/<db>/_compact", defaults={"ddoc": None})
@blp.post("/<db>/_compact/<ddoc>")
@blp.post("/<db>/_view_cleanup", defaults={"ddoc": None})
def compact(db: str, ddoc: str | None) -> Response:
    """Refused: compaction and view cleanup."""
    get_database(db)
    raise errors.not_implemented(COMPACTION)
