"""Capacity and abuse against the real server (gunicorn, gevent workers), over loopback only.

Hundreds of idle feeds held open while ordinary requests still answer; the per-account feed
cap; a client that never finishes its header; guessed passwords throttled per account and per
address; a revoked session ending its open feed; a write waking only the feeds it concerns.

Feeds are read on raw sockets: the server answers a live feed with HTTP/1.1 chunked bodies
whose heartbeats are single newlines, and the tests look at those bytes as they arrive.
Every wait is bounded, and the bounds are generous: they catch a hang, they time nothing.
"""

from __future__ import annotations

import base64
import contextlib
import resource
import select
import selectors
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests
from requests.adapters import HTTPAdapter

from tests import factories
from tests.conftest import ADMIN, LiveServer, User
from tests.schemas.examples import EXAMPLES

MAIN_DB = "miteinander"


# --- helpers -------------------------------------------------------------------------------


@contextlib.contextmanager
def serving(tmp_path: Path, **env: str) -> Iterator[LiveServer]:
    """A gateway of the test's own with extra environment; stopped whatever happens."""
    live = LiveServer(tmp_path / "data", env=env)
    try:
        yield live.start()
    finally:
        live.stop()


def request(method: str, url: str, **kwargs: Any) -> requests.Response:
    """One request on a connection of its own that the server closes after answering.

    A response object keeps its connection open while it lives, and the server's graceful
    stop waits for open connections; ``Connection: close`` lets every test stop at once.
    """
    kwargs.setdefault("timeout", 10)
    kwargs["headers"] = {"Connection": "close", **kwargs.get("headers", {})}
    return requests.request(method, url, **kwargs)


def get(url: str, **kwargs: Any) -> requests.Response:
    return request("GET", url, **kwargs)


def put(url: str, **kwargs: Any) -> requests.Response:
    return request("PUT", url, **kwargs)


def create_users(server: LiveServer, role: str, count: int) -> list[User]:
    """``count`` new accounts; the CLI takes about half a second each, so several run at once."""
    with ThreadPoolExecutor(max_workers=min(count, 6)) as pool:
        return list(pool.map(lambda _: server.create_user(role), range(count)))


def basic(email: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()


def feed_path(feed: str, heartbeat_ms: int, db: str = MAIN_DB) -> str:
    return f"/sync/{db}/_changes?feed={feed}&heartbeat={heartbeat_ms}&since=now"


def raise_open_files_limit(needed: int) -> None:
    """Each held feed is a socket here too: lift the soft limit if it is below ``needed``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        if target < needed:
            raise RuntimeError(f"this process may open only {target} files; the test needs {needed}")


class Stream:
    """One ``GET`` on a raw HTTP/1.1 connection, its response parsed as the bytes arrive."""

    def __init__(self, port: int, path: str, authorization: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: {authorization}\r\n"
                           "Accept: application/json\r\n\r\n").encode())
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.body = b""
        self.complete = False  # the response ended: last chunk, or Content-Length bytes read
        self.eof = False  # the server closed the connection (or reset it)
        self._raw = b""
        self._chunked = False
        self._length: int | None = None

    @property
    def ended(self) -> bool:
        return self.complete or self.eof

    @property
    def lines(self) -> list[bytes]:
        """Complete lines of the body (each ended by a newline)."""
        return self.body.split(b"\n")[:-1]

    @property
    def heartbeats(self) -> int:
        return sum(1 for line in self.lines if not line.strip())

    @property
    def messages(self) -> list[Any]:
        """The JSON lines of the body, heartbeats left out."""
        return [orjson.loads(line) for line in self.lines if line.strip()]

    def json(self) -> Any:
        return orjson.loads(self.body)

    def feed(self, data: bytes) -> None:
        if not data:
            self.eof = True
            return
        self._raw += data
        self._parse()

    def _parse(self) -> None:
        if self.status is None:
            head, found, rest = self._raw.partition(b"\r\n\r\n")
            if not found:
                return
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            self.status = int(status_line.split()[1])
            for line in header_lines:
                name, _, value = line.partition(":")
                self.headers[name.strip().lower()] = value.strip()
            self._chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
            if "content-length" in self.headers:
                self._length = int(self.headers["content-length"])
            self._raw = rest
        if self._chunked:
            while not self.complete:
                size_line, found, rest = self._raw.partition(b"\r\n")
                if not found:
                    return
                size = int(size_line.split(b";")[0], 16)
                if len(rest) < size + 2:
                    return
                if size == 0:
                    self.complete = True
                else:
                    self.body += rest[:size]
                self._raw = rest[size + 2:]
        else:
            self.body += self._raw
            self._raw = b""
            if self._length is not None and len(self.body) >= self._length:
                self.complete = True

    def _receive(self) -> None:
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        self.feed(data)

    def wait(self, done: Callable[[Stream], bool], timeout: float) -> bool:
        """Read until ``done(self)`` holds; False if it does not within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not done(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.eof:
                return done(self)
            self.sock.settimeout(min(remaining, 1.0))
            try:
                self._receive()
            except TimeoutError:
                continue
        return True

    def drain(self) -> None:
        """Read whatever has arrived, without waiting."""
        while not self.eof and select.select([self.sock], [], [], 0)[0]:
            self._receive()

    def close(self) -> None:
        self.sock.close()


def pump(streams: list[Stream], done: Callable[[Stream], bool], timeout: float) -> bool:
    """Read all ``streams`` at once until ``done`` holds for each; False if not within ``timeout`` s."""
    with selectors.DefaultSelector() as selector:
        for stream in streams:
            if not stream.eof:
                selector.register(stream.sock, selectors.EVENT_READ, stream)
        deadline = time.monotonic() + timeout
        while not all(done(stream) for stream in streams):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.get_map():
                return all(done(stream) for stream in streams)
            for key, _ in selector.select(min(remaining, 0.5)):
                stream = key.data
                stream._receive()  # noqa: SLF001 - the selector says it will not block
                if stream.eof:
                    selector.unregister(stream.sock)
        return True


def assert_too_many_requests(status: int | None, retry_after: str | None, body: Any) -> None:
    """429 in CouchDB's dialect, with a Retry-After (seconds) a client can act on."""
    assert status == 429, (status, body)
    assert body["error"] == "too_many_requests", body
    assert isinstance(body.get("reason"), str) and body["reason"], body
    assert retry_after is not None and retry_after.isdigit() and 1 <= int(retry_after) <= 3600, retry_after


def assert_throttled(response: requests.Response) -> None:
    assert_too_many_requests(response.status_code, response.headers.get("Retry-After"), response.json())


def organization(tag: str) -> dict[str, Any]:
    """A valid organization document: it is in the public channel, so every reader sees it."""
    return {**EXAMPLES["organization"], "_id": f"org:capacity-{tag}", "name": f"Verein {tag}"}


def checkin(event_id: str, person_id: str, volunteer: User, org: str) -> dict[str, Any]:
    return factories.checkin(event_id, volunteer.user_id, "Wolfhagen", person_id=person_id,
                             device_id=f"tablet-{volunteer.user_id}", organization_id=org)


class FromAddress(HTTPAdapter):
    """requests from another loopback address, so that the server sees another client."""

    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    session.headers["Connection"] = "close"  # see request()
    return session


# --- 1. many idle feeds ----------------------------------------------------------------------

FEEDS = 300
ACCOUNTS = 20


def test_300_idle_feeds_stay_open_while_ordinary_requests_answer_and_all_see_a_write(tmp_path: Path) -> None:
    raise_open_files_limit(FEEDS + 200)
    # One worker, so every feed is in the same process and the per-account cap (per process)
    # is exact: 20 accounts with 15 feeds each stay under it.
    with serving(tmp_path, WEB_WORKERS="1", MITEINANDER_MAX_FEEDS_PER_ACCOUNT="20") as server:
        volunteers = create_users(server, "volunteer", ACCOUNTS)
        for volunteer in volunteers:  # their devices have synced before: the credential is known
            assert get(volunteer.db_url()).status_code == 200
        scratch = "t" + uuid.uuid4().hex[:12]
        assert put(server.db_url(scratch)).status_code == 201

        streams: list[Stream] = []
        try:
            for i in range(FEEDS):
                volunteer = volunteers[i % ACCOUNTS]
                streams.append(Stream(server.port, feed_path("longpoll", 2000), basic(*volunteer.auth)))

            # gunicorn sends the headers with the first body bytes: here the first heartbeat.
            assert pump(streams, lambda s: s.status is not None or s.eof, 30), \
                f"{sum(s.status is None for s in streams)} of {FEEDS} feeds got no response header in 30 s"
            assert Counter(s.status for s in streams) == {200: FEEDS}

            # Meanwhile ordinary requests answer (timeout=5: a slower answer fails the test).
            assert get(server.db_url(MAIN_DB), timeout=5).status_code == 200
            assert get(server.url + "/sync/_up", timeout=5).status_code == 200
            stored = put(f"{server.db_url(scratch)}/doc-{uuid.uuid4().hex[:6]}", json={"n": 1}, timeout=5)
            assert stored.status_code == 201, stored.text
            assert get(volunteers[0].db_url(), timeout=5).status_code == 200

            assert pump(streams, lambda s: s.heartbeats >= 2 or s.ended, 20), \
                f"{sum(s.heartbeats < 2 for s in streams)} feeds got fewer than 2 heartbeats in 20 s"
            ended = [s for s in streams if s.ended]
            assert not ended, f"{len(ended)} idle feeds ended early: {ended[0].body[-200:]!r}"
            assert all(s.body.strip() == b"" for s in streams), "an idle feed sent something but heartbeats"

            org = organization(uuid.uuid4().hex[:8])
            written = put(f"{server.db_url(MAIN_DB)}/{org['_id']}", json=org)
            assert written.status_code == 201, written.text

            assert pump(streams, lambda s: s.ended, 15), \
                f"{sum(not s.ended for s in streams)} of {FEEDS} longpolls did not answer the write within 15 s"
            for stream in streams:
                assert stream.complete, f"a longpoll was cut off instead of answering: {stream.body[-200:]!r}"
                answer = stream.messages
                assert len(answer) == 1, answer
                assert org["_id"] in [change["id"] for change in answer[0]["results"]], answer
        finally:
            for stream in streams:
                stream.close()


# --- 2. the per-account feed cap -------------------------------------------------------------


def test_an_account_over_its_feed_cap_gets_429_and_another_account_is_unaffected(tmp_path: Path) -> None:
    with serving(tmp_path, WEB_WORKERS="1", MITEINANDER_MAX_FEEDS_PER_ACCOUNT="5") as server:
        alice, bob = create_users(server, "volunteer", 2)
        streams: list[Stream] = []

        def open_feed(user: User, feed: str = "longpoll") -> Stream:
            stream = Stream(server.port, feed_path(feed, 500), basic(*user.auth))
            streams.append(stream)
            return stream

        try:
            held = [open_feed(alice, "continuous") for _ in range(5)]
            assert pump(held, lambda s: s.heartbeats >= 1 or s.ended, 10)
            assert [s.status for s in held] == [200] * 5 and not any(s.ended for s in held)

            sixth = open_feed(alice)
            assert sixth.wait(lambda s: s.status is not None or s.eof, 10), "the sixth feed got no answer"
            assert sixth.status == 429, f"the sixth feed of one account got {sixth.status}, not 429"
            assert sixth.wait(lambda s: s.complete, 10), "the 429 came without its whole body"
            assert_too_many_requests(sixth.status, sixth.headers.get("retry-after"), sixth.json())
            # The cap is on feeds, not on the account's other requests.
            assert get(alice.db_url(), timeout=5).status_code == 200

            bobs = open_feed(bob)
            assert bobs.wait(lambda s: s.heartbeats >= 1 or s.ended, 10)
            assert bobs.status == 200 and not bobs.ended
            assert get(bob.db_url(), timeout=5).status_code == 200

            # Alice's device drops one feed; the server notices at its next heartbeat write.
            held[0].close()
            reopened = None
            deadline = time.monotonic() + 10
            while reopened is None and time.monotonic() < deadline:
                attempt = open_feed(alice)
                assert attempt.wait(lambda s: s.status is not None or s.eof, 5)
                if attempt.status == 200:
                    reopened = attempt
                else:
                    assert attempt.status == 429, (attempt.status, attempt.body)
                    attempt.close()
                    time.sleep(0.2)
            assert reopened is not None, "the slot of a closed feed was not given back within 10 s"

            # Exactly one slot came back: the four feeds left plus the new one make five again.
            beats = {id(s): s.heartbeats for s in held[1:]}
            assert pump(held[1:], lambda s: s.ended or s.heartbeats > beats[id(s)], 10)
            assert not any(s.ended for s in held[1:]), "closing one feed ended others"
            again = open_feed(alice)
            assert again.wait(lambda s: s.status is not None or s.eof, 10)
            assert again.status == 429, f"a sixth feed after the slot came back got {again.status}, not 429"

            # Admins (accounts only an admin creates) may run a whole fleet under one login.
            fleet = [Stream(server.port, feed_path("continuous", 500), basic(*ADMIN)) for _ in range(8)]
            streams.extend(fleet)
            assert pump(fleet, lambda s: s.heartbeats >= 1 or s.ended, 10)
            assert [s.status for s in fleet] == [200] * 8
        finally:
            for stream in streams:
                stream.close()


# --- 3. a client that never finishes its header ---------------------------------------------


def test_a_client_that_never_finishes_its_header_is_cut_off(tmp_path: Path) -> None:
    with serving(tmp_path, WEB_HEADER_TIMEOUT="2") as server:
        slow = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        try:
            slow.sendall(b"GET /sync/_up HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            started = time.monotonic()
            received = b""
            closed_after = None
            others_answered = False
            while closed_after is None and time.monotonic() - started < 10:
                readable, _, _ = select.select([slow], [], [], 0.5)
                if readable:
                    try:
                        data = slow.recv(4096)
                    except ConnectionResetError:
                        data = b""
                    if not data:
                        closed_after = time.monotonic() - started
                        break
                    received += data
                if not others_answered:  # while the slow client holds its connection
                    assert get(server.url + "/sync/_up", timeout=5).status_code == 200
                    others_answered = True
                try:
                    slow.sendall(b"a")  # one more byte of a header line that never ends
                except (BrokenPipeError, ConnectionResetError):
                    closed_after = time.monotonic() - started
            assert closed_after is not None, "the server kept a never-ending header open for 10 s"
            assert closed_after >= 1.5, f"closed after {closed_after:.1f} s, before the 2 s header timeout"
            assert closed_after <= 8, f"closed only after {closed_after:.1f} s (header timeout 2 s)"
            assert not received.startswith(b"HTTP/1.1 2"), received
            assert others_answered
        finally:
            slow.close()


# --- 4. guessed passwords ---------------------------------------------------------------------


def test_wrong_passwords_throttle_the_account_but_not_its_open_sessions_or_other_accounts(tmp_path: Path) -> None:
    # One worker: the counts and the credential cache are per process.
    with serving(tmp_path, WEB_WORKERS="1", MITEINANDER_AUTH_FAILURES_PER_ACCOUNT="5",
                 MITEINANDER_AUTH_FAILURES_PER_ADDRESS="30") as server:
        victim, other = create_users(server, "volunteer", 2)
        db = f"{server.url}/sync/{MAIN_DB}"
        # The victim's tablet is syncing: its credential was checked before the guessing started.
        assert get(db, auth=victim.auth).status_code == 200

        for attempt in range(5):
            guess = get(db, auth=(victim.email, f"wrong-password-{attempt}"))
            assert guess.status_code == 401 and guess.json()["error"] == "unauthorized", guess.text
        throttled = get(db, auth=(victim.email, "wrong-password-5"))
        assert_throttled(throttled)

        # The right password in a credential the server has not checked yet (the email in
        # capitals; the account's email is case-insensitive) is refused too: the throttle
        # answers before any password is checked, so a throttled account cannot log in anew
        # until the window passes. This is by design; it costs the guesser the hashing.
        fresh = get(db, auth=(victim.email.upper(), victim.password))
        assert_throttled(fresh)
        # ...while the session that was checked before keeps working.
        assert get(db, auth=victim.auth).status_code == 200

        # Another account is unaffected: its first login works, in either spelling (which
        # shows the capitals above are a right credential), and a wrong guess is a 401.
        assert get(db, auth=(other.email.upper(), other.password)).status_code == 200
        assert get(db, auth=other.auth).status_code == 200
        assert get(db, auth=(other.email, "wrong-password")).status_code == 401


def test_failures_from_one_address_throttle_that_address_only(tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(serving(tmp_path, WEB_WORKERS="1", MITEINANDER_AUTH_FAILURES_PER_ADDRESS="8"))
        known, unchecked = create_users(server, "volunteer", 2)
        db = f"{server.url}/sync/{MAIN_DB}"
        guesser = stack.enter_context(session_from("127.0.0.2"))
        elsewhere = stack.enter_context(session_from("127.0.0.3"))
        assert guesser.get(db, auth=known.auth, timeout=10).status_code == 200  # checked before

        for _ in range(8):
            invented = (f"nobody-{uuid.uuid4().hex[:8]}@test.example", "some-password-1")
            response = guesser.get(db, auth=invented, timeout=10)
            assert response.status_code == 401, response.text
        ninth = guesser.get(db, auth=(f"nobody-{uuid.uuid4().hex[:8]}@test.example", "x" * 12), timeout=10)
        assert_throttled(ninth)
        # From that address even a right credential not checked before waits out the throttle...
        refused = guesser.get(db, auth=unchecked.auth, timeout=10)
        assert_throttled(refused)
        # ...but one checked before still works,
        assert guesser.get(db, auth=known.auth, timeout=10).status_code == 200
        # and another address is unaffected.
        assert elsewhere.get(db, auth=unchecked.auth, timeout=10).status_code == 200


# --- 5. revocation ends open feeds -------------------------------------------------------------

# The server looks at a feed's credential at least every 5 s (here every heartbeat, 0.5 s),
# and drops cached credentials within 0.25 s of a change to the account or token.
REVOKED_FEED_BOUND = 10.0


def assert_ends_after_revocation(feed: Stream) -> None:
    assert feed.wait(lambda s: s.ended, REVOKED_FEED_BOUND), \
        f"the feed was still open {REVOKED_FEED_BOUND} s after its credential was revoked"
    assert all(set(message) == {"last_seq"} for message in feed.messages), feed.messages


def test_a_logged_out_token_ends_its_open_feed(server: LiveServer) -> None:
    user = server.create_user("volunteer")
    login = request("POST", server.url + "/api/auth/token", json={"email": user.email, "password": user.password})
    assert login.status_code == 201, login.text
    bearer = f"Bearer {login.json()['token']}"
    feed = Stream(server.port, feed_path("continuous", 500), bearer)
    try:
        assert feed.wait(lambda s: s.heartbeats >= 2 or s.ended, 10)
        assert feed.status == 200 and not feed.ended

        logout = request("DELETE", server.url + "/api/auth/token", headers={"Authorization": bearer})
        assert logout.status_code == 204, logout.text
        assert_ends_after_revocation(feed)
        again = get(f"{server.url}/sync/{MAIN_DB}", headers={"Authorization": bearer})
        assert again.status_code == 401, again.text
    finally:
        feed.close()


def test_an_account_revoked_from_the_command_line_ends_its_open_feed(server: LiveServer) -> None:
    user = server.create_user("volunteer")
    feed = Stream(server.port, feed_path("continuous", 500), basic(*user.auth))
    try:
        assert feed.wait(lambda s: s.heartbeats >= 2 or s.ended, 10)
        assert feed.status == 200 and not feed.ended

        server.flask("users", "revoke", user.email)  # another process writes the account document
        assert_ends_after_revocation(feed)
        assert get(user.db_url()).status_code == 401
    finally:
        feed.close()


@pytest.mark.parametrize("feed_kind", ["longpoll", "continuous"])
def test_a_feed_answers_its_headers_at_once_not_with_its_first_heartbeat(server: LiveServer, feed_kind: str) -> None:
    user = server.create_user("volunteer")
    feed = Stream(server.port, feed_path(feed_kind, 10_000), basic(*user.auth))
    try:
        assert feed.wait(lambda s: s.status is not None or s.ended, 3), "no status line within 3 s"
        assert feed.status == 200 and feed.heartbeats == 0 and not feed.ended
    finally:
        feed.close()


# --- 6. a write wakes only the feeds it concerns -------------------------------------------


def test_a_checkin_answers_the_assigned_volunteers_longpoll_and_not_another_volunteers(server: LiveServer) -> None:
    tag = uuid.uuid4().hex[:8]
    first, second = create_users(server, "volunteer", 2)
    org, ev1, ev2 = f"org:{tag}", f"event:{tag}-1", f"event:{tag}-2"
    event = {"kind": "encounter", "title": {"de": "Café"}, "end": "2026-11-21T13:00:00Z", "organization_id": org}
    seeded = request("POST", server.db_url(MAIN_DB) + "/_bulk_docs", json={"docs": [
        {**organization(tag), "_id": org},
        factories.event(ev1, "Wolfhagen", assigned_volunteers=[first.user_id], **event),
        factories.event(ev2, "Wolfhagen", assigned_volunteers=[second.user_id], **event),
    ]}).json()
    assert all(result.get("ok") for result in seeded), seeded

    feeds = {user.user_id: Stream(server.port, feed_path("longpoll", 500), basic(*user.auth))
             for user in (first, second)}
    try:
        waiting = list(feeds.values())
        # The first heartbeat shows each request has fixed its "now".
        assert pump(waiting, lambda s: s.heartbeats >= 1 or s.ended, 10)
        assert [s.status for s in waiting] == [200, 200] and not any(s.ended for s in waiting)

        mine = checkin(ev1, f"person:{tag}-1", first, org)
        written = put(f"{first.db_url()}/{mine['_id']}", json=mine)
        assert written.status_code == 201, written.text
        started = time.monotonic()
        assert feeds[first.user_id].wait(lambda s: s.ended, 5), \
            "the assigned volunteer's longpoll did not answer the check-in within 5 s"
        took = time.monotonic() - started
        answer = feeds[first.user_id].messages
        assert [change["id"] for change in answer[-1]["results"]] == [mine["_id"]], (answer, took)

        other = feeds[second.user_id]
        other.drain()
        assert not other.ended, f"the other volunteer's longpoll answered a check-in not for them: {other.body!r}"
        theirs = checkin(ev2, f"person:{tag}-2", second, org)
        written = put(f"{second.db_url()}/{theirs['_id']}", json=theirs)
        assert written.status_code == 201, written.text
        assert other.wait(lambda s: s.ended, 5), "the second volunteer's longpoll did not answer its own check-in"
        # Had the first check-in reached this feed, it would be in this answer, or the answer
        # would have come earlier and without the second one.
        assert [change["id"] for change in other.messages[-1]["results"]] == [theirs["_id"]], other.messages
    finally:
        for stream in feeds.values():
            stream.close()
