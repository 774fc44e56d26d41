"""CouchDB as the store: for deployments that outgrow one machine.

Every primitive is one or a few requests to CouchDB (2.x/3.x, single node or cluster; also
pouchdb-server for tests). CouchDB keeps its own revision trees, winners, stemming and
attachments, so nothing here touches :mod:`sync.revtree`: ``_bulk_docs`` is CouchDB's
``_bulk_docs`` (``new_edits`` as given, attachments inline as base64), reads are its
``GET``/``open_revs``/``_bulk_get``/``_all_docs``/``_changes``, erasure is its ``_purge``.

What the gateway adds on top, in the same places as the embedded store:

* validation: every incoming revision is checked by the request's validator against the
  current winner, read in one ``_all_docs?keys&include_docs`` per batch, before anything is
  written; a replayed revision CouchDB already holds is not checked again (``_revs_diff``);
* per-reader scope: see :mod:`sync.storage.couchdb_access` (views from the channel rules,
  exit records, feed tokens); reads of single documents apply the Python rules to the
  current winner;
* sequences: CouchDB's are opaque strings (integers on pouchdb-server) and are passed
  through untouched; a scoped reader's are tokens that also name their channels.

The gateway's own design document and companion databases never show: they are left out
of ``_all_dbs``, ``_all_docs``, ``_changes`` and the counts, and cannot be written.
Failures of CouchDB itself are 503s (:mod:`sync.storage.couchdb_http`).
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import orjson

from .. import errors
from ..access import EVERYTHING, AccessRules, Scope, Validator
from ..changes import ChangeHub, Signal
from ..documents import DocEdit
from .base import (
    AllDocsQuery,
    Attachment,
    Change,
    ChangesPage,
    ChangesQuery,
    Database,
    Limits,
    ReadOptions,
    Seq,
    Store,
    check_db_name,
)
from .couchdb_access import (
    ACCESS_DDOC,
    CHANNELS_LOCAL,
    EXITS_DDOC,
    RULES_JS,
    SHADOW_SUFFIX,
    Token,
    access_views,
    channels_key,
    couch_since,
    exit_views,
    record_id,
    shadow_name,
)
from .couchdb_http import DEFAULT_TIMEOUTS, CouchClient, Timeouts, couch_error

log = logging.getLogger(__name__)

_DEFAULT_REVS_LIMIT = 1000
_HIDDEN = frozenset({ACCESS_DDOC})
_CHUNK = 1000  # ids per request where a list is sent
# A follower's longpoll: how long it waits per request, and how many changes it takes.
_FOLLOW_TIMEOUT = 10.0
_TAIL_PAGE = 500
_SINCE_RE = re.compile(r"[A-Za-z0-9_~-]{1,4096}")


class CouchStore(Store):
    """One CouchDB server (or a cluster behind one URL) as a set of databases.

    :param url: CouchDB's URL, credentials included (``http://user:pass@host:5984``)
    :param rules: the channel rules; their JavaScript port (``rules_js``) feeds the views,
        and a test keeps the two equal. Without rules, scoped readers see nothing.
    :param timeouts: connect and read timeouts of every request
    """

    def __init__(self, url: str, limits: Limits | None = None, rules: AccessRules | None = None,
                 timeouts: Timeouts = DEFAULT_TIMEOUTS, pool_size: int = 64, rules_js: str = RULES_JS,
                 poll_interval: float = 0.05) -> None:
        super().__init__(limits or Limits())
        self.client = CouchClient(url, timeouts, pool_size)
        # One longpoll per database and process follows CouchDB for every waiting feed.
        self.changes = ChangeHub(self, poll_interval, tail_timeout=_FOLLOW_TIMEOUT)
        self.rules = rules
        self.rules_js = rules_js
        self._lock = threading.Lock()
        self._root: dict[str, Any] | None = None
        self._ready: set[tuple[str, str]] = set()  # (database, design doc) known to be current
        self._channel_sets: dict[str, frozenset[str]] = {}

    # -- the server --------------------------------------------------------------------------

    def root(self) -> dict[str, Any]:
        """CouchDB's welcome object (``GET /``), read once."""
        if self._root is None:
            root = self.client.json("GET")
            self._root = root if isinstance(root, dict) else {}
        return self._root

    @property
    def is_couchdb(self) -> bool:
        """Apache CouchDB itself (not pouchdb-server): it has ``_bulk_get`` and multi-queries."""
        return self.root().get("couchdb") == "Welcome"

    def server_uuid(self) -> str:
        return str(self.root().get("uuid", ""))

    def all_dbs(self) -> list[str]:
        names = self.client.json("GET", "_all_dbs")
        return sorted(name for name in names if isinstance(name, str) and not name.endswith(SHADOW_SUFFIX)
                      and not name.startswith("_"))

    def create_db(self, name: str) -> None:
        check_db_name(name)
        if name.endswith(SHADOW_SUFFIX):
            raise errors.illegal_database_name(f"Names ending in {SHADOW_SUFFIX} are kept for the store's own use.")
        self.client.request("PUT", name, idempotent=False)
        if self.limits.revs_limit != _DEFAULT_REVS_LIMIT:
            self.client.request("PUT", name, "_revs_limit", body=self.limits.revs_limit)

    def delete_db(self, name: str) -> None:
        check_db_name(name)
        self.db_info(name)  # pouchdb-server answers ok for a database that is not there
        self.client.request("DELETE", name, idempotent=False)
        try:
            self.client.request("DELETE", shadow_name(name), idempotent=False)
        except errors.CouchError as error:
            if error.status != 404:
                raise
        with self._lock:
            self._ready = {ready for ready in self._ready if ready[0] not in (name, shadow_name(name))}

    def database(self, name: str, scope: Scope = EVERYTHING, validate: Validator | None = None) -> CouchDatabase:
        check_db_name(name)
        if name.endswith(SHADOW_SUFFIX):
            raise errors.not_found("Database does not exist.")
        self.db_info(name)
        return CouchDatabase(self, name, self.limits, scope, validate)

    def db_info(self, name: str) -> dict[str, Any]:
        """``GET /db``. :raises CouchError: not_found for a missing database, 503 if CouchDB is away"""
        try:
            info: dict[str, Any] = self.client.json("GET", name)
        except errors.CouchError as error:
            if error.status == 404:
                raise errors.not_found("Database does not exist.") from None
            raise
        return info

    def tail(self, name: str, position: str | None, timeout: float) -> tuple[str, list[Signal]]:
        """CouchDB's own longpoll with the documents, whose channels the rules tell; a
        deletion's channels are gone with its body, so it concerns every reader."""
        if position is None:
            return str(self.db_info(name)["update_seq"]), []
        page = self.client.longpoll(name, position, timeout, _TAIL_PAGE)
        signals = []
        for row in page.get("results", []):
            doc = row.get("doc")
            if self.rules is None or row.get("deleted") or not isinstance(doc, dict):
                signals.append(Signal(str(row.get("id")), None))
            else:
                signals.append(Signal(row["id"], self.rules.channels_of(doc), frozenset(self.rules.grants_of(doc))))
        return str(page.get("last_seq", position)), signals

    def close(self) -> None:
        self.client.close()

    # -- what the gateway keeps in CouchDB -----------------------------------------------------------

    def ensure_design(self, db: str, ddoc: str, body: dict[str, Any]) -> None:
        """Install or update one of our design documents (a no-op once known to be current)."""
        if (db, ddoc) in self._ready:
            return
        for _ in range(3):
            try:
                current = self.client.json("GET", db, ddoc)
            except errors.CouchError as error:
                if error.status != 404:
                    raise
                current = None
            if current is not None and current.get("views") == body["views"]:
                break
            doc = {**body, "_id": ddoc, **({"_rev": current["_rev"]} if current else {})}
            try:
                self.client.request("PUT", db, ddoc, body=doc, idempotent=False)
                log.info("installed %s in %s", ddoc, db)
                break
            except errors.CouchError as error:
                if error.error != "conflict":  # another gateway was first: look again
                    raise
        with self._lock:
            self._ready.add((db, ddoc))

    def warm_views(self, name: str, timeout: float = 3600.0) -> None:
        """Install the access views in ``name`` and wait until CouchDB has built them, so
        the first reader after a migration is not the one who waits."""
        if self.rules is None:
            return
        self.ensure_design(name, ACCESS_DDOC, access_views(self.rules_js))
        for view in ("by_channel", "grants"):
            self.client.json("GET", name, ACCESS_DDOC, "_view", view, params={"limit": "1"}, timeout=timeout)

    def ensure_shadow(self, name: str) -> str:
        """The companion database of ``name``, created with its view on first use."""
        shadow = shadow_name(name)
        if (shadow, EXITS_DDOC) not in self._ready:
            try:
                self.client.request("PUT", shadow, idempotent=False)
            except errors.CouchError as error:
                if error.error != "file_exists":
                    raise
            self.ensure_design(shadow, EXITS_DDOC, exit_views())
        return shadow

    def channel_set(self, db: str, key: str) -> frozenset[str] | None:
        """The channel set a token names, or None if unknown (then the token is not ours)."""
        found = self._channel_sets.get(key)
        if found is not None:
            return found
        try:
            doc = self.client.json("GET", db, "_local/" + CHANNELS_LOCAL + key)
        except errors.CouchError as error:
            if error.status != 404:
                raise
            return None
        found = frozenset(doc.get("channels", []))
        self._remember(key, found)
        return found

    def name_channel_set(self, db: str, channels: frozenset[str]) -> str:
        """Store a channel set under its content address (once) and return the address."""
        key = channels_key(channels)
        if key in self._channel_sets:
            return key
        try:
            self.client.request("PUT", db, "_local/" + CHANNELS_LOCAL + key,
                                body={"channels": sorted(channels)}, idempotent=False)
        except errors.CouchError as error:
            if error.error != "conflict":  # already stored by someone: same content
                raise
        self._remember(key, channels)
        return key

    def _remember(self, key: str, channels: frozenset[str]) -> None:
        with self._lock:
            if len(self._channel_sets) > 10_000:
                self._channel_sets.clear()
            self._channel_sets[key] = channels


class CouchDatabase(Database):
    """One CouchDB database as one reader sees it. Holds no connection of its own."""

    def __init__(self, store: CouchStore, name: str, limits: Limits, scope: Scope,
                 validate: Validator | None) -> None:
        super().__init__(name, limits, scope, validate)
        self.store = store
        self.client = store.client
        self._channels: frozenset[str] | None = None

    def close(self) -> None:
        """Nothing to release: connections belong to the store's pool."""

    # -- info -----------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        info = self.store.db_info(self.name)
        hidden = len(self._existing(_HIDDEN))
        sizes = info.get("sizes") or {"file": info.get("disk_size", 0)}
        return {
            "db_name": self.name,
            "update_seq": info.get("update_seq"),
            "doc_count": int(info.get("doc_count", 0)) - hidden,
            "doc_del_count": info.get("doc_del_count", 0),
            "instance_start_time": "0",
            "purge_seq": info.get("purge_seq", 0),
            "compact_running": info.get("compact_running", False),
            "disk_format_version": info.get("disk_format_version", 8),
            "sizes": sizes,
            "props": info.get("props", {}),
        }

    def update_seq(self) -> Seq:
        seq = self.store.db_info(self.name).get("update_seq")
        return seq if isinstance(seq, int | str) else 0

    def parse_since(self, raw: str) -> Seq:
        """CouchDB's sequences and our tokens are opaque strings; pouchdb-server's are numbers."""
        text = raw.strip('"')
        if text.isdigit() and len(text) <= 18:
            return int(text)
        if not _SINCE_RE.fullmatch(text):
            raise errors.bad_request("Invalid since parameter")
        return text

    # -- writes ---------------------------------------------------------------------------

    def _bulk_docs(self, edits: list[DocEdit], new_edits: bool) -> list[str | errors.CouchError]:
        outcomes: list[str | errors.CouchError | None] = [None] * len(edits)
        for index, edit in enumerate(edits):
            if edit.id in _HIDDEN:
                outcomes[index] = errors.forbidden("This design document belongs to the gateway.")
        if not new_edits:
            held = self._held_revs([(i, edit) for i, edit in enumerate(edits) if outcomes[i] is None])
            for index in held:
                outcomes[index] = edits[index].path[0]
        if new_edits:
            # Edits of one document apply in order, as in CouchDB: a second edit of the same
            # revision (or a second creation) finds it no longer a leaf.
            seen: set[tuple[str, str | None]] = set()
            for index, edit in enumerate(edits):
                if outcomes[index] is None and (edit.id, edit.parent) in seen:
                    outcomes[index] = errors.conflict()
                seen.add((edit.id, edit.parent))
        for index, error in self._resolve_stubs([(i, e) for i, e in enumerate(edits) if outcomes[i] is None],
                                                new_edits).items():
            outcomes[index] = error
        pending = [(i, edit) for i, edit in enumerate(edits) if outcomes[i] is None]
        tracked = self.validate is not None or self.store.rules is not None
        old = self._winners([edit.id for _, edit in pending]) if tracked and pending else {}
        replaced = self._replaced(pending) if self.validate is not None and pending else {}
        sending: list[tuple[int, DocEdit]] = []
        for index, edit in pending:
            try:
                self._check_edit(edit, replaced.get(index))
            except errors.CouchError as error:
                outcomes[index] = error
                continue
            sending.append((index, edit))
        if sending and self.store.rules is not None:
            self._record_exits(old, [edit for _, edit in sending])
        for (index, _), outcome in zip(sending, self._send([edit for _, edit in sending], new_edits), strict=True):
            outcomes[index] = outcome
        if sending:
            self.store.changes.notify(self.name)
        if not new_edits and sending and self.store.rules is not None:
            self._record_replaced_winners(old, [edit for _, edit in sending if edit.deleted])
        return [outcome if outcome is not None else errors.bad_request("not written") for outcome in outcomes]

    def _resolve_stubs(self, edits: list[tuple[int, DocEdit]], new_edits: bool) -> dict[int, errors.CouchError]:
        """Attachment stubs resolved as CouchDB does, whatever the server: a new edit's stub
        names an attachment of the revision it extends; a replicated stub one this document
        already holds (by digest). Found stubs get their digest; others are missing_stub."""
        failed: dict[int, errors.CouchError] = {}
        for index, edit in edits:
            stubs = {name: att for name, att in edit.attachments.items() if att.data is None}
            if not stubs:
                continue
            held = self._held_attachments(edit, new_edits)
            if held is None:
                continue  # the revision it extends is not there: CouchDB answers conflict
            for name, att in stubs.items():
                known = held.get(name) if new_edits else next(
                    (meta for meta in held.values() if meta.get("digest") == att.digest), None)
                if known is None or att.digest not in (None, known.get("digest")):
                    failed[index] = errors.missing_stub(f"Invalid attachment stub in {edit.id} for {name}")
                    break
                att.digest = known.get("digest")
                att.revpos = att.revpos or known.get("revpos")
                if "content_type" in known:
                    att.content_type = known["content_type"]
        return failed

    def _held_attachments(self, edit: DocEdit, new_edits: bool) -> dict[str, dict[str, Any]] | None:
        """Attachment stubs of the parent revision (new edits), or of every leaf."""
        if new_edits:
            if edit.parent is None:
                return {}
            try:
                parent = self.client.json("GET", self.name, edit.id, params={"rev": edit.parent})
            except errors.CouchError as error:
                if error.status == 404:
                    return None
                raise
            return dict(parent.get("_attachments", {}))
        try:
            leaves = self.client.json("GET", self.name, edit.id, params={"open_revs": "all"})
        except errors.CouchError as error:
            if error.status == 404:
                return {}
            raise
        return {f"{index}:{name}": meta for index, entry in enumerate(leaves) if "ok" in entry
                for name, meta in entry["ok"].get("_attachments", {}).items()}

    def _held_revs(self, edits: list[tuple[int, DocEdit]]) -> set[int]:
        """Which replicated edits CouchDB already holds (replays are answered, not re-checked)."""
        if not edits:
            return set()
        request: dict[str, list[str]] = {}
        for _, edit in edits:
            request.setdefault(edit.id, []).append(edit.path[0])
        missing = self.client.json("POST", self.name, "_revs_diff", body=request)
        return {index for index, edit in edits
                if edit.path[0] not in set(missing.get(edit.id, {}).get("missing", []))}

    def _send(self, edits: list[DocEdit], new_edits: bool) -> list[str | errors.CouchError]:
        """CouchDB's ``_bulk_docs``; one outcome per edit. CouchDB fails a whole batch for a
        missing stub, so such a batch is sent again one document at a time."""
        docs = [_couch_doc(edit, new_edits) for edit in edits]
        try:
            rows = self.client.json("POST", self.name, "_bulk_docs", body={"docs": docs, "new_edits": new_edits},
                                    idempotent=not new_edits)
        except errors.CouchError as error:
            if error.status >= 500:
                raise
            if len(edits) == 1:
                return [error]
            return [self._send([edit], new_edits)[0] for edit in edits]
        if new_edits:
            return [couch_error(400, str(row["error"]), str(row.get("reason", ""))) if "error" in row
                    else str(row["rev"]) for row in rows]
        failed = {(row.get("id"), row.get("rev")): couch_error(400, str(row["error"]), str(row.get("reason", "")))
                  for row in rows if isinstance(row, dict) and "error" in row}
        by_id = {doc_id: error for (doc_id, _), error in failed.items()}
        return [failed.get((edit.id, edit.path[0])) or by_id.get(edit.id) or edit.path[0] for edit in edits]

    def _winners(self, doc_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """Current winners: the document if live, None if deleted; absent ids are left out."""
        found: dict[str, dict[str, Any] | None] = {}
        for chunk in _chunks(sorted(set(doc_ids))):
            result = self.client.json("POST", self.name, "_all_docs", params={"include_docs": "true"},
                                      body={"keys": chunk})
            for row in result.get("rows", []):
                if "error" in row or "value" not in row:
                    continue
                found[row["id"]] = None if row["value"].get("deleted") else row.get("doc")
        return found

    def _replaced(self, edits: list[tuple[int, DocEdit]]) -> dict[int, dict[str, Any]]:
        """The revision each edit replaces, by index: its parent, or for a replicated edit
        the revision its path extends if CouchDB has it, else the winner, live or deleted.
        Two requests for the batch: the winners' revisions, then the bodies in one ``_bulk_get``."""
        winners: dict[str, str] = {}
        for chunk in _chunks(sorted({edit.id for _, edit in edits})):
            result = self.client.json("POST", self.name, "_all_docs", body={"keys": chunk})
            winners.update((row["id"], row["value"]["rev"]) for row in result.get("rows", [])
                           if "value" in row and "error" not in row)
        candidates = {index: (edit.id, [*([edit.parent] if edit.parent else edit.path[1:2]), winners[edit.id]])
                      for index, edit in edits if edit.id in winners}
        wanted = sorted({(doc_id, rev) for doc_id, revs in candidates.values() for rev in revs})
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(wanted), _CHUNK):
            answer = self.client.json("POST", self.name, "_bulk_get", body={
                "docs": [{"id": doc_id, "rev": rev} for doc_id, rev in wanted[start:start + _CHUNK]]})
            for result in answer.get("results", []):
                for entry in result.get("docs", []):
                    doc = entry.get("ok")
                    if isinstance(doc, dict):
                        doc.pop("_revisions", None)
                        found[(doc["_id"], doc["_rev"])] = doc
        replaced: dict[int, dict[str, Any]] = {}
        for index, (doc_id, revs) in candidates.items():
            doc = next((found[(doc_id, rev)] for rev in revs if (doc_id, rev) in found), None)
            if doc is not None:
                replaced[index] = doc
        return replaced

    def _existing(self, doc_ids: Iterable[str]) -> set[str]:
        """Which of the ids name live documents (a cheap ``_all_docs?keys``)."""
        ids = list(doc_ids)
        if not ids:
            return set()
        result = self.client.json("POST", self.name, "_all_docs", body={"keys": ids})
        return {row["id"] for row in result.get("rows", [])
                if "value" in row and "error" not in row and not row["value"].get("deleted")}

    # -- exit records (see couchdb_access) ---------------------------------------------------------

    def _record_exits(self, old: Mapping[str, dict[str, Any] | None], edits: list[DocEdit]) -> None:
        """Before writing: record the channels each edit makes its document leave."""
        rules = self.store.rules
        assert rules is not None
        tombstones: dict[str, set[str]] = {}
        left: dict[str, set[str]] = {}
        revived = self._read_records([edit.id for edit in edits if old.get(edit.id) is None and not edit.deleted])
        for edit in edits:
            before = old.get(edit.id)
            if before is None:
                # A deleted document written again: it leaves the channels its tombstone kept.
                buried = set(revived.get(edit.id, {}).get("tombstone", []))
                if buried and not edit.deleted:
                    gone = buried - rules.channels_of({"_id": edit.id, **edit.body})
                    if gone:
                        left.setdefault(edit.id, set()).update(gone)
                    tombstones[edit.id] = set()
                continue
            channels = set(rules.channels_of(before))
            if edit.deleted:
                tombstones.setdefault(edit.id, set()).update(channels)
            else:
                gone = channels - rules.channels_of({"_id": edit.id, **edit.body})
                if gone:
                    left.setdefault(edit.id, set()).update(gone)
        self._update_records(tombstones, left)

    def _record_replaced_winners(self, old: Mapping[str, dict[str, Any] | None], deletions: list[DocEdit]) -> None:
        """After a replicated deletion, another (conflicting) leaf may have become the winner
        with other channels; record what the document left."""
        rules = self.store.rules
        assert rules is not None
        candidates = [edit.id for edit in deletions if old.get(edit.id) is not None]
        if not candidates:
            return
        left: dict[str, set[str]] = {}
        for doc_id, winner in self._winners(candidates).items():
            before = old.get(doc_id)
            if winner is not None and before is not None:
                gone = set(rules.channels_of(before)) - rules.channels_of(winner)
                if gone:
                    left[doc_id] = gone
        self._update_records({}, left)

    def _read_records(self, doc_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The exit records of the given documents, by document id (absent ones left out)."""
        if not doc_ids:
            return {}
        shadow = self.store.ensure_shadow(self.name)
        result = self.client.json("POST", shadow, "_all_docs", params={"include_docs": "true"},
                                  body={"keys": [record_id(doc_id) for doc_id in doc_ids]})
        return {row["doc"]["doc_id"]: row["doc"] for row in result.get("rows", []) if row.get("doc")}

    def _update_records(self, tombstones: Mapping[str, set[str]], left: Mapping[str, set[str]],
                        purged: Iterable[str] = ()) -> None:
        purged = set(purged)
        ids = sorted(set(tombstones) | set(left) | purged)
        if not ids:
            return
        shadow = self.store.ensure_shadow(self.name)
        for _ in range(5):
            stored = self._read_records(ids)
            docs = []
            for doc_id in ids:
                record = stored.get(doc_id) or {"_id": record_id(doc_id), "doc_id": doc_id}
                updated = dict(record)
                if doc_id in tombstones:
                    updated["tombstone"] = sorted(tombstones[doc_id])
                if doc_id in left or doc_id in purged:
                    updated["left"] = sorted(set(record.get("left", [])) | left.get(doc_id, set()))
                if doc_id in purged:
                    updated["purged"] = True
                if updated != record:
                    docs.append(updated)
            if not docs:
                return
            rows = self.client.json("POST", shadow, "_bulk_docs", body={"docs": docs}, idempotent=False)
            retry = {row["id"][2:] for row in rows if row.get("error") == "conflict"}
            if not retry:
                return
            ids = sorted(retry)  # another gateway wrote the same record meanwhile: merge again
        raise errors.service_unavailable("CouchDB kept refusing the access records; try again later")

    def _exit_ids(self, kind: str, channels: Iterable[str]) -> dict[str, set[str]]:
        """Exit records of the given kind, by channel: ``{channel: {doc_id, ...}}``."""
        channels = sorted(set(channels))
        if not channels or self.store.rules is None:
            return {}
        shadow = self.store.ensure_shadow(self.name)
        return self._view_ids(shadow, EXITS_DDOC, "exits", [[kind, channel] for channel in channels])

    # -- scope --------------------------------------------------------------------------------

    def _reader_channels(self) -> frozenset[str]:
        if self._channels is None:
            channels = set(self.scope.channels)
            if self.scope.user_id is not None and self.store.rules is not None:
                self._ensure_views()
                rows = self._view_rows(self.name, ACCESS_DDOC, "grants", [[self.scope.user_id]])[0]
                channels.update(row["key"][1] for row in rows)
            self._channels = frozenset(channels)
        return self._channels

    def _ensure_views(self) -> None:
        self.store.ensure_design(self.name, ACCESS_DDOC, access_views(self.store.rules_js))

    def _live_ids(self, channels: Iterable[str]) -> dict[str, set[str]]:
        """Live documents of each channel, from the ``by_channel`` view."""
        channels = sorted(set(channels))
        if not channels or self.store.rules is None:
            return {}
        self._ensure_views()
        return self._view_ids(self.name, ACCESS_DDOC, "by_channel", [[channel] for channel in channels])

    def _view_ids(self, db: str, ddoc: str, view: str, prefixes: list[list[str]]) -> dict[str, set[str]]:
        """Document ids under each key prefix, by the prefix's last element (the channel)."""
        found: dict[str, set[str]] = {}
        for prefix, rows in zip(prefixes, self._view_rows(db, ddoc, view, prefixes), strict=True):
            found[prefix[-1]] = {row["key"][-1] for row in rows}
        return found

    def _view_rows(self, db: str, ddoc: str, view: str, prefixes: list[list[str]]) -> list[list[dict[str, Any]]]:
        """The rows of each key range ``prefix .. prefix + [{}]``: one request on CouchDB
        (``queries``), one per prefix on pouchdb-server."""
        ranges = [{"startkey": prefix, "endkey": [*prefix, {}]} for prefix in prefixes]
        path = (db, ddoc, "_view", view)
        if self.store.is_couchdb and len(ranges) > 1:
            result = self.client.json("POST", *path, "queries", body={"queries": ranges})
            return [list(part.get("rows", [])) for part in result.get("results", [])]
        return [list(self.client.json("GET", *path, params=key_range).get("rows", [])) for key_range in ranges]

    def _visible(self, doc_ids: Iterable[str]) -> set[str]:
        """Which of the documents this reader may see: a live winner by the rules, a deleted
        one by the channels it had (its exit record). Others do not exist for the reader."""
        ids = set(doc_ids) - _HIDDEN
        if self.scope.everything:
            return ids
        if not ids or self.store.rules is None:
            return set()
        channels = self._reader_channels()
        winners = self._winners(ids)
        visible = {doc_id for doc_id, doc in winners.items()
                   if doc is not None and self.store.rules.channels_of(doc) & channels}
        deleted = [doc_id for doc_id, doc in winners.items() if doc is None]
        if deleted:
            shadow = self.store.ensure_shadow(self.name)
            result = self.client.json("POST", shadow, "_all_docs", params={"include_docs": "true"},
                                      body={"keys": [record_id(doc_id) for doc_id in deleted]})
            visible.update(row["doc"]["doc_id"] for row in result.get("rows", [])
                           if row.get("doc") and set(row["doc"].get("tombstone", [])) & channels)
        return visible

    def _check_visible(self, doc_id: str) -> None:
        if doc_id in _HIDDEN or (not self.scope.everything and doc_id not in self._visible([doc_id])):
            raise errors.not_found("missing")

    # -- reads ----------------------------------------------------------------------------

    def _revs_diff(self, request: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
        visible = self._visible(request)
        diff: dict[str, dict[str, list[str]]] = {}
        asked = {doc_id: revs for doc_id, revs in request.items() if doc_id in visible}
        if asked:
            diff.update(self.client.json("POST", self.name, "_revs_diff", body=asked))
        for doc_id, revs in request.items():
            if doc_id not in visible and revs:
                diff[doc_id] = {"missing": list(dict.fromkeys(revs))}
        return {doc_id: diff[doc_id] for doc_id in request if doc_id in diff}

    def _get(self, doc_id: str, rev: str | None, options: ReadOptions) -> dict[str, Any]:
        self._check_visible(doc_id)
        return self._fetch(doc_id, rev, options)

    def _fetch(self, doc_id: str, rev: str | None, options: ReadOptions) -> dict[str, Any]:
        if rev is not None and options.latest:
            latest = self._latest(doc_id, [rev], options)[0][0]
            if "missing" in latest:
                raise errors.not_found("missing")
            rev = latest["ok"]["_rev"]
        params = _read_params(options)
        if rev is not None:
            params["rev"] = rev
        try:
            doc: dict[str, Any] = self.client.json("GET", self.name, doc_id, params=params)
        except errors.CouchError as error:
            # pouchdb-server says "missing" for a deleted document; CouchDB says "deleted".
            if error.status == 404 and rev is None and self._winners([doc_id]).get(doc_id, {}) is None:
                raise errors.not_found("deleted") from None
            raise
        if options.revs_info and doc.get("_deleted") and doc.get("_revs_info"):
            doc["_revs_info"][0]["status"] = "deleted"
        if options.deleted_conflicts and not self.store.is_couchdb and not doc.get("_deleted"):
            # pouchdb-server ignores deleted_conflicts: list the other deleted leaves.
            leaves = self.client.json("GET", self.name, doc_id, params={"open_revs": "all"})
            deleted = sorted((entry["ok"]["_rev"] for entry in leaves
                              if "ok" in entry and entry["ok"].get("_deleted")), key=_rev_order, reverse=True)
            if deleted:
                doc["_deleted_conflicts"] = deleted
        return doc

    def _open_revs(self, doc_id: str, revs: list[str] | None, options: ReadOptions) -> list[dict[str, Any]]:
        if doc_id in _HIDDEN or (not self.scope.everything and doc_id not in self._visible([doc_id])):
            if revs is None:
                raise errors.not_found("missing")
            return [{"missing": rev} for rev in revs]
        return self._fetch_revs(doc_id, revs, options)

    def _fetch_revs(self, doc_id: str, revs: list[str] | None, options: ReadOptions) -> list[dict[str, Any]]:
        if revs is not None and options.latest:
            return [entry for entries in self._latest(doc_id, revs, options) for entry in entries]
        params = _read_params(options, open_revs=True)
        params["open_revs"] = "all" if revs is None else revs
        found: list[dict[str, Any]] = self.client.json("GET", self.name, doc_id, params=params)
        if revs is None:
            if not found:
                raise errors.not_found("missing")
            return _winner_first(found)
        return found

    def _fetch_grouped(self, doc_id: str, revs: list[str], options: ReadOptions) -> dict[str, list[dict[str, Any]]]:
        """``open_revs`` answers by the revision asked for."""
        if options.latest:
            return dict(zip(revs, self._latest(doc_id, revs, options), strict=True))
        return {rev: [entry] for rev, entry in zip(revs, self._fetch_revs(doc_id, revs, options), strict=True)}

    def _latest(self, doc_id: str, revs: list[str], options: ReadOptions) -> list[list[dict[str, Any]]]:
        """``latest=true`` from the leaves and their histories: each asked revision is
        replaced by the leaves that descend from it (pouchdb-server cannot do this itself)."""
        params = _read_params(options, open_revs=True)
        params.update({"open_revs": "all", "revs": "true"})
        try:
            leaves = [entry["ok"] for entry in self.client.json("GET", self.name, doc_id, params=params)
                      if "ok" in entry]
        except errors.CouchError as error:
            if error.status != 404:
                raise
            leaves = []
        ordered = _winner_first(leaves)
        result: list[list[dict[str, Any]]] = []
        for rev in revs:
            chosen = [leaf for leaf in ordered if leaf["_rev"] == rev] or \
                [leaf for leaf in ordered if rev in _history(leaf)]
            entries: list[dict[str, Any]] = []
            for leaf in chosen:
                doc = dict(leaf)
                if not options.revs:
                    doc.pop("_revisions", None)
                entries.append({"ok": doc})
            result.append(entries or [{"missing": rev}])
        return result

    def _bulk_get(self, requests: list[tuple[str, str | None]],
                  options: ReadOptions) -> list[list[dict[str, Any]] | errors.CouchError]:
        """CouchDB's ``_bulk_get`` for the asked revisions (one request); winners, and reads
        with options ``_bulk_get`` lacks, one by one."""
        visible = self._visible({doc_id for doc_id, _ in requests})
        batch = [(doc_id, rev) for doc_id, rev in requests
                 if rev is not None and doc_id in visible and not (options.revs_info or options.conflicts)]
        fetched = iter(self._native_bulk_get(batch, options) if batch else [])
        results: list[list[dict[str, Any]] | errors.CouchError] = []
        for doc_id, rev in requests:
            if doc_id not in visible:
                results.append(errors.not_found("missing") if rev is None else [{"missing": rev}])
            elif rev is None:
                try:
                    results.append([{"ok": self._fetch(doc_id, None, options)}])
                except errors.CouchError as error:
                    if error.status >= 500:
                        raise
                    results.append(error)
            elif options.revs_info or options.conflicts:
                results.append(self._fetch_grouped(doc_id, [rev], options)[rev])
            else:
                results.append(next(fetched))
        return results

    def _native_bulk_get(self, requests: list[tuple[str, str]],
                         options: ReadOptions) -> list[list[dict[str, Any]]]:
        """One ``_bulk_get``. pouchdb-server crashes on ``latest`` for an unknown revision, so
        there ``latest`` is left out and only the revisions it cannot find are looked up
        through the leaves; a revision it does find is returned as asked (still correct: the
        replicator fetches the newer leaf in its next round)."""
        native_latest = options.latest and self.store.is_couchdb
        params = {key: "true" for key, wanted in (("revs", options.revs), ("attachments", options.attachments),
                                                  ("latest", native_latest)) if wanted}
        answer = self.client.json("POST", self.name, "_bulk_get", params=params,
                                  body={"docs": [{"id": doc_id, "rev": rev} for doc_id, rev in requests]})
        results: list[list[dict[str, Any]]] = []
        for (doc_id, rev), result in zip(requests, answer.get("results", []), strict=True):
            entries = [{"ok": entry["ok"]} if "ok" in entry else {"missing": rev} for entry in result.get("docs", [])]
            if options.latest and not native_latest and not any("ok" in entry for entry in entries):
                entries = self._latest(doc_id, [rev], options)[0]
            results.append(entries or [{"missing": rev}])
        return results

    def _changes(self, query: ChangesQuery) -> ChangesPage:
        if query.limit == 0:
            return ChangesPage([], query.since)
        if not self.scope.everything:
            return self._scoped_changes(query)
        doc_ids = None if query.doc_ids is None else query.doc_ids - _HIDDEN
        if doc_ids is not None and not doc_ids:
            return ChangesPage([], query.since if query.descending else self.update_seq())
        # One row more than asked, in case our design document is among them.
        limit = None if query.limit is None else query.limit + 1
        rows, last_seq = self._couch_changes(query, couch_since(query.since), doc_ids, limit)
        changes = [_change(row, query) for row in rows if row["id"] not in _HIDDEN]
        if query.limit is not None and len(changes) > query.limit:
            changes = changes[: query.limit]
            last_seq = changes[-1].seq
        return ChangesPage(changes, last_seq)

    def _couch_changes(self, query: ChangesQuery, since: str, doc_ids: Iterable[str] | None,
                       limit: int | None) -> tuple[list[dict[str, Any]], Seq]:
        params: dict[str, Any] = {"since": since}
        if limit is not None:
            params["limit"] = str(limit)
        for name, wanted in (("descending", query.descending), ("include_docs", query.include_docs),
                             ("conflicts", query.conflicts and query.include_docs),
                             ("attachments", query.attachments and query.include_docs)):
            if wanted:
                params[name] = "true"
        if query.all_leaves:
            params["style"] = "all_docs"
        if doc_ids is None:
            result = self.client.json("GET", self.name, "_changes", params=params)
        else:
            params["filter"] = "_doc_ids"
            result = self.client.json("POST", self.name, "_changes", params=params, body={"doc_ids": sorted(doc_ids)})
        return list(result.get("results", [])), result.get("last_seq", since)

    def _scoped_changes(self, query: ChangesQuery) -> ChangesPage:
        """A reader's feed through the views; see :mod:`sync.storage.couchdb_access`."""
        channels = self._reader_channels()
        try:
            token = Token.decode(query.since)
        except ValueError:
            raise errors.bad_request("Invalid since parameter") from None
        known = self._token_channels(token.known, channels)
        backfill = self._token_channels(token.backfill, frozenset()) if token.backfill else frozenset()
        backfill_since = token.backfill_since or "0"
        fresh = channels - known - backfill
        if fresh:  # gained since the checkpoint: fetch their documents from the beginning
            backfill, backfill_since = (backfill | fresh) & channels, "0"
        known, backfill = known & channels, backfill & channels
        live = self._live_ids(channels)
        dead = self._exit_ids("tombstone", channels)
        everyone = set().union(*live.values()) if live else set()
        readable_deleted = everyone | (set().union(*dead.values()) if dead else set())

        def ids_of(wanted: Iterable[str]) -> set[str]:
            found = {doc_id for channel in wanted for doc_id in live.get(channel, set()) | dead.get(channel, set())}
            return found if query.doc_ids is None else found & query.doc_ids

        def shows(row: dict[str, Any]) -> bool:
            if row.get("deleted"):
                return row["id"] in readable_deleted
            if row["id"] not in everyone:
                return False  # left the scope meanwhile: _removed reports it
            doc = row.get("doc")
            rules = self.store.rules
            return doc is None or rules is None or bool(rules.channels_of(doc) & channels)

        if query.descending:
            rows, _ = self._couch_changes(query, "0", ids_of(channels), query.limit)
            key = self.store.name_channel_set(self.name, channels)
            changes = [_change(row, query, Token(str(row["seq"]), key).encode()) for row in rows if shows(row)]
            return ChangesPage(changes, changes[-1].seq if changes else Token("0", key).encode())

        known_key = self.store.name_channel_set(self.name, known)
        results: list[Change] = []
        remaining = query.limit
        known_ids = ids_of(known)
        backfill_ids = ids_of(backfill) - known_ids
        if backfill_ids:
            back_key = self.store.name_channel_set(self.name, backfill)

            def resume_at(seq: object) -> str:
                return Token(token.since, known_key, str(seq), back_key).encode()

            rows, cursor, done = self._collect(query, backfill_since, backfill_ids, remaining, shows, set())
            results += [_change(row, query, resume_at(row["seq"])) for row in rows]
            if not done:  # the page ends inside the backfill
                return ChangesPage(results, resume_at(cursor))
            remaining = None if remaining is None else remaining - len(rows)
            known, known_ids = known | backfill, known_ids | backfill_ids
            known_key = self.store.name_channel_set(self.name, known)
        if not known_ids or remaining == 0:
            last = self.update_seq() if not known_ids else token.since
            return ChangesPage(results, Token(str(last), known_key).encode())
        rows, cursor, _ = self._collect(query, token.since, known_ids, remaining, shows,
                                        {change.id for change in results})
        results += [_change(row, query, Token(str(row["seq"]), known_key).encode()) for row in rows]
        return ChangesPage(results, Token(str(cursor), known_key).encode())

    def _collect(self, query: ChangesQuery, since: str, doc_ids: set[str], limit: int | None,
                 shows: Callable[[dict[str, Any]], bool], sent: set[str]) -> tuple[list[dict[str, Any]], Seq, bool]:
        """Rows the reader may see, up to ``limit``, reading on past rows they may not: a
        short page tells PouchDB the feed is exhausted, so it must only be short at the end.

        :returns: the rows, the sequence to resume from, and whether the feed is exhausted
        """
        shown: list[dict[str, Any]] = []
        cursor: Seq = since
        while True:
            wanted = None if limit is None else limit - len(shown)
            rows, last_seq = self._couch_changes(query, str(cursor), doc_ids, wanted)
            shown += [row for row in rows if shows(row) and row["id"] not in sent]
            if wanted is None or len(rows) < wanted:
                return shown, last_seq, True
            cursor = rows[-1]["seq"]
            if limit is not None and len(shown) >= limit:
                return shown, cursor, False

    def _token_channels(self, key: str | None, default: frozenset[str]) -> frozenset[str]:
        """The channel set a token names; a plain sequence means the reader's current ones,
        an unknown name none (everything is fetched again: safe, only slower)."""
        if key is None:
            return default
        return self.store.channel_set(self.name, key) or frozenset()

    def _all_docs(self, query: AllDocsQuery) -> dict[str, Any]:
        if not self.scope.everything:
            return self._scoped_all_docs(query)
        params = _all_docs_params(query)
        if query.keys is not None:
            keys = list(query.keys)
            result = self.client.json("POST", self.name, "_all_docs", params=params, body={"keys": keys})
            rows = [{"key": row["key"], "error": "not_found"} if row.get("id") in _HIDDEN else row
                    for row in result.get("rows", [])]
            total = int(result.get("total_rows", 0)) - len(self._existing(_HIDDEN))
            return {"total_rows": total, "offset": 0, "rows": rows}
        hidden = self._existing(_HIDDEN)
        if hidden and query.limit is not None:
            params["limit"] = str(query.limit + len(hidden))
        result = self.client.json("GET", self.name, "_all_docs", params=params)
        rows = [row for row in result.get("rows", []) if row.get("id") not in hidden]
        if query.limit is not None:
            rows = rows[: query.limit]
        offset = int(result.get("offset") or 0)
        if hidden and query.startkey is not None:
            offset -= sum(1 for doc_id in hidden if (doc_id > query.startkey if query.descending
                                                      else doc_id < query.startkey))
        return {"total_rows": int(result.get("total_rows", 0)) - len(hidden), "offset": max(offset, 0),
                "rows": rows}

    def _scoped_all_docs(self, query: AllDocsQuery) -> dict[str, Any]:
        """``_all_docs`` over the reader's documents: ids from the view, rows from CouchDB."""
        live = set().union(*self._live_ids(self._reader_channels()).values())
        params = _all_docs_params(query)
        if query.keys is not None:
            keys = list(query.keys)[query.skip:]
            keys = keys if query.limit is None else keys[: query.limit]
            params.pop("skip", None)
            params.pop("limit", None)
            visible = self._visible(keys)
            rows = self._rows_for(keys, params) if keys else []
            return {"total_rows": len(live), "offset": 0,
                    "rows": [row if row.get("id") in visible else {"key": row["key"], "error": "not_found"}
                             for row in rows]}
        ordered = sorted(live, reverse=query.descending)
        start = query.startkey
        before = 0 if start is None else sum(1 for doc_id in ordered if (doc_id > start if query.descending
                                                                          else doc_id < start))
        wanted = [doc_id for doc_id in ordered if _in_range(query, doc_id)]
        wanted = wanted[query.skip:] if query.limit is None else wanted[query.skip:query.skip + query.limit]
        for name in ("skip", "limit", "startkey", "endkey", "inclusive_end", "descending"):
            params.pop(name, None)
        rows = [row for row in self._rows_for(wanted, params) if "value" in row and not row["value"].get("deleted")]
        return {"total_rows": len(live), "offset": before + query.skip, "rows": rows}

    def _rows_for(self, keys: list[str], params: dict[str, Any]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for chunk in _chunks(keys):
            rows += self.client.json("POST", self.name, "_all_docs", params=params, body={"keys": chunk})["rows"]
        return rows

    def _get_attachment(self, doc_id: str, name: str, rev: str | None) -> Attachment:
        self._check_visible(doc_id)
        params = {"rev": rev} if rev is not None else None
        response = self.client.request("GET", self.name, doc_id, name, params=params)
        digest = response.headers.get("ETag", "").strip('"')
        if not digest.startswith("md5-"):
            digest = "md5-" + digest
        return Attachment(content_type=response.headers.get("Content-Type", "application/octet-stream"),
                          digest=digest, data=response.content)

    # -- leaving scope and erasure ---------------------------------------------------------------

    def _removed(self, since: Any) -> dict[str, Any]:
        current = self.update_seq()
        if self.scope.everything:
            purged = self._purged_ids() if self.store.rules is not None else set()
            gone = purged - self._existing(purged)
            return {"results": [{"id": doc_id} for doc_id in sorted(gone)], "last_seq": current}
        try:
            token = Token.decode(since)
        except ValueError:
            raise errors.bad_request("Invalid since parameter") from None
        channels = self._reader_channels()
        had = self._token_channels(token.known, channels) if token.since != "0" else frozenset()
        if token.backfill:
            had |= self._token_channels(token.backfill, frozenset())
        lost = had - channels
        candidates: set[str] = set()
        for found in (self._live_ids(lost), self._exit_ids("tombstone", lost), self._exit_ids("left", had | channels)):
            for ids in found.values():
                candidates |= ids
        gone = candidates - self._visible(candidates)
        key = self.store.name_channel_set(self.name, channels)
        return {"results": [{"id": doc_id} for doc_id in sorted(gone)], "last_seq": Token(str(current), key).encode()}

    def _purged_ids(self) -> set[str]:
        shadow = self.store.ensure_shadow(self.name)
        rows = self._view_rows(shadow, EXITS_DDOC, "exits", [["purged"]])[0]
        return {row["key"][-1] for row in rows}

    def _purge(self, doc_ids: list[str]) -> dict[str, list[str]]:
        """CouchDB's ``_purge`` of every leaf, after recording where the documents were, then
        a compaction so that the old bodies leave the file (CouchDB's purge alone leaves
        them until the next compaction)."""
        leaves: dict[str, list[str]] = {}
        channels: dict[str, set[str]] = {}
        rules = self.store.rules
        for doc_id in dict.fromkeys(doc_ids):
            try:
                found = [entry["ok"] for entry in self.client.json("GET", self.name, doc_id,
                                                                   params={"open_revs": "all"}) if "ok" in entry]
            except errors.CouchError as error:
                if error.status != 404:
                    raise
                continue
            if not found:
                continue
            leaves[doc_id] = [leaf["_rev"] for leaf in found]
            if rules is not None:
                channels[doc_id] = {channel for leaf in found if not leaf.get("_deleted")
                                    for channel in rules.channels_of(leaf)}
        if not leaves:
            return {}
        if rules is not None:
            self._update_records({doc_id: set() for doc_id in leaves}, channels, purged=leaves)
        try:
            result = self.client.json("POST", self.name, "_purge", body=leaves, idempotent=True)
        except errors.CouchError as error:
            if error.status >= 500:
                raise
            raise errors.CouchError(501, "not_implemented",
                                    "this CouchDB-compatible server cannot purge documents") from None
        try:
            self.client.request("POST", self.name, "_compact", body={})
        except errors.CouchError as error:
            log.warning("compaction after purge of %s failed: %s", self.name, error.error)
        self.store.changes.notify(self.name)
        purged = result.get("purged", {})
        return {doc_id: list(purged.get(doc_id, revs)) for doc_id, revs in leaves.items()}

    # -- local documents ----------------------------------------------------------------------

    def _get_local(self, local_id: str) -> dict[str, Any]:
        doc: dict[str, Any] = self.client.json("GET", self.name, "_local/" + local_id)
        return doc

    def _put_local(self, local_id: str, rev: str | None, body: dict[str, Any]) -> dict[str, Any]:
        doc = {**body, **({"_rev": rev} if rev is not None else {})}
        result = self.client.json("PUT", self.name, "_local/" + local_id, body=doc, idempotent=False)
        return {"ok": True, "id": "_local/" + local_id, "rev": str(result.get("rev"))}

    def _delete_local(self, local_id: str, rev: str | None) -> dict[str, Any]:
        current = self._get_local(local_id)  # pouchdb-server would delete with any rev
        if rev != current.get("_rev"):
            raise errors.conflict()
        self.client.request("DELETE", self.name, "_local/" + local_id, params={"rev": rev}, idempotent=False)
        return {"ok": True, "id": "_local/" + local_id, "rev": "0-0"}


# -- helpers ------------------------------------------------------------------------------------


def _couch_doc(edit: DocEdit, new_edits: bool) -> dict[str, Any]:
    """An edit as CouchDB's ``_bulk_docs`` takes it."""
    doc: dict[str, Any] = {"_id": edit.id, **edit.body}
    if new_edits:
        if edit.parent is not None:
            doc["_rev"] = edit.parent
    else:
        top = edit.path[0]
        doc["_rev"] = top
        doc["_revisions"] = {"start": int(top.split("-", 1)[0]), "ids": [rev.split("-", 1)[1] for rev in edit.path]}
    if edit.deleted:
        doc["_deleted"] = True
    if edit.attachments:
        atts: dict[str, Any] = {}
        for name, att in edit.attachments.items():
            if att.data is not None:
                atts[name] = {"content_type": att.content_type, "data": base64.b64encode(att.data).decode()}
            else:
                atts[name] = {"stub": True, "content_type": att.content_type,
                              **({"digest": att.digest} if att.digest else {})}
            if att.revpos is not None and (att.data is None or not new_edits):
                atts[name]["revpos"] = att.revpos
        doc["_attachments"] = atts
    return doc


def _read_params(options: ReadOptions, open_revs: bool = False) -> dict[str, Any]:
    wanted = {"revs": options.revs, "attachments": options.attachments}
    if not open_revs:
        wanted.update(revs_info=options.revs_info, conflicts=options.conflicts,
                      deleted_conflicts=options.deleted_conflicts)
    return {name: "true" for name, on in wanted.items() if on}


def _all_docs_params(query: AllDocsQuery) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if query.startkey is not None:
        params["startkey"] = query.startkey
    if query.endkey is not None:
        params["endkey"] = query.endkey
    if not query.inclusive_end:
        params["inclusive_end"] = "false"
    if query.descending:
        params["descending"] = "true"
    if query.limit is not None:
        params["limit"] = str(query.limit)
    if query.skip:
        params["skip"] = str(query.skip)
    for name, wanted in (("include_docs", query.include_docs), ("conflicts", query.conflicts and query.include_docs),
                         ("attachments", query.attachments and query.include_docs)):
        if wanted:
            params[name] = "true"
    # JSON-encode the keys: CouchDB's startkey/endkey are JSON values.
    for name in ("startkey", "endkey"):
        if name in params:
            params[name] = _json_string(params[name])
    return params


def _json_string(value: str) -> str:
    return orjson.dumps(value).decode()


def _change(row: dict[str, Any], query: ChangesQuery, seq: Seq | None = None) -> Change:
    revs = [change["rev"] for change in row.get("changes", [])]
    doc = row.get("doc") if query.include_docs else None
    return Change(seq=row["seq"] if seq is None else seq, id=row["id"], revs=revs,
                  deleted=bool(row.get("deleted", False)), doc=doc)


def _history(leaf: Mapping[str, Any]) -> set[str]:
    revisions = leaf.get("_revisions") or {}
    start = revisions.get("start", 0)
    return {f"{start - index}-{digest}" for index, digest in enumerate(revisions.get("ids", []))} | {leaf["_rev"]}


def _winner_first(leaves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Leaves with CouchDB's winner first: live before deleted, then the longest path, then
    the highest rev id (``couch_doc:to_doc_info``); the rest as CouchDB listed them."""
    docs = [entry.get("ok", entry) for entry in leaves]
    if not docs or any("_rev" not in doc for doc in docs):
        return leaves

    def rank(doc: Mapping[str, Any]) -> tuple[bool, int, str]:
        pos, _, digest = str(doc["_rev"]).partition("-")
        return (not doc.get("_deleted", False), int(pos) if pos.isdigit() else 0, digest)

    best = max(range(len(docs)), key=lambda index: rank(docs[index]))
    return [leaves[best], *leaves[:best], *leaves[best + 1:]]


def _rev_order(rev: str) -> tuple[int, str]:
    pos, _, digest = rev.partition("-")
    return (int(pos) if pos.isdigit() else 0, digest)


def _in_range(query: AllDocsQuery, doc_id: str) -> bool:
    start, end = query.startkey, query.endkey
    past_end = end is not None and (doc_id == end and not query.inclusive_end or
                                    (doc_id < end if query.descending else doc_id > end))
    before_start = start is not None and (doc_id > start if query.descending else doc_id < start)
    return not past_end and not before_start


def _chunks(items: list[str], size: int = _CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
