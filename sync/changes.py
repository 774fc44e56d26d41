"""Waiting for changes: one follower per database and process, waking only whom a change concerns.

Thousands of live feeds wait at once (every tablet and phone holds one). A waiting feed must
cost no store request and no CPU, so nobody polls for themselves: per database one
:class:`_Follower` reads what changed since it last looked (:meth:`Tail.tail`, one indexed
read, or CouchDB's own longpoll), turns each change into a :class:`Signal` (the document's
channels and the users it grants to), and sets the event of each waiter whose
:class:`Interest` the signal touches. A write in channel ``event:x`` wakes the readers of
that channel and nobody else. Writes in this process poke the follower so it reads at once;
writes by other processes (several gunicorn workers share one store) are seen within
``poll_interval`` seconds. The follower stops by itself when nobody has waited for a while.

Waiting takes a *cursor*, a process-local count of the signals a follower has seen, taken
before the feed reads its page: any change the page did not show arrives as a signal after
the cursor, so no sequence (integer or CouchDB's opaque string) is ever compared here.
Followers and subscribers run in threads, which are greenlets under gevent's monkey patching.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import CouchError

log = logging.getLogger(__name__)

# How many past signals a follower keeps, for waiters whose cursor is a little behind.
_HISTORY = 4096


@dataclass(frozen=True, slots=True)
class Signal:
    """One changed document as waiters see it.

    ``channels`` None means "whoever reads this database" (a purge, or a deletion whose
    channels the store cannot tell).
    """

    doc_id: str
    channels: frozenset[str] | None
    users: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Interest:
    """What one waiter reads: every change (``channels`` None) or its channels, plus whatever
    is granted to its user (a new assignment must wake the volunteer's feed)."""

    channels: frozenset[str] | None = None
    user_id: str | None = None

    def concerns(self, signal: Signal) -> bool:
        if self.channels is None or signal.channels is None:
            return True
        return not self.channels.isdisjoint(signal.channels) or (
            self.user_id is not None and self.user_id in signal.users)


EVERY_CHANGE = Interest()


class Tail(Protocol):
    """What a store offers its followers."""

    def tail(self, name: str, position: Any, timeout: float) -> tuple[Any, list[Signal]]:
        """Changes of ``name`` after ``position`` and the new position; with ``position``
        None, the current position and no signals. May wait up to ``timeout`` s for one.

        :raises CouchError: not_found once the database is gone, 503 if the store is away
        """


@dataclass(eq=False)
class _Waiter:
    interest: Interest
    event: threading.Event = field(default_factory=threading.Event)


Subscriber = Callable[[list[Signal]], None]


class _Follower:
    """Follows one database for this process."""

    def __init__(self, hub: ChangeHub, name: str, position: Any, first: int) -> None:
        self.hub = hub
        self.name = name
        self.position = position
        # Signals are counted on from where the database's previous follower stopped: a
        # cursor older than ``first`` was taken from that one and may have missed something.
        self.first = first
        self.count = first  # the cursor waiters hold
        self.history: deque[tuple[int, Signal]] = deque(maxlen=_HISTORY)
        self.waiters: set[_Waiter] = set()
        self.subscribers: list[Subscriber] = []
        self.poke = threading.Event()
        self.lock = threading.Lock()
        self.last_used = time.monotonic()
        self.gone = False
        self.thread = threading.Thread(target=self._run, name=f"follow:{name}", daemon=True)

    def missed(self, after: int, interest: Interest) -> bool:
        """Whether a signal after cursor ``after`` concerns ``interest`` (or may have: history lost)."""
        if self.gone or after < self.first:
            return True
        if self.history and self.history[0][0] > after + 1:
            return True
        for count, signal in reversed(self.history):
            if count <= after:
                break
            if interest.concerns(signal):
                return True
        return False

    def _run(self) -> None:
        while True:
            try:
                self.position, signals = self.hub.tail.tail(self.name, self.position, self.hub.tail_timeout)
            except CouchError as error:
                if error.status == 404:
                    self._end()
                    return
                log.warning("following %s: %s", self.name, error.reason)
                signals = []
                time.sleep(self.hub.poll_interval * 4)
            except Exception:  # a follower must never die silently with waiters on it
                log.exception("following %s failed; retrying", self.name)
                signals = []
                time.sleep(self.hub.poll_interval * 4)
            if signals:
                try:
                    self._deliver(signals)
                except Exception:  # wake everyone rather than no one
                    log.exception("delivering changes of %s failed", self.name)
                    self._wake_all()
            with self.lock:
                if self.waiters or self.subscribers:
                    self.last_used = time.monotonic()
                elif time.monotonic() - self.last_used > self.hub.idle_stop:
                    self.hub.forget(self)
                    return
            if not self.hub.tail_timeout:
                self.poke.wait(self.hub.poll_interval)
                self.poke.clear()

    def _deliver(self, signals: list[Signal]) -> None:
        with self.lock:
            for signal in signals:
                self.count += 1
                self.history.append((self.count, signal))
            woken = [waiter for waiter in self.waiters
                     if any(waiter.interest.concerns(signal) for signal in signals)]
            subscribers = list(self.subscribers)
        for waiter in woken:
            waiter.event.set()
        for subscriber in subscribers:
            try:
                subscriber(signals)
            except Exception:  # a cache's bug must not stop the feeds
                log.exception("change subscriber failed on %s", self.name)

    def _end(self) -> None:
        """The database went away: wake everyone so that their next read reports it."""
        with self.lock:
            self.gone = True
        self.hub.forget(self)
        self._wake_all()

    def _wake_all(self) -> None:
        with self.lock:
            waiters = list(self.waiters)
        for waiter in waiters:
            waiter.event.set()


class ChangeHub:
    """The followers of one process, by database name."""

    def __init__(self, tail: Tail, poll_interval: float = 0.05, tail_timeout: float = 0.0,
                 idle_stop: float = 30.0) -> None:
        """:param tail_timeout: how long the store's :meth:`Tail.tail` may wait for a change
            itself (CouchDB's longpoll); 0 for a store that answers at once and is asked again
            every ``poll_interval`` seconds or when poked
        :param idle_stop: a follower nobody waited on for this many seconds stops"""
        self.tail = tail
        self.poll_interval = poll_interval
        self.tail_timeout = tail_timeout
        self.idle_stop = idle_stop
        self._lock = threading.Lock()
        self._followers: dict[str, _Follower] = {}
        self._counted = 0  # the highest count a stopped follower reached

    def cursor(self, name: str) -> int:
        """Where ``name``'s signals stand now; take it before reading, wait with it after.

        :raises CouchError: not_found if the database does not exist
        """
        follower = self._follower(name)
        with follower.lock:
            follower.last_used = time.monotonic()  # a waiter is on its way: do not stop now
            return follower.count

    def wait(self, name: str, after: int, interest: Interest, timeout: float) -> bool:
        """Block until a change after cursor ``after`` concerns ``interest``, or ``timeout`` s.

        :returns: whether something may have changed (spurious wake-ups are allowed)
        """
        try:
            follower = self._follower(name)
        except CouchError:
            return True  # gone or away: the caller's next read says which
        waiter = _Waiter(interest)
        with follower.lock:
            if follower.missed(after, interest):
                return True
            follower.waiters.add(waiter)
        try:
            return waiter.event.wait(max(0.0, timeout))
        finally:
            with follower.lock:
                follower.waiters.discard(waiter)
                follower.last_used = time.monotonic()

    def notify(self, name: str) -> None:
        """A write to ``name`` committed in this process: have its follower look now."""
        with self._lock:
            follower = self._followers.get(name)
        if follower is not None:
            follower.poke.set()

    def subscribe(self, name: str, subscriber: Subscriber) -> None:
        """Call ``subscriber`` with every batch of signals of ``name`` (caches that must
        forget what changed), for as long as the process runs."""
        follower = self._follower(name)
        with follower.lock:
            follower.subscribers.append(subscriber)

    def forget(self, follower: _Follower) -> None:
        with self._lock:
            self._counted = max(self._counted, follower.count)
            if self._followers.get(follower.name) is follower:
                del self._followers[follower.name]

    def _follower(self, name: str) -> _Follower:
        with self._lock:
            follower = self._followers.get(name)
            if follower is not None:
                return follower
        # The starting position is read before anyone can take a cursor, so a change made
        # after a caller's read is always after the follower's position.
        position, _ = self.tail.tail(name, None, 0.0)
        with self._lock:
            follower = self._followers.get(name)
            if follower is None:
                follower = self._followers[name] = _Follower(self, name, position, self._counted + 1)
                follower.thread.start()
        return follower
