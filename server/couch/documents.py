"""Single documents, attachments and ``_local`` documents."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, request

from sync import errors
from sync.documents import is_media_type

from ..access.identity import current_principal
from ..errors import couch_json
from ..extensions import get_database
from . import blp
from .params import flag, json_body, json_object_body, json_param, read_options


def _doc_id(docid: str, design: bool) -> str:
    return f"_design/{docid}" if design else docid


@blp.route("/<db>/<docid>", methods=["GET", "HEAD"], defaults={"design": False})
@blp.route("/<db>/_design/<docid>", methods=["GET", "HEAD"], defaults={"design": True})
def get_document(db: str, docid: str, design: bool) -> Response:
    """A document: the winner, a given ``rev``, or several with ``open_revs``."""
    database = get_database(db)
    doc_id = _doc_id(docid, design)
    options = read_options()
    open_revs = request.args.get("open_revs")
    if open_revs is not None:
        revs = None if open_revs == "all" else json_param("open_revs")
        if revs is not None and (not isinstance(revs, list) or not all(isinstance(r, str) for r in revs)):
            raise errors.bad_request("open_revs must be \"all\" or a JSON array of revs")
        return couch_json(database.open_revs(doc_id, revs, options))
    doc = database.get(doc_id, request.args.get("rev"), options)
    response = couch_json(doc)
    response.headers["ETag"] = f'"{doc["_rev"]}"'
    return response


@blp.route("/<db>/<docid>", methods=["PUT"], defaults={"design": False})
@blp.route("/<db>/_design/<docid>", methods=["PUT"], defaults={"design": True})
def put_document(db: str, docid: str, design: bool) -> Response:
    """Create or update a document (``new_edits=false`` stores given revisions as they are)."""
    doc = json_object_body()
    doc["_id"] = _doc_id(docid, design)
    if "rev" in request.args and "_rev" not in doc:
        doc["_rev"] = request.args["rev"]
    result = get_database(db).put(doc, new_edits=flag("new_edits", True))
    response = couch_json(result, 201)
    response.headers["ETag"] = f'"{result["rev"]}"'
    return response


@blp.route("/<db>/", methods=["POST"], strict_slashes=False)
def post_document(db: str) -> Response:
    """Create a document; the server picks its id unless the body has one."""
    result = get_database(db).put(json_object_body())
    return couch_json(result, 201)


@blp.route("/<db>/<docid>", methods=["DELETE"], defaults={"design": False})
@blp.route("/<db>/_design/<docid>", methods=["DELETE"], defaults={"design": True})
def delete_document(db: str, docid: str, design: bool) -> Response:
    """Delete a document: a new revision with ``_deleted: true`` on the given ``rev``."""
    rev = _request_rev()
    if rev is None:
        raise errors.conflict()
    doc = {"_id": _doc_id(docid, design), "_rev": rev, "_deleted": True}
    result = get_database(db).put(doc)
    return couch_json(result)


def _request_rev() -> str | None:
    """The revision a write applies to, from ``?rev=`` or ``If-Match`` (which must agree)."""
    rev = request.args.get("rev") or None
    etag = request.headers.get("If-Match", "").strip('"') or None
    if rev is not None and etag is not None and rev != etag:
        raise errors.bad_request("Document rev and etag have different values")
    return rev or etag


@blp.route("/<db>/<docid>/<path:name>", methods=["GET", "HEAD"], defaults={"design": False})
@blp.route("/<db>/_design/<docid>/<path:name>", methods=["GET", "HEAD"], defaults={"design": True})
def get_attachment(db: str, docid: str, name: str, design: bool) -> Response:
    """An attachment's bytes, from ``rev`` or the winning revision."""
    attachment = get_database(db).get_attachment(_doc_id(docid, design), name, request.args.get("rev"))
    # A media type stored before the write check (or by another server) must not make the
    # read fail for everyone who replicates the document: it is served as plain bytes then.
    media_type = attachment.content_type if is_media_type(attachment.content_type) else "application/octet-stream"
    response = Response(attachment.data, content_type=media_type)
    # As CouchDB 3.5 answers: the base64 digest, without the "md5-" of the document's stub.
    md5 = attachment.digest.removeprefix("md5-")
    response.headers["ETag"] = f'"{md5}"'
    response.headers["Content-MD5"] = md5
    # Served from the app's own origin, what a user uploaded must never run as a page there.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
    return response


@blp.route("/<db>/<docid>/<path:name>", methods=["PUT"], defaults={"design": False})
@blp.route("/<db>/_design/<docid>/<path:name>", methods=["PUT"], defaults={"design": True})
def put_attachment(db: str, docid: str, name: str, design: bool) -> Response:
    """Add or replace one attachment from the raw body: a new revision of ``rev``, or a new
    document when no ``rev`` is given, as CouchDB does."""
    doc_id = _doc_id(docid, design)
    limit = current_app.config["SETTINGS"].max_document_size
    if (request.content_length or 0) > limit or len(data := request.get_data(cache=False)) > limit:
        raise errors.document_too_large(doc_id)
    attachment = {"content_type": request.headers.get("Content-Type", "application/octet-stream"),
                  "data": base64.b64encode(data).decode("ascii")}
    result = _edit_attachments(db, doc_id, name, attachment)
    response = couch_json(result, 201)
    response.headers["Location"] = request.base_url
    return response


@blp.route("/<db>/<docid>/<path:name>", methods=["DELETE"], defaults={"design": False})
@blp.route("/<db>/_design/<docid>/<path:name>", methods=["DELETE"], defaults={"design": True})
def delete_attachment(db: str, docid: str, name: str, design: bool) -> Response:
    """Remove one attachment: a new revision of ``rev`` without it."""
    return couch_json(_edit_attachments(db, _doc_id(docid, design), name, None))


def _edit_attachments(db: str, doc_id: str, name: str, attachment: dict[str, Any] | None) -> dict[str, Any]:
    """Write the revision that replaces (or, for None, drops) attachment ``name`` through the
    one write path, so write rules, validation and the journal apply as to any document. The
    other attachments go as stubs; without a rev the edit creates the document (CouchDB's
    ``db_attachment_req``), which is a conflict if it exists."""
    database = get_database(db)
    rev = _request_rev()
    if rev is None:
        if attachment is None:
            database.get(doc_id)  # a 404 for a missing document, as CouchDB answers
        doc: dict[str, Any] = {"_id": doc_id}
    else:
        try:
            doc = database.get(doc_id, rev)
        except errors.CouchError as error:
            if error.status != 404:
                raise
            # Only leaves keep a body here (CouchDB keeps older ones until compaction): a rev
            # of an existing document that cannot be read is not its current one.
            database.get(doc_id)
            raise errors.conflict() from None
    attachments = {key: value for key, value in doc.get("_attachments", {}).items() if key != name}
    if attachment is not None:
        attachments[name] = attachment
    doc["_attachments"] = attachments
    return database.put(doc)


def own_local(local_id: str) -> str:
    """Where a ``_local`` document of this account lives: a non-admin's under their user id,
    so one user's replication checkpoints are invisible to every other user."""
    principal = current_principal()
    return local_id if principal.is_admin else f"{principal.user_id}/{local_id}"


@blp.route("/<db>/_local/<local_id>", methods=["GET"])
def get_local(db: str, local_id: str) -> Response:
    """A ``_local`` document, such as a replication checkpoint."""
    doc = get_database(db).get_local(own_local(local_id))
    return couch_json({**doc, "_id": "_local/" + local_id})


@blp.route("/<db>/_local/<local_id>", methods=["PUT"])
def put_local(db: str, local_id: str) -> Response:
    """Write a ``_local`` document; it is never replicated, keeps no history, and is bounded
    like any document."""
    if len(request.get_data(cache=True)) > current_app.config["SETTINGS"].max_document_size:
        raise errors.document_too_large("_local/" + local_id)
    result = get_database(db).put_local(own_local(local_id), json_body())
    return couch_json({**result, "id": "_local/" + local_id}, 201)


@blp.route("/<db>/_local/<local_id>", methods=["DELETE"])
def delete_local(db: str, local_id: str) -> Response:
    """Delete a ``_local`` document."""
    result = get_database(db).delete_local(own_local(local_id), request.args.get("rev"))
    return couch_json({**result, "id": "_local/" + local_id})


@blp.route("/<db>/_local/<local_id>/<path:name>", methods=["GET", "HEAD", "PUT", "DELETE"])
def local_attachment(db: str, local_id: str, name: str) -> Response:
    """Refused, as CouchDB refuses it: ``_local`` documents have no attachments."""
    raise errors.bad_request("_local documents do not accept attachments.")
