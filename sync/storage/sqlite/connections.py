"""Connections to the SQLite files, pooled per database and lent to one request at a time."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

from ... import errors


class Connections:
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
        self._idle: dict[str, list[tuple[Connection, int]]] = {}

    def take(self, name: str, path: Path) -> tuple[Connection, int]:
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
        if connection is None:
            with not_found_if_deleted(path, inode):
                connection = connect(path)
        return connection, inode

    def give(self, name: str, connection: Connection, inode: int) -> None:
        if connection.in_transaction:
            try:
                connection.rollback()
            except sqlite3.Error:  # its file was deleted meanwhile: nothing to keep
                connection.close()
                return
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


class Connection(sqlite3.Connection):
    """A connection with its own handle on the database's writer lock file (see
    :meth:`~sync.storage.sqlite.handle.SqliteHandle.writing`); ``flock`` excludes other
    handles, even in this process."""

    writer_lock: int
    # Closes the lock file's descriptor once: on close(), or when a connection that was never
    # handed back is collected.
    release_lock: weakref.finalize[[int], Connection]

    def close(self) -> None:
        self.release_lock()
        super().close()


def connect(path: Path) -> Connection:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None,
                                     check_same_thread=False, factory=Connection)
    except sqlite3.OperationalError:
        raise errors.not_found("Database does not exist.") from None
    connection.writer_lock = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o600)
    connection.release_lock = weakref.finalize(connection, os.close, connection.writer_lock)
    connection.execute("PRAGMA busy_timeout = 30000")
    connection.execute("PRAGMA synchronous = FULL")
    # Erased personal data must not linger in free pages of the file.
    connection.execute("PRAGMA secure_delete = ON")
    return connection



@contextlib.contextmanager
def not_found_if_deleted(path: Path, inode: int) -> Iterator[None]:
    """CouchDB's 404 for an SQLite error caused by the file being deleted under a request.

    A DELETE unlinks the file, its WAL and shared-memory index while other requests may be
    opening or using it; SQLite then reports "disk I/O error" (or refuses writes to a moved
    file). Such a request lost a race with the deletion, as if it had come after it.

    :raises CouchError: not_found if ``path`` is no longer the file with ``inode``
    """
    try:
        yield
    except sqlite3.Error as error:
        try:
            deleted = path.stat().st_ino != inode
        except FileNotFoundError:
            deleted = True
        if deleted:
            raise errors.not_found("Database does not exist.") from error
        raise


def lock_path(path: Path) -> Path:
    """The file whose ``flock`` orders the writers of the database at ``path``."""
    return path.with_name(path.name + ".lock")
