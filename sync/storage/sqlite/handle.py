"""One database file as one request holds it: transactions, and the rows every read and
write starts from (document states and stored bodies)."""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from ... import revtree
from ...access import Scope, Validator
from ...revtree import RevTree
from ..base import Database
from ..ranges import chunks
from .connections import Connection, not_found_if_deleted
from .index import Access, ChannelIndex

if TYPE_CHECKING:
    from .store import SqliteStore

# SQLite's default limit on bound parameters is 32766 since 3.32; stay well below it.
CHUNK = 500


@dataclass(slots=True)
class DocState:
    """A document's row: its newest sequence, revision tree, winner and access."""

    seq: int
    tree: RevTree
    winner: str
    access: Access = field(default_factory=Access)


class SqliteHandle(Database):
    """One SQLite file; one connection, lent to one request at a time."""

    def __init__(self, store: SqliteStore, name: str, connection: Connection, inode: int,
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
            with self._unless_deleted():
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
        with self._unless_deleted():
            self._db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            self._depth = 1
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0
            self._db.execute("COMMIT")

    def _unless_deleted(self) -> AbstractContextManager[None]:
        """A database deleted under this request answers 404, as if the request came after."""
        return not_found_if_deleted(self._store._path(self.name), self._inode)

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

    # -- rows -----------------------------------------------------------------------------

    def _load_states(self, doc_ids: Iterable[str]) -> dict[str, DocState]:
        states = {}
        for chunk in chunks(list(doc_ids), CHUNK):
            marks = ",".join("?" * len(chunk))
            for doc_id, seq, winner, tree, access in self._db.execute(
                    f"SELECT id, seq, winner, tree, access FROM docs WHERE id IN ({marks})", chunk):  # noqa: S608
                states[doc_id] = DocState(seq, revtree.from_json(orjson.loads(tree)), winner, Access.from_json(access))
        return states

    def _load_visible(self, doc_ids: Iterable[str]) -> dict[str, DocState]:
        """Like :meth:`_load_states`, without the documents the reader may not see: to them
        those do not exist (a 404, not a 403, so that nothing leaks about other people)."""
        states = self._load_states(doc_ids)
        if self.scope.everything or not states:
            return states
        channels = self._index.effective(self.scope)
        return {doc_id: state for doc_id, state in states.items() if not state.access.channels.isdisjoint(channels)}

    def _bodies(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[bytes, bytes | None]]:
        """Stored bodies and attachment stubs by (doc id, rev), in as few queries as possible."""
        wanted = set(keys)
        found: dict[tuple[str, str], tuple[bytes, bytes | None]] = {}
        # By document id, then by rev here: SQLite plans a row-value ``(doc_id, rev) IN
        # (VALUES ...)`` as a scan of the whole table, while ``doc_id IN`` uses the key, and a
        # document keeps only its few leaves.
        for chunk in chunks(sorted({doc_id for doc_id, _ in wanted}), CHUNK):
            marks = ",".join("?" * len(chunk))
            for doc_id, rev, body, atts in self._db.execute(
                    f"SELECT doc_id, rev, body, atts FROM revs WHERE doc_id IN ({marks})", chunk):  # noqa: S608
                if (doc_id, rev) in wanted:
                    found[(doc_id, rev)] = (body, atts)
        return found
