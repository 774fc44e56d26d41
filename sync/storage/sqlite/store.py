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

import os
import sqlite3
import threading
import uuid
from pathlib import Path

from ... import errors
from ...access import EVERYTHING, AccessRules, NoRules, Scope, Validator
from ...changes import ChangeHub, Signal
from ..store import Store, check_db_name
from ..types import Blocking, Limits, run_here
from .connections import Connections, lock_path
from .feed import SqliteFeed
from .index import SCHEMA as INDEX_SCHEMA
from .writes import SqliteWrites

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

_SUFFIX = ".sqlite"
# A file name cannot hold the "/" that CouchDB allows in database names: "." stands in for
# it. "." is not allowed in a name, so the mapping is reversible and ``a.b`` is never another
# database's file; one character for one keeps the longest name (238) with the longest
# suffix (``.sqlite.lock``) within the 255 bytes of a file name, which "%2F" would not (nor
# would it survive the ``file:`` URI that :func:`.connections.connect` opens, which decodes it).
_SLASH = "."


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
        self._pool = Connections()

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
        return sorted(path.name[: -len(_SUFFIX)].replace(_SLASH, "/") for path in self.directory.glob("*" + _SUFFIX))

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
        lock_path(path).unlink(missing_ok=True)

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
        return self.directory / (name.replace("/", _SLASH) + _SUFFIX)


class SqliteDatabase(SqliteFeed, SqliteWrites):
    """One SQLite file as one reader sees it: reads and the feed, writes (see their modules)."""
