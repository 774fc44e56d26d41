"""Credential -> Principal, cheaply for the honest and expensively for no one.

Replicators send their credential with every request, and a crowd of tablets sends
hundreds a second. So each answer is kept in a :class:`CredentialCache` with the account
and token documents it was read from; the accounts database's change follower drops an
entry as soon as one of those documents changes (revocation, logout, a lost device, a new
scope, an erasure): at once in this process, within the poll interval in the others.

Checking a password costs an argon2 hashing (bounded per process in
:mod:`server.services.accounts`); so concurrent requests with the same unknown credential
share one check (:class:`SingleFlight`), and failures are counted per account and per
client address (:class:`FailureThrottle`): past the limit, guessing gets 429 with
``Retry-After`` before any hashing. A cached correct credential is never throttled.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from sync import errors
from sync.changes import Signal
from sync.storage import Store

from ..services import accounts
from .policy import Principal

T = TypeVar("T")

# Seconds a throttled login waits for its 429.
THROTTLED_PAUSE = 1.0


@dataclass(frozen=True, slots=True)
class _Entry:
    principal: Principal
    depends_on: frozenset[str]
    expires: float


class CredentialCache:
    """Principals by a keyed hash of their credential, until a document they came from changes.

    Only hashes are kept (with a key that lives in this process), never a password or token.
    """

    def __init__(self, ttl: float, max_entries: int = 20_000) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._secret = secrets.token_bytes(32)
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()
        self._by_document: dict[str, set[bytes]] = {}
        self._lock = threading.Lock()

    def key(self, credential: str) -> bytes:
        return hashlib.blake2b(credential.encode(), key=self._secret, digest_size=32).digest()

    def get(self, key: bytes) -> Principal | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires <= time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry.principal

    def put(self, key: bytes, principal: Principal, depends_on: frozenset[str], ttl: float | None = None) -> None:
        lifetime = self._ttl if ttl is None else min(ttl, self._ttl)
        with self._lock:
            self._drop(key)
            self._entries[key] = _Entry(principal, depends_on, time.monotonic() + lifetime)
            for doc_id in depends_on:
                self._by_document.setdefault(doc_id, set()).add(key)
            while len(self._entries) > self._max:
                self._drop(next(iter(self._entries)))

    def forget(self, signals: list[Signal]) -> None:
        """Drop every entry read from a document that changed (a change subscriber)."""
        with self._lock:
            for signal in signals:
                for key in list(self._by_document.get(signal.doc_id, ())):
                    self._drop(key)

    def _drop(self, key: bytes) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for doc_id in entry.depends_on:
            keys = self._by_document.get(doc_id)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_document[doc_id]


class FailureThrottle:
    """Failed attempts per key (an account, an address) within a sliding window."""

    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 100_000) -> None:
        self._limit = limit
        self._window = window
        self._max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """Seconds until ``key`` may try again, or None if it may now."""
        now = time.monotonic()
        with self._lock:
            failures = self._failures.get(key)
            if failures is None:
                return None
            while failures and failures[0] <= now - self._window:
                failures.popleft()
            if not failures:
                del self._failures[key]
                return None
            if len(failures) < self._limit:
                return None
            return max(1, math.ceil(failures[0] + self._window - now))

    def failed(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            if key not in self._failures and len(self._failures) >= self._max_keys:
                self._prune(now)
            self._failures.setdefault(key, deque(maxlen=self._limit)).append(now)

    def _prune(self, now: float) -> None:
        for key in [key for key, failures in self._failures.items() if failures[-1] <= now - self._window]:
            del self._failures[key]
        if len(self._failures) >= self._max_keys:  # a flood of fresh keys: forget the oldest half
            for key in list(self._failures)[: self._max_keys // 2]:
                del self._failures[key]


class SingleFlight:
    """Concurrent calls with one key share the first call's result."""

    def __init__(self, wait: float = 10.0) -> None:
        self._wait = wait
        self._lock = threading.Lock()
        self._flights: dict[bytes, tuple[threading.Event, list[object]]] = {}

    def run(self, key: bytes, work: Callable[[], T]) -> T:
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = (threading.Event(), [])
        done, outcome = flight
        if not leader:
            if not done.wait(self._wait) or not outcome:
                raise errors.service_unavailable("The credential check is taking too long; try again.", 2)
            if isinstance(outcome[0], BaseException):
                raise outcome[0]
            return outcome[0]  # type: ignore[return-value]
        try:
            result = work()
        except BaseException as error:
            outcome.append(error)
            raise
        else:
            outcome.append(result)
            return result
        finally:
            with self._lock:
                del self._flights[key]
            done.set()


# What a successful check found: the principal, the documents it came from, how long it holds.
_Found = tuple[Principal, frozenset[str], float | None]


class Authenticator:
    """Bearer tokens and HTTP Basic to principals, with the cache, the throttles and the flights."""

    def __init__(self, store: Store, cache_seconds: float, failures_per_account: int,
                 failures_per_address: int) -> None:
        self._store = store
        self.cache = CredentialCache(cache_seconds)
        self._by_account = FailureThrottle(failures_per_account)
        self._by_address = FailureThrottle(failures_per_address)
        self._flights = SingleFlight()
        self._following = False
        self._follow_lock = threading.Lock()

    def principal(self, authorization: str, address: str) -> Principal | None:
        """Who the ``Authorization`` header names, or None.

        :raises CouchError: 429 while the address or account is throttled, 503 while the
            process is at its bound of password checks
        """
        scheme, _, value = authorization.partition(" ")
        scheme, value = scheme.lower(), value.strip()
        if scheme not in ("bearer", "basic") or not value:
            return None
        self._follow_accounts()
        key = self.cache.key(f"{scheme} {value}")
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        self._refuse_if_throttled(self._by_address, address)
        email = None
        if scheme == "bearer":
            found = self._flights.run(key, lambda: self._bearer(value))
        else:
            try:
                email, _, password = base64.b64decode(value, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                self._by_address.failed(address)
                return None
            email = email.strip().lower()
            self._refuse_if_throttled(self._by_account, email)
            found = self._flights.run(key, lambda: self._basic(email, password))
        if found is None:
            self._by_address.failed(address)
            if email:
                self._by_account.failed(email)
            return None
        principal, depends_on, ttl = found
        self.cache.put(key, principal, depends_on, ttl)
        return principal

    def _bearer(self, token: str) -> _Found | None:
        now = datetime.now(UTC)
        session = accounts.session_for_token(self._store, token, now)
        if session is None:
            return None
        return session.principal, session.read_from, (session.expires - now).total_seconds()

    def _basic(self, email: str, password: str) -> _Found | None:
        account = accounts.authenticate(self._store, email, password)
        if account is None:
            return None
        return account.principal(), frozenset({accounts.account_doc_id(email)}), None

    @staticmethod
    def _refuse_if_throttled(throttle: FailureThrottle, key: str) -> None:
        """429 for a throttled key, after a pause: a guesser that ignores ``Retry-After``
        gets one answer a second per connection instead of thousands, and the pause costs
        this server a sleeping greenlet, nothing more."""
        wait = throttle.retry_after(key)
        if wait is not None:
            time.sleep(THROTTLED_PAUSE)
            raise errors.too_many_requests("Too many failed logins; try again later.", wait)

    def _follow_accounts(self) -> None:
        """Subscribe the cache to the accounts database, once, in the process that serves."""
        if self._following:
            return
        with self._follow_lock:
            if not self._following:
                self._store.changes.subscribe(accounts.ACCOUNTS_DB, self.cache.forget)
                self._following = True
