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
* per-reader scope: see :mod:`sync.storage.couchdb.access` (views from the channel rules,
  exit records, feed tokens); reads of single documents apply the Python rules to the
  current winner;
* sequences: CouchDB's are opaque strings (integers on pouchdb-server) and are passed
  through untouched; a scoped reader's are tokens that also name their channels.

The gateway's own design document and companion databases never show: they are left out
of ``_all_dbs``, ``_all_docs``, ``_changes`` and the counts, and cannot be written.
Failures of CouchDB itself are 503s (:mod:`sync.storage.couchdb.http`).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ... import errors
from ...access import EVERYTHING, AccessRules, Scope, Validator
from ...changes import ChangeHub, Signal
from ..store import Store, check_db_name
from ..types import Limits
from .access import (
    ACCESS_DDOC,
    CHANNELS_LOCAL,
    EXITS_DDOC,
    SHADOW_SUFFIX,
    access_views,
    channels_key,
    exit_views,
    shadow_name,
)
from .feed import CouchFeed
from .http import DEFAULT_TIMEOUTS, CouchClient, Timeouts
from .pouchdb_server_quirks import check_name_kept
from .reads import CouchReads
from .writes import CouchWrites

log = logging.getLogger(__name__)

_DEFAULT_REVS_LIMIT = 1000
# A follower's longpoll: how long it waits per request, and how many changes it takes.
_FOLLOW_TIMEOUT = 10.0
_TAIL_PAGE = 500


class CouchStore(Store):
    """One CouchDB server or cluster as a set of databases.

    :param url: CouchDB's URL, credentials included (``http://user:pass@host:5984``), or
        several nodes of one cluster, comma-separated (``http://user:pass@a:5984,b:5984``),
        between which the client fails over (:mod:`sync.storage.couchdb.nodes`)
    :param rules: the channel rules; their JavaScript port (``rules_js``) feeds the views,
        and a test keeps the two equal. Without rules, scoped readers see nothing.
    :param timeouts: connect and read timeouts of every request
    """

    def __init__(self, url: str, limits: Limits | None = None, rules: AccessRules | None = None,
                 timeouts: Timeouts = DEFAULT_TIMEOUTS, pool_size: int = 64,
                 poll_interval: float = 0.05) -> None:
        super().__init__(limits or Limits())
        self.client = CouchClient(url, timeouts, pool_size)
        # One longpoll per database and process follows CouchDB for every waiting feed.
        self.changes = ChangeHub(self, poll_interval, tail_timeout=_FOLLOW_TIMEOUT)
        self.rules = rules
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
        self._check_name(name)
        if name.endswith(SHADOW_SUFFIX):
            raise errors.illegal_database_name(f"Names ending in {SHADOW_SUFFIX} are kept for the store's own use.")
        self.client.request("PUT", name, idempotent=False)
        if self.limits.revs_limit != _DEFAULT_REVS_LIMIT:
            self.client.request("PUT", name, "_revs_limit", body=self.limits.revs_limit)

    def delete_db(self, name: str) -> None:
        self._check_name(name)
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
        self._check_name(name)
        if name.endswith(SHADOW_SUFFIX):
            raise errors.not_found("Database does not exist.")
        self.db_info(name)
        return CouchDatabase(self, name, self.limits, scope, validate)

    def _check_name(self, name: str) -> None:
        """:raises CouchError: bad_request for a name CouchDB refuses; not_implemented for one
            pouchdb-server would change (``/``)"""
        check_name_kept(self, check_db_name(name))

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

    def access_design(self) -> dict[str, Any]:
        """The access views of this store's rules (see ``access.py``)."""
        return access_views(self.rules.table() if self.rules else {})

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
        self.ensure_design(name, ACCESS_DDOC, self.access_design())
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


class CouchDatabase(CouchFeed, CouchReads, CouchWrites):
    """One CouchDB database as one reader sees it: reads, the feed and writes (see their
    modules); pouchdb-server's differences in :mod:`.pouchdb_server_quirks`."""
