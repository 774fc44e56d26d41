#!/usr/bin/env python3
"""Crowd benchmark: many idle live feeds, and hostile clients, against our gateway.

How to run (from the repository root, after ``make test`` or ``make bench`` installed the venv
and node_modules)::

    .venv/bin/python bench/crowd_bench.py                      # all four scenarios (~7 min)
    .venv/bin/python bench/crowd_bench.py --quick              # smaller version (~2 min)
    .venv/bin/python bench/crowd_bench.py --scenario idle-feeds --feeds 2000 --duration 60
    .venv/bin/python bench/crowd_bench.py --json-out crowd.json --server-env WEB_HEADER_TIMEOUT=10

Every scenario starts a fresh gunicorn exactly as ``make run`` does (``gunicorn -c
gunicorn.conf.py wsgi:app`` with PORT, HOST=127.0.0.1, MITEINANDER_DATA_DIR=<temp>, ACCESS_LOG=0,
DEMO=0, plus ``--server-env`` extras; its open-file limit raised to the hard limit), so that what
one scenario leaves behind (threads stuck in feeds, throttling state) cannot colour the next.
All scenarios share one data dir whose accounts are made before any server runs, in a
subprocess, with ``server.services.accounts.create_account`` and ``issue_token`` (what ``flask
--app wsgi users create`` calls; argon2 hashes, tokens valid for a day): ``crowd-feed-NNNN``
volunteers for the idle feeds, ``crowd-probe`` (the legitimate user whose latency is measured),
``crowd-hostile`` and ``crowd-victim``. No account goes through ``/api/auth/register``, so
MITEINANDER_LOGIN_RATE is left at its default (the login rate limit is part of what is measured).
Only ``basic-guessers`` logs in over HTTP (``POST /api/auth/token``, twice).

All traffic goes to 127.0.0.1. Clients are asyncio raw streams (``asyncio.open_connection``,
hand-written HTTP/1.1, keep-alive, chunked bodies) in this process; the latency probe runs in a
subprocess of its own (this file with ``--probe-worker``), so a busy client loop does not inflate
what it measures. A probe is a fresh connection and one request (``Connection: close``) every
``--probe-interval`` s (0.1) on a fixed schedule (a slow answer does not delay the next probe),
each bounded by ``--probe-timeout`` (5 s); a probe that fails, times out or is not answered with
200 counts as infinitely slow in the percentiles (shown as ``fail``). Every probe window is
preceded by a few warm-up requests that are not counted. "Unloaded" is a probe window of
``--unloaded`` s on the same fresh server before the load starts; "loaded" is the load window.

Server CPU is the user+system time of the gunicorn master and all its workers (the process
group, /proc/<pid>/stat, reaped children included) over the window, as % of one core; RSS is
the sum of VmRSS over the process group, sampled every second (peak and mean shown). The
client's own CPU (this process: feeds, attackers) is shown too: both share the machine's cores,
as does anything else running (the load average is printed at the start and the end). With
``--quick`` an unloaded window has about 30 probes, so its p99 is its maximum: ratios are rough.

Scenarios:

``idle-feeds``  N (``--feeds``, 2000) live feeds held open for T s (``--duration``, 60) while
    nothing is written, each a real connection doing what PouchDB 9's live replication does
    while idle: ``GET /sync/miteinander/_changes?style=all_docs&feed=longpoll&heartbeat=10000
    &since=<current>&limit=100`` (no ``timeout``: PouchDB sends none, so the server's maximum
    applies; ``--longpoll-timeout`` adds one), reissued on the same connection when it returns;
    ``--continuous-share`` (0.2) of them use ``feed=continuous&heartbeat=10000`` instead. Feeds
    are spread round-robin over ``--accounts`` volunteers (N/10: at most 10 per account, under a
    per-account cap of ~20 per worker), with their bearer tokens (as the web app syncs).
    ``since`` is each account's current sequence (``_changes?since=now``). The feeds start evenly
    over ``--ramp-spread`` s (10), as real clients do not all connect in the same instant (with
    0, their longpolls also all time out together, 60 s later, and reconnect as one herd; the
    slowest probe's time in the window shows such spikes). Reported: feeds held at the end
    (connection open, last answer 200, bytes received within 2 heartbeats + 5 s), open connections,
    never answered, statuses (429 ...), errors, heartbeats, probe latency of ``crowd-probe``
    (``GET /sync/miteinander``, ``GET /sync/miteinander/_all_docs?limit=10``, ``GET /sync/_up``)
    unloaded and loaded, server CPU and RSS. The same N feeds (no auth, a scratch database
    ``crowd``; probes ``GET /crowd``, ``/crowd/_all_docs?limit=10``, ``GET /``) run against
    pouchdb-server 4.2.0 ``--in-memory`` for comparison (``--no-pouchdb`` skips it).
``hostile-feeds``  one account (``crowd-hostile``) opens ``--hostile-feeds`` (500) feeds, half
    continuous with heartbeat and half longpoll, for ``--hostile-duration`` s (30); refused ones
    retry after Retry-After (clamped to 1..10 s, 2 s without one). Reported: feeds held vs
    answered 429 (and other statuses), the probe user's latency, ratio loaded/unloaded p99
    (target <= 2x).
``slow-headers``  ``--slow-conns`` (500) connections send a request header one byte every
    ``--slow-interval`` s (3) and never finish it; half trickle from the first byte of the
    request line, half send ``GET /sync/_up HTTP/1.1`` and Host at once and then trickle an
    ``X-Slow`` header. When the server cuts one, it reconnects (``--no-slow-reconnect`` turns
    that off). Over ``--slow-observe`` s (30) reported: how long after connecting the server
    cut them (EOF or reset; p50/p90/max, what it answered, e.g. 408), how many are still open
    at the end and how old the oldest is, the probe latency ratio. The server is expected to
    cut them after its header timeout (WEB_HEADER_TIMEOUT, e.g. 10 s): measured here, not
    assumed; the target is p99 <= 2x and every connection cut within ``--slow-cut-target`` s
    (15), so the observation must be longer than that.
``basic-guessers``  ``--guessers`` (100) concurrent clients send ``GET /sync/miteinander`` with
    HTTP Basic for ``--guess-duration`` s (30), as fast as they are answered (keep-alive,
    ignoring Retry-After): half with invented credentials (random emails and passwords), half
    with wrong passwords for the real account ``crowd-victim``. They connect from
    ``--guesser-addrs`` (10) loopback source addresses 127.0.0.10.. (to 127.0.0.1; 0 means all
    from 127.0.0.1), the probe from 127.0.0.1, so per-address throttling can tell them apart.
    Reported: responses by status (401, 429, 503 ...), Retry-After seen, request rate, peak
    server RSS (argon2 takes 64 MiB per verification), the latency of the legitimate
    ``crowd-probe`` with a bearer token from ``POST /api/auth/token`` and with Basic (ratio,
    target <= 2x), and separately whether the real owner of ``crowd-victim`` still gets in
    (Basic and bearer), i.e. whether the guessing locks them out.

Output: a markdown section per scenario, then a summary table (scenario, server, probe p99
unloaded and loaded in ms, ratio, target, met?, server CPU, RSS). ``--json-out FILE`` writes
everything (every figure, per-label probe statistics, server log notes). The exit status is 1
if a scenario could not be run; unmet targets are reported, not an error. Everything started
here is stopped in a ``finally`` (SIGTERM, then SIGKILL to each process group); every wait and
loop is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import os
import random
import resource
import secrets
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from common import (
    GUNICORN,
    HOST,
    POUCHDB_SERVER,
    PYTHON,
    REPO,
    BenchError,
    Server,
    gateway,
    group_members,
    group_rss_mib,
    machine_info,
    pouchdb_server,
    run_bench,
)

SCENARIOS = ("idle-feeds", "hostile-feeds", "slow-headers", "basic-guessers")
MAIN_DB = "miteinander"
POUCH_DB = "crowd"
TARGET_RATIO = 2.0
THIS = Path(__file__).resolve()


# ------------------------------------------------------------------------------------------
# Processes: open-file limits (CPU and RSS of a process group: common.py)
# ------------------------------------------------------------------------------------------

def raise_nofile() -> tuple[int, int]:
    """Soft RLIMIT_NOFILE up to the hard limit (also the ``preexec_fn`` of the servers)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


# ------------------------------------------------------------------------------------------
# Servers
# ------------------------------------------------------------------------------------------

@dataclass
class Served(Server):
    """One server process group started for one scenario."""

    workers_at_start: set[int] = field(default_factory=set)

    tail_lines = 30

    def wait_ready(self, timeout: float = 60.0, check: bool = False) -> None:
        super().wait_ready(timeout, check)
        time.sleep(0.5)  # let the other workers finish booting
        self.workers_at_start = self.workers()

    @property
    def pgid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def rss_mib(self) -> float:
        return group_rss_mib(self.pgid) if self.proc else 0.0

    def workers(self) -> set[int]:
        """Pids of the master's children (gunicorn workers); empty for a single process."""
        return {pid for pid, ppid in group_members(self.pgid) if ppid == self.pgid} if self.proc else set()

    def log_notes(self) -> dict[str, Any]:
        """Counts of notable server log lines (worker restarts, timeouts, fd exhaustion, tracebacks)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return {}
        patterns = {"booting_worker": "Booting worker", "worker_timeout": "WORKER TIMEOUT",
                    "worker_exit": "Worker exiting", "too_many_open_files": "Too many open files",
                    "traceback": "Traceback", "error_lines": "[ERROR]", "warning_lines": "[WARNING]"}
        notes: dict[str, Any] = {key: text.count(pattern) for key, pattern in patterns.items()}
        interesting = [line for line in text.splitlines()
                       if any(word in line for word in ("ERROR", "Error", "WARNING", "TIMEOUT", "refus", "limit"))]
        notes["sample_lines"] = interesting[:8]
        return notes


def ours_server(ctx: Ctx, label: str) -> Served:
    return gateway("ours", ctx.data_dir, ctx.work / f"gunicorn-{label}.ctl", ctx.work / f"ours-{label}.log",
                   {"DEMO": "0", **ctx.server_env}, db_prefix=f"/sync/{MAIN_DB}", ready_path="/sync/_up",
                   server_class=Served, preexec_fn=raise_nofile)


def pouchdb_server_for(ctx: Ctx, label: str) -> Served:
    return pouchdb_server("pouchdb-server", ctx.work / f"pouchdb-{label}", ["--in-memory"], db_prefix=f"/{POUCH_DB}",
                          server_class=Served, preexec_fn=raise_nofile)


# ------------------------------------------------------------------------------------------
# HTTP/1.1 over asyncio streams
# ------------------------------------------------------------------------------------------

class HttpError(Exception):
    """A response we cannot parse."""


# What a request against a struggling server may end with; recorded, never fatal.
NET_ERRORS = (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, HttpError, ValueError)


def error_name(err: BaseException) -> str:
    if isinstance(err, TimeoutError):
        return "timeout"
    if isinstance(err, asyncio.IncompleteReadError):
        return "closed-early"
    if isinstance(err, ConnectionRefusedError):
        return "refused"
    if isinstance(err, ConnectionResetError):
        return "reset"
    if isinstance(err, BrokenPipeError):
        return "broken-pipe"
    if isinstance(err, OSError) and err.errno is not None:
        return f"oserror-{err.errno}"
    return type(err).__name__


async def open_conn(port: int, timeout: float, local_addr: str | None = None,
                    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    kwargs: dict[str, Any] = {"limit": 1 << 16}
    if local_addr:
        kwargs["local_addr"] = (local_addr, 0)
    return await asyncio.wait_for(asyncio.open_connection(HOST, port, **kwargs), timeout)


def request_bytes(method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"",
                  close: bool = False) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Accept: application/json",
             "Connection: close" if close else "Connection: keep-alive"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def read_head(reader: asyncio.StreamReader, timeout: float) -> tuple[int, dict[str, str]]:
    raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    lines = raw.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise HttpError(f"bad status line {lines[0][:80]!r}")
    headers: dict[str, str] = {"_version": parts[0]}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


async def body_pieces(reader: asyncio.StreamReader, headers: dict[str, str], idle: float) -> AsyncIterator[bytes]:
    """The body as it arrives (chunk by chunk), each read bounded by ``idle`` s."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        for _ in range(10_000_000):
            line = await asyncio.wait_for(reader.readline(), idle)
            if not line:
                raise asyncio.IncompleteReadError(b"", None)
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                for _ in range(100):  # trailers
                    trailer = await asyncio.wait_for(reader.readline(), idle)
                    if trailer in (b"\r\n", b"\n", b""):
                        break
                return
            data = await asyncio.wait_for(reader.readexactly(size + 2), idle)
            yield data[:-2]
    elif "content-length" in headers:
        left = int(headers["content-length"])
        while left > 0:
            data = await asyncio.wait_for(reader.read(min(left, 1 << 16)), idle)
            if not data:
                raise asyncio.IncompleteReadError(b"", left)
            left -= len(data)
            yield data
    else:  # until the server closes
        for _ in range(10_000_000):
            data = await asyncio.wait_for(reader.read(1 << 16), idle)
            if not data:
                return
            yield data


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str], idle: float,
                    limit: int = 1 << 20) -> bytes:
    body = bytearray()
    async for piece in body_pieces(reader, headers, idle):
        if len(body) < limit:
            body += piece
    return bytes(body)


def quiet_close(err: BaseException) -> bool:
    """The peer closed before answering at all (EOF before a status line, or a reset)."""
    if isinstance(err, asyncio.IncompleteReadError):
        return not err.partial
    return isinstance(err, ConnectionResetError | BrokenPipeError)


def must_close(headers: dict[str, str]) -> bool:
    return headers.get("connection", "").lower() == "close" or headers.get("_version") == "HTTP/1.0" or (
        "content-length" not in headers and "chunked" not in headers.get("transfer-encoding", "").lower())


def abort(writer: asyncio.StreamWriter | None) -> None:
    if writer is not None:
        with contextlib.suppress(Exception):
            writer.transport.abort()


def retry_after(headers: dict[str, str]) -> float | None:
    try:
        return float(headers["retry-after"])
    except (KeyError, ValueError):
        return None


async def one_request(port: int, method: str, path: str, headers: dict[str, str] | None = None,
                      body: bytes = b"", timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """A single request on a fresh connection, everything bounded by ``timeout``."""
    async def go() -> tuple[int, dict[str, str], bytes]:
        reader, writer = await open_conn(port, timeout)
        try:
            writer.write(request_bytes(method, path, headers, body, close=True))
            await writer.drain()
            status, head = await read_head(reader, timeout)
            return status, head, await read_body(reader, head, timeout)
        finally:
            abort(writer)
    return await asyncio.wait_for(go(), timeout)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# ------------------------------------------------------------------------------------------
# The latency probe (runs in a subprocess: ``crowd_bench.py --probe-worker``)
# ------------------------------------------------------------------------------------------

async def probe_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Fixed-rate probes; returns [t, label, latency s, status or error] per probe."""
    port, interval, timeout = spec["port"], spec["interval"], spec["timeout"]
    requests = spec["requests"]
    samples: list[list[Any]] = []
    outstanding: set[asyncio.Task[None]] = set()
    start = time.monotonic()

    async def probe(label: str, path: str, headers: dict[str, str], t_rel: float) -> None:
        t0 = time.monotonic()
        writer = None

        async def go() -> int:
            nonlocal writer
            reader, writer = await open_conn(port, timeout, spec.get("local_addr"))
            writer.write(request_bytes("GET", path, headers, close=True))
            await writer.drain()
            status, head = await read_head(reader, timeout)
            await read_body(reader, head, timeout)
            return status

        try:
            status: int | str = await asyncio.wait_for(go(), timeout)
        except NET_ERRORS as err:
            status = error_name(err)
        finally:
            abort(writer)
        samples.append([round(t_rel, 3), label, time.monotonic() - t0, status])

    count = max(1, int(spec["duration"] / interval))
    for i in range(count):
        due = start + i * interval
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        item = requests[i % len(requests)]
        if len(outstanding) >= spec.get("max_outstanding", 100):
            samples.append([round(due - start, 3), item["label"], None, "skipped-too-many-outstanding"])
            continue
        task = asyncio.create_task(probe(item["label"], item["path"], item.get("headers", {}), due - start))
        outstanding.add(task)
        task.add_done_callback(outstanding.discard)
    if outstanding:
        await asyncio.wait(set(outstanding), timeout=timeout + 2)
    for task in list(outstanding):
        task.cancel()
    return {"samples": samples, "wall_s": round(time.monotonic() - start, 3)}


def probe_worker_main() -> int:
    spec = json.loads(sys.stdin.read())
    result = asyncio.run(probe_worker(spec))
    sys.stdout.write(json.dumps(result))
    return 0


async def run_probe(port: int, requests: list[dict[str, Any]], duration: float, args: argparse.Namespace,
                    ) -> dict[str, Any]:
    """Run the probe subprocess for ``duration`` s; bounded, never raises."""
    spec = {"port": port, "requests": requests, "duration": duration, "interval": args.probe_interval,
            "timeout": args.probe_timeout, "max_outstanding": 100}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(THIS), "--probe-worker", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(json.dumps(spec).encode()),
                                          duration + args.probe_timeout + 30)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), 5)
        return {"samples": [], "error": "probe worker timed out"}
    try:
        return dict(json.loads(out))
    except json.JSONDecodeError:
        return {"samples": [], "error": f"probe worker failed: {err.decode(errors='replace')[-1000:]}"}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (inf allowed), q in 0..100."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_stats(result: dict[str, Any], labels: set[str] | None = None) -> dict[str, Any]:
    """p50/p99/max in ms over the probes with these labels; failures count as infinitely slow."""
    rows = [row for row in result.get("samples", []) if labels is None or row[1] in labels]

    def stats(selected: list[list[Any]]) -> dict[str, Any]:
        values = [row[2] * 1000 if row[3] == 200 and row[2] is not None else math.inf for row in selected]
        fails = Counter(str(row[3]) for row in selected if row[3] != 200)
        ok = [v for v in values if math.isfinite(v)]
        worst = max(range(len(values)), key=values.__getitem__) if values else None
        return {"worst_at_s": selected[worst][0] if worst is not None else None,
                "n": len(values), "ok": len(ok), "failed": len(values) - len(ok), "failures": dict(fails),
                "p50_ms": percentile(values, 50), "p99_ms": percentile(values, 99),
                "max_ms": max(values, default=math.nan), "ok_p99_ms": percentile(ok, 99)}

    out = stats(rows)
    out["by_label"] = {label: stats([row for row in rows if row[1] == label])
                       for label in sorted({row[1] for row in rows})}
    if result.get("error"):
        out["error"] = result["error"]
    return out


def ratio(loaded: float, unloaded: float) -> float:
    if not math.isfinite(unloaded) or unloaded <= 0 or math.isnan(loaded):
        return math.nan
    return loaded / unloaded


def fmt_ms(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float) and math.isinf(value):
        return "fail"
    return f"{value:.1f}"


def fmt_ratio(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf"
    return f"{value:.2f}x"


def fmt_lat(stats: dict[str, Any]) -> str:
    text = f"{fmt_ms(stats['p50_ms'])} / {fmt_ms(stats['p99_ms'])} / {fmt_ms(stats['max_ms'])}"
    if stats["failed"]:
        text += f" ({stats['failed']}/{stats['n']} failed: " + ", ".join(
            f"{k} {v}" for k, v in sorted(stats["failures"].items(), key=lambda kv: -kv[1])[:3]) + ")"
    return text


# ------------------------------------------------------------------------------------------
# Server monitoring during a window
# ------------------------------------------------------------------------------------------

@dataclass
class Monitor:
    """Samples the server's RSS (and the client's event-loop lag) every second."""

    server: Served
    rss: list[float] = field(default_factory=list)
    lag_ms: list[float] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        for _ in range(100_000):
            before = time.monotonic()
            await asyncio.sleep(1.0)
            self.lag_ms.append((time.monotonic() - before - 1.0) * 1000)
            if self.server.alive():
                self.rss.append(self.server.rss_mib())

    def start(self) -> None:
        self.rss.append(self.server.rss_mib())
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


async def measured_window(server: Served, port: int, probes: list[dict[str, Any]], duration: float,
                          args: argparse.Namespace, during: Callable[[], Any] | None = None) -> dict[str, Any]:
    """Probe for ``duration`` s while measuring server CPU and RSS; ``during`` is called at the end
    of the window (before the probe's stragglers finish) to take the load's own counts."""
    monitor = Monitor(server)
    monitor.start()
    probe_task = asyncio.create_task(run_probe(port, probes, duration, args))
    cpu0, t0, mine0 = server.cpu_seconds(), time.monotonic(), os.times()
    await asyncio.sleep(duration)
    cpu1, t1, mine1 = server.cpu_seconds(), time.monotonic(), os.times()
    snapshot = during() if during else None
    probe = await probe_task
    await monitor.stop()
    rss = monitor.rss or [0.0]
    return {"duration_s": round(t1 - t0, 2), "server_cpu_s": round(cpu1 - cpu0, 2),
            "server_cpu_pct": round(100 * (cpu1 - cpu0) / (t1 - t0), 1),
            "client_cpu_pct": round(100 * (mine1.user + mine1.system - mine0.user - mine0.system) / (t1 - t0), 1),
            "rss_mib_mean": round(sum(rss) / len(rss), 1), "rss_mib_peak": round(max(rss), 1),
            "rss_mib_end": round(rss[-1], 1), "client_loop_lag_p99_ms": round(percentile(monitor.lag_ms, 99), 1)
            if monitor.lag_ms else None, "probe": latency_stats(probe), "probe_raw": probe, "load": snapshot}


async def warm_up(port: int, probes: list[dict[str, Any]], rounds: int = 3) -> list[str]:
    """A few uncounted requests of each probe kind; returns problems (non-200 answers)."""
    problems = []
    for _ in range(rounds):
        for item in probes:
            try:
                status, _, body = await one_request(port, "GET", item["path"], item.get("headers"), timeout=15)
                if status != 200:
                    problems.append(f"{item['label']}: HTTP {status} {body[:120]!r}")
            except NET_ERRORS as err:
                problems.append(f"{item['label']}: {error_name(err)}")
    return sorted(set(problems))


async def unloaded_baseline(server: Served, probes: list[dict[str, Any]],
                            args: argparse.Namespace) -> tuple[list[str], dict[str, Any]]:
    """Warm-up problems, then ``args.unloaded`` s of probing ``server`` with no load on it."""
    problems = await warm_up(server.port, probes)
    return problems, await measured_window(server, server.port, probes, args.unloaded, args)


# ------------------------------------------------------------------------------------------
# Live feeds (idle-feeds, hostile-feeds)
# ------------------------------------------------------------------------------------------

@dataclass(eq=False)
class Feed:
    index: int
    kind: str  # "longpoll" | "continuous"
    auth: str | None
    since: str
    state: str = "new"
    writer: asyncio.StreamWriter | None = None
    connects: int = 0
    requests: int = 0
    responses: Counter[int] = field(default_factory=Counter)
    first_status: int | None = None
    errors: Counter[str] = field(default_factory=Counter)
    heartbeats: int = 0
    longpoll_returns: int = 0
    continuous_ends: int = 0
    keepalive_closed: int = 0
    live: bool = False  # the last answer was a 200 and the feed has not failed since
    changes: int = 0
    last_traffic: float | None = None
    retry_after: list[float] = field(default_factory=list)

    def path(self, db_path: str, heartbeat_ms: int, longpoll_timeout_ms: int) -> str:
        since = quote(self.since, safe="")
        if self.kind == "continuous":
            return f"{db_path}/_changes?style=all_docs&feed=continuous&heartbeat={heartbeat_ms}&since={since}"
        path = f"{db_path}/_changes?style=all_docs&feed=longpoll&heartbeat={heartbeat_ms}&since={since}&limit=100"
        if longpoll_timeout_ms:
            path += f"&timeout={longpoll_timeout_ms}"
        return path

    def open(self) -> bool:
        return self.writer is not None and not self.writer.is_closing()


@dataclass
class FeedLoad:
    port: int
    db_path: str
    heartbeat_ms: int
    longpoll_timeout_ms: int
    deadline: float
    connect_gate: asyncio.Semaphore
    feeds: list[Feed] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def idle_limit(self) -> float:
        """A streaming feed that receives nothing for this long has stalled."""
        return 2 * self.heartbeat_ms / 1000 + 5

    def remaining(self) -> float:
        return max(0.5, self.deadline - time.monotonic())


def note_seq(feed: Feed, obj: Any) -> None:
    if isinstance(obj, dict):
        for key in ("last_seq", "seq"):
            if key in obj and obj[key] is not None:
                feed.since = obj[key] if isinstance(obj[key], str) else json.dumps(obj[key])
                return


async def feed_loop(feed: Feed, load: FeedLoad, start_after: float = 0.0) -> None:
    """One live feed: connect, request, stream, reissue; backs off after refusals and errors."""
    if start_after > 0:
        await asyncio.sleep(start_after)
    reader: asyncio.StreamReader | None = None
    headers_out = {"Authorization": feed.auth} if feed.auth else {}
    on_this_conn = 0  # requests sent on the current connection
    for _ in range(100_000):
        if time.monotonic() >= load.deadline:
            return
        if feed.writer is None or reader is None:
            feed.state = "connecting"
            try:
                async with load.connect_gate:
                    reader, feed.writer = await open_conn(load.port, 10)
                feed.connects += 1
                on_this_conn = 0
            except (OSError, TimeoutError) as err:
                feed.errors["connect-" + error_name(err)] += 1
                feed.state = "backoff"
                await asyncio.sleep(random.uniform(1, 3))
                continue
        writer = feed.writer
        try:
            writer.write(request_bytes("GET", feed.path(load.db_path, load.heartbeat_ms, load.longpoll_timeout_ms),
                                       headers_out))
            await asyncio.wait_for(writer.drain(), 10)
            feed.requests += 1
            on_this_conn += 1
            feed.state = "waiting"
            status, head = await read_head(reader, load.remaining())
            feed.last_traffic = time.monotonic()
            feed.responses[status] += 1
            feed.live = status == 200
            if feed.first_status is None:
                feed.first_status = status
            if status != 200:
                await read_body(reader, head, 10, limit=4096)
                wait = retry_after(head)
                if wait is not None:
                    feed.retry_after.append(wait)
                feed.state = "refused" if status == 429 else "rejected"
                if must_close(head):
                    abort(writer)
                    feed.writer = reader = None
                await asyncio.sleep(min(10.0, max(1.0, wait)) if wait is not None else 2.0)
                continue
            feed.state = "streaming"
            pending = bytearray()
            async for piece in body_pieces(reader, head, load.idle_limit):
                feed.last_traffic = time.monotonic()
                if not piece.strip():
                    feed.heartbeats += max(1, piece.count(b"\n"))
                    continue
                if len(pending) < (1 << 20):
                    pending += piece
                if feed.kind == "continuous":
                    *lines, rest = bytes(pending).split(b"\n")
                    pending = bytearray(rest)
                    for line in lines:
                        if line.strip():
                            with contextlib.suppress(ValueError):
                                obj = json.loads(line)
                                feed.changes += 0 if "last_seq" in obj else 1
                                note_seq(feed, obj)
            if feed.kind == "longpoll":
                feed.longpoll_returns += 1
                with contextlib.suppress(ValueError):
                    obj = json.loads(bytes(pending))
                    feed.changes += len(obj.get("results", []))
                    note_seq(feed, obj)
            else:
                feed.continuous_ends += 1
            if must_close(head):
                abort(writer)
                feed.writer = reader = None
        except NET_ERRORS as err:
            if time.monotonic() >= load.deadline:
                return
            abort(writer)
            feed.writer = reader = None
            feed.live = False
            if feed.state == "waiting" and on_this_conn > 1 and quiet_close(err):
                # The server closed an idle keep-alive connection (e.g. while we waited out a
                # Retry-After): what any HTTP client does is to send again on a new one.
                feed.keepalive_closed += 1
                continue
            feed.errors[("stalled" if feed.state == "streaming" else feed.state) + "-" + error_name(err)] += 1
            feed.state = "backoff"
            await asyncio.sleep(random.uniform(1, 3))


def start_feeds(load: FeedLoad, feeds: list[Feed], spread: float = 0.0) -> None:
    """Start the feeds, evenly over ``spread`` s (0: all at once)."""
    load.feeds = feeds
    load.tasks = [asyncio.create_task(feed_loop(feed, load, spread * i / len(feeds))) for i, feed in enumerate(feeds)]


async def ramp(load: FeedLoad, timeout: float) -> dict[str, Any]:
    """Wait until every feed has sent its request (or failed), at most ``timeout`` s."""
    t0 = time.monotonic()
    for _ in range(int(timeout / 0.2) + 1):
        if all(f.requests or f.errors for f in load.feeds):
            break
        await asyncio.sleep(0.2)
    return {"ramp_s": round(time.monotonic() - t0, 2),
            "requested": sum(1 for f in load.feeds if f.requests),
            "connect_failed": sum(1 for f in load.feeds if not f.requests and f.errors)}


def feed_snapshot(load: FeedLoad) -> dict[str, Any]:
    now = time.monotonic()
    feeds = load.feeds

    def held(f: Feed) -> bool:
        return f.open() and f.live and f.last_traffic is not None and now - f.last_traffic <= load.idle_limit

    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    for f in feeds:
        statuses.update(f.responses)
        errors.update(f.errors)
    retry = [v for f in feeds for v in f.retry_after]
    return {
        "feeds": len(feeds),
        "held": sum(1 for f in feeds if held(f)),
        "held_by_kind": dict(Counter(f.kind for f in feeds if held(f))),
        "open_connections": sum(1 for f in feeds if f.open()),
        "never_answered": sum(1 for f in feeds if not f.responses),
        "waiting_for_answer_now": sum(1 for f in feeds if f.open() and f.state == "waiting" and not f.live),
        "feeds_answered_429": sum(1 for f in feeds if f.responses.get(429)),
        "first_status": dict(Counter(str(f.first_status) for f in feeds)),
        "states": dict(Counter(f.state for f in feeds)),
        "responses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": dict(errors.most_common()),
        "heartbeats": sum(f.heartbeats for f in feeds),
        "feeds_with_heartbeat": sum(1 for f in feeds if f.heartbeats),
        "longpoll_returns": sum(f.longpoll_returns for f in feeds),
        "continuous_ends": sum(f.continuous_ends for f in feeds),
        "changes_seen": sum(f.changes for f in feeds),
        "connects": sum(f.connects for f in feeds),
        "keepalive_closed_by_server": sum(f.keepalive_closed for f in feeds),
        "requests": sum(f.requests for f in feeds),
        "retry_after_s": sorted(Counter(retry).items())[:10],
    }


async def stop_feeds(load: FeedLoad) -> None:
    for feed in load.feeds:
        abort(feed.writer)
    for task in load.tasks:
        task.cancel()
    if load.tasks:
        await asyncio.wait(load.tasks, timeout=10)


async def current_since(port: int, db_path: str, auth: str | None) -> str:
    """The reader's current sequence (``_changes?since=now``), "0" if that fails."""
    headers = {"Authorization": auth} if auth else {}
    try:
        status, _, body = await one_request(port, "GET", f"{db_path}/_changes?since=now&limit=1", headers,
                                            timeout=30)
        if status == 200:
            last = json.loads(body).get("last_seq")
            if last is not None:
                return last if isinstance(last, str) else json.dumps(last)
    except NET_ERRORS:
        pass
    return "0"


# ------------------------------------------------------------------------------------------
# Scenarios
# ------------------------------------------------------------------------------------------

@dataclass
class Ctx:
    args: argparse.Namespace
    work: Path
    data_dir: Path
    server_env: dict[str, str]
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def bearer(self, name: str) -> str:
        return "Bearer " + self.accounts[name]["token"]

    def account(self, name: str) -> dict[str, Any]:
        return self.accounts[name]


def probe_requests_ours(ctx: Ctx) -> list[dict[str, Any]]:
    auth = {"Authorization": ctx.bearer("probe")}
    return [{"label": "db", "path": f"/sync/{MAIN_DB}", "headers": auth},
            {"label": "all_docs", "path": f"/sync/{MAIN_DB}/_all_docs?limit=10", "headers": auth},
            {"label": "_up", "path": "/sync/_up"}]


def with_server(server: Served, body: Callable[[], Any]) -> Any:
    """Start ``server``, run ``body``, always stop the server."""
    try:
        server.start()
        server.wait_ready()
        return body()
    finally:
        server.stop()


def server_facts(server: Served) -> dict[str, Any]:
    workers_now = server.workers() if server.alive() else set()
    return {"alive_at_end": server.alive(), "workers_at_start": len(server.workers_at_start),
            "workers_replaced": len(server.workers_at_start - workers_now) if server.workers_at_start else 0,
            "log": server.log_notes()}


def idle_feeds_once(ctx: Ctx, server: Served) -> dict[str, Any]:
    args = ctx.args
    ours = server.name == "ours"

    async def go() -> dict[str, Any]:
        port = server.port
        if ours:
            probes = probe_requests_ours(ctx)
        else:
            status, _, body = await one_request(port, "PUT", f"/{POUCH_DB}", timeout=30)
            if status not in (201, 412):
                raise BenchError(f"pouchdb-server: PUT /{POUCH_DB} -> {status} {body[:200]!r}")
            probes = [{"label": "db", "path": f"/{POUCH_DB}"},
                      {"label": "all_docs", "path": f"/{POUCH_DB}/_all_docs?limit=10"},
                      {"label": "root", "path": "/"}]
        problems, unloaded = await unloaded_baseline(server, probes, args)

        # Each account's current sequence, as its replication checkpoint would say.
        names = [f"feed{i}" for i in range(args.accounts)] if ours else [None]
        sinces: dict[str | None, str] = {}
        gate = asyncio.Semaphore(10)

        async def since_of(name: str | None) -> None:
            async with gate:
                sinces[name] = await current_since(port, server.db_prefix, ctx.bearer(name) if name else None)
        await asyncio.wait_for(asyncio.gather(*(since_of(n) for n in names)), 300)

        share = args.continuous_share
        feeds = []
        for i in range(args.feeds):
            name = names[i % len(names)]
            kind = "continuous" if int((i + 1) * share) > int(i * share) else "longpoll"
            feeds.append(Feed(i, kind, ctx.bearer(name) if name else None, sinces.get(name, "0")))
        ramp_timeout = args.ramp_spread + args.ramp_timeout
        load = FeedLoad(port, server.db_prefix, args.heartbeat, args.longpoll_timeout,
                        time.monotonic() + ramp_timeout + args.duration + 30,
                        asyncio.Semaphore(args.connect_concurrency))
        cpu_ramp0 = server.cpu_seconds()
        start_feeds(load, feeds, args.ramp_spread)
        try:
            ramped = await ramp(load, ramp_timeout)
            ramped["server_cpu_s"] = round(server.cpu_seconds() - cpu_ramp0, 2)
            await asyncio.sleep(1.0)
            before = feed_snapshot(load)
            loaded = await measured_window(server, port, probes, args.duration, args,
                                           during=lambda: feed_snapshot(load))
        finally:
            await stop_feeds(load)
        after = loaded["load"]
        after["heartbeats_in_window"] = after["heartbeats"] - before["heartbeats"]
        return {"server": server.name, "warm_up_problems": problems, "unloaded": unloaded, "ramp": ramped,
                "loaded": loaded, "feeds": after, "facts": server_facts(server)}

    return asyncio.run(go())


def scenario_idle_feeds(ctx: Ctx) -> dict[str, Any]:
    args = ctx.args
    out: dict[str, Any] = {"params": {"feeds": args.feeds, "accounts": args.accounts, "duration_s": args.duration,
                                      "heartbeat_ms": args.heartbeat, "longpoll_timeout_ms": args.longpoll_timeout,
                                      "continuous_share": args.continuous_share,
                                      "ramp_spread_s": args.ramp_spread}}
    targets = [("ours", ours_server)] + ([] if args.no_pouchdb else [("pouchdb-server", pouchdb_server_for)])
    for name, make in targets:
        server = make(ctx, "idle")
        print(f"  {name}: {args.feeds} feeds for {args.duration:g} s ...", flush=True)
        try:
            out[name] = with_server(server, lambda s=server: idle_feeds_once(ctx, s))
        except Exception as err:  # noqa: BLE001 - one target failing must not end the run
            out[name] = {"error": f"{type(err).__name__}: {err}"}
            ctx.failures.append(f"idle-feeds/{name}: {type(err).__name__}: {err}")
    return out


def scenario_hostile_feeds(ctx: Ctx) -> dict[str, Any]:
    args = ctx.args
    server = ours_server(ctx, "hostile")

    async def go() -> dict[str, Any]:
        port = server.port
        probes = probe_requests_ours(ctx)
        problems, unloaded = await unloaded_baseline(server, probes, args)
        auth = ctx.bearer("hostile")
        since = await current_since(port, server.db_prefix, auth)
        feeds = [Feed(i, "continuous" if i % 2 else "longpoll", auth, since) for i in range(args.hostile_feeds)]
        load = FeedLoad(port, server.db_prefix, args.heartbeat, args.longpoll_timeout,
                        time.monotonic() + args.ramp_timeout + args.hostile_duration + 30,
                        asyncio.Semaphore(args.connect_concurrency))
        start_feeds(load, feeds)
        try:
            ramped = await ramp(load, args.ramp_timeout)
            loaded = await measured_window(server, port, probes, args.hostile_duration, args,
                                           during=lambda: feed_snapshot(load))
        finally:
            await stop_feeds(load)
        return {"params": {"feeds": args.hostile_feeds, "duration_s": args.hostile_duration},
                "warm_up_problems": problems, "unloaded": unloaded, "ramp": ramped, "loaded": loaded,
                "feeds": loaded["load"], "facts": server_facts(server)}

    return with_server(server, lambda: asyncio.run(go()))


@dataclass
class SlowResults:
    attempts: int = 0
    connect_failed: Counter[str] = field(default_factory=Counter)
    cut_after_s: dict[str, list[float]] = field(default_factory=lambda: {"line": [], "header": []})
    cut_how: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    open_since: dict[asyncio.StreamWriter, float] = field(default_factory=dict)  # writer -> connected at
    bytes_sent: int = 0


async def slow_connection(i: int, port: int, deadline: float, args: argparse.Namespace, res: SlowResults,
                          gate: asyncio.Semaphore) -> None:
    kind = "line" if i % 2 == 0 else "header"
    for _ in range(10_000):
        if time.monotonic() >= deadline:
            return
        try:
            async with gate:
                reader, writer = await open_conn(port, 10)
        except (OSError, TimeoutError) as err:
            res.connect_failed[error_name(err)] += 1
            await asyncio.sleep(1.0)
            continue
        res.attempts += 1
        t0 = time.monotonic()
        res.open_since[writer] = t0
        if kind == "line":
            head, trickle = b"", f"GET /sync/_up HTTP/1.1\r\nHost: {HOST}\r\nX-Slow: ".encode() + b"a" * 4000
        else:
            head, trickle = f"GET /sync/_up HTTP/1.1\r\nHost: {HOST}\r\n".encode(), b"X-Slow: " + b"a" * 4000
        how = None
        cut_at = t0
        answer = b""
        try:
            if head:
                writer.write(head)
                res.bytes_sent += len(head)
            for pos in range(len(trickle)):
                if time.monotonic() >= deadline:
                    break
                writer.write(trickle[pos:pos + 1])
                res.bytes_sent += 1
                await asyncio.wait_for(writer.drain(), 10)
                try:
                    data = await asyncio.wait_for(reader.read(4096), args.slow_interval * random.uniform(0.9, 1.1))
                except TimeoutError:
                    continue
                cut_at = time.monotonic()
                if not data:
                    how = "eof"
                    break
                answer += data[:200]
                # The server answered (e.g. 408 or 400): see whether it also closes.
                how = "answered, left open"
                with contextlib.suppress(TimeoutError):
                    for _ in range(1000):
                        if not await asyncio.wait_for(reader.read(4096), 10):
                            how = "answered+closed"
                            break
                break
        except (OSError, TimeoutError) as err:
            how = error_name(err)
            cut_at = time.monotonic()
        finally:
            res.open_since.pop(writer, None)
            abort(writer)
        if how is None:
            return  # still open when the observation ended
        res.cut_after_s[kind].append(cut_at - t0)
        res.cut_how[how] += 1
        if answer:
            res.answers[answer.split(b"\r\n", 1)[0].decode("latin-1")[:60]] += 1
        if not args.slow_reconnect:
            return


def scenario_slow_headers(ctx: Ctx) -> dict[str, Any]:
    args = ctx.args
    server = ours_server(ctx, "slow")

    async def go() -> dict[str, Any]:
        port = server.port
        probes = probe_requests_ours(ctx)
        problems, unloaded = await unloaded_baseline(server, probes, args)
        res = SlowResults()
        # Past the window's end, so that every connection still open is counted at its end;
        # the ``finally`` below aborts them all.
        deadline = time.monotonic() + args.slow_observe + 10
        gate = asyncio.Semaphore(args.connect_concurrency)
        tasks = [asyncio.create_task(slow_connection(i, port, deadline, args, res, gate))
                 for i in range(args.slow_conns)]

        def snapshot() -> dict[str, Any]:
            now = time.monotonic()
            ages = [now - t for t in res.open_since.values()]
            return {"open_now": len(ages), "oldest_open_s": round(max(ages), 2) if ages else 0.0,
                    "open_longer_than_target": sum(1 for a in ages if a > args.slow_cut_target)}
        try:
            loaded = await measured_window(server, port, probes, args.slow_observe, args, during=snapshot)
        finally:
            for writer in list(res.open_since):
                abort(writer)
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks, timeout=10)
        cuts = res.cut_after_s["line"] + res.cut_after_s["header"]

        def dist(values: list[float]) -> dict[str, Any]:
            return {"n": len(values), "min_s": round(min(values), 2) if values else None,
                    "p50_s": round(percentile(values, 50), 2) if values else None,
                    "p90_s": round(percentile(values, 90), 2) if values else None,
                    "max_s": round(max(values), 2) if values else None}
        return {"params": {"connections": args.slow_conns, "interval_s": args.slow_interval,
                           "observe_s": args.slow_observe, "reconnect": args.slow_reconnect,
                           "cut_target_s": args.slow_cut_target,
                           "header_timeout_env": ctx.server_env.get("WEB_HEADER_TIMEOUT")},
                "warm_up_problems": problems, "unloaded": unloaded, "loaded": loaded,
                "slow": {"attempts": res.attempts, "cut": len(cuts),
                         "open_at_end": loaded["load"]["open_now"], "oldest_open_s": loaded["load"]["oldest_open_s"],
                         "open_longer_than_target": loaded["load"]["open_longer_than_target"],
                         "cut_later_than_target": sum(1 for c in cuts if c > args.slow_cut_target),
                         "cut_after": dist(cuts),
                         "cut_after_by_kind": {k: dist(v) for k, v in res.cut_after_s.items()},
                         "cut_how": dict(res.cut_how), "answers": dict(res.answers),
                         "connect_failed": dict(res.connect_failed), "bytes_sent": res.bytes_sent},
                "facts": server_facts(server)}

    return with_server(server, lambda: asyncio.run(go()))


async def guesser(i: int, port: int, deadline: float, victim: str, addrs: list[str | None],
                  counts: Counter[str], retry: Counter[float]) -> None:
    local = addrs[i % len(addrs)]
    reader = writer = None
    on_this_conn = 0
    for _ in range(1_000_000):
        if time.monotonic() >= deadline:
            break
        if writer is None or reader is None:
            try:
                reader, writer = await open_conn(port, 10, local)
                on_this_conn = 0
            except (OSError, TimeoutError) as err:
                counts["connect-" + error_name(err)] += 1
                await asyncio.sleep(0.2)
                continue
        if i % 2 == 0:
            auth = basic(f"{secrets.token_hex(6)}@example.org", secrets.token_urlsafe(12))
        else:
            auth = basic(victim, secrets.token_urlsafe(12))
        try:
            writer.write(request_bytes("GET", f"/sync/{MAIN_DB}", {"Authorization": auth}))
            await asyncio.wait_for(writer.drain(), 10)
            on_this_conn += 1
            status, head = await read_head(reader, max(1.0, deadline + 30 - time.monotonic()))
            await read_body(reader, head, 30, limit=4096)
            counts[str(status)] += 1
            wait = retry_after(head)
            if wait is not None:
                retry[wait] += 1
            if must_close(head):
                abort(writer)
                writer = reader = None
        except NET_ERRORS as err:
            abort(writer)
            writer = reader = None
            if on_this_conn > 1 and quiet_close(err):
                counts["keepalive-closed-by-server"] += 1
                continue
            counts["error-" + error_name(err)] += 1
            await asyncio.sleep(0.1)
    abort(writer)


def scenario_basic_guessers(ctx: Ctx) -> dict[str, Any]:
    args = ctx.args
    server = ours_server(ctx, "guess")

    async def login(port: int, name: str) -> str | None:
        account = ctx.account(name)
        body = json.dumps({"email": account["email"], "password": account["password"]}).encode()
        try:
            status, _, answer = await one_request(port, "POST", "/api/auth/token",
                                                  {"Content-Type": "application/json"}, body, timeout=30)
        except NET_ERRORS:
            return None
        return "Bearer " + json.loads(answer)["token"] if status == 201 else None

    async def go() -> dict[str, Any]:
        port = server.port
        probe_account, victim = ctx.account("probe"), ctx.account("victim")
        token = await login(port, "probe")
        victim_token = await login(port, "victim")
        problems = [] if token and victim_token else ["POST /api/auth/token failed; using tokens issued in-process"]
        token = token or ctx.bearer("probe")
        victim_token = victim_token or ctx.bearer("victim")
        probes = [{"label": "bearer", "path": f"/sync/{MAIN_DB}", "headers": {"Authorization": token}},
                  {"label": "basic", "path": f"/sync/{MAIN_DB}",
                   "headers": {"Authorization": basic(probe_account["email"], probe_account["password"])}},
                  {"label": "bearer-all_docs", "path": f"/sync/{MAIN_DB}/_all_docs?limit=10",
                   "headers": {"Authorization": token}},
                  {"label": "victim-basic", "path": f"/sync/{MAIN_DB}",
                   "headers": {"Authorization": basic(victim["email"], victim["password"])}},
                  {"label": "victim-bearer", "path": f"/sync/{MAIN_DB}", "headers": {"Authorization": victim_token}}]
        problems += await warm_up(port, probes)
        unloaded = await measured_window(server, port, probes, args.unloaded, args)
        addrs: list[str | None] = [f"127.0.0.{10 + k}" for k in range(args.guesser_addrs)] or [None]
        counts: Counter[str] = Counter()
        retry: Counter[float] = Counter()
        deadline = time.monotonic() + args.guess_duration
        tasks = [asyncio.create_task(guesser(i, port, deadline, victim["email"], addrs, counts, retry))
                 for i in range(args.guessers)]
        t0 = time.monotonic()
        try:
            loaded = await measured_window(server, port, probes, args.guess_duration, args,
                                           during=lambda: dict(counts))
        finally:
            await asyncio.wait(tasks, timeout=40)
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks, timeout=10)
        elapsed = time.monotonic() - t0
        answered = sum(v for k, v in counts.items() if k.isdigit())
        return {"params": {"guessers": args.guessers, "duration_s": args.guess_duration,
                           "source_addresses": [a or HOST for a in addrs]},
                "warm_up_problems": problems, "unloaded": unloaded, "loaded": loaded,
                "guesses": {"responses": dict(sorted(counts.items())), "answered": answered,
                            "per_s": round(answered / elapsed, 1) if elapsed else None,
                            "retry_after_s": sorted(retry.items())[:10]},
                "legit_labels": ["bearer", "basic", "bearer-all_docs"],
                "facts": server_facts(server)}

    result = with_server(server, lambda: asyncio.run(go()))
    legit = set(result["legit_labels"])
    for window in ("unloaded", "loaded"):
        result[window]["probe_all"] = result[window]["probe"]
        result[window]["probe"] = latency_stats(result[window]["probe_raw"], legit)
    return result


# ------------------------------------------------------------------------------------------
# Accounts (made in a subprocess with the server's own code, before any server runs)
# ------------------------------------------------------------------------------------------

ACCOUNT_SCRIPT = r"""
import json, os, sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from server import create_app
from server.config import Settings
from server.services import accounts

spec = json.loads(sys.stdin.read())
app = create_app(Settings(data_dir=Path(spec["data_dir"]), demo=False))
store = app.extensions["store"]
now = datetime.now(UTC)

def make(item):
    account = accounts.create_account(store, item["email"], item["role"], item["password"], now)
    token = accounts.issue_token(store, account, now, timedelta(days=1), item.get("device_id"))
    return {"name": item["name"], "email": account.email, "user_id": account.user_id, "token": token}

# argon2 releases the GIL: hash on every core.
with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
    made = list(pool.map(make, spec["accounts"]))
sys.stdout.write("\nACCOUNTS " + json.dumps(made) + "\n")
"""


def make_accounts(ctx: Ctx, names: list[str]) -> None:
    specs = []
    for name in names:
        email = f"crowd-{name}@example.org" if not name.startswith("feed") else \
            f"crowd-feed-{int(name[4:]):04d}@example.org"
        specs.append({"name": name, "email": email, "role": "volunteer", "password": secrets.token_urlsafe(16),
                      "device_id": f"crowd-{name}"})
    env = dict(os.environ, MITEINANDER_DATA_DIR=str(ctx.data_dir), DEMO="0")
    t0 = time.monotonic()
    proc = subprocess.run([str(PYTHON), "-c", ACCOUNT_SCRIPT], cwd=REPO, env=env, capture_output=True,
                          input=json.dumps({"data_dir": str(ctx.data_dir), "accounts": specs}).encode(),
                          timeout=120 + 2 * len(specs))
    made = [line for line in proc.stdout.decode().splitlines() if line.startswith("ACCOUNTS ")]
    if proc.returncode != 0 or not made:
        raise BenchError(f"could not create the accounts: {proc.stderr.decode(errors='replace')[-2000:]}")
    passwords = {spec["name"]: spec["password"] for spec in specs}
    for row in json.loads(made[-1].removeprefix("ACCOUNTS ")):
        ctx.accounts[row["name"]] = {**row, "password": passwords[row["name"]]}
    print(f"# {len(specs)} volunteer accounts with tokens made in {time.monotonic() - t0:.1f} s "
          f"(server.services.accounts, in a subprocess)", flush=True)


# ------------------------------------------------------------------------------------------
# Reporting
# ------------------------------------------------------------------------------------------

def window_line(window: dict[str, Any]) -> str:
    return (f"CPU {window['server_cpu_pct']:.1f} % of a core, RSS {window['rss_mib_mean']:.0f} MiB mean / "
            f"{window['rss_mib_peak']:.0f} MiB peak (client CPU {window['client_cpu_pct']:.0f} %)")


def summary_row(scenario: str, server: str, result: dict[str, Any], target: str,
                extra_ok: bool | None, notes: str) -> dict[str, Any]:
    un, lo = result["unloaded"]["probe"], result["loaded"]["probe"]
    r = ratio(lo["p99_ms"], un["p99_ms"])
    met: bool | None = None
    if target != "-":
        met = (not math.isnan(r)) and r <= TARGET_RATIO and (extra_ok is None or extra_ok)
    return {"scenario": scenario, "server": server, "p99_unloaded_ms": un["p99_ms"], "p99_loaded_ms": lo["p99_ms"],
            "ratio": r, "target": target, "met": met, "cpu_pct": result["loaded"]["server_cpu_pct"],
            "rss_peak_mib": result["loaded"]["rss_mib_peak"], "notes": notes}


def print_probe_table(result: dict[str, Any]) -> None:
    print("| probe (p50 / p99 / max ms) | unloaded | loaded |")
    print("|---|---|---|")
    un, lo = result["unloaded"]["probe"], result["loaded"]["probe"]
    print(f"| all counted probes | {fmt_lat(un)} | {fmt_lat(lo)} |")
    for label in sorted(set(un["by_label"]) | set(lo["by_label"])):
        a, b = un["by_label"].get(label), lo["by_label"].get(label)
        print(f"| `{label}` | {fmt_lat(a) if a else '-'} | {fmt_lat(b) if b else '-'} |")
    if "probe_all" in result["loaded"]:
        for label, stats in result["loaded"]["probe_all"]["by_label"].items():
            if label not in lo["by_label"]:
                un_stats = result["unloaded"]["probe_all"]["by_label"].get(label)
                print(f"| `{label}` (not counted) | {fmt_lat(un_stats) if un_stats else '-'} | {fmt_lat(stats)} |")


def report_idle(out: dict[str, Any], rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    targets = [t for t in ("ours", "pouchdb-server") if t in out]
    print(f"\n### idle-feeds: {args.feeds} idle live feeds for {args.duration:g} s "
          f"({args.accounts} accounts on ours; {args.continuous_share:.0%} continuous)\n")
    print("| measure | " + " | ".join(targets) + " |")
    print("|---|" + "---|" * len(targets))

    def cell(t: str, fn: Callable[[dict[str, Any]], Any]) -> str:
        r = out[t]
        if "error" in r:
            return "ERROR"
        try:
            return str(fn(r))
        except (KeyError, TypeError, ValueError):
            return "n/a"

    lines: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
        ("feeds held at the end (heartbeats flowing)", lambda r: f"**{r['feeds']['held']}** / {r['feeds']['feeds']} "
                                                       f"{r['feeds']['held_by_kind']}"),
        ("connections open at the end", lambda r: r["feeds"]["open_connections"]),
        ("never answered (no status line)", lambda r: r["feeds"]["never_answered"]),
        ("feeds answered 429", lambda r: r["feeds"]["feeds_answered_429"]),
        ("responses by status", lambda r: r["feeds"]["responses"]),
        ("client errors", lambda r: r["feeds"]["errors"] or "none"),
        ("idle keep-alive connections closed by the server", lambda r: r["feeds"]["keepalive_closed_by_server"]),
        ("heartbeats in the window (feeds with any)",
         lambda r: f"{r['feeds']['heartbeats_in_window']} ({r['feeds']['feeds_with_heartbeat']})"),
        ("longpoll returns / continuous ends", lambda r: f"{r['feeds']['longpoll_returns']} / "
                                                         f"{r['feeds']['continuous_ends']}"),
        ("ramp: s until all requests sent, spread included (sent / connect failed)",
         lambda r: f"{r['ramp']['ramp_s']} ({r['ramp']['requested']} / {r['ramp']['connect_failed']})"),
        ("server CPU during the ramp, s", lambda r: r["ramp"]["server_cpu_s"]),
        ("probe p50 / p99 / max ms, unloaded", lambda r: fmt_lat(r["unloaded"]["probe"])),
        ("probe p50 / p99 / max ms, loaded", lambda r: fmt_lat(r["loaded"]["probe"])),
        ("p99 loaded / unloaded", lambda r: fmt_ratio(ratio(r["loaded"]["probe"]["p99_ms"],
                                                            r["unloaded"]["probe"]["p99_ms"]))),
        ("server CPU % of one core, unloaded / idle window",
         lambda r: f"{r['unloaded']['server_cpu_pct']} / **{r['loaded']['server_cpu_pct']}**"),
        ("server RSS MiB unloaded / window mean / peak",
         lambda r: f"{r['unloaded']['rss_mib_mean']:.0f} / **{r['loaded']['rss_mib_mean']:.0f}** / "
                   f"{r['loaded']['rss_mib_peak']:.0f}"),
        ("client: CPU % of one core / event-loop lag p99 ms (window)",
         lambda r: f"{r['loaded']['client_cpu_pct']} / {r['loaded']['client_loop_lag_p99_ms']}"),
        ("slowest loaded probe at s into the window", lambda r: r["loaded"]["probe"]["worst_at_s"]),
        ("server alive at end, workers replaced",
         lambda r: f"{r['facts']['alive_at_end']}, {r['facts']['workers_replaced']}"),
    ]
    for label, fn in lines:
        print(f"| {label} | " + " | ".join(cell(t, fn) for t in targets) + " |")
    for t in targets:
        r = out[t]
        if "error" in r:
            print(f"\n{t}: ERROR {r['error']}")
            continue
        if r.get("warm_up_problems"):
            print(f"\n{t}: warm-up problems: {r['warm_up_problems']}")
        notes = r["facts"]["log"]
        if any(notes.get(k) for k in ("worker_timeout", "too_many_open_files", "traceback", "error_lines")):
            print(f"\n{t} server log: {json.dumps({k: v for k, v in notes.items() if k != 'sample_lines'})}; "
                  f"e.g. {notes.get('sample_lines', [])[:3]}")
        held = r["feeds"]["held"]
        rows.append(summary_row("idle-feeds", t, r, f"held = {args.feeds}, p99 <= 2x" if t == "ours" else "-",
                                held == args.feeds if t == "ours" else None,
                                f"held {held}/{args.feeds}; 429: {r['feeds']['feeds_answered_429']}; "
                                f"CPU unloaded {r['unloaded']['server_cpu_pct']} %"))


def report_hostile(r: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    f = r["feeds"]
    print(f"\n### hostile-feeds: one account opens {r['params']['feeds']} feeds for {r['params']['duration_s']:g} s "
          "(half continuous, half longpoll)\n")
    print("| measure | value |\n|---|---|")
    print(f"| feeds held at the end | **{f['held']}** {f['held_by_kind']} |")
    print(f"| feeds answered 429 at least once | **{f['feeds_answered_429']}** |")
    print(f"| first answer per feed | {f['first_status']} |")
    print(f"| responses by status (with retries) | {f['responses']} |")
    print(f"| Retry-After seen (s: count) | {f['retry_after_s'] or 'none'} |")
    print(f"| never answered / waiting for an answer at the end | {f['never_answered']} / "
          f"{f['waiting_for_answer_now']} |")
    print(f"| client errors | {f['errors'] or 'none'} |")
    print(f"| idle keep-alive connections closed by the server (then reopened) | "
          f"{f['keepalive_closed_by_server']} |")
    print(f"| server: unloaded / loaded | {window_line(r['unloaded'])} / {window_line(r['loaded'])} |")
    print()
    print_probe_table(r)
    un, lo = r["unloaded"]["probe"], r["loaded"]["probe"]
    print(f"\np99 loaded / unloaded: **{fmt_ratio(ratio(lo['p99_ms'], un['p99_ms']))}** (target <= 2x)")
    rows.append(summary_row("hostile-feeds", "ours", r, "p99 <= 2x", None,
                            f"held {f['held']}, 429 on {f['feeds_answered_429']} of {f['feeds']} feeds"))


def report_slow(r: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    s = r["slow"]
    p = r["params"]
    print(f"\n### slow-headers: {p['connections']} connections trickling a header, a byte every "
          f"{p['interval_s']:g} s, observed {p['observe_s']:g} s (reconnect after a cut: {p['reconnect']}; "
          f"WEB_HEADER_TIMEOUT {p['header_timeout_env'] or 'not set (server default)'})\n")
    print("| measure | value |\n|---|---|")
    c = s["cut_after"]
    print(f"| connections made (incl. reconnects) | {s['attempts']} |")
    print(f"| cut by the server | **{s['cut']}** ({s['cut_later_than_target']} later than "
          f"{p['cut_target_s']:g} s) |")
    print(f"| still open at the end (oldest, s) / open longer than {p['cut_target_s']:g} s | {s['open_at_end']} "
          f"({s['oldest_open_s']}) / **{s['open_longer_than_target']}** |")
    print(f"| seconds from connect to cut: min / p50 / p90 / max | {c['min_s']} / **{c['p50_s']}** / "
          f"{c['p90_s']} / {c['max_s']} |")
    for kind, d in s["cut_after_by_kind"].items():
        print(f"| ... trickling from the {'request line' if kind == 'line' else 'X-Slow header'} (p50 / max, n) | "
              f"{d['p50_s']} / {d['max_s']} ({d['n']}) |")
    print(f"| how they ended | {s['cut_how'] or 'never'} |")
    print(f"| what the server answered before closing | {s['answers'] or 'nothing'} |")
    print(f"| connect failures | {s['connect_failed'] or 'none'} |")
    print(f"| server: unloaded / loaded | {window_line(r['unloaded'])} / {window_line(r['loaded'])} |")
    print()
    print_probe_table(r)
    un, lo = r["unloaded"]["probe"], r["loaded"]["probe"]
    print(f"\np99 loaded / unloaded: **{fmt_ratio(ratio(lo['p99_ms'], un['p99_ms']))}** (target <= 2x)")
    within = s["cut"] > 0 and s["open_longer_than_target"] == 0 and s["cut_later_than_target"] == 0
    rows.append(summary_row("slow-headers", "ours", r, f"p99 <= 2x, all cut within {p['cut_target_s']:g} s",
                            within, f"cut {s['cut']} of {s['attempts']} (p50 {c['p50_s']} s, max {c['max_s']} s); "
                            f"open longer than {p['cut_target_s']:g} s: {s['open_longer_than_target']}"))


def report_guessers(r: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    g = r["guesses"]
    p = r["params"]
    print(f"\n### basic-guessers: {p['guessers']} clients guessing HTTP Basic for {p['duration_s']:g} s "
          f"(from {len(p['source_addresses'])} source address(es))\n")
    print("| measure | value |\n|---|---|")
    print(f"| guesses answered (per s) | {g['answered']} ({g['per_s']}) |")
    print(f"| responses by status | **{g['responses']}** |")
    print(f"| Retry-After seen (s: count) | {g['retry_after_s'] or 'none'} |")
    print(f"| server CPU, unloaded / loaded | {r['unloaded']['server_cpu_pct']} % / "
          f"{r['loaded']['server_cpu_pct']} % (this client, guessers included: {r['loaded']['client_cpu_pct']} %) |")
    print(f"| server RSS MiB, unloaded / loaded mean / **peak** | {r['unloaded']['rss_mib_mean']:.0f} / "
          f"{r['loaded']['rss_mib_mean']:.0f} / **{r['loaded']['rss_mib_peak']:.0f}** |")
    if r.get("warm_up_problems"):
        print(f"| warm-up problems | {r['warm_up_problems']} |")
    print()
    print_probe_table(r)
    un, lo = r["unloaded"]["probe"], r["loaded"]["probe"]
    print(f"\nlegitimate user (`bearer`, `basic`, `bearer-all_docs`), p99 loaded / unloaded: "
          f"**{fmt_ratio(ratio(lo['p99_ms'], un['p99_ms']))}** (target <= 2x); `victim-*` is the real owner "
          "of the account being guessed")
    victim = {k: v for k, v in r["loaded"]["probe_all"]["by_label"].items() if k.startswith("victim")}
    locked = {k: f"{v['failed']}/{v['n']} failed" for k, v in victim.items()}
    rows.append(summary_row("basic-guessers", "ours", r, "p99 <= 2x", None,
                            f"{g['responses']}; victim: {locked}; RSS peak {r['loaded']['rss_mib_peak']:.0f} MiB"))


def print_summary(rows: list[dict[str, Any]]) -> None:
    print("\n## Summary\n")
    print("| scenario | server | probe p99 unloaded ms | probe p99 loaded ms | ratio | target | met? | "
          "server CPU % (load window) | server RSS MiB (peak) | notes |")
    print("|---|---|---:|---:|---:|---|---|---:|---:|---|")
    for row in rows:
        met = "n/a" if row["met"] is None else ("**yes**" if row["met"] else "**NO**")
        print(f"| {row['scenario']} | {row['server']} | {fmt_ms(row['p99_unloaded_ms'])} | "
              f"{fmt_ms(row['p99_loaded_ms'])} | {fmt_ratio(row['ratio'])} | {row['target']} | {met} | "
              f"{row['cpu_pct']:.1f} | {row['rss_peak_mib']:.0f} | {row['notes']} |")


def jsonable(value: Any) -> Any:
    """inf/nan -> None (strict JSON); probe sample lists dropped unless asked for."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def strip_raw(value: Any, keep: bool) -> Any:
    if isinstance(value, dict):
        return {k: strip_raw(v, keep) for k, v in value.items() if keep or k != "probe_raw"}
    if isinstance(value, list):
        return [strip_raw(v, keep) for v in value]
    return value


# ------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------

def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    nofile = raise_nofile()
    info = machine_info()
    server_env = dict(item.split("=", 1) for item in args.server_env)
    ctx = Ctx(args, work, work / "data", server_env)
    print(f"# crowd benchmark  {info['date']}  {info['nproc']} x {info['cpu']}, {info['mem_gib']} GiB; "
          f"python {info['python']}, gunicorn {info['gunicorn']}, node {info['node']}, "
          f"pouchdb-server {info['pouchdb_server']}")
    print(f"# code: commit {info['commit']} + {info['uncommitted_server_files']} uncommitted file(s) under "
          f"server/ sync/ schemas/; load average at start {', '.join(f'{x:.2f}' for x in info['loadavg_start'])}")
    print(f"# scenarios: {', '.join(args.scenarios)}; open files {nofile[0]} (client and servers); "
          f"server env extras: {server_env or 'none'}; probes every {args.probe_interval:g} s, "
          f"timeout {args.probe_timeout:g} s, unloaded window {args.unloaded:g} s", flush=True)
    results: dict[str, Any] = {"machine": info, "params": {k: (str(v) if isinstance(v, Path) else v)
                                                           for k, v in vars(args).items()},
                               "scenarios": {}, "failures": ctx.failures}
    names = ["probe", "hostile", "victim"]
    if "idle-feeds" in args.scenarios:
        names += [f"feed{i}" for i in range(args.accounts)]
    make_accounts(ctx, names)

    rows: list[dict[str, Any]] = []
    runners: dict[str, Callable[[Ctx], dict[str, Any]]] = {
        "idle-feeds": scenario_idle_feeds, "hostile-feeds": scenario_hostile_feeds,
        "slow-headers": scenario_slow_headers, "basic-guessers": scenario_basic_guessers}
    reporters: dict[str, Callable[[dict[str, Any], list[dict[str, Any]]], None]] = {
        "idle-feeds": lambda r, rw: report_idle(r, rw, args), "hostile-feeds": report_hostile,
        "slow-headers": report_slow, "basic-guessers": report_guessers}
    for name in args.scenarios:
        print(f"\n# {name} ...", flush=True)
        t0 = time.monotonic()
        try:
            result = runners[name](ctx)
        except Exception as err:  # noqa: BLE001 - report and go on with the next scenario
            result = {"error": f"{type(err).__name__}: {err}"}
            ctx.failures.append(f"{name}: {type(err).__name__}: {err}")
            print(f"!! {name} failed: {type(err).__name__}: {err}", file=sys.stderr, flush=True)
        result["wall_s"] = round(time.monotonic() - t0, 1)
        results["scenarios"][name] = result
        if "error" not in result:
            try:
                reporters[name](result, rows)
            except (KeyError, TypeError, ValueError) as err:
                ctx.failures.append(f"{name}: report failed: {type(err).__name__}: {err}")
                print(f"!! report of {name} failed: {err}", file=sys.stderr)
        sys.stdout.flush()
    info["loadavg_end"] = os.getloadavg()
    print_summary(rows)
    print(f"\n# load average at the end {', '.join(f'{x:.2f}' for x in info['loadavg_end'])} "
          f"({info['nproc']} CPUs, shared by the servers, this client and anything else running)")
    if ctx.failures:
        print(f"\n{len(ctx.failures)} failure(s): " + "; ".join(ctx.failures))
    results["summary"] = rows
    return jsonable(strip_raw(results, args.keep_samples))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", action="append", choices=SCENARIOS, dest="scenarios",
                        help="run only this scenario (repeatable; default: all)")
    parser.add_argument("--quick", action="store_true", help="a smaller version of everything (~2 min)")
    add = parser.add_argument
    add("--feeds", type=int, help="idle-feeds: live feeds (2000; quick 300)")
    add("--accounts", type=int, help="idle-feeds: accounts the feeds are spread over (feeds/10)")
    add("--duration", type=float, help="idle-feeds: seconds the feeds are held (60; quick 12)")
    add("--heartbeat", type=int, default=10000, help="feeds' heartbeat, ms (10000, as PouchDB)")
    add("--longpoll-timeout", type=int, default=0,
        help="longpoll timeout parameter, ms (0: none, as PouchDB 9; the server's maximum applies)")
    add("--continuous-share", type=float, default=0.2, help="idle-feeds: share of continuous feeds (0.2)")
    add("--no-pouchdb", action="store_true", help="idle-feeds: skip the pouchdb-server comparison")
    add("--hostile-feeds", type=int, help="hostile-feeds: feeds of the one account (500; quick 150)")
    add("--hostile-duration", type=float, help="hostile-feeds: seconds (30; quick 10)")
    add("--slow-conns", type=int, help="slow-headers: connections (500; quick 100)")
    add("--slow-interval", type=float, default=3.0, help="slow-headers: seconds between bytes (3)")
    add("--slow-observe", type=float, help="slow-headers: seconds observed (30; quick 18)")
    add("--slow-reconnect", action=argparse.BooleanOptionalAction, default=True,
        help="slow-headers: reconnect after a cut (default on)")
    add("--slow-cut-target", type=float, default=15.0,
        help="slow-headers: target, every connection cut within this many s (15: a 10 s header timeout + slack)")
    add("--guessers", type=int, help="basic-guessers: concurrent clients (100; quick 30)")
    add("--guess-duration", type=float, help="basic-guessers: seconds (30; quick 8)")
    add("--guesser-addrs", type=int, default=10,
        help="basic-guessers: loopback source addresses 127.0.0.10.. (10; 0: all from 127.0.0.1)")
    add("--unloaded", type=float, help="seconds of probes before each load (10; quick 3)")
    add("--probe-interval", type=float, default=0.1, help="seconds between probes (0.1)")
    add("--probe-timeout", type=float, default=5.0, help="seconds a probe may take (5)")
    add("--ramp-timeout", type=float, help="seconds to open the feeds, beyond the spread (60; quick 20)")
    add("--ramp-spread", type=float, help="idle-feeds: feeds start evenly over this many s, as clients that "
        "did not all connect at the same moment (10; quick 2; 0: all at once)")
    add("--connect-concurrency", type=int, default=200, help="connects in flight while opening (200)")
    add("--server-env", action="append", default=[], metavar="KEY=VALUE",
        help="extra environment for our server (repeatable), e.g. WEB_HEADER_TIMEOUT=10")
    add("--json-out", type=Path, help="write all results here as JSON")
    add("--keep-samples", action="store_true", help="include every probe sample in --json-out")
    add("--keep", action="store_true", help="keep the temp dir (server logs, store)")
    add("--probe-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe_worker:
        return args
    args.scenarios = args.scenarios or list(SCENARIOS)
    full = {"feeds": 2000, "duration": 60.0, "hostile_feeds": 500, "hostile_duration": 30.0, "slow_conns": 500,
            "slow_observe": 30.0, "guessers": 100, "guess_duration": 30.0, "unloaded": 10.0, "ramp_timeout": 60.0,
            "ramp_spread": 10.0}
    quick = {"feeds": 300, "duration": 12.0, "hostile_feeds": 150, "hostile_duration": 10.0, "slow_conns": 100,
             "slow_observe": 18.0, "guessers": 30, "guess_duration": 8.0, "unloaded": 3.0, "ramp_timeout": 20.0,
             "ramp_spread": 2.0}
    for name, default in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.accounts is None:
        args.accounts = max(1, math.ceil(args.feeds / 10))
    for name in ("feeds", "accounts", "hostile_feeds", "slow_conns", "guessers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 <= args.ramp_spread <= 600:
        parser.error("--ramp-spread must be in [0, 600]")
    for name in ("duration", "hostile_duration", "slow_observe", "guess_duration", "unloaded", "probe_interval",
                 "probe_timeout", "slow_interval", "ramp_timeout"):
        if not 0 < getattr(args, name) <= 3600:
            parser.error(f"--{name.replace('_', '-')} must be in (0, 3600]")
    if "slow-headers" in args.scenarios and args.slow_observe <= args.slow_cut_target:
        parser.error("--slow-observe must be longer than --slow-cut-target")
    if not 0 <= args.continuous_share <= 1:
        parser.error("--continuous-share must be between 0 and 1")
    if any("=" not in item for item in args.server_env):
        parser.error("--server-env takes KEY=VALUE")
    if not 0 <= args.guesser_addrs <= 200:
        parser.error("--guesser-addrs must be 0..200")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.probe_worker:
        return probe_worker_main()
    return run_bench(args, (GUNICORN, POUCHDB_SERVER, PYTHON), "bench", "crowd-bench-", run)


if __name__ == "__main__":
    sys.exit(main())
