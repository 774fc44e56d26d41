"""Waiting for changes: what longpoll and continuous feeds block on.

Writers in this process wake waiters at once. Writers in other processes (gunicorn runs
several workers on one store) are seen by polling the database's sequence every
``poll_interval`` seconds, which costs one indexed read, never a scan.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class ChangeNotifier:
    """Per-database condition variables keyed by name."""

    def __init__(self, poll_interval: float = 0.25) -> None:
        self.poll_interval = poll_interval
        self._lock = threading.Lock()
        self._conditions: dict[str, threading.Condition] = {}

    def notify(self, name: str) -> None:
        """Wake every waiter on ``name``; called after a write commits."""
        condition = self._condition(name)
        with condition:
            condition.notify_all()

    def wait(self, name: str, since: int, timeout: float, current_seq: Callable[[], int]) -> bool:
        """Block until ``current_seq()`` exceeds ``since`` or ``timeout`` seconds pass.

        :param current_seq: reads the database's newest sequence (opens no transaction
            that outlives the call)
        :returns: whether a change arrived
        """
        deadline = time.monotonic() + timeout
        condition = self._condition(name)
        while True:
            if current_seq() > since:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with condition:
                condition.wait(min(remaining, self.poll_interval))

    def _condition(self, name: str) -> threading.Condition:
        with self._lock:
            return self._conditions.setdefault(name, threading.Condition())
