"""The server root and whole databases: ``/sync/``, ``_all_dbs``, ``PUT/GET/DELETE /sync/{db}``."""

from __future__ import annotations

import uuid

from flask import Response, current_app

from sync import errors

from ..access.identity import current_principal
from ..errors import couch_json
from ..extensions import SERVER_DATABASES, get_database, get_store
from . import blp
from .params import integer

COUCH_VERSION = "3.3.3"


@blp.get("/", strict_slashes=False)
def welcome() -> Response:
    """The server root, as CouchDB answers it; PouchDB takes ``uuid`` into replication ids."""
    return couch_json({
        "couchdb": "Welcome",
        "version": COUCH_VERSION,
        "vendor": {"name": "Miteinander"},
        "uuid": get_store().server_uuid(),
        "features": [],
    })


@blp.get("/_up")
def up() -> Response:
    """Liveness, for load balancers."""
    return couch_json({"status": "ok"})


@blp.get("/_all_dbs")
def all_dbs() -> Response:
    """Names of the databases this principal may open."""
    if not current_principal().is_admin:
        return couch_json([current_app.config["SETTINGS"].main_db])
    return couch_json([name for name in get_store().all_dbs() if name not in SERVER_DATABASES])


@blp.get("/_uuids")
def uuids() -> Response:
    """Fresh ids for new documents (at most 1000 at once)."""
    count = min(integer("count", 1) or 1, 1000)
    return couch_json({"uuids": [uuid.uuid4().hex for _ in range(count)]})


def require_admin(db: str) -> None:
    """Only admins create and delete databases; server-side ones are not served at all.

    :raises CouchError: forbidden, or not_found for a server-side database
    """
    if db in SERVER_DATABASES:
        raise errors.not_found("Database does not exist.")
    if not current_principal().is_admin:
        raise errors.forbidden("You are not a server admin.")


@blp.route("/<db>/", methods=["GET", "HEAD"], strict_slashes=False)
def database_info(db: str) -> Response:
    """The database's update sequence, and to admins its counts and sizes: how many records
    the county holds is not every resident's business (others see zeros, in CouchDB's shape)."""
    info = get_database(db).info()
    if not current_principal().is_admin:
        info = {**info, "doc_count": 0, "doc_del_count": 0,
                "sizes": {name: 0 for name in info.get("sizes") or {"file": 0}}}
    return couch_json(info)


@blp.route("/<db>/", methods=["PUT"], strict_slashes=False)
def create_database(db: str) -> Response:
    """Create a database (admins only)."""
    require_admin(db)
    get_store().create_db(db)
    return couch_json({"ok": True}, 201)


@blp.route("/<db>/", methods=["DELETE"], strict_slashes=False)
def delete_database(db: str) -> Response:
    """Delete a database and everything in it (admins only)."""
    require_admin(db)
    get_store().delete_db(db)
    return couch_json({"ok": True})
