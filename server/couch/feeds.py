"""Streamed changes feeds (longpoll, continuous) as generators.

A generator holds no database handle and no transaction while it waits: each read opens a
handle and closes it, and waiting goes through :meth:`Store.wait_for_change`. Heartbeats are
single newlines, as CouchDB sends them, so proxies and clients keep the connection open.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator

import orjson

from sync.errors import CouchError
from sync.storage import Database, Store
from sync.storage.base import ChangesPage, ChangesQuery

Opener = Callable[[], Database]


def read_page(open_database: Opener, query: ChangesQuery) -> ChangesPage:
    """One page of changes through a handle of its own, closed before any waiting."""
    database = open_database()
    try:
        return database.changes(query)
    finally:
        database.close()


def page_json(page: ChangesPage) -> bytes:
    """A normal or longpoll feed body."""
    return orjson.dumps({"results": [change.as_json() for change in page.results], "last_seq": page.last_seq})


def longpoll(
    store: Store, name: str, open_database: Opener, query: ChangesQuery, timeout: float, heartbeat: float | None
) -> Iterator[bytes]:
    """Answer as soon as there is at least one change, or with none after ``timeout`` s.

    The first page is read before the response starts, so a store that is down gets a
    proper 503; one that goes away during the wait ends the feed as it stands.
    """
    deadline = time.monotonic() + timeout
    return _longpoll(store, name, open_database, query, read_page(open_database, query), deadline, heartbeat)


def _longpoll(store: Store, name: str, open_database: Opener, query: ChangesQuery, page: ChangesPage,
              deadline: float, heartbeat: float | None) -> Iterator[bytes]:
    with _ends_quietly_when_unavailable():
        while not page.results:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            # Resume from what the empty page saw, so a filtered feed does not spin on
            # changes it does not show.
            query = dataclasses.replace(query, since=page.last_seq)
            store.wait_for_change(name, query.since, min(remaining, heartbeat or remaining))
            page = read_page(open_database, query)
            if not page.results and heartbeat:
                yield b"\n"
    yield page_json(page) + b"\n"


def continuous(
    store: Store, name: str, open_database: Opener, query: ChangesQuery, timeout: float, heartbeat: float | None
) -> Iterator[bytes]:
    """One line per change as it happens.

    With a heartbeat the feed stays open until the client goes away (CouchDB: the heartbeat
    overrides the timeout); without one it ends after ``timeout`` s without changes. As for
    :func:`longpoll`, an unavailable store is a 503 at the start and an end later.
    """
    first = read_page(open_database, query)
    return _continuous(store, name, open_database, query, first, timeout, heartbeat)


def _continuous(store: Store, name: str, open_database: Opener, query: ChangesQuery, page: ChangesPage,
                timeout: float, heartbeat: float | None) -> Iterator[bytes]:
    left = query.limit
    since = query.since
    idle_since = time.monotonic()
    with _ends_quietly_when_unavailable():
        while True:
            for change in page.results:
                yield orjson.dumps(change.as_json()) + b"\n"
            since = page.last_seq
            if page.results:
                idle_since = time.monotonic()
                if left is not None:
                    left -= len(page.results)
            if left is not None and left <= 0:
                break
            if not page.results:
                idle = time.monotonic() - idle_since
                if heartbeat is None and idle >= timeout:
                    break
                store.wait_for_change(name, since, heartbeat if heartbeat is not None else timeout - idle)
                if heartbeat is not None:
                    yield b"\n"
            page = read_page(open_database, dataclasses.replace(query, since=since, limit=left))
    yield orjson.dumps({"last_seq": since}) + b"\n"


@contextlib.contextmanager
def _ends_quietly_when_unavailable() -> Iterator[None]:
    """Inside a streamed response a 503 can no longer be sent: stop the feed instead, and the
    client's next request gets the 503."""
    try:
        yield
    except CouchError as error:
        if error.status != 503:
            raise
