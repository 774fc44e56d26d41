"""Parsing what clients send as documents into checked, normalised edits.

Every backend receives :class:`DocEdit` objects, never raw JSON, so the rules about
special fields, rev ids, ``_revisions`` and inline attachments live in one place.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson

from . import errors
from .revs import parse_rev

# Special fields a client may send; the read-only ones are ignored on write, as CouchDB does.
_WRITABLE_SPECIALS = {"_id", "_rev", "_deleted", "_revisions", "_attachments"}
_IGNORED_SPECIALS = {"_conflicts", "_deleted_conflicts", "_revs_info", "_local_seq"}
# The replicator's state fields, which CouchDB keeps in the body like any field (couch_doc's
# transfer_fields); PouchDB reserves the same names.
REPLICATION_FIELDS = frozenset({"_replication_id", "_replication_state", "_replication_state_time",
                                "_replication_state_reason", "_replication_stats"})
# CouchDB sets no limit; ours keeps ids indexable and is far above any real client's.
MAX_ID_LENGTH = 4096
# A media type as HTTP defines it (RFC 9110: type "/" subtype, parameters), ASCII only and
# bounded: it is sent back as a response header, so nothing else may be stored.
_HTTP_TCHARS = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
_QUOTED = r'"[\x20\x21\x23-\x5b\x5d-\x7e]*"'
MEDIA_TYPE_RE = re.compile(
    rf"{_HTTP_TCHARS}/{_HTTP_TCHARS}(?:[ \t]*;[ \t]*{_HTTP_TCHARS}=(?:{_HTTP_TCHARS}|{_QUOTED}))*")
MAX_MEDIA_TYPE_LENGTH = 255
MAX_ATTACHMENT_NAME_LENGTH = 255


# An attachment's revpos as a replicator sends it: CouchDB 3.5 stores any JSON scalar as given
# (couchdb-3.5-behaviour.md section 9). Nothing here compares or counts with it.
Revpos = int | float | str


@dataclass(slots=True)
class AttachmentIn:
    """An attachment of an incoming edit: inline ``data`` or a ``stub`` to resolve."""

    content_type: str
    data: bytes | None = None
    digest: str | None = None
    revpos: Revpos | None = None


@dataclass(slots=True)
class DocEdit:
    """One document of a write, checked.

    ``path`` is empty for ``new_edits=true`` (the server makes the new rev, ``parent`` is
    the edited one) and holds the revision path, newest first, for ``new_edits=false``.
    """

    id: str
    body: dict[str, Any]
    deleted: bool = False
    parent: str | None = None
    path: list[str] = field(default_factory=list)
    attachments: dict[str, AttachmentIn] = field(default_factory=dict)


def as_document(edit: DocEdit) -> dict[str, Any]:
    """The incoming revision as write rules see it, whichever store writes it: ``_id``, the
    body, and ``_deleted`` for a deletion (no ``_rev``: the replaced revision is passed apart)."""
    doc: dict[str, Any] = {"_id": edit.id, **edit.body}
    if edit.deleted:
        doc["_deleted"] = True
    return doc


def attachment_digest(data: bytes) -> str:
    """CouchDB's attachment digest: ``md5-`` and the base64 MD5 of the bytes."""
    return "md5-" + base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def check_doc_id(doc_id: object) -> str:
    """Return ``doc_id`` if it may name a stored document.

    :raises CouchError: bad_request for a non-string, empty, too long or reserved id
    """
    if not isinstance(doc_id, str) or not doc_id:
        raise errors.bad_request("Document id must be a non-empty string")
    if len(doc_id) > MAX_ID_LENGTH:
        raise errors.bad_request(f"Document id is longer than {MAX_ID_LENGTH} characters")
    if doc_id.startswith("_") and not doc_id.startswith("_design/"):
        raise errors.bad_request("Only reserved document ids may start with underscore.")
    return doc_id


def parse_edit(raw: object, new_edits: bool, max_size: int) -> DocEdit:
    """Check one document of ``_bulk_docs`` or a PUT and normalise it.

    :param raw: the JSON value the client sent
    :param new_edits: False when the client brings its own revisions (replication)
    :param max_size: the largest accepted document, in bytes of JSON
    :raises CouchError: bad_request, or document_too_large, naming what is wrong
    """
    if not isinstance(raw, dict):
        raise errors.bad_request("Document must be a JSON object")
    unknown = [key for key in raw if key.startswith("_")
               and key not in _WRITABLE_SPECIALS | _IGNORED_SPECIALS | REPLICATION_FIELDS]
    if unknown:
        raise errors.doc_validation(f"Bad special document member: {unknown[0]}")
    if "_id" in raw or not new_edits:
        doc_id = check_doc_id(raw.get("_id"))
    else:
        doc_id = uuid.uuid4().hex
    if len(orjson.dumps(raw)) > max_size:
        raise errors.document_too_large(doc_id)
    deleted = raw.get("_deleted", False)
    if not isinstance(deleted, bool):
        raise errors.bad_request("_deleted must be a boolean")
    if doc_id.startswith("_design/") and "validate_doc_update" in raw and not deleted:
        # Accepting it unrun would let a client believe its rule guards the database.
        raise errors.not_implemented(
            "validate_doc_update is not supported: this gateway runs no JavaScript; "
            "its own document rules check every write.")
    body = {key: value for key, value in raw.items() if not key.startswith("_") or key in REPLICATION_FIELDS}
    edit = DocEdit(id=doc_id, body=body, deleted=deleted, attachments=_parse_attachments(raw.get("_attachments")))
    rev = raw.get("_rev")
    if rev is not None:
        check_rev(rev)
    if new_edits:
        edit.parent = rev
    else:
        if rev is None:
            raise errors.bad_request("new_edits=false requires _rev on every document")
        edit.path = _revision_path(rev, raw.get("_revisions"))
    return edit


def check_rev(rev: object) -> None:
    """Accept a rev id of the form ``N-hash``.

    :raises CouchError: bad_request otherwise
    """
    try:
        parse_rev(rev)
    except ValueError:
        raise errors.bad_request("Invalid rev format") from None


def _revision_path(rev: str, revisions: object) -> list[str]:
    """The path newest-first from ``_rev`` and ``_revisions``; just ``[_rev]`` without it."""
    if revisions is None:
        return [rev]
    if not isinstance(revisions, dict):
        raise errors.bad_request("_revisions must be an object")
    start, ids = revisions.get("start"), revisions.get("ids")
    if not isinstance(start, int) or isinstance(start, bool) or start < 1:
        raise errors.bad_request("_revisions.start must be a positive integer")
    if not isinstance(ids, list) or not ids or len(ids) > start:
        raise errors.bad_request("_revisions.ids must be a non-empty list no longer than start")
    path = [f"{start - index}-{digest}" for index, digest in enumerate(ids)]
    for item in path:
        check_rev(item)
    # CouchDB stores the path of _revisions and ignores a _rev that disagrees with it.
    return path


# A _local document's rev is "0-N". CouchDB 3.5 answers 400 "Invalid rev format" for
# "bogus" but a 500 for "1-abc" or "0-" (couchdb-3.5-behaviour.md section 7); both are 400 here.
_LOCAL_REV = re.compile(r"0-[0-9]{1,15}")


def check_local_rev(rev: object) -> str | None:
    """A ``_local`` document's rev, checked. :raises CouchError: bad_request"""
    if rev is not None and (not isinstance(rev, str) or _LOCAL_REV.fullmatch(rev) is None):
        raise errors.bad_request("Invalid rev format")
    return rev


def check_local_id(local_id: str) -> str:
    """A ``_local`` document's id (without the prefix), checked. :raises CouchError: bad_request"""
    if not local_id or len(local_id) > 512:
        raise errors.bad_request("Local document id must be 1 to 512 characters")
    return local_id


def is_media_type(value: object) -> bool:
    """Whether ``value`` is a well-formed media type that may be sent as ``Content-Type``."""
    return (isinstance(value, str) and len(value) <= MAX_MEDIA_TYPE_LENGTH
            and MEDIA_TYPE_RE.fullmatch(value) is not None)


def _parse_attachments(raw: object) -> dict[str, AttachmentIn]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise errors.bad_request("_attachments must be an object")
    parsed: dict[str, AttachmentIn] = {}
    for name, att in raw.items():
        if not name or name.startswith("_"):
            raise errors.bad_request("Attachment name must be non-empty and not start with underscore")
        if len(name) > MAX_ATTACHMENT_NAME_LENGTH or not name.isprintable():
            raise errors.bad_request(
                f"Attachment names have at most {MAX_ATTACHMENT_NAME_LENGTH} printable characters")
        if not isinstance(att, dict):
            raise errors.bad_request(f"Attachment {name} must be an object")
        content_type = att.get("content_type", "application/octet-stream")
        if not is_media_type(content_type):
            raise errors.bad_request(f"Attachment {name}: content_type must be a media type such as text/plain")
        revpos = att.get("revpos")
        # CouchDB 3.5 stores a replicator's revpos as given, whatever scalar it is: "`0`, `-1`,
        # `"x"` and `7` were all accepted and read back as given" (couchdb-3.5-behaviour.md
        # section 9); a new edit's inline data gets its position. null counts as none.
        if isinstance(revpos, dict | list):
            raise errors.bad_request(f"Attachment {name}: revpos must be a number or a string")
        if att.get("stub") is True:
            digest = att.get("digest")
            if digest is not None and not isinstance(digest, str):
                raise errors.bad_request(f"Attachment {name}: digest must be a string")
            parsed[name] = AttachmentIn(content_type=content_type, digest=digest, revpos=revpos)
            continue
        data = att.get("data")
        if not isinstance(data, str):
            raise errors.bad_request(f"Attachment {name} needs base64 data or stub: true")
        try:
            decoded = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise errors.bad_request(f"Attachment {name} is not valid base64") from None
        parsed[name] = AttachmentIn(
            content_type=content_type, data=decoded, digest=attachment_digest(decoded), revpos=revpos
        )
    return parsed
