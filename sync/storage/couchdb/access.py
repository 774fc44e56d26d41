"""Per-reader scope on CouchDB: the access views, the exit records, and feed tokens.

CouchDB keeps no per-user index, so the gateway gives it three things:

* ``_design/miteinander_access`` in each database that scoped readers use, with two views
  computed by ``rules.js``, an interpreter of the rules' table (``AccessRules.table``):
  ``by_channel`` (key ``[channel, doc_id]``: which live documents each channel holds) and
  ``grants`` (key ``[user_id, channel]``: what documents grant to whom). CouchDB keeps views
  up to date incrementally; a reader's request reads only the rows of their channels.
* A companion database ``<name>$access`` with one *exit record* per document that ever left
  a channel: ``tombstone`` (the channels a deleted document was in, so its deletion reaches
  the same readers: views never see deleted documents), ``left`` (channels it left while
  live or by a purge) and ``purged``. The gateway writes a record *before* the write that
  causes the exit, from the old winner it reads anyway for validation, so a reader never
  sees a change whose record is missing. Its view ``exits`` is keyed
  ``[kind, channel, doc_id]``.
* Feed tokens. A scoped reader's ``since``/``last_seq`` is ``S~H`` (settled) or
  ``S~H~B~K`` (while a backfill runs): S and B are CouchDB sequences, H and K name the
  channel sets the reader had at S and is being backfilled, stored once each in a
  ``_local/miteinander-channels-<H>`` document (content-addressed, never changed). A channel
  the reader gained after S (a new assignment) is fetched from the beginning: its documents
  are older than the checkpoint and would otherwise never arrive.

Cost per request of a scoped reader: the view rows of their channels (their own documents,
plus the exit records of their channels), and one ``_changes`` with ``filter=_doc_ids`` over
those ids. That is O(reader's documents), never O(all changes): CouchDB looks each id up
directly for short lists and otherwise scans only the changes after ``since`` without
running any JavaScript.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

ACCESS_DDOC = "_design/miteinander_access"
EXITS_DDOC = "_design/miteinander_exits"
SHADOW_SUFFIX = "$access"
CHANNELS_LOCAL = "miteinander-channels-"
RULES_JS = (Path(__file__).parent / "rules.js").read_text(encoding="utf-8")

_BY_CHANNEL = """function (doc) {
%s
  var channels = channelsOf(doc);
  for (var i = 0; i < channels.length; i++) emit([channels[i], doc._id], null);
}"""
_GRANTS = """function (doc) {
%s
  var pairs = grantsOf(doc);
  for (var i = 0; i < pairs.length; i++) emit(pairs[i], null);
}"""
_EXITS = """function (doc) {
  var i;
  var tombstone = doc.tombstone || [], left = doc.left || [];
  for (i = 0; i < tombstone.length; i++) emit(['tombstone', tombstone[i], doc.doc_id], null);
  for (i = 0; i < left.length; i++) emit(['left', left[i], doc.doc_id], null);
  if (doc.purged) emit(['purged', doc.doc_id], null);
}"""


def access_views(table: Mapping[str, Any]) -> dict[str, Any]:
    """The body of ``_design/miteinander_access``: the rules' table and its interpreter as two views."""
    rules_js = f"var TYPES = {orjson.dumps(table, option=orjson.OPT_SORT_KEYS).decode()};\n{RULES_JS}"
    return {"language": "javascript", "views": {
        "by_channel": {"map": _BY_CHANNEL % rules_js},
        "grants": {"map": _GRANTS % rules_js},
    }}


def exit_views() -> dict[str, Any]:
    """The body of the companion database's design document."""
    return {"language": "javascript", "views": {"exits": {"map": _EXITS}}}


def shadow_name(name: str) -> str:
    """The companion database of ``name``, within CouchDB's 238 characters."""
    if len(name) + len(SHADOW_SUFFIX) <= 238:
        return name + SHADOW_SUFFIX
    return f"{name[:220]}-{hashlib.sha256(name.encode()).hexdigest()[:10]}{SHADOW_SUFFIX}"


def record_id(doc_id: str) -> str:
    """A document's exit record id (prefixed, so ``_design/`` ids stay plain documents)."""
    return "d:" + doc_id


def channels_key(channels: frozenset[str]) -> str:
    """The content address of a channel set."""
    return hashlib.sha256(orjson.dumps(sorted(channels))).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Token:
    """A scoped reader's position: everything of ``known`` channels up to ``since``; while
    a backfill runs, also everything of ``backfill`` channels up to ``backfill_since``.

    ``known`` is None when the reader's channels at ``since`` are unknown (a plain CouchDB
    sequence, e.g. ``since=now``): the reader is taken to have had their current channels.
    """

    since: str
    known: str | None = None
    backfill_since: str | None = None
    backfill: str | None = None

    def encode(self) -> str:
        parts = [self.since, self.known or ""]
        if self.backfill is not None:
            parts += [self.backfill_since or "0", self.backfill]
        return "~".join(parts)

    @classmethod
    def decode(cls, value: object) -> Token:
        """A token from a ``since`` value: ours, a plain CouchDB sequence, or 0."""
        text = str(value)
        if "~" not in text:
            return cls(since=text)
        parts = text.split("~")
        if len(parts) == 2:
            return cls(since=parts[0], known=parts[1])
        if len(parts) == 4:
            return cls(since=parts[0], known=parts[1], backfill_since=parts[2], backfill=parts[3])
        raise ValueError("not a feed token")


def couch_since(value: object) -> str:
    """The CouchDB sequence inside any ``since`` value this backend issued."""
    return Token.decode(value).since

