"""Extensions, each with an ``init_*(app)``: the store, compression and the REST Api."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from flask_compress import Compress
from flask_smorest import Api as BaseApi
from werkzeug.exceptions import HTTPException

from sync.changes import ChangeNotifier
from sync.storage import Database, Limits, Store, open_store

from .config import Settings
from .errors import couch_error_response, is_couch_path


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
    notifier = ChangeNotifier(poll_interval=settings.changes_poll_interval)
    app.extensions["store"] = open_store(settings.storage, limits, directory=settings.data_dir / "sync",
                                         notifier=notifier)

    @app.teardown_appcontext
    def close_databases(_: BaseException | None) -> None:
        for database in g.pop("databases", {}).values():
            database.close()


def get_store() -> Store:
    """The process's store."""
    store: Store = current_app.extensions["store"]
    return store


def get_database(name: str) -> Database:
    """A handle on database ``name`` for this request, closed when the request ends.

    :raises CouchError: not_found if the database does not exist
    """
    databases: dict[str, Database] = g.setdefault("databases", {})
    if name not in databases:
        databases[name] = get_store().database(name)
    return databases[name]


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
    """The REST API under ``/api``; its OpenAPI 3 description is at ``/api/openapi.json``."""
    app.config.update(
        API_TITLE="Miteinander",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
    )
    return Api(app)
