"""The embedded store: one SQLite file per database, in WAL mode.

Every ``_bulk_docs`` request is one ``BEGIN IMMEDIATE`` transaction, so a crash at any
point leaves either all of it or none of it (SQLite's WAL is atomic and durable with
``synchronous=FULL``). Sequence numbers come from a counter in the same transaction and
strictly increase. Only leaf revisions keep their bodies, as after CouchDB's compaction;
attachments are stored once per digest and dropped when no revision refers to them.

Tables:

* ``docs``: one row per document: newest ``seq``, winning rev, its deleted flag, the
  revision tree (:mod:`sync.revtree` JSON) and its access (channels and grants, JSON).
  ``seq`` is indexed; the changes feed is a range scan over it.
* ``revs``: bodies and attachment stubs of leaf revisions.
* ``blobs``/``blob_refs``: attachment bytes by digest and which revisions use them.
* ``local_docs``: ``_local`` documents (replication checkpoints), never replicated.
* ``meta``: the update counter, document counts, the database's instance id.
"""

from __future__ import annotations

import base64
import fcntl
import os
import sqlite3
import threading
import uuid
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .. import errors, revtree
from ..access import EVERYTHING, AccessRules, NoRules, Scope, Validator
from ..changes import ChangeHub, Signal
from ..documents import AttachmentIn, DocEdit
from ..revs import new_rev, rev_pos
from ..revtree import RevTree
from .base import (
    AllDocsQuery,
    Attachment,
    Blocking,
    Change,
    ChangesPage,
    ChangesQuery,
    Database,
    Limits,
    ReadOptions,
    Store,
    check_db_name,
    run_here,
)
from .sqlite_index import SCHEMA as INDEX_SCHEMA
from .sqlite_index import Access, ChannelIndex

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value ANY) STRICT;
CREATE TABLE docs (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    winner TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    tree BLOB NOT NULL,
    access BLOB NOT NULL
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX docs_by_seq ON docs (seq);
CREATE TABLE revs (
    doc_id TEXT NOT NULL,
    rev TEXT NOT NULL,
    body BLOB NOT NULL,
    atts BLOB,
    PRIMARY KEY (doc_id, rev)
) STRICT, WITHOUT ROWID;
CREATE TABLE blobs (digest TEXT PRIMARY KEY, data BLOB NOT NULL) STRICT;
CREATE TABLE blob_refs (
    digest TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    rev TEXT NOT NULL,
    PRIMARY KEY (doc_id, rev, digest)
) STRICT, WITHOUT ROWID;
CREATE INDEX blob_refs_by_digest ON blob_refs (digest);
CREATE TABLE local_docs (id TEXT PRIMARY KEY, rev INTEGER NOT NULL, body BLOB NOT NULL) STRICT, WITHOUT ROWID;
"""

# SQLite's default limit on bound parameters is 32766 since 3.32; stay well below it.
_CHUNK = 500
_SUFFIX = ".sqlite"
# Changes a follower reads at most per look.
_TAIL_PAGE = 1000


@dataclass(slots=True)
class _DocState:
    seq: int
    tree: RevTree
    winner: str
    access: Access = field(default_factory=Access)


@dataclass(slots=True)
class _Batch:
    """Rows one ``_bulk_docs`` transaction writes, collected before touching the file."""

    docs: dict[str, tuple[str, int, bytes]] = field(default_factory=dict)
    access_before: dict[str, Access] = field(default_factory=dict)
    revs: dict[tuple[str, str], tuple[bytes, bytes | None]] = field(default_factory=dict)
    dropped: set[tuple[str, str]] = field(default_factory=set)
    blobs: dict[str, bytes] = field(default_factory=dict)
    refs: set[tuple[str, str, str]] = field(default_factory=set)
    winners: dict[str, dict[str, Any] | None] = field(default_factory=dict)


class _Connections:
    """Open connections per database, lent to one request at a time and kept when returned.

    Opening per request would re-read the schema each time, and closing the last connection
    makes SQLite checkpoint and delete the WAL. Connections are not tied to a thread: under
    gevent thousands of requests share a few OS threads, so a connection per thread (or per
    greenlet) would be either wrong or thousands. At most ``keep`` idle connections per
    database stay open; a connection is only reused while its file is the same one (same
    inode), so a database deleted and created again, by any process, gets fresh ones.
    """

    def __init__(self, keep: int = 32) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._idle: dict[str, list[tuple[_Connection, int]]] = {}

    def take(self, name: str, path: Path) -> tuple[_Connection, int]:
        """:raises CouchError: not_found if the file is not there"""
        try:
            inode = path.stat().st_ino
        except FileNotFoundError:
            raise errors.not_found("Database does not exist.") from None
        stale = []
        with self._lock:
            idle = self._idle.get(name, [])
            while idle:
                connection, seen = idle.pop()
                if seen == inode:
                    break
                stale.append(connection)
            else:
                connection = None
        for old in stale:
            old.close()
        return (connection, inode) if connection is not None else (_connect(path), inode)

    def give(self, name: str, connection: _Connection, inode: int) -> None:
        if connection.in_transaction:
            connection.rollback()
        with self._lock:
            idle = self._idle.setdefault(name, [])
            if len(idle) < self._keep:
                idle.append((connection, inode))
                return
        connection.close()

    def close(self, name: str | None = None) -> None:
        """Close the idle connections of ``name`` (or of every database)."""
        with self._lock:
            names = [name] if name is not None else list(self._idle)
            closing = [connection for key in names for connection, _ in self._idle.pop(key, [])]
        for connection in closing:
            connection.close()


class _Connection(sqlite3.Connection):
    """A connection with its own handle on the database's writer lock file (see
    :meth:`SqliteDatabase.writing`); ``flock`` excludes other handles, even in this process."""

    writer_lock: int
    # Closes the lock file's descriptor once: on close(), or when a connection that was never
    # handed back is collected.
    release_lock: weakref.finalize[[int], _Connection]

    def close(self) -> None:
        self.release_lock()
        super().close()


def _connect(path: Path) -> _Connection:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None,
                                     check_same_thread=False, factory=_Connection)
    except sqlite3.OperationalError:
        raise errors.not_found("Database does not exist.") from None
    connection.writer_lock = os.open(_lock_path(path), os.O_RDWR | os.O_CREAT, 0o600)
    connection.release_lock = weakref.finalize(connection, os.close, connection.writer_lock)
    connection.execute("PRAGMA busy_timeout = 30000")
    connection.execute("PRAGMA synchronous = FULL")
    # Erased personal data must not linger in free pages of the file.
    connection.execute("PRAGMA secure_delete = ON")
    return connection


class SqliteStore(Store):
    """A directory of SQLite files, one per database.

    Reads run where they are called: in WAL mode a reader never waits for a lock, and an
    indexed read takes well under a millisecond. Writes may wait for the file lock (another
    worker process writing) and for fsync, so they run through :attr:`run_blocking`, which
    the server points at a bounded pool of OS threads when it runs under gevent.
    """

    def __init__(self, directory: str | os.PathLike[str], limits: Limits | None = None,
                 rules: AccessRules | None = None, poll_interval: float = 0.05,
                 run_blocking: Blocking = run_here) -> None:
        super().__init__(limits or Limits())
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.rules: AccessRules = rules or NoRules()
        self.run_blocking = run_blocking
        self.changes = ChangeHub(self, poll_interval)
        self._pool = _Connections()

    def server_uuid(self) -> str:
        path = self.directory / "server.uuid"
        if not path.exists():
            scratch = self.directory / f".server.uuid.{os.getpid()}.{threading.get_ident()}"
            scratch.write_text(uuid.uuid4().hex)
            try:
                os.link(scratch, path)  # the first process to get here decides, atomically
            except FileExistsError:
                pass
            finally:
                scratch.unlink()
        return path.read_text().strip()

    def all_dbs(self) -> list[str]:
        return sorted(path.name[: -len(_SUFFIX)] for path in self.directory.glob("*" + _SUFFIX))

    def create_db(self, name: str) -> None:
        path = self._path(check_db_name(name))
        if path.exists():
            raise errors.file_exists()
        # Build the file aside and link it into place: link() fails if the name exists, so
        # concurrent creates cannot both win and no reader ever sees a half-made schema.
        scratch = self.directory / f".new-{uuid.uuid4().hex}"
        scratch.unlink(missing_ok=True)
        connection = sqlite3.connect(scratch, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA + INDEX_SCHEMA)
            connection.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                ("update_seq", 0), ("doc_count", 0), ("doc_del_count", 0), ("instance", uuid.uuid4().hex),
            ])
        finally:
            connection.close()
        try:
            os.link(scratch, path)
        except FileExistsError:
            raise errors.file_exists() from None
        finally:
            scratch.unlink(missing_ok=True)

    def delete_db(self, name: str) -> None:
        path = self._path(check_db_name(name))
        self._pool.close(name)
        try:
            path.unlink()
        except FileNotFoundError:
            raise errors.not_found("Database does not exist.") from None
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        _lock_path(path).unlink(missing_ok=True)

    def database(self, name: str, scope: Scope = EVERYTHING, validate: Validator | None = None) -> SqliteDatabase:
        connection, inode = self._pool.take(name, self._path(check_db_name(name)))
        return SqliteDatabase(self, name, connection, inode, scope, validate)

    def close(self) -> None:
        """Close the idle connections (lent ones close when they come back)."""
        self._pool.close()

    def tail(self, name: str, position: int | None, timeout: float) -> tuple[int, list[Signal]]:
        """What changed after ``position``; the store answers at once, so ``timeout`` is unused."""
        database = self.database(name)
        try:
            return (database.update_seq(), []) if position is None else database.signals_since(position)
        finally:
            database.close()

    def _path(self, name: str) -> Path:
        return self.directory / (name + _SUFFIX)


class SqliteDatabase(Database):
    """One SQLite file; one connection, lent to one request at a time."""

    def __init__(self, store: SqliteStore, name: str, connection: _Connection, inode: int,
                 scope: Scope, validate: Validator | None) -> None:
        super().__init__(name, store.limits, scope, validate)
        self._store = store
        self._db = connection
        self._inode = inode
        self._rules = store.rules
        self._index = ChannelIndex(connection)
        self._depth = 0
        self._closed = False

    # -- transactions ---------------------------------------------------------------------

    @contextmanager
    def writing(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken in turn with every other writer of the file.

        Writers, in any thread or process, queue on the file's lock file (``flock``), which
        hands the turn to the next one at once; SQLite's own busy handler sleeps 1 to 100 ms
        between tries, and with two worker processes writing many small transactions that
        sleeping was most of a write's time (BENCHMARKS.md). ``durable=False`` commits without
        fsync, for replication checkpoints: losing the newest one to a power cut costs the
        device a re-check, never data; the file stays consistent either way.
        """
        lock = self._db.writer_lock
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not durable:
                self._db.execute("PRAGMA synchronous = NORMAL")
            try:
                with self.atomic(immediate=True) as db:
                    yield db
            finally:
                if not durable:
                    self._db.execute("PRAGMA synchronous = FULL")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

    @contextmanager
    def atomic(self, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        """A transaction, or a savepoint inside one; rolled back on any exception."""
        if self._depth:
            name = f"sp{self._depth}"
            self._db.execute(f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield self._db
            except BaseException:
                self._db.execute(f"ROLLBACK TO {name}")
                raise
            finally:
                self._depth -= 1
            self._db.execute(f"RELEASE {name}")
            return
        self._db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        self._depth = 1
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0
        self._db.execute("COMMIT")

    def close(self) -> None:
        """Hand the connection back to the store, with no transaction left open."""
        if not self._closed:
            self._closed = True
            self._store._pool.give(self.name, self._db, self._inode)

    # -- info -----------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        with self.atomic():
            meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        return {
            "db_name": self.name,
            "update_seq": meta["update_seq"],
            "doc_count": meta["doc_count"],
            "doc_del_count": meta["doc_del_count"],
            "instance_start_time": "0",
            "purge_seq": 0,
            "compact_running": False,
            "disk_format_version": 8,
            "sizes": {"file": self._file_size()},
            "props": {},
        }

    def update_seq(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'update_seq'").fetchone()
        return int(row[0])

    def _file_size(self) -> int:
        page_count = self._db.execute("PRAGMA page_count").fetchone()[0]
        page_size = self._db.execute("PRAGMA page_size").fetchone()[0]
        return int(page_count * page_size)

    # -- writes ---------------------------------------------------------------------------

    def _bulk_docs(self, edits: list[DocEdit], new_edits: bool) -> list[str | errors.CouchError]:
        outcomes = self._store.run_blocking(lambda: self._write_batch(edits, new_edits))
        if any(isinstance(outcome, str) for outcome in outcomes):
            self._store.changes.notify(self.name)
        return outcomes

    def _write_batch(self, edits: list[DocEdit], new_edits: bool) -> list[str | errors.CouchError]:
        outcomes: list[str | errors.CouchError] = []
        with self.writing():
            states = self._load_states({edit.id for edit in edits})
            before = {doc_id: state.tree[state.winner].deleted for doc_id, state in states.items()}
            current = self._winner_docs(states)
            batch = _Batch()
            for edit in edits:
                try:
                    outcomes.append(self._apply(edit, new_edits, states, current, batch))
                except errors.CouchError as error:
                    outcomes.append(error)
            if batch.docs:
                self._flush(batch, before)
        return outcomes

    def _apply(self, edit: DocEdit, new_edits: bool, states: dict[str, _DocState],
               current: dict[str, dict[str, Any]], batch: _Batch) -> str:
        """Apply one edit to the in-memory states and the batch; return its rev.

        ``current`` holds each document's live winner as the batch has left it so far (what
        the access index follows); the validator sees the revision the edit replaces.
        """
        state = states.get(edit.id)
        tree: RevTree = state.tree if state else {}
        try:
            parent = self._parent_of(edit, state) if new_edits else None
        except errors.CouchError:
            # A writer who may not write over the winner hears that, not whether it exists.
            if self.validate is not None and state is not None:
                self._check_edit(edit, self._replaced(edit, state, state.winner, batch))
            raise
        if not new_edits and edit.path[0] in tree:
            return edit.path[0]
        if self.validate is not None:
            self._check_edit(edit, self._replaced(edit, state, parent, batch))
        if new_edits:
            atts = self._resolve_attachments(edit, parent, rev_pos(parent) + 1 if parent else 1, batch, False)
            rev = new_rev(parent, edit.body, edit.deleted, [meta["digest"] for meta in atts.values()])
            path = [rev, parent] if parent else [rev]
        else:
            path = edit.path
            rev = path[0]
            atts = self._resolve_attachments(edit, None, rev_pos(rev), batch, True)
        merged, dropped = revtree.stem(revtree.merge(tree, path, edit.deleted), self.limits.revs_limit)
        if merged == tree:
            return rev
        ranked = revtree.leaves(merged)
        new_leaves = set(ranked)
        old_leaves = set(revtree.leaves(tree)) if tree else set()
        for gone in (old_leaves - new_leaves) | set(dropped):
            batch.dropped.add((edit.id, gone))
        if rev in new_leaves:
            batch.revs[(edit.id, rev)] = (orjson.dumps(edit.body), orjson.dumps(atts) if atts else None)
            batch.dropped.discard((edit.id, rev))
            batch.refs.update((meta["digest"], edit.id, rev) for meta in atts.values())
        winner = ranked[0]
        if merged[winner].deleted:
            current.pop(edit.id, None)
        elif winner == rev:
            current[edit.id] = {"_id": edit.id, "_rev": rev, **edit.body}
        elif state is None or winner != state.winner:
            current[edit.id] = self._leaf_doc(edit.id, winner, batch)
        batch.winners[edit.id] = current.get(edit.id)
        before = state.access if state else Access()
        batch.access_before.setdefault(edit.id, before)
        states[edit.id] = _DocState(state.seq if state else 0, merged, winner, before)
        # A document edited twice in one batch takes the later position in the feed.
        batch.docs.pop(edit.id, None)
        batch.docs[edit.id] = (winner, int(merged[winner].deleted), orjson.dumps(revtree.to_json(merged)))
        return rev

    @staticmethod
    def _parent_of(edit: DocEdit, state: _DocState | None) -> str | None:
        """The revision a ``new_edits=true`` edit extends; it must be a leaf (else 409)."""
        if edit.parent is None:
            if state is None:
                return None
            if state.tree[state.winner].deleted:
                return state.winner  # recreating a deleted document extends its tombstone
            raise errors.conflict()
        if state is None or not revtree.is_leaf(state.tree, edit.parent):
            raise errors.conflict()
        return edit.parent

    def _replaced(self, edit: DocEdit, state: _DocState | None, parent: str | None,
                  batch: _Batch) -> dict[str, Any] | None:
        """The revision an edit replaces: its parent, or for a replicated edit the leaf its
        path extends; otherwise (a new branch) the winner. Tombstones count, marked ``_deleted``."""
        if state is None:
            return None
        base = parent or next((rev for rev in edit.path[1:] if revtree.is_leaf(state.tree, rev)), state.winner)
        doc = self._leaf_doc(edit.id, base, batch)
        if state.tree[base].deleted:
            doc["_deleted"] = True
        return doc

    def _resolve_attachments(self, edit: DocEdit, parent: str | None, pos: int, batch: _Batch,
                             replicated: bool) -> dict[str, dict[str, Any]]:
        """Stubs for the new revision: inline data is stored, stubs are found in the parent
        (``new_edits=true``) or by digest among stored attachments (replication)."""
        resolved: dict[str, dict[str, Any]] = {}
        parent_atts = self._rev_attachments(edit.id, parent, batch) if parent else {}
        for name, att in edit.attachments.items():
            if att.data is not None:
                assert att.digest is not None
                batch.blobs[att.digest] = att.data
                resolved[name] = _stub(att, len(att.data), att.revpos if replicated and att.revpos else pos)
                continue
            known = parent_atts.get(name)
            if known is not None and att.digest in (None, known["digest"]):
                resolved[name] = known
                continue
            length = self._blob_length(edit.id, att.digest, batch) if att.digest and replicated else None
            if length is None:
                raise errors.missing_stub(f"Invalid attachment stub in {edit.id} for {name}")
            resolved[name] = _stub(att, length, att.revpos or pos)
        return resolved

    def _winner_docs(self, states: dict[str, _DocState]) -> dict[str, dict[str, Any]]:
        """The live winners of the given documents, as ``{_id, _rev, ...body}``."""
        live = [(doc_id, state.winner) for doc_id, state in states.items() if not state.tree[state.winner].deleted]
        return {doc_id: {"_id": doc_id, "_rev": rev, **orjson.loads(body)}
                for (doc_id, rev), (body, _) in self._bodies(live).items()}

    def _leaf_doc(self, doc_id: str, rev: str, batch: _Batch) -> dict[str, Any]:
        """A leaf's body, from this batch or the file (a conflict that became the winner)."""
        stored = batch.revs.get((doc_id, rev)) or self._bodies([(doc_id, rev)])[(doc_id, rev)]
        return {"_id": doc_id, "_rev": rev, **orjson.loads(stored[0])}

    def _rev_attachments(self, doc_id: str, rev: str, batch: _Batch) -> dict[str, dict[str, Any]]:
        pending = batch.revs.get((doc_id, rev))
        if pending is not None:
            return orjson.loads(pending[1]) if pending[1] else {}
        row = self._db.execute("SELECT atts FROM revs WHERE doc_id = ? AND rev = ?", (doc_id, rev)).fetchone()
        return orjson.loads(row[0]) if row and row[0] else {}

    def _blob_length(self, doc_id: str, digest: str, batch: _Batch) -> int | None:
        """Length of an attachment this document already holds (in any stored revision or
        earlier in this batch); a stub never reaches another document's attachments."""
        if any(ref[0] == digest and ref[1] == doc_id for ref in batch.refs):
            return len(batch.blobs[digest]) if digest in batch.blobs else self._stored_length(digest)
        row = self._db.execute(
            "SELECT 1 FROM blob_refs WHERE digest = ? AND doc_id = ? LIMIT 1", (digest, doc_id)).fetchone()
        return self._stored_length(digest) if row else None

    def _stored_length(self, digest: str) -> int | None:
        row = self._db.execute("SELECT length(data) FROM blobs WHERE digest = ?", (digest,)).fetchone()
        return int(row[0]) if row else None

    def _flush(self, batch: _Batch, before: dict[str, bool]) -> None:
        """Write the collected rows; each changed document gets the next sequence number."""
        first_seq = self.update_seq() + 1
        doc_rows = []
        moves = []
        live_delta = deleted_delta = 0
        for offset, (doc_id, (winner, deleted, tree)) in enumerate(batch.docs.items()):
            old = batch.access_before[doc_id]
            new = self._access_of(batch.winners[doc_id], old)
            doc_rows.append((doc_id, first_seq + offset, winner, deleted, tree, new.to_json()))
            moves.append((doc_id, first_seq + offset, old, new))
            was_deleted = before.get(doc_id)
            if was_deleted is None:
                live_delta += not deleted
                deleted_delta += deleted
            elif was_deleted != bool(deleted):
                live_delta += 1 if was_deleted else -1
                deleted_delta += -1 if was_deleted else 1
        db = self._db
        # Remove the old rows first: the new sequence of a document may equal another's
        # old one only after that one moved, and the seq index is unique.
        db.executemany("DELETE FROM docs WHERE id = ?", [(row[0],) for row in doc_rows])
        db.executemany("INSERT INTO docs (id, seq, winner, deleted, tree, access) VALUES (?, ?, ?, ?, ?, ?)",
                       doc_rows)
        db.executemany("INSERT OR REPLACE INTO revs (doc_id, rev, body, atts) VALUES (?, ?, ?, ?)",
                       [(doc_id, rev, body, atts) for (doc_id, rev), (body, atts) in batch.revs.items()])
        db.executemany("INSERT OR IGNORE INTO blobs (digest, data) VALUES (?, ?)", list(batch.blobs.items()))
        db.executemany("INSERT OR IGNORE INTO blob_refs (digest, doc_id, rev) VALUES (?, ?, ?)", list(batch.refs))
        if batch.dropped:
            self._drop_revs(batch.dropped)
        self._index.update(moves)
        db.executemany("UPDATE meta SET value = value + ? WHERE key = ?",
                       [(live_delta, "doc_count"), (deleted_delta, "doc_del_count")])
        db.execute("UPDATE meta SET value = ? WHERE key = 'update_seq'", (first_seq + len(doc_rows) - 1,))

    def _access_of(self, winner: dict[str, Any] | None, before: Access) -> Access:
        """The channels and grants of a document whose winner is now ``winner``.

        A deleted document keeps the channels it had, so its deletion reaches the same
        readers (Sync Gateway's tombstones do the same); it grants nothing any more.
        """
        if winner is None:
            return Access(before.channels, {})
        return Access(self._rules.channels_of(winner), self._rules.grants_of(winner))

    def _drop_revs(self, dropped: Iterable[tuple[str, str]]) -> None:
        """Forget bodies of revisions that stopped being leaves, and attachments nobody uses."""
        db = self._db
        pairs = list(dropped)
        digests = {row[0] for pair in pairs for row in db.execute(
            "SELECT digest FROM blob_refs WHERE doc_id = ? AND rev = ?", pair)}
        db.executemany("DELETE FROM revs WHERE doc_id = ? AND rev = ?", pairs)
        db.executemany("DELETE FROM blob_refs WHERE doc_id = ? AND rev = ?", pairs)
        db.executemany(
            "DELETE FROM blobs WHERE digest = ? AND NOT EXISTS (SELECT 1 FROM blob_refs WHERE digest = ?)",
            [(digest, digest) for digest in digests])

    def _load_states(self, doc_ids: Iterable[str]) -> dict[str, _DocState]:
        states = {}
        for chunk in _chunks(list(doc_ids)):
            marks = ",".join("?" * len(chunk))
            for doc_id, seq, winner, tree, access in self._db.execute(
                    f"SELECT id, seq, winner, tree, access FROM docs WHERE id IN ({marks})", chunk):  # noqa: S608
                states[doc_id] = _DocState(seq, revtree.from_json(orjson.loads(tree)), winner, Access.from_json(access))
        return states

    # -- reads ----------------------------------------------------------------------------

    def _load_visible(self, doc_ids: Iterable[str]) -> dict[str, _DocState]:
        """Like :meth:`_load_states`, without the documents the reader may not see: to them
        those do not exist (a 404, not a 403, so that nothing leaks about other people)."""
        states = self._load_states(doc_ids)
        if self.scope.everything or not states:
            return states
        channels = self._index.effective(self.scope)
        return {doc_id: state for doc_id, state in states.items() if not state.access.channels.isdisjoint(channels)}

    def _revs_diff(self, request: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
        with self.atomic():
            states = self._load_visible(request)
        diff: dict[str, dict[str, list[str]]] = {}
        for doc_id, revs in request.items():
            state = states.get(doc_id)
            tree: RevTree = state.tree if state else {}
            missing = list(dict.fromkeys(revtree.missing(tree, revs)))
            if not missing:
                continue
            entry: dict[str, list[str]] = {"missing": missing}
            ancestors = sorted({a for rev in missing for a in revtree.possible_ancestors(tree, rev)})
            if ancestors:
                entry["possible_ancestors"] = ancestors
            diff[doc_id] = entry
        return diff

    def _get(self, doc_id: str, rev: str | None, options: ReadOptions) -> dict[str, Any]:
        with self.atomic():
            state = self._load_visible([doc_id]).get(doc_id)
            if state is None:
                raise errors.not_found("missing")
            if rev is None:
                if state.tree[state.winner].deleted:
                    raise errors.not_found("deleted")
                rev = state.winner
            elif options.latest and rev in state.tree:
                rev = revtree.latest(state.tree, rev)[0]
            bodies = self._bodies([(doc_id, rev)])
            if (doc_id, rev) not in bodies or rev not in state.tree:
                raise errors.not_found("missing")
            return self._render(doc_id, rev, state, bodies[(doc_id, rev)], options)

    def _open_revs(self, doc_id: str, revs: list[str] | None, options: ReadOptions) -> list[dict[str, Any]]:
        with self.atomic():
            state = self._load_visible([doc_id]).get(doc_id)
            if state is None:
                if revs is None:
                    raise errors.not_found("missing")
                return [{"missing": rev} for rev in revs]
            wanted: list[str] = []
            for rev in revtree.leaves(state.tree) if revs is None else revs:
                wanted += revtree.latest(state.tree, rev) if options.latest and rev in state.tree else [rev]
            bodies = self._bodies([(doc_id, rev) for rev in wanted])
            result: list[dict[str, Any]] = []
            for rev in wanted:
                body = bodies.get((doc_id, rev))
                if body is None or rev not in state.tree:
                    result.append({"missing": rev})
                else:
                    result.append({"ok": self._render(doc_id, rev, state, body, options)})
            return result

    def _bulk_get(self, requests: list[tuple[str, str | None]],
                  options: ReadOptions) -> list[list[dict[str, Any]] | errors.CouchError]:
        """All requests in one read transaction and a handful of batched queries."""
        with self.atomic():
            states = self._load_visible({doc_id for doc_id, _ in requests})
            planned: list[list[str] | errors.CouchError] = []
            for doc_id, rev in requests:
                state = states.get(doc_id)
                if rev is None:
                    if state is None or state.tree[state.winner].deleted:
                        planned.append(errors.not_found("missing" if state is None else "deleted"))
                    else:
                        planned.append([state.winner])
                elif state is not None and options.latest and rev in state.tree:
                    planned.append(revtree.latest(state.tree, rev))
                else:
                    planned.append([rev])
            bodies = self._bodies([(doc_id, rev) for (doc_id, _), revs in zip(requests, planned, strict=True)
                                   if not isinstance(revs, errors.CouchError) for rev in revs])
            results: list[list[dict[str, Any]] | errors.CouchError] = []
            for (doc_id, _), revs in zip(requests, planned, strict=True):
                if isinstance(revs, errors.CouchError):
                    results.append(revs)
                    continue
                state = states.get(doc_id)
                results.append([
                    {"ok": self._render(doc_id, rev, state, bodies[(doc_id, rev)], options)}
                    if state is not None and rev in state.tree and (doc_id, rev) in bodies else {"missing": rev}
                    for rev in revs])
            return results

    def _changes(self, query: ChangesQuery) -> ChangesPage:
        order = "DESC" if query.descending else "ASC"
        limit = -1 if query.limit is None else query.limit
        with self.atomic():
            current = self.update_seq()
            if not self.scope.everything:
                rows = self._scoped_changes(query)
            elif query.doc_ids is None:
                rows = self._db.execute(
                    f"SELECT id, seq, winner, deleted, tree FROM docs WHERE seq > ? ORDER BY seq {order} LIMIT ?",  # noqa: S608
                    (query.since, limit)).fetchall()
            else:
                rows = []
                for chunk in _chunks(sorted(query.doc_ids)):
                    marks = ",".join("?" * len(chunk))
                    rows += self._db.execute(
                        f"SELECT id, seq, winner, deleted, tree FROM docs WHERE seq > ? AND id IN ({marks})",  # noqa: S608
                        (query.since, *chunk)).fetchall()
                rows.sort(key=lambda row: row[1], reverse=query.descending)
                rows = rows if limit < 0 else rows[:limit]
            changes = [self._change(row, query) for row in rows]
            if query.include_docs:
                self._attach_docs(changes, rows, query)
        exhausted = query.limit is None or len(rows) < query.limit
        last_seq = current if exhausted and not query.descending else (changes[-1].seq if changes else query.since)
        return ChangesPage(changes, last_seq)

    def _scoped_changes(self, query: ChangesQuery) -> list[Any]:
        """The reader's feed through the channel index: work grows with their documents only.

        Each row carries the reader's own sequence for the document (see
        :meth:`ChannelIndex.changes`), which is what their checkpoint must resume from.
        """
        limit = None if query.descending else query.limit
        picked = self._index.changes(self._index.effective(self.scope), query.since, limit)
        if query.doc_ids is not None:
            picked = [(doc_id, seq) for doc_id, seq in picked if doc_id in query.doc_ids]
        found = {}
        for chunk in _chunks([doc_id for doc_id, _ in picked]):
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(
                    f"SELECT id, seq, winner, deleted, tree FROM docs WHERE id IN ({marks})", chunk):  # noqa: S608
                found[row[0]] = row
        rows = [(doc_id, seq, *found[doc_id][2:]) for doc_id, seq in picked if doc_id in found]
        if query.descending:
            rows.reverse()
            rows = rows if query.limit is None else rows[: query.limit]
        return rows

    @staticmethod
    def _change(row: Sequence[Any], query: ChangesQuery) -> Change:
        doc_id, seq, winner, deleted, tree_json = row
        if query.all_leaves:
            revs = revtree.leaves(revtree.from_json(orjson.loads(tree_json)))
        else:
            revs = [winner]
        return Change(seq=seq, id=doc_id, revs=revs, deleted=bool(deleted))

    def _attach_docs(self, changes: list[Change], rows: list[Any], query: ChangesQuery) -> None:
        bodies = self._bodies([(change.id, row[2]) for change, row in zip(changes, rows, strict=True)])
        options = ReadOptions(conflicts=query.conflicts, attachments=query.attachments)
        for change, (doc_id, seq, winner, _, tree_json) in zip(changes, rows, strict=True):
            state = _DocState(seq, revtree.from_json(orjson.loads(tree_json)), winner)
            change.doc = self._render(doc_id, winner, state, bodies[(doc_id, winner)], options)

    def _all_docs(self, query: AllDocsQuery) -> dict[str, Any]:
        with self.atomic():
            if self.scope.everything:
                total = self._db.execute("SELECT value FROM meta WHERE key = 'doc_count'").fetchone()[0]
                rows, offset = (self._rows_for_keys(query), 0) if query.keys is not None else self._rows_in_range(query)
            else:
                live = self._visible_live()
                total = len(live)
                rows, offset = ((self._rows_for_keys(query), 0) if query.keys is not None
                                else self._scoped_rows_in_range(query, live))
            if query.include_docs:
                self._include_docs(rows, ReadOptions(conflicts=query.conflicts, attachments=query.attachments))
        return {"total_rows": total, "offset": offset, "rows": rows}

    def _include_docs(self, rows: list[dict[str, Any]], options: ReadOptions) -> None:
        """Add ``doc`` to each found row; deleted ones get ``null``, as CouchDB does."""
        found = [row for row in rows if "value" in row]
        wanted = [(row["id"], row["value"]["rev"]) for row in found if not row["value"].get("deleted")]
        bodies = self._bodies(wanted)
        states = self._load_states([doc_id for doc_id, _ in wanted])
        for row in found:
            key = (row["id"], row["value"]["rev"])
            row["doc"] = self._render(key[0], key[1], states[key[0]], bodies[key], options) if key in bodies else None

    def _rows_in_range(self, query: AllDocsQuery) -> tuple[list[dict[str, Any]], int]:
        """Rows between startkey and endkey, and CouchDB's ``offset``: how many rows the
        whole index holds before the first one returned."""
        clauses, params = ["deleted = 0"], []
        low, high = (query.endkey, query.startkey) if query.descending else (query.startkey, query.endkey)
        if low is not None:
            clauses.append("id >= ?" if not query.descending or query.inclusive_end else "id > ?")
            params.append(low)
        if high is not None:
            clauses.append("id <= ?" if query.descending or query.inclusive_end else "id < ?")
            params.append(high)
        order = "DESC" if query.descending else "ASC"
        limit = -1 if query.limit is None else query.limit
        sql = (f"SELECT id, winner FROM docs WHERE {' AND '.join(clauses)} "  # noqa: S608
               f"ORDER BY id {order} LIMIT ? OFFSET ?")
        rows = [{"id": doc_id, "key": doc_id, "value": {"rev": winner}}
                for doc_id, winner in self._db.execute(sql, (*params, limit, query.skip))]
        before = 0
        if query.startkey is not None:
            before = self._db.execute(
                f"SELECT count(*) FROM docs WHERE deleted = 0 AND id {'>' if query.descending else '<'} ?",  # noqa: S608
                (query.startkey,)).fetchone()[0]
        return rows, before + query.skip

    def _visible_live(self) -> dict[str, str]:
        """The reader's live documents and their winners, found through the channel index."""
        states = self._load_states(self._index.documents(self._index.effective(self.scope)))
        return {doc_id: state.winner for doc_id, state in states.items() if not state.tree[state.winner].deleted}

    def _scoped_rows_in_range(self, query: AllDocsQuery, live: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
        """``_all_docs`` over the reader's own documents."""
        ordered = sorted(live, reverse=query.descending)
        start = query.startkey
        before = 0 if start is None else sum(1 for doc_id in ordered if (doc_id > start if query.descending
                                                                          else doc_id < start))
        wanted = [doc_id for doc_id in ordered if _in_range(query, doc_id)]
        wanted = wanted[query.skip:] if query.limit is None else wanted[query.skip:query.skip + query.limit]
        return [{"id": doc_id, "key": doc_id, "value": {"rev": live[doc_id]}} for doc_id in wanted], before + query.skip

    def _rows_for_keys(self, query: AllDocsQuery) -> list[dict[str, Any]]:
        assert query.keys is not None
        found = {doc_id: (state.winner, state.tree[state.winner].deleted)
                 for doc_id, state in self._load_visible(set(query.keys)).items()}
        keys = list(query.keys)[query.skip:]
        if query.limit is not None:
            keys = keys[: query.limit]
        rows: list[dict[str, Any]] = []
        for key in keys:
            if key not in found:
                rows.append({"key": key, "error": "not_found"})
                continue
            winner, deleted = found[key]
            value: dict[str, Any] = {"rev": winner}
            if deleted:
                value["deleted"] = True
            rows.append({"id": key, "key": key, "value": value})
        return rows

    def _get_attachment(self, doc_id: str, name: str, rev: str | None) -> Attachment:
        with self.atomic():
            state = self._load_visible([doc_id]).get(doc_id)
            if state is None:
                raise errors.not_found("missing")
            rev = rev or state.winner
            row = self._db.execute("SELECT atts FROM revs WHERE doc_id = ? AND rev = ?", (doc_id, rev)).fetchone()
            meta = (orjson.loads(row[0]) if row and row[0] else {}).get(name)
            if meta is None:
                raise errors.not_found("Document is missing attachment")
            blob = self._db.execute("SELECT data FROM blobs WHERE digest = ?", (meta["digest"],)).fetchone()
        return Attachment(content_type=meta["content_type"], digest=meta["digest"], data=bytes(blob[0]))

    def _bodies(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[bytes, bytes | None]]:
        """Stored bodies and attachment stubs by (doc id, rev), in as few queries as possible."""
        wanted = set(keys)
        found: dict[tuple[str, str], tuple[bytes, bytes | None]] = {}
        # By document id, then by rev here: SQLite plans a row-value ``(doc_id, rev) IN
        # (VALUES ...)`` as a scan of the whole table, while ``doc_id IN`` uses the key, and a
        # document keeps only its few leaves.
        for chunk in _chunks(sorted({doc_id for doc_id, _ in wanted})):
            marks = ",".join("?" * len(chunk))
            for doc_id, rev, body, atts in self._db.execute(
                    f"SELECT doc_id, rev, body, atts FROM revs WHERE doc_id IN ({marks})", chunk):  # noqa: S608
                if (doc_id, rev) in wanted:
                    found[(doc_id, rev)] = (body, atts)
        return found

    def _render(self, doc_id: str, rev: str, state: _DocState, stored: tuple[bytes, bytes | None],
                options: ReadOptions) -> dict[str, Any]:
        """A revision as CouchDB returns it: ``_id``, ``_rev``, the body, then specials."""
        tree = state.tree
        doc: dict[str, Any] = {"_id": doc_id, "_rev": rev}
        doc.update(orjson.loads(stored[0]))
        if tree[rev].deleted:
            doc["_deleted"] = True
        if stored[1]:
            doc["_attachments"] = self._render_attachments(orjson.loads(stored[1]), options.attachments)
        if options.conflicts and rev == state.winner:
            conflicts = revtree.conflicts(tree)
            if conflicts:
                doc["_conflicts"] = conflicts
        if options.deleted_conflicts and rev == state.winner:
            deleted = revtree.deleted_conflicts(tree)
            if deleted:
                doc["_deleted_conflicts"] = deleted
        if options.revs:
            doc["_revisions"] = revtree.revisions(tree, rev)
        if options.revs_info:
            doc["_revs_info"] = self._revs_info(doc_id, tree, rev)
        return doc

    def _render_attachments(self, atts: dict[str, dict[str, Any]], with_data: bool) -> dict[str, Any]:
        rendered = {}
        for name, meta in atts.items():
            if with_data:
                blob = self._db.execute("SELECT data FROM blobs WHERE digest = ?", (meta["digest"],)).fetchone()
                rendered[name] = {**meta, "data": base64.b64encode(blob[0]).decode()}
            else:
                rendered[name] = {**meta, "stub": True}
        return rendered

    def _revs_info(self, doc_id: str, tree: RevTree, rev: str) -> list[dict[str, str]]:
        path = revtree.ancestry(tree, rev)
        available = self._bodies([(doc_id, r) for r in path])
        return [{"rev": r, "status": "deleted" if tree[r].deleted else
                 "available" if (doc_id, r) in available else "missing"} for r in path]

    def signals_since(self, position: int) -> tuple[int, list[Signal]]:
        """The documents changed or purged after ``position``, with their channels and the
        users they grant to, and the position to look from next time."""
        with self.atomic():
            current = self.update_seq()
            if position >= current:
                return current, []
            rows = self._db.execute("SELECT id, seq, access FROM docs WHERE seq > ? ORDER BY seq LIMIT ?",
                                    (position, _TAIL_PAGE)).fetchall()
            signals = []
            for doc_id, _, access_json in rows:
                access = Access.from_json(access_json)
                signals.append(Signal(doc_id, access.channels, frozenset(access.grants)))
            signals += [Signal(doc_id, None) for doc_id in self._index.purged_since(position)]
        return (rows[-1][1] if len(rows) == _TAIL_PAGE else current), signals

    # -- leaving scope and erasure ---------------------------------------------------------------

    def _reader_channels(self) -> frozenset[str]:
        return frozenset(self._index.effective(self.scope))

    def _removed(self, since: int) -> dict[str, Any]:
        with self.atomic():
            current = self.update_seq()
            if self.scope.everything:
                gone = self._index.purged_since(since)
            else:
                gone = self._index.removed(self.scope, self._index.effective(self.scope), since)
        return {"results": [{"id": doc_id} for doc_id in sorted(gone)], "last_seq": current}

    def _purge(self, doc_ids: list[str]) -> dict[str, list[str]]:
        purged = self._store.run_blocking(lambda: self._purge_now(doc_ids))
        if purged:
            self._store.changes.notify(self.name)
        return purged

    def _purge_now(self, doc_ids: list[str]) -> dict[str, list[str]]:
        with self.writing():
            states = self._load_states(doc_ids)
            if not states:
                return {}
            seq = self.update_seq() + 1
            ids = [(doc_id,) for doc_id in states]
            digests = {row[0] for (doc_id,) in ids for row in self._db.execute(
                "SELECT digest FROM blob_refs WHERE doc_id = ?", (doc_id,))}
            self._db.executemany("DELETE FROM revs WHERE doc_id = ?", ids)
            self._db.executemany("DELETE FROM blob_refs WHERE doc_id = ?", ids)
            self._db.executemany(
                "DELETE FROM blobs WHERE digest = ? AND NOT EXISTS (SELECT 1 FROM blob_refs WHERE digest = ?)",
                [(digest, digest) for digest in digests])
            self._db.executemany("DELETE FROM docs WHERE id = ?", ids)
            deleted = sum(state.tree[state.winner].deleted for state in states.values())
            self._db.executemany("UPDATE meta SET value = value - ? WHERE key = ?",
                                 [(len(states) - deleted, "doc_count"), (deleted, "doc_del_count")])
            self._index.forget([(doc_id, state.access) for doc_id, state in states.items()], seq)
            self._db.execute("UPDATE meta SET value = ? WHERE key = 'update_seq'", (seq,))
        # Old page images in the WAL still hold the erased bytes until a checkpoint rewrites
        # the file (secure_delete zeroes the freed space) and truncates the log.
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return {doc_id: revtree.leaves(state.tree) for doc_id, state in states.items()}

    # -- local documents ----------------------------------------------------------------------

    def _get_local(self, local_id: str) -> dict[str, Any]:
        row = self._db.execute("SELECT rev, body FROM local_docs WHERE id = ?", (local_id,)).fetchone()
        if row is None:
            raise errors.not_found("missing")
        return {"_id": "_local/" + local_id, "_rev": f"0-{row[0]}", **orjson.loads(row[1])}

    def _put_local(self, local_id: str, rev: str | None, body: dict[str, Any]) -> dict[str, Any]:
        return self._store.run_blocking(lambda: self._put_local_now(local_id, rev, body))

    def _put_local_now(self, local_id: str, rev: str | None, body: dict[str, Any]) -> dict[str, Any]:
        with self.writing(durable=False):
            row = self._db.execute("SELECT rev FROM local_docs WHERE id = ?", (local_id,)).fetchone()
            current = row[0] if row else 0
            if row is not None and rev != f"0-{current}":
                raise errors.conflict()
            if row is None and rev not in (None, "0-0"):
                raise errors.conflict()
            self._db.execute("INSERT OR REPLACE INTO local_docs (id, rev, body) VALUES (?, ?, ?)",
                             (local_id, current + 1, orjson.dumps(body)))
        return {"ok": True, "id": "_local/" + local_id, "rev": f"0-{current + 1}"}

    def _delete_local(self, local_id: str, rev: str | None) -> dict[str, Any]:
        return self._store.run_blocking(lambda: self._delete_local_now(local_id, rev))

    def _delete_local_now(self, local_id: str, rev: str | None) -> dict[str, Any]:
        with self.writing(durable=False):
            row = self._db.execute("SELECT rev FROM local_docs WHERE id = ?", (local_id,)).fetchone()
            if row is None:
                raise errors.not_found("missing")
            if rev != f"0-{row[0]}":
                raise errors.conflict()
            self._db.execute("DELETE FROM local_docs WHERE id = ?", (local_id,))
        return {"ok": True, "id": "_local/" + local_id, "rev": "0-0"}


def _in_range(query: AllDocsQuery, doc_id: str) -> bool:
    """Whether ``doc_id`` lies between startkey and endkey in the query's direction."""
    start, end = query.startkey, query.endkey
    past_end = end is not None and (doc_id == end and not query.inclusive_end or
                                    (doc_id < end if query.descending else doc_id > end))
    before_start = start is not None and (doc_id > start if query.descending else doc_id < start)
    return not past_end and not before_start


def _stub(att: AttachmentIn, length: int, revpos: int) -> dict[str, Any]:
    return {"content_type": att.content_type, "digest": att.digest, "length": length, "revpos": revpos}


def _chunks(items: list[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")
