"""Shared fixtures: the real server on a loopback port, and the real PouchDB client."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import orjson
import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NODE_MODULES = ROOT / "node_modules"

T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Poll ``url`` until it answers; fail loudly if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:  # not listening yet, or workers still booting
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def wait_for(condition: Callable[[], T], timeout: float, interval: float = 0.05) -> T:
    """Call ``condition`` until it returns something truthy, and return that; after ``timeout`` seconds
    return its last answer, so the caller's assertion says what was missing. A test waits this way,
    never for a fixed time: as long as needed on a slow machine, no longer on a fast one."""
    deadline = time.monotonic() + timeout
    while not (answer := condition()) and time.monotonic() < deadline:
        time.sleep(interval)
    return answer


def stop_process(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    """Stop a process started in its own session, with its children; bounded waits only."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


ADMIN = ("admin@test.example", "admin-password-1")


@dataclass
class LiveServer:
    """Our gateway, served by gunicorn exactly as ``make run`` serves it, with an admin account."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def credentials_url(self, email: str, password: str) -> str:
        return f"http://{quote(email, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}"

    @property
    def outbox(self) -> Path:
        """Where the server writes its mails (no SMTP host is set in tests)."""
        return self.data_dir / "outbox"

    @property
    def admin_url(self) -> str:
        return self.credentials_url(*ADMIN)

    def db_url(self, name: str, user: tuple[str, str] = ADMIN) -> str:
        """The database's URL with credentials in it, as PouchDB and requests both accept them."""
        return f"{self.credentials_url(*user)}/sync/{name}"

    @property
    def environment(self) -> dict[str, str]:
        # Tests log in often from one address; the rate limit has a test of its own.
        return {**os.environ, "PORT": str(self.port), "MITEINANDER_DATA_DIR": str(self.data_dir),
                "ACCESS_LOG": "0", "DEMO": "0", "MITEINANDER_LOGIN_RATE": "10000/minute", **self.env}

    def flask(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a ``flask --app wsgi`` command against this server's store."""
        return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT,  # noqa: S603
                              env=self.environment, capture_output=True, text=True, timeout=60, check=True)

    def create_user(self, role: str, *scopes: str) -> User:
        """A new account with a unique email; returns its credentials and user id."""
        email = f"{role}-{uuid.uuid4().hex[:8]}@test.example"
        password = f"pw-{uuid.uuid4().hex}"
        args = ["users", "create", email, "--role", role, "--password", password]
        for scope in scopes:
            args += ["--scope", scope]
        user_id = self.flask(*args).stdout.split(" as ")[1].strip()
        return User(email, password, user_id, self)

    def start(self) -> LiveServer:
        first = not (self.data_dir / "sync").exists()
        self.process = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=self.environment, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until_up(self.url + "/sync/_up", self.process)
        if first:
            self.flask("users", "create", ADMIN[0], "--role", "admin", "--password", ADMIN[1])
        return self

    def stop(self) -> None:
        stop_process(self.process)

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: no shutdown code runs."""
        stop_process(self.process, signal.SIGKILL)


@dataclass
class User:
    """An account on a live server, with what tests need to act as it."""

    email: str
    password: str
    user_id: str
    server: LiveServer

    @property
    def auth(self) -> tuple[str, str]:
        return (self.email, self.password)

    def db_url(self, name: str = "miteinander") -> str:
        return self.server.db_url(name, self.auth)


@dataclass
class PouchDBServer:
    """pouchdb-server from npm, in memory: a third party's CouchDB-compatible server."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, workdir: Path) -> PouchDBServer:
        binary = NODE_MODULES / ".bin" / "pouchdb-server"
        if not binary.exists():
            raise RuntimeError("pouchdb-server is not installed: run `make test`, which runs npm ci")
        self.process = subprocess.Popen(  # noqa: S603
            [str(binary), "--in-memory", "--host", "127.0.0.1", "--port", str(self.port), "--no-stdout-logs"],
            cwd=workdir, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until_up(self.url + "/", self.process)
        return self

    def stop(self) -> None:
        stop_process(self.process)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One gateway for the session; tests isolate themselves with fresh database names."""
    live = LiveServer(tmp_path_factory.mktemp("server")).start()
    yield live
    live.stop()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A gateway of the test's own, for tests that kill or restart it."""
    live = LiveServer(tmp_path / "data").start()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def pouchdb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PouchDBServer]:
    peer = PouchDBServer().start(tmp_path_factory.mktemp("pouchdb-server"))
    yield peer
    peer.stop()


@pytest.fixture
def db_name() -> str:
    """A database name no other test uses."""
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
def db_url(server: LiveServer, db_name: str) -> str:
    """URL of a new, empty database on the session's server."""
    response = requests.put(server.db_url(db_name), timeout=10)
    assert response.status_code == 201, response.text
    return server.db_url(db_name)


def pouch_command(scenario: str, **args: Any) -> list[str]:
    """The command line that runs a scenario of ``tests/e2e/pouch.mjs`` with the real PouchDB 9."""
    if not (NODE_MODULES / "pouchdb").exists():
        raise RuntimeError("pouchdb is not installed: run `make test`, which runs npm ci")
    return ["node", str(ROOT / "tests" / "e2e" / "pouch.mjs"), scenario, orjson.dumps(args).decode()]


def pouch_report(completed: subprocess.CompletedProcess[bytes], scenario: str) -> Any:
    """The JSON report a finished scenario printed; fails the test with its stderr otherwise."""
    if completed.returncode != 0:
        raise AssertionError(f"pouch.mjs {scenario} failed:\n{completed.stderr.decode()[-4000:]}")
    return orjson.loads(completed.stdout.splitlines()[-1])


@pytest.fixture
def pouch(tmp_path: Path) -> Any:
    """Run a scenario in a fresh working directory (where its local databases live); return its report."""

    def run(scenario: str, timeout: float = 300, **args: Any) -> Any:
        workdir = tmp_path / f"pouch-{uuid.uuid4().hex[:6]}"
        workdir.mkdir()
        try:
            completed = subprocess.run(pouch_command(scenario, **args), cwd=workdir,  # noqa: S603
                                       capture_output=True, timeout=timeout, check=False)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return pouch_report(completed, scenario)

    return run
