"""The change hub on the embedded store: one follower per database wakes only whom a change concerns."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemas.channels import DomainRules
from sync.changes import EVERY_CHANGE, ChangeHub, Interest
from sync.storage import Limits
from sync.storage.sqlite import SqliteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path, Limits(), rules=DomainRules(), poll_interval=0.05)
    opened.create_db("db")
    yield opened
    opened.close()


def event(event_id: str, volunteers: list[str]) -> dict[str, object]:
    return {"_id": event_id, "type": "event", "schema_version": 1, "municipality": "Baunatal",
            "organization_id": "org:wir", "assigned_volunteers": volunteers}


def wait_in_thread(store: SqliteStore, interest: Interest, timeout: float) -> tuple[threading.Thread, list[bool]]:
    """Start a waiter from the current cursor; its outcome lands in the returned list."""
    cursor = store.changes.cursor("db")
    outcome: list[bool] = []
    thread = threading.Thread(target=lambda: outcome.append(store.changes.wait("db", cursor, interest, timeout)))
    thread.start()
    return thread, outcome


def put(store: SqliteStore, doc: dict[str, object]) -> None:
    database = store.database("db")
    try:
        database.put(doc)
    finally:
        database.close()


def test_a_write_wakes_the_readers_of_its_channels_and_nobody_else(store: SqliteStore) -> None:
    concerned, concerned_outcome = wait_in_thread(store, Interest(frozenset({"event:e1"}), "user:a"), 5.0)
    everything, everything_outcome = wait_in_thread(store, EVERY_CHANGE, 5.0)
    other, other_outcome = wait_in_thread(store, Interest(frozenset({"event:e2"}), "user:b"), 1.0)
    started = time.monotonic()
    put(store, event("event:e1", []))
    concerned.join(6)
    everything.join(6)
    assert concerned_outcome == [True] and everything_outcome == [True]
    assert time.monotonic() - started < 1.0
    other.join(3)
    assert other_outcome == [False]  # timed out: the write was not in its channels


def test_a_grant_wakes_the_user_it_grants_to(store: SqliteStore) -> None:
    waiter, outcome = wait_in_thread(store, Interest(frozenset({"public"}), "user:vol"), 5.0)
    put(store, event("event:e3", ["user:vol"]))
    waiter.join(6)
    assert outcome == [True]


def test_a_change_between_read_and_wait_is_not_missed(store: SqliteStore) -> None:
    cursor = store.changes.cursor("db")  # taken before the (imagined) read
    put(store, event("event:e4", []))
    deadline = time.monotonic() + 5
    while store.changes.cursor("db") == cursor and time.monotonic() < deadline:
        time.sleep(0.01)  # the follower has now seen the write, before anyone waits
    started = time.monotonic()
    assert store.changes.wait("db", cursor, Interest(frozenset({"event:e4"})), 5.0)
    assert time.monotonic() - started < 0.5


def test_a_write_from_another_process_is_seen_by_polling(store: SqliteStore, tmp_path: Path) -> None:
    other = SqliteStore(tmp_path, Limits(), rules=DomainRules())  # another worker: its own hub
    waiter, outcome = wait_in_thread(store, Interest(frozenset({"event:e5"})), 5.0)
    database = other.database("db")
    try:
        database.put(event("event:e5", []))
    finally:
        database.close()
        other.close()
    waiter.join(6)
    assert outcome == [True]


def test_subscribers_hear_every_changed_document(store: SqliteStore) -> None:
    heard: list[str] = []
    store.changes.subscribe("db", lambda signals: heard.extend(signal.doc_id for signal in signals))
    put(store, event("event:e6", []))
    deadline = time.monotonic() + 5
    while not heard and time.monotonic() < deadline:
        time.sleep(0.01)
    assert heard == ["event:e6"]


def test_waiting_on_a_deleted_database_ends_at_once(store: SqliteStore) -> None:
    waiter, outcome = wait_in_thread(store, EVERY_CHANGE, 10.0)
    time.sleep(0.1)
    store.delete_db("db")
    waiter.join(5)
    assert outcome == [True]  # woken, so that the feed's next read reports not_found


def test_a_cursor_from_a_follower_that_stopped_still_sees_what_followed(store: SqliteStore) -> None:
    store.changes = ChangeHub(store, poll_interval=0.02, idle_stop=0.1)
    cursor = store.changes.cursor("db")
    time.sleep(0.5)  # nobody waits: the follower stops
    put(store, event("event:e7", []))  # no follower sees this write happen
    started = time.monotonic()
    assert store.changes.wait("db", cursor, Interest(frozenset({"event:e7"})), 5.0)
    assert time.monotonic() - started < 0.5
