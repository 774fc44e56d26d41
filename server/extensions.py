"""Extensions, each with an ``init_*(app)``: the store, compression, rate limits and the REST Api."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import swagger_ui_bundle
from flask import Flask, Response, current_app, g, send_from_directory
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import Api as BaseApi
from werkzeug.exceptions import HTTPException

from schemas.channels import DomainRules
from sync import errors
from sync.storage import Database, Limits, Store, open_store

from .access.identity import current_principal
from .access.policy import scope_for
from .concurrency import STORE_WRITES
from .config import Settings
from .errors import couch_error_response, is_couch_path
from .services import accounts, documents
from .services.accounts import ACCOUNTS_DB
from .services.audit import AUDIT_DB
from .services.maintenance import JOBS_DB

# Databases the server keeps for itself; never served on /sync.
SERVER_DATABASES = frozenset({ACCOUNTS_DB, JOBS_DB, AUDIT_DB})


class Api(BaseApi):  # type: ignore[misc]
    """flask-smorest's Api, but routing errors under ``/sync`` answer in CouchDB's dialect.

    A blueprint cannot handle a routing 404 or 405, so the choice is made here, by path.
    """

    def handle_http_exception(self, error: HTTPException) -> Any:
        if is_couch_path():
            return couch_error_response(error)
        return super().handle_http_exception(error)


def init_store(app: Flask, settings: Settings) -> None:
    """Open the configured store once per process and close per-request handles."""
    limits = Limits(max_document_size=settings.max_document_size, revs_limit=settings.revs_limit)
    where: dict[str, object] = ({"url": settings.couchdb_url} if settings.storage == "couchdb"
                                else {"directory": settings.data_dir / "sync", "run_blocking": STORE_WRITES})
    app.extensions["store"] = store = open_store(settings.storage, limits, rules=DomainRules(),
                                                 poll_interval=settings.changes_poll_interval, **where)
    ensure_databases(store, settings.main_db)
    accounts.rekey_accounts(store)

    @app.teardown_appcontext
    def close_databases(_: BaseException | None) -> None:
        for database in g.pop("databases", {}).values():
            database.close()


def get_store() -> Store:
    """The process's store."""
    store: Store = current_app.extensions["store"]
    return store


def ensure_databases(store: Store, main_db: str) -> None:
    """Create the synced database and the server's own databases on first start."""
    for name in (main_db, *SERVER_DATABASES):
        if name not in store.all_dbs():
            try:
                store.create_db(name)
            except errors.CouchError as error:
                if error.error != "file_exists":  # another worker was first
                    raise


def database_opener(name: str) -> Callable[[], Database]:
    """Opens database ``name`` as the current principal sees it, with their write checks.

    Non-admins reach only the synced database, where every write passes the document
    schemas and the write rules. Other databases are plain CouchDB-style databases that
    only admins reach (scratch copies, migrations); server-side ones are not served at all.

    :raises CouchError: not_found for those, forbidden for other databases
    """
    principal = current_principal()
    if name in SERVER_DATABASES:
        raise errors.not_found("Database does not exist.")
    if not principal.is_admin and name != current_app.config["SETTINGS"].main_db:
        raise errors.forbidden("You are not allowed to access this db.")
    store = get_store()
    if name == current_app.config["SETTINGS"].main_db:
        return lambda: documents.open_checked(store, name, principal, via="sync")
    return lambda: store.database(name, scope_for(principal))


def get_database(name: str) -> Database:
    """A handle on database ``name`` for this request's principal, closed when the request ends.

    :raises CouchError: not_found if the database does not exist, forbidden if not theirs
    """
    databases: dict[str, Database] = g.setdefault("databases", {})
    if name not in databases:
        databases[name] = database_opener(name)()
    return databases[name]


# Guesses against logins and registrations are slowed per client address. The counts live in
# each process's memory: with N workers a client gets up to N times the rate, still bounded.
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])


def init_limiter(app: Flask) -> None:
    """Rate limits for the endpoints that take passwords.

    The limits are per route (decorators, checked when the view runs). The extension's
    global before-request hook only serves default limits, of which there are none, and it
    cost every request, sync traffic included, about 5% of the worker's time (BENCHMARKS.md):
    it is taken out again.
    """
    limiter.init_app(app)
    app.before_request_funcs[None].remove(limiter._check_request_limit)  # noqa: SLF001


def init_compress(app: Flask, settings: Settings) -> None:
    """gzip responses for clients that accept it; rural mobile links are slow.

    Streamed feeds (longpoll, continuous) are left alone: buffering them for compression
    would hold back heartbeats and live changes.
    """
    app.config.update(
        COMPRESS_ALGORITHM=["gzip"],
        COMPRESS_LEVEL=settings.gzip_level,
        COMPRESS_STREAMS=False,
        COMPRESS_MIN_SIZE=500,
    )
    Compress(app)


def init_api(app: Flask) -> Api:
    """The REST API under ``/api``: OpenAPI 3 at ``/api/openapi.json``, interactive docs at
    ``/api/docs`` with Swagger UI's files served from the installed package, not a CDN."""
    app.config.update(
        API_TITLE="Miteinander",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/docs/assets/",
    )
    api = Api(app, spec_kwargs={"security": [{"bearer": []}, {"basic": []}]})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme("basic", {"type": "http", "scheme": "basic"})

    @app.get("/api/docs/assets/<path:filename>")
    def swagger_ui_assets(filename: str) -> Response:
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86_400)

    return api
