"""Streamed changes feeds (longpoll, continuous): thousands held open at almost no cost.

A waiting feed holds no database handle, no transaction and no OS thread (a greenlet under
gunicorn's gevent worker), and it does not poll: it waits on the store's
:class:`~sync.changes.ChangeHub`, which wakes it only for changes in its reader's channels
(or grants to its user). A timed-out wait costs nothing but a heartbeat; only a wake-up
reads the store. Every wait is bounded: by the feed's timeout, and in slices of
:data:`RECHECK_SECONDS` after which the feed checks that its credential still holds, so a
revoked session ends its open feeds. Each account holds at most a set number of open feeds
per process (:class:`FeedSlots`). Heartbeats are single newlines, as CouchDB sends them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import threading
import time
from collections.abc import Callable, Generator, Iterator

import orjson

from sync import errors
from sync.changes import EVERY_CHANGE, ChangeHub, Interest
from sync.errors import CouchError
from sync.storage import Database
from sync.storage.base import ChangesPage, ChangesQuery

Opener = Callable[[], Database]

# A waiting feed looks at its credential at least this often (seconds).
RECHECK_SECONDS = 5.0


class FeedSlots:
    """Open feeds per account in this process, up to ``limit`` each."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, account: str, exempt: bool = False) -> Callable[[], None]:
        """Hold one slot of ``account``; returns the (idempotent) release.

        ``exempt`` accounts are counted but never refused: admins, whose accounts only an
        admin creates, may run a replicator or a fleet under one login.

        :raises CouchError: 429 if the account holds ``limit`` feeds already
        """
        with self._lock:
            if not exempt and self._open.get(account, 0) >= self.limit:
                # Refused together, told to come back at different times: no herd in 10 s.
                raise errors.too_many_requests(
                    f"This account has {self.limit} open changes feeds already; close one or try again later.",
                    random.randint(5, 15))  # noqa: S311 - not a secret
            self._open[account] = self._open.get(account, 0) + 1
        released = False

        def release() -> None:
            nonlocal released
            with self._lock:
                if released:
                    return
                released = True
                left = self._open[account] - 1
                if left:
                    self._open[account] = left
                else:
                    del self._open[account]

        return release


@dataclasses.dataclass
class Feed:
    """One client's feed on one database: reads pages and waits for what concerns its reader."""

    changes: ChangeHub
    name: str
    open_database: Opener
    still_allowed: Callable[[], bool]
    release: Callable[[], None]
    batch_window: float = 0.0
    _cursor: int = 0
    _interest: Interest = EVERY_CHANGE

    def read(self, query: ChangesQuery) -> ChangesPage:
        """One page through a handle of its own, closed before any waiting.

        The cursor is taken before the read, so a change the page misses wakes the next wait.
        """
        self._cursor = self.changes.cursor(self.name)
        database = self.open_database()
        try:
            page = database.changes(query)
            if not page.results:
                # Only a feed about to wait needs what wakes it. An interest from an earlier
                # read is never too narrow: channels are gained through grants, which wake
                # the user anyway.
                self._interest = (EVERY_CHANGE if database.scope.everything
                                  else Interest(database.reader_channels(), database.scope.user_id))
        finally:
            database.close()
        return page

    def wait(self, timeout: float) -> bool:
        """Whether a change that concerns the reader arrived within ``timeout`` seconds.

        After a wake-up the feed lets :attr:`batch_window` pass, so that what arrives
        together is read and sent together.
        """
        woken = self.changes.wait(self.name, self._cursor, self._interest, timeout)
        if woken and self.batch_window:
            time.sleep(self.batch_window)
        return woken


def page_json(page: ChangesPage) -> bytes:
    """A normal or longpoll feed body."""
    return orjson.dumps({"results": [change.as_json() for change in page.results], "last_seq": page.last_seq})


class _Stream:
    """The response body of a feed: the generator, and the feed's slot released on close
    even if the body was never iterated (the client left before the first byte)."""

    def __init__(self, feed: Feed, body: Iterator[bytes]) -> None:
        self._feed = feed
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        return self._body

    def close(self) -> None:
        try:
            self._body.close()  # type: ignore[attr-defined]
        finally:
            self._feed.release()


def longpoll(feed: Feed, query: ChangesQuery, timeout: float, heartbeat: float | None) -> _Stream:
    """Answer as soon as there is at least one change, or with none after ``timeout`` s.

    The first page is read before the response starts, so a store that is down gets a
    proper 503; one that goes away during the wait ends the feed as it stands.
    """
    deadline = time.monotonic() + timeout
    first = _first_page(feed, query)
    return _Stream(feed, _longpoll(feed, query, first, deadline, heartbeat))


def _longpoll(feed: Feed, query: ChangesQuery, page: ChangesPage, deadline: float,
              heartbeat: float | None) -> Iterator[bytes]:
    yield b""  # the status and headers go out now, as CouchDB sends them, not with the first byte
    with _ends_quietly_when_unavailable():
        next_beat = time.monotonic() + heartbeat if heartbeat else None
        while not page.results:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not feed.still_allowed():
                break
            if feed.wait(_slice(remaining, next_beat)):
                # Resume from what the empty page saw, so a filtered feed does not spin on
                # changes it does not show.
                query = dataclasses.replace(query, since=page.last_seq)
                page = feed.read(query)
            elif next_beat is not None and heartbeat and time.monotonic() >= next_beat:
                next_beat = time.monotonic() + heartbeat
                yield b"\n"
    yield page_json(page) + b"\n"


def continuous(feed: Feed, query: ChangesQuery, timeout: float, heartbeat: float | None) -> _Stream:
    """One line per change as it happens.

    With a heartbeat the feed stays open until the client goes away or its credential is
    revoked (CouchDB: the heartbeat overrides the timeout); without one it ends after
    ``timeout`` s without changes. As for :func:`longpoll`, an unavailable store is a 503 at
    the start and an end later.
    """
    first = _first_page(feed, query)
    return _Stream(feed, _continuous(feed, query, first, timeout, heartbeat))


def _continuous(feed: Feed, query: ChangesQuery, page: ChangesPage, timeout: float,
                heartbeat: float | None) -> Iterator[bytes]:
    left = query.limit
    since = query.since
    yield b""  # headers at once (see _longpoll)
    with _ends_quietly_when_unavailable():
        while True:
            for change in page.results:
                yield orjson.dumps(change.as_json()) + b"\n"
            since = page.last_seq
            if left is not None:
                left -= len(page.results)
                if left <= 0:
                    break
            changed = yield from _wait_for_change(feed, timeout, heartbeat)
            if not changed:
                break
            page = feed.read(dataclasses.replace(query, since=since, limit=left))
    yield orjson.dumps({"last_seq": since}) + b"\n"


def _wait_for_change(feed: Feed, timeout: float, heartbeat: float | None) -> Generator[bytes, None, bool]:
    """Wait, with heartbeats, until something concerns the reader (True) or the feed
    should end: idle past its timeout without heartbeats, or its credential revoked (False)."""
    idle_until = None if heartbeat else time.monotonic() + timeout
    next_beat = time.monotonic() + heartbeat if heartbeat else None
    while True:
        if not feed.still_allowed():
            return False
        limit = idle_until if idle_until is not None else next_beat
        assert limit is not None  # noqa: S101 - one of the two is always set
        if feed.wait(_slice(limit - time.monotonic(), next_beat)):
            return True
        now = time.monotonic()
        if idle_until is not None and now >= idle_until:
            return False
        if next_beat is not None and heartbeat and now >= next_beat:
            next_beat = now + heartbeat
            yield b"\n"


def _first_page(feed: Feed, query: ChangesQuery) -> ChangesPage:
    try:
        return feed.read(query)
    except BaseException:
        feed.release()
        raise


def _slice(remaining: float, next_beat: float | None) -> float:
    """How long one wait may last: up to the deadline, the next heartbeat and the next
    credential check, whichever comes first."""
    until_beat = next_beat - time.monotonic() if next_beat is not None else remaining
    return max(0.0, min(remaining, until_beat, RECHECK_SECONDS))


@contextlib.contextmanager
def _ends_quietly_when_unavailable() -> Iterator[None]:
    """Inside a streamed response an error can no longer be sent: a store that went away
    (503) or a database deleted meanwhile (404) end the feed as it stands, and the client's
    next request gets the error."""
    try:
        yield
    except CouchError as error:
        if error.status not in (404, 503):
            raise
