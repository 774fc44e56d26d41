"""The endpoints a replicator uses: changes, revs_diff, bulk_docs, bulk_get, all_docs."""

from __future__ import annotations

import random
from typing import Any

import orjson
from flask import Response, current_app, request

from sync import errors, selector
from sync.storage import Database
from sync.storage.base import AllDocsQuery, ChangesQuery, ReadOptions, wire_results

from ..access.identity import credential_check, current_principal
from ..errors import couch_json
from ..extensions import database_opener, get_database, get_store
from ..services import documents as synced
from . import blp, feeds
from .documents import own_local
from .params import bounded, flag, integer, json_body, json_object_body, json_param, read_options

_STREAM_HEADERS = {"Cache-Control": "must-revalidate", "X-Accel-Buffering": "no"}


@blp.route("/<db>/_changes", methods=["GET", "POST"])
def changes(db: str) -> Response:
    """The changes feed: normal, longpoll or continuous, optionally for given doc_ids."""
    database = get_database(db)  # 404 before any streaming starts
    body = json_body(required=False) if request.method == "POST" else None
    query = _changes_query(database, body)
    feed = request.args.get("feed", "normal")
    settings = current_app.config["SETTINGS"]
    timeout_ms = min(integer("timeout", settings.changes_timeout_ms) or 0, settings.changes_timeout_ms)
    if timeout_ms == settings.changes_timeout_ms:
        # Feeds opened together (a fleet reconnecting after a restart) would all time out and
        # come back together; the longest wait is spread over its last fifth.
        timeout_ms = int(timeout_ms * random.uniform(0.8, 1.0))  # noqa: S311 - not a secret
    heartbeat = _heartbeat(settings.changes_timeout_ms)
    if feed == "normal" or (feed == "longpoll" and query.descending):
        return Response(feeds.page_json(database.changes(query)), mimetype="application/json")
    if feed == "longpoll":
        serve = feeds.longpoll
    elif feed in ("continuous", "eventsource"):
        serve = feeds.continuous
    else:
        raise errors.bad_request(f"Invalid feed: {feed[:32]}")
    principal = current_principal()
    slots: feeds.FeedSlots = current_app.extensions["feed_slots"]
    live = feeds.Feed(get_store().changes, db, database_opener(db), credential_check(),
                      slots.take(principal.user_id, exempt=principal.is_admin), settings.changes_batch_ms / 1000)
    stream = serve(live, query, timeout_ms / 1000, heartbeat)
    return Response(stream, mimetype="application/json", headers=_STREAM_HEADERS)


def _changes_query(database: Database, body: Any) -> ChangesQuery:
    since_arg = request.args.get("since", "0")
    # Sequences belong to the store: integers in the embedded one, opaque strings in CouchDB.
    since = database.update_seq() if since_arg == "now" else database.parse_since(since_arg)
    doc_ids = None
    chosen = None
    filter_name = request.args.get("filter")
    if filter_name == "_doc_ids":
        doc_ids = (body or {}).get("doc_ids") if isinstance(body, dict) else None
        if doc_ids is None:
            doc_ids = json_param("doc_ids")
        if not isinstance(doc_ids, list) or not all(isinstance(i, str) for i in doc_ids):
            raise errors.bad_request("filter=_doc_ids needs doc_ids, a JSON array of strings")
    elif filter_name == "_selector":
        # CouchDB reads the selector from a POST body only (couch_changes:get_selector_and_fields).
        if not isinstance(body, dict) or "selector" not in body:
            raise errors.bad_request("Selector must be specified in POST payload")
        chosen = selector.parse(body["selector"])
    elif filter_name == "_view":
        raise errors.bad_request("The _view filter is not supported: this gateway serves no map/reduce views. "
                                 "Use filter=_selector or filter=_doc_ids.")
    elif filter_name is not None and "/" in filter_name:
        raise errors.bad_request("Design-document filters are not supported: this gateway runs no JavaScript. "
                                 "Use filter=_selector or filter=_doc_ids.")
    elif filter_name is not None:
        raise errors.bad_request(f"Unsupported filter: {filter_name[:64]}")
    style = request.args.get("style", "main_only")
    if style not in ("main_only", "all_docs"):
        raise errors.bad_request("style must be main_only or all_docs")
    return ChangesQuery(
        since=since,
        limit=integer("limit"),
        descending=flag("descending"),
        all_leaves=style == "all_docs",
        include_docs=flag("include_docs"),
        conflicts=flag("conflicts"),
        attachments=flag("attachments"),
        doc_ids=frozenset(doc_ids) if doc_ids is not None else None,
        selector=chosen,
    )


def _heartbeat(maximum_ms: int) -> float | None:
    value = request.args.get("heartbeat")
    if value is None:
        return None
    if value == "true":
        return maximum_ms / 1000
    milliseconds = integer("heartbeat") or 0
    return max(min(milliseconds, maximum_ms), 100) / 1000


@blp.post("/<db>/_revs_diff")
def revs_diff(db: str) -> Response:
    """Which of the given revisions are missing here."""
    return couch_json(get_database(db).revs_diff(bounded(json_body())))


@blp.post("/<db>/_bulk_docs")
def bulk_docs(db: str) -> Response:
    """Write many documents in one transaction, each with its own result."""
    body = json_object_body()
    new_edits = body.get("new_edits", True)
    if not isinstance(new_edits, bool):
        raise errors.bad_request("new_edits must be a boolean")
    docs = bounded(body.get("docs"))
    if not isinstance(docs, list):
        raise errors.bad_request("docs must be an array")
    database = get_database(db)
    local = [index for index, doc in enumerate(docs) if _is_local(doc)]
    outcomes = database.write([doc for doc in docs if not _is_local(doc)], new_edits)
    for index in local:  # answered in place, as CouchDB does
        outcomes.insert(index, _write_local(database, docs[index]))
    return couch_json(wire_results(outcomes, new_edits), 201)


def _is_local(doc: object) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("_id"), str) and doc["_id"].startswith("_local/")


def _write_local(database: Database, doc: dict[str, Any]) -> tuple[str | None, str | errors.CouchError]:
    """A ``_local`` document of ``_bulk_docs``, kept where the ``_local`` routes keep it."""
    doc_id: str = doc["_id"]
    if len(orjson.dumps(doc)) > current_app.config["SETTINGS"].max_document_size:
        raise errors.document_too_large(doc_id)
    try:
        return doc_id, database.put_local(own_local(doc_id.removeprefix("_local/")), doc)["rev"]
    except errors.CouchError as error:
        if error.status >= 500:
            raise
        return doc_id, error


@blp.post("/<db>/_bulk_get")
def bulk_get(db: str) -> Response:
    """Many documents and revisions in one round trip."""
    options: ReadOptions = read_options()
    return couch_json({"results": get_database(db).bulk_get(bounded(json_object_body().get("docs")), options)})


@blp.route("/<db>/_all_docs", methods=["GET", "POST"])
def all_docs(db: str) -> Response:
    """Live documents by id: a key range, or the given ``keys``."""
    body = json_body(required=False) if request.method == "POST" else None
    keys = body.get("keys") if isinstance(body, dict) and "keys" in body else json_param("keys")
    if keys is not None and (not isinstance(bounded(keys), list) or not all(isinstance(k, str) for k in keys)):
        raise errors.bad_request("keys must be a JSON array of strings")
    key = json_param("key")
    startkey = _string_param("startkey", "start_key")
    endkey = _string_param("endkey", "end_key")
    if key is not None:
        startkey = endkey = _as_key(key)
    if keys and (startkey is not None or endkey is not None):
        raise errors.query_parse_error("`keys` is incompatible with `key`, `start_key` and `end_key`")
    query = AllDocsQuery(
        keys=tuple(keys) if keys is not None else None,
        startkey=startkey,
        endkey=endkey,
        inclusive_end=flag("inclusive_end", True),
        descending=flag("descending"),
        limit=integer("limit"),
        skip=integer("skip", 0) or 0,
        include_docs=flag("include_docs"),
        conflicts=flag("conflicts"),
        attachments=flag("attachments"),
    )
    database = get_database(db)
    # Read before the rows, as CouchDB does: a reader resuming from it misses nothing.
    update_seq = database.update_seq() if flag("update_seq") else None
    answer = database.all_docs(query)
    if update_seq is not None:
        answer["update_seq"] = update_seq
    return couch_json(answer)


def _string_param(*names: str) -> str | None:
    for name in names:
        value = json_param(name)
        if value is not None:
            return _as_key(value)
    return None


def _as_key(value: Any) -> str:
    if not isinstance(value, str):
        raise errors.bad_request("Document ids are strings; keys must be JSON strings")
    return value


@blp.post("/<db>/_ensure_full_commit")
def ensure_full_commit(db: str) -> Response:
    """Every acknowledged write is already durable (synchronous commits); say so."""
    get_database(db)
    return couch_json({"ok": True, "instance_start_time": "0"}, 201)


@blp.get("/<db>/_removed")
def removed(db: str) -> Response:
    """Documents that left the caller's scope since ``since``: the client purges them locally.

    PouchDB ignores Sync Gateway's ``_removed`` markers in the feed, so this is asked for
    separately; ``last_seq`` is where the next call resumes.
    """
    database = get_database(db)
    return couch_json(database.removed(database.parse_since(request.args.get("since", "0"))))


@blp.post("/<db>/_purge")
def purge(db: str) -> Response:
    """CouchDB's ``_purge``, for admins: erase whole documents (every leaf must be listed)."""
    if not current_principal().is_admin:
        raise errors.forbidden("You are not a server admin.")
    body = json_object_body()
    database = get_database(db)
    for doc_id, revs in body.items():
        if not isinstance(revs, list) or not all(isinstance(rev, str) for rev in revs):
            raise errors.bad_request("Request body must be {id: [revs]}")
        try:
            leaves = {entry["ok"]["_rev"] for entry in database.open_revs(doc_id, None) if "ok" in entry}
        except errors.CouchError:
            leaves = set()  # unknown document: nothing to purge
        if not leaves <= set(revs):
            raise errors.bad_request(f"Purging only some leaves of {doc_id[:64]} is not supported; list them all")
    return couch_json({"purge_seq": None, "purged": synced.purge(database, list(body))}, 201)
