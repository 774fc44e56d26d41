"""Blocking work under gevent: a few OS threads for what would stall every connection.

gunicorn's gevent workers hold thousands of connections in one process, as greenlets on one
event loop. Python code yields at every socket operation, but C code that waits (SQLite
waiting for another process's write lock or for fsync, argon2 spending 20 MiB and tens of
milliseconds on purpose) would stop the loop and every connection with it. Such work goes
to a :class:`BlockingPool`: a small, fixed set of OS threads (gevent's ThreadPool) while
the calling greenlet waits and the others run on. Without gevent (tests, the CLI, the jobs
process) the work simply runs in the calling thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def under_gevent() -> bool:
    """Whether this process runs on gevent's monkey-patched event loop (gunicorn's worker)."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return bool(monkey.is_module_patched("socket"))


class BlockingPool:
    """At most ``size`` OS threads for blocking calls; created on first use, in the worker."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pool: Any = None
        self._lock = threading.Lock()

    def __call__(self, work: Callable[[], T]) -> T:
        """Run ``work`` and return its result (or raise its exception)."""
        if not under_gevent():
            return work()
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    from gevent.threadpool import ThreadPool
                    self._pool = ThreadPool(self.size)
        # The outcome comes back as a value: gevent would print every exception raised in a
        # pool thread (a 409 conflict is an ordinary answer, not a crash worth a traceback).
        outcome: tuple[bool, Any] = self._pool.apply(_capture, (work,))
        succeeded, value = outcome
        if not succeeded:
            raise value
        result: T = value
        return result


def _capture(work: Callable[[], T]) -> tuple[bool, Any]:
    try:
        return True, work()
    except Exception as error:  # handed to the caller, which raises it
        return False, error


# Writes to the embedded store: several, so that one slow fsync does not hold up the rest.
STORE_WRITES = BlockingPool(4)
# Password hashing: as many as there are cores; a request that would have to queue for long
# is refused instead (server.services.accounts).
PASSWORD_HASHING = BlockingPool(2)
