"""Revision ids: ``"N-hash"`` where N is the depth in the tree and hash identifies the content.

CouchDB derives the hash from the edit (deleted flag, parent revision, body, attachment
digests) with MD5, so the same edit made twice on two replicas gets the same id and
converges instead of conflicting. We do the same over a canonical JSON encoding; the bytes
differ from CouchDB's Erlang term encoding, which only matters for replicas that create the
very same edit independently on both servers.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson

# CouchDB takes any text after "N-"; we take word characters, bounded, as every client sends.
_REV_RE = re.compile(r"^([1-9][0-9]{0,15})-([0-9a-zA-Z_]{1,64})$")


def parse_rev(rev: object) -> tuple[int, str]:
    """Split a rev id into its position and hash.

    :param rev: the value a client sent as ``_rev``
    :raises ValueError: if it is not a string of the form ``N-hash`` with N >= 1
    """
    if not isinstance(rev, str):
        raise ValueError("Invalid rev format")
    match = _REV_RE.match(rev)
    if match is None:
        raise ValueError("Invalid rev format")
    return int(match.group(1)), match.group(2)


def rev_pos(rev: str) -> int:
    """The position (depth) of a rev id that is known to be valid."""
    return int(rev.partition("-")[0])


def new_rev(parent: str | None, body: dict[str, Any], deleted: bool, digests: list[str]) -> str:
    """The id of the revision that an edit of ``parent`` to ``body`` creates.

    :param parent: the revision being edited, ``None`` for a new document
    :param body: the document without its ``_``-prefixed fields
    :param deleted: whether the edit deletes the document
    :param digests: digests of the attachments the new revision carries
    """
    pos = rev_pos(parent) + 1 if parent else 1
    material = orjson.dumps([deleted, parent, body, sorted(digests)], option=orjson.OPT_SORT_KEYS)
    return f"{pos}-{hashlib.md5(material, usedforsecurity=False).hexdigest()}"
