"""The pieces that keep password checks cheap and bounded, without a server."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher, extract_parameters

from server.access.credentials import CredentialCache, FailureThrottle, SingleFlight
from server.access.policy import Principal
from server.services import accounts
from sync.changes import Signal
from sync.errors import CouchError
from sync.storage import Limits
from sync.storage.base import AllDocsQuery
from sync.storage.sqlite import SqliteStore
from tests.conftest import wait_for


def test_concurrent_checks_of_one_credential_run_once() -> None:
    flights = SingleFlight()
    runs = []
    started = threading.Event()

    def check() -> str:
        runs.append(1)
        started.set()
        time.sleep(0.3)
        return "principal"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(flights.run(b"key", check))) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert results == ["principal"] * 10
    assert len(runs) == 1, "ten requests with one credential made one check"


def test_failures_are_refused_past_the_limit_until_the_window_moves_on() -> None:
    throttle = FailureThrottle(limit=3, window=0.5)
    first_failure = time.monotonic()
    for _ in range(3):
        assert throttle.retry_after("mail@example.org") is None
        throttle.failed("mail@example.org")
    assert throttle.retry_after("mail@example.org") == 1
    assert throttle.retry_after("other@example.org") is None
    assert wait_for(lambda: throttle.retry_after("mail@example.org") is None, timeout=5)
    assert time.monotonic() - first_failure >= 0.5, "refused until the window moved on"


def test_a_cached_principal_is_dropped_when_a_document_it_came_from_changes() -> None:
    cache = CredentialCache(ttl=300)
    principal = Principal(user_id="user:a", role="volunteer")
    cache.put(b"k1", principal, frozenset({"token:1", "account:a@example.org"}))
    cache.put(b"k2", principal, frozenset({"token:2", "account:a@example.org"}))
    cache.forget([Signal("token:1", None)])
    assert cache.get(b"k1") is None and cache.get(b"k2") == principal
    cache.forget([Signal("account:a@example.org", frozenset())])
    assert cache.get(b"k2") is None


def test_password_checks_past_the_bound_are_refused_with_503(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path, Limits())
    store.create_db(accounts.ACCOUNTS_DB)
    accounts.create_account(store, "a@example.org", "volunteer", "a-long-password", datetime.now(UTC))
    slots = accounts._HASHING_SLOTS  # noqa: SLF001 - the bound itself is what is tested
    held = 0
    while slots.acquire(blocking=False):  # every slot busy, as under a flood of guesses
        held += 1
    try:
        started = time.monotonic()
        with pytest.raises(CouchError) as refused:
            accounts.authenticate(store, "a@example.org", "a-long-password")
        assert refused.value.status == 503 and refused.value.retry_after is not None
        assert time.monotonic() - started < 5, "refused after a bounded wait, not queued"
    finally:
        for _ in range(held):
            slots.release()
    assert accounts.authenticate(store, "a@example.org", "a-long-password") is not None
    store.close()


def test_a_hash_with_older_parameters_is_replaced_at_login(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path, Limits())
    store.create_db(accounts.ACCOUNTS_DB)
    accounts.create_account(store, "b@example.org", "volunteer", "a-long-password", datetime.now(UTC))
    database = store.database(accounts.ACCOUNTS_DB)
    try:
        doc = database.get(accounts.account_doc_id("b@example.org"))
        old = PasswordHasher(memory_cost=65536, time_cost=3, parallelism=4).hash("a-long-password")
        database.put({**doc, "password_hash": old})
    finally:
        database.close()
    assert accounts.authenticate(store, "b@example.org", "a-long-password") is not None
    database = store.database(accounts.ACCOUNTS_DB)
    try:
        rehashed = extract_parameters(database.get(accounts.account_doc_id("b@example.org"))["password_hash"])
    finally:
        database.close()
    assert (rehashed.memory_cost, rehashed.time_cost, rehashed.parallelism) == (19 * 1024, 2, 1)
    assert accounts.authenticate(store, "b@example.org", "a-long-password") is not None
    store.close()


def test_accounts_stored_under_their_address_move_to_a_hashed_id(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path, Limits())
    store.create_db(accounts.ACCOUNTS_DB)
    made = accounts.create_account(store, "c@example.org", "volunteer", "a-long-password", datetime.now(UTC))
    database = store.database(accounts.ACCOUNTS_DB)
    doc = database.get(accounts.account_doc_id("c@example.org"))
    database.purge([doc["_id"]])
    database.put({**{k: v for k, v in doc.items() if k != "_rev"}, "_id": "account:c@example.org"})

    moved = accounts.rekey_accounts(store)
    again = accounts.rekey_accounts(store)

    ids = [row["id"] for row in database.all_docs(AllDocsQuery())["rows"]]
    database.close()
    assert (moved, again) == (1, 0)
    assert ids == [accounts.account_doc_id("c@example.org")] and "example.org" not in ids[0]
    assert accounts.find_account(store, "c@example.org") == made
    assert accounts.authenticate(store, "c@example.org", "a-long-password") == made
