"""What the benchmarks in bench/ share: paths, starting our gateway and pouchdb-server on free
loopback ports and waiting until they answer, stopping process groups, CPU and RSS of process
groups from ``/proc``, the machine description, and the frame around a run (``run_bench``).

The scripts run as ``.venv/bin/python bench/X.py``, so this directory is on ``sys.path`` and
they import this module as ``common``.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GUNICORN = REPO / ".venv" / "bin" / "gunicorn"
FLASK = REPO / ".venv" / "bin" / "flask"
PYTHON = REPO / ".venv" / "bin" / "python"
POUCHDB_SERVER = REPO / "node_modules" / ".bin" / "pouchdb-server"
HOST = "127.0.0.1"
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """A server did not start, or a measurement failed."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http(method: str, url: str, timeout: float = 10.0, auth: str | None = None) -> tuple[int, bytes]:
    headers = {"Accept": "application/json"}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


# ---------------------------------------------------------------- process groups


def kill_group(proc: subprocess.Popen[Any], grace: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL after ``grace`` s; bounded waits only."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    # The leader may be gone while children (gunicorn workers) linger: kill what is left.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        print(f"warning: process group {proc.pid} did not exit", file=sys.stderr)


def proc_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of ``/proc/<pid>/stat`` after the command name) of every live process.

    In the fields, [1] is the parent pid, [2] the process group, [11:15] user, system and
    reaped children's user and system CPU in clock ticks, [21] the RSS in pages."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        yield int(entry), stat[stat.rindex(")") + 2:].split()


def cpu_ticks(fields: list[str]) -> int:
    return int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])


def group_cpu_seconds(pgid: int) -> float:
    """user+system CPU of every live process in group ``pgid`` (gunicorn's workers included)."""
    return sum(cpu_ticks(fields) for _, fields in proc_stats() if int(fields[2]) == pgid) / TICKS


def group_members(pgid: int) -> list[tuple[int, int]]:
    """(pid, ppid) of the live processes in process group ``pgid``."""
    return [(pid, int(fields[1])) for pid, fields in proc_stats() if int(fields[2]) == pgid]


def group_rss_mib(pgid: int) -> float:
    """Sum of VmRSS over process group ``pgid``, MiB."""
    total_kib = 0
    for pid, _ in group_members(pgid):
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total_kib += int(line.split()[1])
                        break
        except OSError:
            continue
    return total_kib / 1024


def proc_table() -> dict[int, tuple[float, int, int]]:
    """pgid -> (CPU seconds incl. reaped children, RSS bytes, processes) over all of /proc."""
    groups: dict[int, list[float]] = {}
    for _, fields in proc_stats():
        slot = groups.setdefault(int(fields[2]), [0.0, 0, 0])
        slot[0] += cpu_ticks(fields) / TICKS
        slot[1] += int(fields[21]) * PAGE
        slot[2] += 1
    return {pgid: (v[0], int(v[1]), int(v[2])) for pgid, v in groups.items()}


# ---------------------------------------------------------------- servers


@dataclass
class Server:
    """One server process group on a loopback port (started in a session of its own)."""

    name: str
    cmd: list[str]
    cwd: Path
    env: dict[str, str]
    port: int
    db_prefix: str  # URL path before the database name
    ready_path: str
    log_path: Path
    auth: str | None = None  # "name:password" for HTTP Basic
    proc: subprocess.Popen[Any] | None = None
    log_file: Any = None
    preexec_fn: Callable[[], Any] | None = None  # run in the child before exec

    tail_lines = 40  # log lines shown when a server fails

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def db_url(self, db: str) -> str:
        return f"{self.base}{self.db_prefix}{db}"

    def start(self) -> None:
        self.log_file = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.cmd, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
            stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=self.preexec_fn,
        )

    def wait_ready(self, timeout: float = 60.0, check: bool = True) -> None:
        """Until ``ready_path`` answers 200 (bounded); then, if ``check``, ``check_access()``."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _ = http("GET", self.base + self.ready_path, timeout=2)
                if status == 200:
                    if check:
                        self.check_access()
                    return
                last = f"HTTP {status}"
            except OSError as err:
                last = str(err)
            time.sleep(0.2)
        raise BenchError(f"{self.name} did not answer within {timeout:.0f} s ({last}):\n{self.log_tail()}")

    def check_access(self) -> None:
        """Creating and deleting a database works with the credentials we have."""
        probe = self.db_url(f"bench-probe-{uuid.uuid4().hex[:8]}")
        status, body = http("PUT", probe, auth=self.auth)
        if status != 201:
            raise BenchError(f"{self.name}: PUT {probe} -> {status} {body[:300]!r}")
        http("DELETE", probe, auth=self.auth)

    def delete_db(self, db: str) -> None:
        http("DELETE", self.db_url(db), timeout=60, auth=self.auth)

    def cpu_seconds(self) -> float:
        return group_cpu_seconds(self.proc.pid) if self.proc else 0.0

    def log_tail(self, lines: int | None = None) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-(lines or self.tail_lines):])

    def stop(self) -> None:
        if self.proc is not None:
            kill_group(self.proc)
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None


def node_env() -> dict[str, str]:
    """This environment without NODE_OPTIONS (the benchmarks set Node's options themselves)."""
    env = dict(os.environ)
    env.pop("NODE_OPTIONS", None)
    return env


def gateway(name: str, data_dir: Path, control_socket: Path, log_path: Path,
            extra_env: Mapping[str, str | None] | None = None, *, db_prefix: str = "/sync/",
            ready_path: str = "/sync/", server_class: type[Server] = Server, **fields: Any) -> Server:
    """Our gateway on ``data_dir``, served by gunicorn exactly as ``make run`` does, on a free port,
    without access log; ``extra_env`` adds variables (None: removes one). Only gunicorn's control
    socket goes elsewhere, so that it cannot clash with a gunicorn already running here."""
    port = free_port()
    env = dict(node_env(), PORT=str(port), HOST=HOST, MITEINANDER_DATA_DIR=str(data_dir), ACCESS_LOG="0")
    for key, value in (extra_env or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    cmd = [str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app", "--control-socket", str(control_socket)]
    return server_class(name, cmd, REPO, env, port, db_prefix, ready_path, log_path, **fields)


def pouchdb_server(name: str, home: Path, store_args: Sequence[str] = ("--in-memory",), *, db_prefix: str = "/",
                   server_class: type[Server] = Server, **fields: Any) -> Server:
    """pouchdb-server on a free port, its config, store and logs in ``home`` (made here).

    Per-request logging to log.txt at "warning" (errors still logged); --no-stdout-logs keeps it
    off stdout. Ours runs with ACCESS_LOG=0, so neither side pays for access logs."""
    home.mkdir(parents=True)
    port = free_port()
    config = {"log": {"file": str(home / "log.txt"), "level": "warning"}}
    (home / "config.json").write_text(json.dumps(config))
    cmd = [str(POUCHDB_SERVER), *store_args, "--port", str(port), "--host", HOST,
           "--no-stdout-logs", "--config", str(home / "config.json"), "--dir", str(home / "db")]
    return server_class(name, cmd, home, node_env(), port, db_prefix, "/", home / "server.log", **fields)


def create_admin(env: dict[str, str]) -> str | None:
    """A throwaway admin account in our fresh data dir, as an admin would make one
    (``flask --app wsgi users create``); None if this version of the server has no accounts.

    Admin, because every measurement uses a database of its own and only admins reach
    databases other than the synced one; documents are still validated against the schemas.
    """
    probe = subprocess.run([str(FLASK), "--app", "wsgi", "users", "--help"], cwd=REPO, env=env,
                           capture_output=True, timeout=120)
    if probe.returncode != 0:
        return None
    email, password = "bench-admin@example.org", secrets.token_urlsafe(16)
    made = subprocess.run([str(FLASK), "--app", "wsgi", "users", "create", email, "--role", "admin",
                           "--password", password], cwd=REPO, env=env, capture_output=True, timeout=120)
    if made.returncode != 0:
        raise BenchError(f"could not create the benchmark account: {made.stderr.decode()[-2000:]}")
    return f"{email}:{password}"


# ---------------------------------------------------------------- figures


def fmt_rate(value: float | None) -> str:
    return f"{value:10.1f}" if value is not None else "    FAILED"


def fmt_ratio(ours: float | None, theirs: float | None) -> str:
    if not ours or not theirs:
        return "   n/a"
    return f"{ours / theirs:5.2f}x"


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


# ---------------------------------------------------------------- the frame of a run


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass

    def version(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "?"

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                                  timeout=20).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "?"

    dirty = [line for line in git("status", "--porcelain", "--", "server", "sync", "schemas",
                                  "wsgi.py", "gunicorn.conf.py").splitlines() if line.strip()]
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_server_files": len(dirty),
        "loadavg_start": os.getloadavg(),
        "nproc": os.cpu_count(),
        "arch": platform.machine(),
        "cpu": cpu,
        "mem_gib": mem_gib,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": version(["node", "--version"]),
        "gunicorn": version([str(GUNICORN), "--version"]),
        "pouchdb": json.loads((REPO / "node_modules/pouchdb/package.json").read_text())["version"],
        "pouchdb_server": json.loads(
            (REPO / "node_modules/pouchdb-server/package.json").read_text())["version"],
    }


def bench_parser(doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's argument parser: its docstring's first paragraph as the description."""
    return argparse.ArgumentParser(description=(doc or "").split("\n\n")[0],
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def run_bench(args: argparse.Namespace, required: tuple[Path, ...], make_target: str, prefix: str,
              run: Any) -> int:
    """What every benchmark does around its measurements: check the tools are installed, turn
    SIGTERM into a clean exit, work in a temp dir that is removed afterwards (unless --keep),
    and write the results as JSON on request."""
    for path in required:
        if not path.exists():
            print(f"missing {path}; run `make {make_target}` (it installs the venv and node_modules)",
                  file=sys.stderr)
            return 2

    def on_sigterm(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_sigterm)
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        results = run(args, work)
        if args.json_out:
            args.json_out.write_text(json.dumps(results, indent=2, default=str, ensure_ascii=False))
            print(f"\nresults written to {args.json_out}")
        return 1 if results["failures"] else 0
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
