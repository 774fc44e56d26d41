"""The embedded store's connection pool: connections are lent and kept, and none leaks its lock file."""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from pathlib import Path

from sync.errors import CouchError
from sync.storage import Limits
from sync.storage.base import ChangesQuery
from sync.storage.sqlite import SqliteStore


def open_lock_files(directory: Path) -> int:
    """Descriptors of this process on the writer lock files in ``directory``."""
    names = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            names.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # closed meanwhile (the listing's own descriptor)
            continue
    return sum(1 for name in names if name.startswith(str(directory)) and name.endswith(".lock"))


def test_returned_connections_are_reused_and_forgotten_ones_release_their_lock_file(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path, Limits())
    store.create_db("db")
    for _ in range(50):
        database = store.database("db")
        database.update_seq()
        database.close()
    assert open_lock_files(tmp_path) == 1, "a returned connection is lent again, not opened anew"
    del database
    for _ in range(50):
        store.database("db").update_seq()  # a handle nobody closes, as after a bug in a caller
    gc.collect()
    assert open_lock_files(tmp_path) == 0, "a collected connection closes its lock file"
    store.close()


def test_opening_a_database_while_it_is_deleted_is_not_found_never_a_disk_error(tmp_path: Path) -> None:
    """A request racing a DELETE of its database gets CouchDB's 404 or finishes; SQLite's
    "disk I/O error" of a file unlinked while it was being opened must not escape as a 500."""
    store = SqliteStore(tmp_path, Limits())
    unexpected: list[BaseException] = []
    stop = threading.Event()

    def churn() -> None:
        for _ in range(300):
            with contextlib.suppress(CouchError):
                store.create_db("racy")
            with contextlib.suppress(CouchError):
                store.delete_db("racy")
        stop.set()

    def use() -> None:
        while not stop.is_set():
            try:
                with store.database("racy") as database:
                    database.bulk_docs([{"n": 1}])
                    database.changes(ChangesQuery(include_docs=True))
                    database.info()
            except CouchError as error:
                if error.status != 404:
                    unexpected.append(error)
            except Exception as error:  # noqa: BLE001 - any other escape is the bug
                unexpected.append(error)

    threads = [threading.Thread(target=churn), *(threading.Thread(target=use) for _ in range(3))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    store.close()
    assert not unexpected, {f"{type(error).__name__}: {error}" for error in unexpected}
