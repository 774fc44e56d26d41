"""The embedded store's connection pool: connections are lent and kept, and none leaks its lock file."""

from __future__ import annotations

import gc
import os
from pathlib import Path

from sync.storage import Limits
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
