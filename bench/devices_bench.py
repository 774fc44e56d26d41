#!/usr/bin/env python3
"""Many-devices benchmark: D tablets syncing live at once, against our gateway and pouchdb-server.

``make bench-devices`` runs it (``.venv/bin/python bench/devices_bench.py``)::

    .venv/bin/python bench/devices_bench.py                # devices 10,50,100,300; 30 s of writes (~13 min)
    .venv/bin/python bench/devices_bench.py --quick        # smoke run: devices 5,10; 8 s of writes (~1.5 min)
    .venv/bin/python bench/devices_bench.py --devices 50 --duration 30 --json-out devices.json
    .venv/bin/python bench/devices_bench.py --access       # volunteers in `miteinander`, each sees its events
    .venv/bin/python bench/devices_bench.py --couchdb-store  # ours on a CouchDB store, 50 devices

Other options: ``--converge-timeout S`` (120), ``--idle S`` (5; 10 with ``--couchdb-store``),
``--open-accounts shared|per-device``, ``--volunteer-auth token|basic``, ``--events N`` (10),
``--servers ours,pouchdb-server``, ``--node-procs N`` (1 up to 100 devices, else 2),
``--connections keepalive|close``, ``--stagger-ms MS`` (20), ``--ready-timeout S``, ``--seed N``,
``--json-out FILE``, ``--keep`` (keep the temp dir: configs, server logs, raw per-process results).

What it simulates (``bench/devices_client.mjs`` is the Node side): D tablets, each with its own
PouchDB 9 database (memory adapter) and its own HTTP connections (an agent of its own per
device: keep-alive, at most 6 connections, as a browser holds per host), each running
``PouchDB.sync(local, remote, {live: true, retry: true, batch_size: 100})`` with the web app's
back-off (web/src/sync.js; the app's ``_removed`` pass after each pull is not simulated). The
devices start 20 ms apart; once every device finished its first sync (or after 30 s + 0.3 s
per device, reported as "k/D ready"), each device puts one check-in (valid per
``schemas/checkin.py``) into its local database every 1.5-4.5 s (uniform, random phase) for
``--duration`` seconds; the schedule is drawn in Python from ``--seed`` and is the same for
both servers.

For each D in ``--devices`` it runs our server, then pouchdb-server, each started fresh on a
free loopback port with a fresh database:

* ours: ``.venv/bin/gunicorn -c gunicorn.conf.py wsgi:app`` as ``make run`` (the worker class
  and counts are whatever ``gunicorn.conf.py`` says), with ``PORT``, a fresh
  ``MITEINANDER_DATA_DIR``, ``ACCESS_LOG=0``, ``DEMO=0``; an admin from
  ``flask --app wsgi users create`` (further accounts, which would take a CLI process each, are
  made in one process with the function that command calls);
* pouchdb-server 4.2: ``node_modules/.bin/pouchdb-server --in-memory --host 127.0.0.1 --port P
  --no-stdout-logs`` (log level warning).

Variants:

* open (default): every device syncs one throwaway database as one admin account (HTTP Basic
  in the URL); every device sees everything, so each check-in fans out to D-1 devices. Our
  server limits the feeds one account may hold open (``MITEINANDER_MAX_FEEDS_PER_ACCOUNT`` per
  worker), so with many devices on one account some get 429 and retry; ``--open-accounts
  per-device`` gives each device an admin account of its own.
* ``--access``: on ours the devices sync ``miteinander`` as D volunteer accounts (bearer tokens
  as the web app uses, or ``--volunteer-auth basic``); a county of ``--events`` events is
  created through the REST API as admin (``POST /api/events``, ``POST
  /api/events/<id>/volunteers``), each volunteer assigned to 2-3 events, and each device
  writes check-ins for its own events only (under its user id as ``by``; checked beforehand
  with ``schemas.validate_document`` and ``server.access.policy.write_refusal``). A device
  should receive exactly the check-ins of its events. pouchdb-server has no access control:
  there the same documents go into an open database, every device receives everything, and
  only the check-ins of its events are counted (the others are reported as "extra").
* ``--couchdb-store``: a pouchdb-server in memory is the *store* and our gunicorn runs with
  ``COUCHDB_URL`` pointing at it, through a small counting proxy (devices_client.mjs --role
  proxy; ``--no-store-proxy`` connects directly) so that the requests the store receives can
  be counted, also while the devices are idle. Compared with pouchdb-server directly.

What it measures, per server and D (all clocks are ``Date.now()`` of this machine):

* push latency: tap (the time of the local ``put``) -> first seen in the server's ``_changes``
  by one admin monitor following ``_changes?feed=longpoll`` (a Node process and, on ours, an
  admin account of its own, so that it neither waits for the devices' event loop nor takes
  their feed slots);
* fan-out latency: tap -> arrival in another device's local database (its
  ``changes({live: true, since: 'now'})``), for every device that should receive it;
* drain time: from the last write until every device holds every check-in it should and the
  server holds all; "no" with what is missing if that has not happened ``--converge-timeout``
  seconds after the last scheduled write;
* HTTP errors (non-2xx other than a missing ``_local`` checkpoint), network errors and retries
  (PouchDB ``paused`` events with an error), counted by an instrumented fetch in every device,
  plus promise rejections PouchDB leaves unhandled (counted; the devices go on, as a browser
  page would);
* server CPU seconds (from go to drained) and peak RSS (from start to stop), read from
  ``/proc/<pid>/stat`` of every process in the server's process group (gunicorn master and
  workers; the node process of pouchdb-server; gateway + store for ``--couchdb-store``),
  sampled every 0.5 s;
* the server's content afterwards: every check-in present exactly once with one leaf revision
  and ``doc_count`` = check-ins + the public documents (an organization and the events);
* requests while idle: ``--idle`` seconds, starting 3 s after the drain, what the devices send
  and (``--couchdb-store``) what the store receives.

The devices run on the same machine as the server: at 300 devices on 2 CPUs the Node side is
saturated (see the event loop delay in the details), for both servers alike.

It prints a markdown table (p50/p99/max latencies, drain, converged, errors, CPU, RSS) and the
ratio ours/theirs of the p99 push latency; ``--json-out`` writes everything. Every wait is
bounded and everything started is stopped in a ``finally`` (SIGTERM to each process group,
SIGKILL after 10 s). The exit status is 1 only if a run could not be carried out at all (a
server did not start, setup failed); a server that does not converge is a result, not a failure.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import queue
import random
import secrets
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from common import (
    FLASK,
    GUNICORN,
    HOST,
    POUCHDB_SERVER,
    PYTHON,
    REPO,
    BenchError,
    Server,
    bench_parser,
    create_admin,
    free_port,
    gateway,
    http,
    kill_group,
    machine_info,
    node_env,
    pouchdb_server,
    proc_table,
    run_bench,
)

CLIENT = REPO / "bench" / "devices_client.mjs"
MAIN_DB = "miteinander"
NODE_HEAP_MB = 6144
IDLE_SETTLE_S = 3.0  # pause between the drain and the idle window

sys.path.insert(0, str(REPO))  # schemas/ and server/, to check the documents beforehand

ORG = {"_id": "org:nachbarschaftshilfe-baunatal", "type": "organization", "schema_version": 1,
       "created_at": "2026-01-10T09:00:00Z", "name": "Nachbarschaftshilfe Baunatal", "kind": "association",
       "municipality": "Baunatal"}
TOWNS = ("Baunatal", "Vellmar", "Hofgeismar", "Wolfhagen", "Kaufungen", "Lohfelden", "Fuldatal", "Niestetal",
         "Söhrewald", "Zierenberg")
TITLES = ("Sprachcafé", "Begegnungscafé", "Fahrradwerkstatt", "Nähtreff", "Hausaufgabenhilfe", "Spieleabend",
          "Mittagstisch", "Handy-Sprechstunde", "Frauenfrühstück", "Lotsenschulung")
KINDS = ("language_cafe", "encounter", "course", "culture", "training", "sports", "encounter", "information",
         "encounter", "training")
WALK_IN_NAMES = ("Gülay Ö.", "Jürgen M.", "Hannelore W.", "Björn S.", "Ömer Y.", "Käthe B.", "Olena K.",
                 "Ahmad A.", "Renate G.", "Dörte S.")
PLACEHOLDER_TIME = "2026-05-02T14:00:00.000Z"  # the Node side puts the tap time here

TARGET_LABELS = {
    "ours": "ours (gunicorn, SQLite)",
    "ours-couchdb": "ours (gunicorn, CouchDB store)",
    "pouchdb-server": "pouchdb-server --in-memory",
}


# ---------------------------------------------------------------- the plan: events, devices, writes


@dataclass
class Plan:
    """Everything that is the same for both servers at one device count."""

    devices: int
    event_specs: list[dict[str, Any]]
    device_events: list[list[int]]  # per device, indices into event_specs
    slots: list[dict[str, Any]]  # per write: device, offset_ms, event, walk_in, person/walk-in suffix


def make_plan(devices: int, events: int, duration_s: float, seed: int) -> Plan:
    rng = random.Random(seed * 7919 + devices)
    specs = []
    for e in range(events):
        town = TOWNS[e % len(TOWNS)]
        day = 2 + e % 20
        specs.append({"title": {"de": f"{TITLES[e % len(TITLES)]} {town}", "en": f"{TITLES[e % len(TITLES)]}"},
                      "kind": KINDS[e % len(KINDS)], "municipality": town,
                      "place": f"Bürgerhaus {town}, Saal {1 + e % 3}",
                      "start": f"2026-05-{day:02d}T14:00:00Z", "end": f"2026-05-{day:02d}T17:00:00Z",
                      "organization_id": ORG["_id"]})
    # Each device is assigned 2 or 3 events, spread so every event has volunteers.
    device_events = []
    order = list(range(events))
    rng.shuffle(order)
    cursor = 0
    for _ in range(devices):
        k = min(events, rng.choice((2, 3)))
        chosen: list[int] = []
        while len(chosen) < k:
            e = order[cursor % events]
            cursor += 1
            if e not in chosen:
                chosen.append(e)
        device_events.append(sorted(chosen))
    slots = []
    for d in range(devices):
        t = rng.uniform(0.0, 4.5)
        n = 0
        while t < duration_s:
            walk_in = rng.random() < 0.25
            slots.append({"device": d, "offset_ms": round(t * 1000), "event": rng.choice(device_events[d]),
                          "walk_in": walk_in, "suffix": f"{d:04d}{n:04d}{rng.getrandbits(48):012x}",
                          "name": rng.choice(WALK_IN_NAMES)})
            n += 1
            t += rng.uniform(1.5, 4.5)
    slots.sort(key=lambda s: (s["offset_ms"], s["device"]))
    return Plan(devices, specs, device_events, slots)


def event_doc(spec: dict[str, Any], event_id: str, volunteers: list[str]) -> dict[str, Any]:
    return {"_id": event_id, "type": "event", "schema_version": 1, "created_at": "2026-04-01T08:00:00Z",
            **spec, "assigned_volunteers": volunteers}


def checkin_docs(plan: Plan, event_ids: list[str], user_ids: list[str]) -> list[dict[str, Any]]:
    """The check-ins of the plan, with the given ids; times are placeholders the Node side replaces."""
    writes = []
    for slot in plan.slots:
        spec = plan.event_specs[slot["event"]]
        event_id = event_ids[slot["event"]]
        doc: dict[str, Any] = {"_id": "", "type": "checkin", "schema_version": 1, "created_at": PLACEHOLDER_TIME,
                               "event_id": event_id}
        if slot["walk_in"]:
            doc["_id"] = f"checkin:{event_id}:walkin:{slot['suffix']}"
            doc["walk_in"] = {"display_name": slot["name"], "municipality": spec["municipality"],
                              "consent": {"purpose": "registration", "given_at": PLACEHOLDER_TIME}}
        else:
            person = f"person:{slot['suffix']}"
            doc["_id"] = f"checkin:{event_id}:{person}"
            doc["person_id"] = person
        doc |= {"checked_in_at": PLACEHOLDER_TIME, "by": user_ids[slot["device"]],
                "device_id": f"tablet-{slot['device']:04d}", "municipality": spec["municipality"],
                "organization_id": spec["organization_id"]}
        writes.append({"device": slot["device"], "offset_ms": slot["offset_ms"], "doc": doc})
    return writes


def check_documents(public: list[dict[str, Any]], writes: list[dict[str, Any]], user_ids: list[str] | None,
                    device_events: list[list[str]] | None) -> str:
    """Every document passes the schema; with volunteers, every check-in also the write rules."""
    from schemas import DocumentInvalid, validate_document

    for doc in [*public, *(w["doc"] for w in writes)]:
        try:
            validate_document(doc)
        except DocumentInvalid as invalid:
            raise BenchError(f"invalid document {doc['_id']}: {invalid.reason}") from None
    if len({w["doc"]["_id"] for w in writes}) != len(writes):
        raise BenchError("duplicate check-in ids")
    if user_ids is None or device_events is None:
        return f"{len(public) + len(writes)} documents valid under schemas.validate_document"
    from schemas.channels import PUBLIC, grants_of
    from server.access.policy import Principal, StaticDirectory, WriteContext, write_refusal

    directory = StaticDirectory({d["_id"]: d for d in public})
    for w in writes:
        user = user_ids[w["device"]]
        channels = frozenset({PUBLIC, user}).union(*(grants_of(d).get(user, frozenset()) for d in public))
        reason = write_refusal(Principal(user_id=user, role="volunteer"), w["doc"], None,
                               WriteContext(channels, directory))
        if reason:
            raise BenchError(f"check-in {w['doc']['_id']} would be refused: {reason}")
    return (f"{len(public) + len(writes)} documents valid under schemas.validate_document; every check-in "
            f"allowed by the write rules for its volunteer")


# ---------------------------------------------------------------- process sampling


class Sampler(threading.Thread):
    """Samples CPU and RSS of named process groups every ``interval`` seconds."""

    def __init__(self, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.groups: dict[str, int] = {}
        self.samples: list[tuple[float, dict[str, tuple[float, int, int]]]] = []
        self.last_cpu: dict[str, float] = {}
        self.halt = threading.Event()
        self.lock = threading.Lock()

    def watch(self, name: str, pgid: int) -> None:
        with self.lock:
            self.groups[name] = pgid

    def sample(self) -> dict[str, tuple[float, int, int]]:
        table = proc_table()
        with self.lock:
            groups = dict(self.groups)
        now = {}
        for name, pgid in groups.items():
            cpu, rss, count = table.get(pgid, (self.last_cpu.get(name, 0.0), 0, 0))
            # A group whose processes are all gone keeps its last CPU figure.
            cpu = max(cpu, self.last_cpu.get(name, 0.0)) if count == 0 else cpu
            self.last_cpu[name] = cpu
            now[name] = (cpu, rss, count)
        with self.lock:
            self.samples.append((time.time(), now))
        return now

    def run(self) -> None:
        while not self.halt.wait(self.interval):
            try:
                self.sample()
            except Exception as err:  # noqa: BLE001 - sampling must never stop the run
                print(f"warning: sampling failed: {err}", file=sys.stderr)

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=5)

    def peak_rss(self, name: str, t0: float = 0.0, t1: float = float("inf")) -> int:
        with self.lock:
            values = [s[name][1] for t, s in self.samples if name in s and t0 <= t <= t1]
        return max(values, default=0)

    def max_procs(self, name: str) -> int:
        with self.lock:
            return max((s[name][2] for _, s in self.samples if name in s), default=0)


# ---------------------------------------------------------------- node processes


@dataclass
class NodeProc:
    name: str
    proc: subprocess.Popen[bytes]
    out: Path
    events: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)

    def send(self, line: str) -> None:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write((line + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass

    def wait_event(self, event: str, deadline: float) -> dict[str, Any] | None:
        """The first ``event`` line of this process, or None at ``deadline`` or if it exited."""
        while event not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                item = self.events.get(timeout=min(left, 0.5))
            except queue.Empty:
                if self.proc.poll() is not None and self.events.empty():
                    return None
                continue
            self.seen.setdefault(item.get("event", "?"), item)
        return self.seen[event]


def start_node(name: str, args: list[str], log: Path, heap: bool = True) -> NodeProc:
    env = node_env()
    cmd = ["node", *([f"--max-old-space-size={NODE_HEAP_MB}"] if heap else []), str(CLIENT), *args]
    err = open(log, "wb")  # noqa: SIM115 - the child holds it; closed by the OS when both are done
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                            start_new_session=True)
    err.close()
    out = Path(args[args.index("--out") + 1]) if "--out" in args else log.with_suffix(".json")
    node = NodeProc(name, proc, out)

    def reader() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            try:
                node.events.put(json.loads(raw))
            except json.JSONDecodeError:
                continue

    threading.Thread(target=reader, daemon=True).start()
    return node


# ---------------------------------------------------------------- servers


def ours_gateway(home: Path, couchdb_url: str | None) -> Server:
    home.mkdir(parents=True)
    return gateway("ours", home / "data", home / "gunicorn.ctl", home / "server.log",
                   {"DEMO": "0", "COUCHDB_URL": couchdb_url})


ACCOUNTS_SCRIPT = r"""
import json, sys
from datetime import UTC, datetime, timedelta
from server import create_app
from server.services import accounts
spec = json.load(sys.stdin)
app = create_app()
store = app.extensions["store"]
now = datetime.now(UTC)
out = []
for item in spec["users"]:
    account = accounts.create_account(store, item["email"], item["role"], item["password"], now)
    token = None
    if spec["tokens"]:
        token = accounts.issue_token(store, account, now, timedelta(days=1))
    out.append({"email": account.email, "user_id": account.user_id, "token": token})
print("RESULT " + json.dumps(out))
"""


def create_accounts(server: Server, role: str, prefix: str, count: int, tokens: bool) -> list[dict[str, Any]]:
    """``count`` accounts in the server's store, made in one process with the function
    ``flask users create`` calls (the REST API has no account creation, and one CLI process
    per account would take minutes for 300); bearer tokens as the app's login issues them, if
    asked."""
    users = [{"email": f"{prefix}-{i:04d}@bench.example.org", "password": secrets.token_urlsafe(16), "role": role}
             for i in range(count)]
    made = subprocess.run([str(PYTHON), "-c", ACCOUNTS_SCRIPT], cwd=REPO, env=server.env,
                          input=json.dumps({"users": users, "tokens": tokens}), capture_output=True, text=True,
                          timeout=60 + count * 2)
    line = next((x for x in made.stdout.splitlines() if x.startswith("RESULT ")), None)
    if made.returncode != 0 or line is None:
        raise BenchError(f"creating {count} {role} accounts failed: {made.stderr[-3000:]}")
    created = json.loads(line[len("RESULT "):])
    return [{**u, **c} for u, c in zip(users, created, strict=True)]


def basic(account: dict[str, Any]) -> dict[str, Any]:
    return {"type": "basic", "username": account["email"], "password": account["password"]}


def rest(server: Server, method: str, path: str, body: Any = None, timeout: float = 60.0) -> tuple[int, Any]:
    import urllib.error
    import urllib.request

    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if server.auth:
        headers["Authorization"] = "Basic " + base64.b64encode(server.auth.encode()).decode()
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as err:
        raw, status = err.read(), err.code
    try:
        return status, json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return status, raw[:500]


def put_docs(server: Server, db: str, docs: list[dict[str, Any]]) -> None:
    status, body = rest(server, "POST", f"{server.db_prefix}{db}/_bulk_docs", {"docs": docs})
    if status not in (201, 200) or any("error" in row for row in body):
        raise BenchError(f"{server.name}: _bulk_docs into {db}: {status} {str(body)[:500]}")


# ---------------------------------------------------------------- one run


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def latency_summary(values_ms: list[float]) -> dict[str, Any]:
    return {"n": len(values_ms), "p50_s": sec(percentile(values_ms, 50)), "p99_s": sec(percentile(values_ms, 99)),
            "max_s": sec(max(values_ms) if values_ms else None)}


def sec(ms: float | None) -> float | None:
    return round(ms / 1000, 3) if ms is not None else None


def log_events(path: Path) -> dict[str, int]:
    """What gunicorn's log says happened to its workers (ours only)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return {}
    return {"worker_timeouts": text.count("WORKER TIMEOUT"), "workers_booted": text.count("Booting worker"),
            "tracebacks": text.count("Traceback"), "errors": text.count("[ERROR]")}


@dataclass
class RunContext:
    args: argparse.Namespace
    work: Path
    failures: list[str] = field(default_factory=list)


def run_one(ctx: RunContext, target: str, plan: Plan) -> dict[str, Any]:
    """One scenario against one freshly started server; everything started here is stopped here."""
    args = ctx.args
    d_count = plan.devices
    home = ctx.work / f"{target}-{d_count}-{uuid.uuid4().hex[:6]}"
    home.mkdir()
    started: list[Server] = []
    nodes: list[NodeProc] = []
    proxy: NodeProc | None = None
    sampler = Sampler()
    result: dict[str, Any] = {"target": target, "devices": d_count, "variant": args.variant}
    setup_t0 = time.monotonic()
    try:
        # -------------------------------------------------- the server(s)
        store: Server | None = None
        if target == "pouchdb-server":
            server = pouchdb_server("pouchdb-server", home / "pouchdb")
            server.start()
            started.append(server)
            server.wait_ready(check=False)
            server.check_access()
        else:
            couch_url = None
            if target == "ours-couchdb":
                store = pouchdb_server("store", home / "store")
                store.start()
                started.append(store)
                store.wait_ready(check=False)
                couch_url = store.base
                if args.store_proxy:
                    port = free_port()
                    proxy = start_node("proxy", ["--role", "proxy", "--listen-port", str(port), "--target",
                                                 store.base], home / "proxy.log", heap=False)
                    if proxy.wait_event("ready", time.monotonic() + 30) is None:
                        raise BenchError("the counting proxy did not start")
                    couch_url = f"http://{HOST}:{port}"
            server = ours_gateway(home / "ours", couch_url)
            server.start()
            started.append(server)
            server.wait_ready(check=False)
            server.auth = create_admin(server.env)
            server.check_access()
        sampler.watch("server", server.proc.pid)  # type: ignore[union-attr]
        if store is not None:
            sampler.watch("store", store.proc.pid)  # type: ignore[union-attr]
        if proxy is not None:
            sampler.watch("proxy", proxy.proc.pid)
        sampler.start()

        # -------------------------------------------------- the county and the accounts
        admin = monitor_auth = None
        if server.auth:
            name, _, password = server.auth.partition(":")
            admin = {"type": "basic", "username": name, "password": password}
            # The monitor is no device: an account of its own, so that it never competes with the
            # devices for the feeds an account may hold open.
            monitor_auth = basic(create_accounts(server, "admin", "bench-monitor", 1, tokens=False)[0])
        scoped = args.variant == "access"
        volunteers: list[dict[str, Any]] = []
        device_admins: list[dict[str, Any]] = []
        if server.auth and not scoped and args.open_accounts == "per-device":
            t0 = time.monotonic()
            device_admins = [basic(a) for a in create_accounts(server, "admin", "bench-device", d_count, False)]
            result["accounts_s"] = round(time.monotonic() - t0, 1)
        if scoped and target != "pouchdb-server":
            db = MAIN_DB
            t0 = time.monotonic()
            volunteers = create_accounts(server, "volunteer", "volunteer", d_count,
                                         tokens=args.volunteer_auth == "token")
            result["accounts_s"] = round(time.monotonic() - t0, 1)
            user_ids = [v["user_id"] for v in volunteers]
            status, body = rest(server, "PUT", f"/sync/{MAIN_DB}/{quote(ORG['_id'], safe=':')}", ORG)
            if status not in (201, 202):
                raise BenchError(f"PUT {ORG['_id']}: {status} {body}")
            event_ids = []
            for spec in plan.event_specs:
                status, body = rest(server, "POST", "/api/events", spec)
                if status != 201:
                    raise BenchError(f"POST /api/events: {status} {body}")
                event_ids.append(body["id"])
            for d, events in enumerate(plan.device_events):
                for e in events:
                    status, body = rest(server, "POST", f"/api/events/{quote(event_ids[e], safe=':')}/volunteers",
                                        {"user_id": user_ids[d]})
                    if status != 200:
                        raise BenchError(f"assigning {user_ids[d]} to {event_ids[e]}: {status} {body}")
            public = [ORG]
            for event_id in event_ids:
                status, body = rest(server, "GET", f"/sync/{MAIN_DB}/{quote(event_id, safe=':')}")
                if status != 200:
                    raise BenchError(f"GET {event_id}: {status} {body}")
                public.append(body)
        else:
            db = f"devices-{d_count}-{uuid.uuid4().hex[:8]}"
            status, body = http("PUT", server.db_url(db), auth=server.auth, timeout=60)
            if status != 201:
                raise BenchError(f"PUT {db}: {status} {body[:300]!r}")
            rng = random.Random(args.seed * 31 + d_count)
            event_ids = [f"event:{rng.getrandbits(128):032x}" for _ in plan.event_specs]
            user_ids = [f"user:{rng.getrandbits(64):016x}" for _ in range(d_count)]
            public = [ORG] + [event_doc(spec, event_ids[e],
                                        [user_ids[d] for d in range(d_count) if e in plan.device_events[d]])
                              for e, spec in enumerate(plan.event_specs)]
            put_docs(server, db, public)
        writes = checkin_docs(plan, event_ids, user_ids)
        result["document_check"] = check_documents(
            [{k: v for k, v in doc.items() if k != "_rev"} for doc in public], writes,
            user_ids if scoped else None, None if not scoped else [[event_ids[e] for e in ev]
                                                                  for ev in plan.device_events])
        result["writes"] = len(writes)
        result["public_docs"] = len(public)
        result["db"] = db

        # -------------------------------------------------- the devices
        url = server.db_url(db)
        devices = []
        for d in range(d_count):
            if volunteers:
                auth = ({"type": "bearer", "token": volunteers[d]["token"]} if args.volunteer_auth == "token"
                        else basic(volunteers[d]))
            else:
                auth = device_admins[d] if device_admins else admin
            devices.append({"index": d, "auth": auth, "events": [event_ids[e] for e in plan.device_events[d]]})
        last_offset_ms = max((w["offset_ms"] for w in writes), default=0)
        ready_timeout_s = args.ready_timeout or (30 + 0.3 * d_count)
        # Every process ends by itself at the latest here, whatever happens to this runner.
        hard_deadline = (time.time() + ready_timeout_s + 5 + last_offset_ms / 1000 + args.converge_timeout
                         + args.idle + 120)
        config = {"url": url, "scoped": scoped, "keepalive": args.connections == "keepalive", "max_sockets": 6,
                  "batch_size": 100, "stagger_ms": args.stagger_ms, "skip_setup": True,
                  "ready_timeout_ms": int(ready_timeout_s * 1000),
                  "converge_timeout_ms": int(args.converge_timeout * 1000),
                  "hard_deadline_epoch": int(hard_deadline * 1000), "monitor_auth": monitor_auth,
                  "devices": devices, "writes": writes}
        config_path = home / "config.json"
        config_path.touch(mode=0o600)
        config_path.write_text(json.dumps(config, ensure_ascii=False))

        procs = args.node_procs if args.node_procs else (1 if d_count <= 100 else 2)
        procs = max(1, min(procs, d_count))
        result["node_procs"] = procs
        monitor = start_node("monitor", ["--role", "monitor", "--config", str(config_path), "--out",
                                         str(home / "monitor.json")], home / "monitor.log")
        nodes.append(monitor)
        sampler.watch("monitor", monitor.proc.pid)
        bounds = [round(k * d_count / procs) for k in range(procs + 1)]
        for k in range(procs):
            node = start_node(f"devices{k}", ["--role", "devices", "--config", str(config_path), "--out",
                                              str(home / f"devices{k}.json"), "--from", str(bounds[k]), "--to",
                                              str(bounds[k + 1])], home / f"devices{k}.log")
            nodes.append(node)
            sampler.watch(f"client{k}", node.proc.pid)

        ready_deadline = time.monotonic() + ready_timeout_s + 10
        ready = {n.name: n.wait_event("ready", ready_deadline) for n in nodes}
        if ready["monitor"] is None:
            raise BenchError(f"the monitor could not read the server's _changes:\n{read_tail(home / 'monitor.log')}")
        ready_devices = sum(r["ready"] for n, r in ready.items() if n != "monitor" and r)
        result["devices_ready"] = ready_devices
        result["setup_s"] = round(time.monotonic() - setup_t0, 1)
        print(f"  {target}: {ready_devices}/{d_count} devices finished their first sync; "
              f"{len(writes)} check-ins over {args.duration:g} s ...", flush=True)

        # -------------------------------------------------- go
        go = time.time() + 1.0
        go_ms = int(go * 1000)
        for node in nodes:
            node.send(f"go {go_ms}")
        counts_go = proxy_counts(proxy)
        before = sampler.sample()
        cpu0 = {name: v[0] for name, v in before.items()}
        drain_deadline = time.monotonic() + 1.0 + last_offset_ms / 1000 + args.converge_timeout + 15
        drained = {n.name: n.wait_event("drained", drain_deadline) for n in nodes}
        after = sampler.sample()
        t_drained = time.time()
        counts_drained = proxy_counts(proxy)
        cpu = {name: round(after[name][0] - cpu0.get(name, 0.0), 2) for name in after}

        # -------------------------------------------------- idle window
        idle: dict[str, Any] = {}
        if args.idle > 0:
            # The last deliveries' checkpoints and the next longpolls go out right after the
            # drain: let them pass, so that the window shows what idle devices cost.
            time.sleep(IDLE_SETTLE_S)
            counts0 = proxy_counts(proxy)
            cpu_idle0 = sampler.sample()
            for node in nodes:
                node.send("mark")
            time.sleep(args.idle)
            cpu_idle1 = sampler.sample()
            counts1 = proxy_counts(proxy)
            idle = {"seconds": args.idle,
                    "server_cpu_s": round(cpu_idle1["server"][0] - cpu_idle0["server"][0], 2)}
            if store is not None:
                idle["store_cpu_s"] = round(cpu_idle1["store"][0] - cpu_idle0["store"][0], 2)
            if counts0 and counts1:
                idle["store_requests"] = counts1["total"] - counts0["total"]
                idle["store_requests_by_kind"] = {k: v - counts0["by_kind"].get(k, 0)
                                                  for k, v in counts1["by_kind"].items()
                                                  if v - counts0["by_kind"].get(k, 0)}
        for node in nodes:
            node.send("stop")
        stop_deadline = time.monotonic() + 60
        for node in nodes:
            if node.wait_event("done", stop_deadline) is None:
                ctx.failures.append(f"{target} D={d_count}: {node.name} did not write its result")
        t_stop = time.time()
        outputs = {}
        for node in nodes:
            try:
                outputs[node.name] = json.loads(node.out.read_text())
            except (OSError, json.JSONDecodeError) as err:
                outputs[node.name] = None
                ctx.failures.append(f"{target} D={d_count}: no result from {node.name} ({err}):\n"
                                    f"{read_tail(home / (node.name + '.log'))}")

        # -------------------------------------------------- the server's content
        check = server_check(server, db, writes, len(public))

        result.update(analyse(writes, outputs, go_ms, args.converge_timeout, check, plan, scoped))
        result["drained_events"] = {n: bool(v) for n, v in drained.items()}
        result["server_cpu_s"] = cpu.get("server")
        result["server_peak_rss_mib"] = round(sampler.peak_rss("server") / 2**20, 1)
        result["server_max_processes"] = sampler.max_procs("server")
        if store is not None:
            result["store_cpu_s"] = cpu.get("store")
            result["store_peak_rss_mib"] = round(sampler.peak_rss("store") / 2**20, 1)
            result["cpu_s"] = round((cpu.get("server") or 0) + (cpu.get("store") or 0), 2)
            result["peak_rss_mib"] = round((sampler.peak_rss("server") + sampler.peak_rss("store")) / 2**20, 1)
            if proxy is not None:
                result["proxy_cpu_s"] = cpu.get("proxy")
                result["store_requests_run"] = (counts_drained["total"] - counts_go["total"]
                                                if counts_go and counts_drained else None)
        else:
            result["cpu_s"] = result["server_cpu_s"]
            result["peak_rss_mib"] = result["server_peak_rss_mib"]
        result["client_cpu_s"] = round(sum(v for k, v in cpu.items() if k.startswith("client") or k == "monitor"), 2)
        result["client_peak_rss_mib"] = round(sum(sampler.peak_rss(k) for k in sampler.groups
                                                  if k.startswith("client")) / 2**20, 1)
        result["run_window_s"] = round(t_drained - go, 1)
        result["idle"] = idle
        if idle and outputs:
            idle_requests = sum(o["phase_stats"]["idle"]["requests"] for o in outputs.values() if o)
            idle["device_requests"] = idle_requests
            idle["device_requests_per_s"] = round(idle_requests / args.idle, 1)
            kinds: dict[str, int] = {}
            for o in outputs.values():
                for k, v in (o["phase_stats"]["idle"].get("by_kind") or {}).items() if o else ():
                    kinds[k] = kinds.get(k, 0) + v
            idle["device_requests_by_kind"] = kinds
        result["total_s"] = round(t_stop - go, 1)
        if target != "pouchdb-server":
            result["gunicorn_log"] = log_events(server.log_path)
        return result
    except BenchError as err:
        ctx.failures.append(f"{target} D={d_count}: {err}")
        print(f"!! {target} D={d_count}: {err}", file=sys.stderr, flush=True)
        result["error"] = str(err)[:2000]
        return result
    finally:
        for node in nodes:
            node.send("stop")
        for node in nodes:
            try:
                node.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            kill_group(node.proc, grace=2)
        sampler.stop()
        for server_ in reversed(started):
            server_.stop()
        if proxy is not None:
            kill_group(proxy.proc, grace=2)


def read_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def proxy_counts(proxy: NodeProc | None) -> dict[str, Any] | None:
    if proxy is None:
        return None
    try:
        status, body = http("GET", f"http://{HOST}:{proxy_port(proxy)}/__bench_counts", timeout=5)
        return json.loads(body) if status == 200 else None
    except (OSError, json.JSONDecodeError):
        return None


def proxy_port(proxy: NodeProc) -> int:
    args = proxy.proc.args
    assert isinstance(args, list)
    return int(args[args.index("--listen-port") + 1])


def server_check(server: Server, db: str, writes: list[dict[str, Any]], public: int) -> dict[str, Any]:
    """Every check-in on the server exactly once: present, one leaf revision, not deleted, and the
    database's doc_count = check-ins + public documents. Bounded: 3 tries of 60 s."""
    last = ""
    for _ in range(3):
        try:
            status, body = http("GET", server.db_url(db) + "/_changes?style=all_docs", timeout=60, auth=server.auth)
            info_status, info = http("GET", server.db_url(db), timeout=60, auth=server.auth)
        except OSError as err:
            last = str(err)
            time.sleep(2)
            continue
        if status != 200 or info_status != 200:
            last = f"HTTP {status} / {info_status}"
            time.sleep(2)
            continue
        rows = json.loads(body)["results"]
        doc_count = json.loads(info)["doc_count"]
        by_id: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_id.setdefault(row["id"], []).append(row)
        expected = {w["doc"]["_id"] for w in writes}
        missing = [i for i in expected if i not in by_id]
        duplicated = [i for i in expected if len(by_id.get(i, [])) > 1]
        multi_leaf = [i for i in expected if i in by_id and len(by_id[i][-1].get("changes", [])) != 1]
        deleted = [i for i in expected if i in by_id and by_id[i][-1].get("deleted")]
        unknown = [i for i in by_id if i.startswith("checkin:") and i not in expected]
        ok = (not missing and not duplicated and not multi_leaf and not deleted and not unknown
              and doc_count == len(writes) + public)
        return {"ok": ok, "doc_count": doc_count, "expected_doc_count": len(writes) + public,
                "missing": len(missing), "missing_sample": sorted(missing)[:5], "duplicated_rows": len(duplicated),
                "multi_leaf": len(multi_leaf), "deleted": len(deleted), "unknown_checkins": len(unknown)}
    return {"ok": False, "error": f"could not read the database: {last}"}


def analyse(writes: list[dict[str, Any]], outputs: dict[str, Any], go_ms: int, converge_timeout: float,
            check: dict[str, Any], plan: Plan, scoped: bool) -> dict[str, Any]:
    """Latencies, drain time, convergence and error counts from the Node processes' results."""
    put_at: dict[int, float] = {}
    put_ms: list[float] = []
    write_lag: list[float] = []
    device_rows: list[dict[str, Any]] = []
    arrivals: list[tuple[int, int, float]] = []  # (write, device, ms after go)
    phase_totals: dict[str, dict[str, Any]] = {}
    failures: list[Any] = []
    loop: list[dict[str, Any]] = []
    for name, out in outputs.items():
        if not out:
            continue
        failures += out.get("failures", [])
        if out.get("loop_delay_run"):
            loop.append({"proc": name, **out["loop_delay_run"]})
        for phase, stats in out["phase_stats"].items():
            total = phase_totals.setdefault(phase, {"requests": 0, "http_errors": 0, "net_errors": 0, "retries": 0,
                                                    "fatal_errors": 0, "denied": 0, "unhandled": 0, "by_status": {},
                                                    "net_by_code": {}, "by_kind": {}})
            for key in ("requests", "http_errors", "net_errors", "retries", "fatal_errors", "denied", "unhandled"):
                total[key] += stats.get(key, 0)
            for key in ("by_status", "net_by_code", "by_kind"):
                for k, v in stats[key].items():
                    total[key][k] = total[key].get(k, 0) + v
        for dev in out.get("devices", []):
            device_rows.append(dev)
            for i, t, duration, lag in dev["puts"]:
                put_at[i] = t
                put_ms.append(duration)
                write_lag.append(lag)
            for i, t in dev["arrivals"]:
                arrivals.append((i, dev["index"], t))
    monitor = outputs.get("monitor") or {}
    seen = {i: t for i, t in monitor.get("seen", [])}
    lost = sorted(name for name, out in outputs.items() if not out)

    push = [seen[i] - put_at[i] for i in put_at if i in seen]
    fan = [t - put_at[i] for i, _, t in arrivals if i in put_at]
    expected_pairs = sum(d["expected"] for d in device_rows)
    writes_done = len(put_at)
    # Converged means: by the deadline (the last scheduled write + the convergence wait). What
    # arrives later (the devices keep syncing until they are stopped) counts for "late".
    deadline = max((w["offset_ms"] for w in writes), default=0) + converge_timeout * 1000
    in_time = [d for d in device_rows if d["converged"] and (d["converged_at"] or 0) <= deadline]
    server_has_all = bool(monitor) and not monitor.get("missing_count", len(writes))
    complete = (bool(device_rows) and sum(1 for d in device_rows if d["converged"]) == plan.devices
                and server_has_all and writes_done == len(writes) and not lost)
    last_put = max(put_at.values(), default=None)
    done_at = max([t for _, _, t in arrivals] + list(seen.values()) + [last_put or 0])
    converged = complete and len(in_time) == plan.devices and done_at <= deadline
    drain = late_drain = None
    if complete and last_put is not None:
        late_drain = round((done_at - last_put) / 1000, 3)
        if converged:
            drain, late_drain = late_drain, None
    arrived_in_time = sum(1 for _, _, t in arrivals if t <= deadline)
    missing_pairs = expected_pairs - arrived_in_time
    not_converged = [d for d in device_rows if d not in in_time]
    run = phase_totals.get("run", {})
    all_phases = {k: sum(p.get(k, 0) for p in phase_totals.values())
                  for k in ("http_errors", "net_errors", "retries", "fatal_errors", "unhandled")}
    missing: dict[str, Any] = {}
    if not converged:
        missing = {
            "processes_without_result": lost,
            "writes_not_made": len(writes) - writes_done,
            "server_missing": monitor.get("missing_count"),
            "server_seen_late": sum(1 for t in seen.values() if t > deadline),
            "converged_late_after_s": late_drain,
            "server_missing_sample": monitor.get("missing", [])[:5],
            "devices_not_converged": len(not_converged),
            "deliveries_missing": missing_pairs,
            "devices_not_converged_sample": [{"device": d["index"], "received": d["received"],
                                              "expected": d["expected"], "missing": d["missing"][:3]}
                                             for d in not_converged[:5]],
        }
    return {
        "push": latency_summary(push),
        "fanout": latency_summary(fan),
        "deliveries": len(arrivals),
        "deliveries_expected": expected_pairs,
        "extra_received": sum(d["extra"] for d in device_rows),
        "devices_with_extra": sum(1 for d in device_rows if d["extra"]),
        "writes_made": writes_done,
        "local_put_ms_max": round(max(put_ms), 1) if put_ms else None,
        "write_lag_ms_max": round(max(write_lag), 1) if write_lag else None,
        "converged": converged,
        "drain_s": drain,
        "late_drain_s": late_drain,
        "deliveries_in_time": arrived_in_time,
        "converge_timeout_s": converge_timeout,
        "missing": missing,
        "server_check": check,
        "errors_run": {k: run.get(k, 0) for k in ("requests", "http_errors", "net_errors", "retries",
                                                   "fatal_errors", "denied", "unhandled")},
        "errors_all_phases": all_phases,
        "by_status": {p: v["by_status"] for p, v in phase_totals.items()},
        "by_kind": {p: v["by_kind"] for p, v in phase_totals.items()},
        "net_by_code": {p: v["net_by_code"] for p, v in phase_totals.items() if v["net_by_code"]},
        "failure_samples": failures[:40],
        "event_loop_delay": loop,
        "monitor_polls": monitor.get("polls"),
        "monitor_multi_leaf": len(monitor.get("multi_leaf", {}) or {}),
    }


# ---------------------------------------------------------------- report


def fmt(value: float | None, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if value is not None else "-"


def table(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    head = ("| devices | server | writes | push p50 s | push p99 s | push max s | fan-out p50 s | fan-out p99 s "
            "| fan-out max s | drain s | converged | server exact | HTTP errors | net errors | retries "
            "| CPU s | peak RSS MiB |")
    lines = [head, "|" + "---:|---|" + "---:|" * 8 + "---|---|" + "---:|" * 5]
    for r in results:
        if "error" in r and "push" not in r:
            lines.append(f"| {r['devices']} | {TARGET_LABELS[r['target']]} | run failed: "
                         f"{r['error'].splitlines()[0][:80]} |" + " |" * 14)
            continue
        errors = r["errors_all_phases"]
        conv = "yes" if r["converged"] else f"**no** ({describe_missing(r)})"
        drain = fmt(r["drain_s"]) if r["drain_s"] is not None else f"> {r['converge_timeout_s']:g}"
        exact = "yes" if r["server_check"].get("ok") else f"**no** ({describe_check(r['server_check'])})"
        lines.append(
            f"| {r['devices']} | {TARGET_LABELS[r['target']]} | {r['writes_made']}/{r['writes']} "
            f"| {fmt(r['push']['p50_s'])} | {fmt(r['push']['p99_s'])} | {fmt(r['push']['max_s'])} "
            f"| {fmt(r['fanout']['p50_s'])} | {fmt(r['fanout']['p99_s'])} | {fmt(r['fanout']['max_s'])} "
            f"| {drain} | {conv} | {exact} | {errors['http_errors']} | {errors['net_errors']} | {errors['retries']} "
            f"| {fmt(r['cpu_s'], 1)} | {fmt(r['peak_rss_mib'], 0)} |")
    return "\n".join(lines)


def describe_missing(r: dict[str, Any]) -> str:
    m = r["missing"]
    parts = []
    if m.get("server_missing"):
        parts.append(f"server lacks {m['server_missing']}")
    elif m.get("server_seen_late"):
        parts.append(f"{m['server_seen_late']} reached the server late")
    if m.get("devices_not_converged"):
        parts.append(f"at the deadline {m['devices_not_converged']} devices lacked {m['deliveries_missing']} "
                     f"deliveries")
    if m.get("converged_late_after_s") is not None:
        parts.append(f"all arrived {m['converged_late_after_s']:.0f} s after the last write")
    if m.get("processes_without_result"):
        parts.append(f"no result from {', '.join(m['processes_without_result'])}")
    elif m.get("writes_not_made"):
        parts.append(f"{m['writes_not_made']} writes not made")
    return "; ".join(parts) or "?"


def describe_check(c: dict[str, Any]) -> str:
    if "error" in c:
        return c["error"][:60]
    parts = [f"{c[k]} {k.replace('_', ' ')}" for k in ("missing", "duplicated_rows", "multi_leaf", "deleted",
                                                       "unknown_checkins") if c.get(k)]
    if c.get("doc_count") != c.get("expected_doc_count"):
        parts.append(f"doc_count {c.get('doc_count')} != {c.get('expected_doc_count')}")
    return ", ".join(parts)


def ratios(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    by_d: dict[int, dict[str, dict[str, Any]]] = {}
    for r in results:
        by_d.setdefault(r["devices"], {})[r["target"]] = r
    for d, runs in sorted(by_d.items()):
        theirs = runs.get("pouchdb-server")
        for name in ("ours", "ours-couchdb"):
            ours = runs.get(name)
            if not ours or not theirs:
                continue
            a = (ours.get("push") or {}).get("p99_s")
            b = (theirs.get("push") or {}).get("p99_s")
            out.append({"devices": d, "ours": name, "p99_push_ours_s": a, "p99_push_theirs_s": b,
                        "ratio": round(a / b, 2) if a and b else None,
                        "ours_converged": ours.get("converged"), "theirs_converged": theirs.get("converged")})
    return out


def details(r: dict[str, Any]) -> str:
    if "push" not in r:
        return f"- {TARGET_LABELS[r['target']]}, {r['devices']} devices: {r.get('error', '?')[:300]}"
    e = r["errors_run"]
    parts = [f"- {TARGET_LABELS[r['target']]}, {r['devices']} devices: {r['devices_ready']}/{r['devices']} "
             f"ready after {r['setup_s']} s of setup ({r['node_procs']} device process(es)); "
             f"during the run {e['requests']} requests, {e['http_errors']} HTTP errors, {e['net_errors']} network "
             f"errors, {e['retries']} retries, {e['fatal_errors']} fatal, {e['unhandled']} unhandled rejections "
             f"in PouchDB; statuses "
             f"{r['by_status'].get('run', {})}; requests {r['by_kind'].get('run', {})}"]
    if r.get("net_by_code"):
        parts.append(f"network errors by code {r['net_by_code']}")
    parts.append(f"deliveries {r['deliveries_in_time']}/{r['deliveries_expected']} by the deadline, "
                 f"{r['deliveries']} by the stop; push latency measured for {r['push']['n']}/{r['writes']} writes")
    if r["variant"] == "access":
        parts.append(f"extra (out-of-scope) check-ins received {r['extra_received']} on "
                     f"{r['devices_with_extra']} devices")
    parts.append(f"client CPU {r['client_cpu_s']} s, client RSS {r['client_peak_rss_mib']} MiB, "
                 f"event loop delay p99/max "
                 + ", ".join(f"{x['p99_ms']}/{x['max_ms']} ms ({x['proc']})" for x in r["event_loop_delay"])
                 + f", write lag max {r['write_lag_ms_max']} ms")
    if "store_cpu_s" in r:
        parts.append(f"gateway CPU {r['server_cpu_s']} s / RSS {r['server_peak_rss_mib']} MiB, store CPU "
                     f"{r['store_cpu_s']} s / RSS {r['store_peak_rss_mib']} MiB"
                     + (f"; the store got {r['store_requests_run']} requests from go to drained "
                        f"(proxy CPU {r.get('proxy_cpu_s')} s)" if r.get("store_requests_run") is not None else ""))
    if r.get("idle"):
        idle = r["idle"]
        text = (f"idle {idle['seconds']:g} s ({IDLE_SETTLE_S:g} s after the drain): devices sent "
                f"{idle.get('device_requests')} requests ({idle.get('device_requests_per_s')}/s) "
                f"{idle.get('device_requests_by_kind', {})}, server CPU {idle.get('server_cpu_s')} s")
        if "store_requests" in idle:
            text += (f", the store got {idle['store_requests']} requests "
                     f"({round(idle['store_requests'] / idle['seconds'], 1)}/s) {idle['store_requests_by_kind']}")
        parts.append(text)
    if r.get("gunicorn_log"):
        parts.append(f"gunicorn log {r['gunicorn_log']}, at most {r['server_max_processes']} server processes")
    if not r["converged"]:
        parts.append(f"NOT converged: {json.dumps(r['missing'], ensure_ascii=False)[:600]}")
    if not r["server_check"].get("ok"):
        parts.append(f"server check: {r['server_check']}")
    if r["failure_samples"]:
        kinds: dict[str, Any] = {}
        for f in r["failure_samples"]:
            what = f.get("status") or str(f.get("error") or f.get("fatal") or f.get("unhandled") or f.get("put"))[:40]
            kinds.setdefault(f"{f.get('method', '')} {what}", f)
        examples = json.dumps(list(kinds.values())[:6], ensure_ascii=False)
        parts.append(f"failures, one example of each kind: {examples[:1500]}")
    return "; ".join(parts)


# ---------------------------------------------------------------- main


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    info = machine_info()
    print(f"# many-devices benchmark  {info['date']}  {info['nproc']} x {info['cpu']} ({info['arch']}), "
          f"{info['mem_gib']} GiB; python {info['python']}, node {info['node']}, pouchdb {info['pouchdb']}, "
          f"pouchdb-server {info['pouchdb_server']}")
    print(f"# code: commit {info['commit']} + {info['uncommitted_server_files']} uncommitted file(s) under server/ "
          f"sync/ schemas/; load average at start {', '.join(f'{x:.2f}' for x in info['loadavg_start'])}")
    conf = (REPO / "gunicorn.conf.py").read_text()
    worker_class = next((line.split("=", 1)[1].strip() for line in conf.splitlines()
                         if line.startswith("worker_class")), "?").strip("'\"")
    ours_name = "ours-couchdb" if args.couchdb_store else "ours"
    targets = [t for t in (ours_name, "pouchdb-server") if t.split("-")[0] in args.servers]
    who = (f"volunteers, {args.volunteer_auth}" if args.variant == "access"
           else f"admin accounts on ours: {args.open_accounts}, HTTP Basic")
    print(f"# variant {args.variant} ({who})"
          f"; devices {','.join(map(str, args.devices))}; {args.duration:g} s of writes, one per device every "
          f"1.5-4.5 s; convergence wait {args.converge_timeout:g} s after the last write; idle window {args.idle:g} s; "
          f"connections: {args.connections}; seed {args.seed}")
    print(f"# ours: gunicorn.conf.py worker_class = {worker_class}, "
          f"WEB_WORKERS={os.environ.get('WEB_WORKERS', '(default)')}, "
          f"WEB_CONNECTIONS={os.environ.get('WEB_CONNECTIONS', '(default)')}", flush=True)
    ctx = RunContext(args, work)
    results: list[dict[str, Any]] = []
    for d_count in args.devices:
        plan = make_plan(d_count, args.events, args.duration, args.seed)
        for target in targets:
            print(f"\n## {d_count} devices, {TARGET_LABELS[target]}", flush=True)
            t0 = time.monotonic()
            r = run_one(ctx, target, plan)
            r["wall_s"] = round(time.monotonic() - t0, 1)
            results.append(r)
            if "push" in r:
                print(f"  push p50/p99/max {fmt(r['push']['p50_s'])}/{fmt(r['push']['p99_s'])}/"
                      f"{fmt(r['push']['max_s'])} s; fan-out {fmt(r['fanout']['p50_s'])}/{fmt(r['fanout']['p99_s'])}/"
                      f"{fmt(r['fanout']['max_s'])} s; drain {fmt(r['drain_s'])} s; converged "
                      f"{'yes' if r['converged'] else 'NO'}; server exact "
                      f"{'yes' if r['server_check'].get('ok') else 'NO'}"
                      f"; CPU {fmt(r['cpu_s'], 1)} s; peak RSS {fmt(r['peak_rss_mib'], 0)} MiB ({r['wall_s']} s)",
                      flush=True)
    info["loadavg_end"] = os.getloadavg()
    print(f"\n# load average at the end {', '.join(f'{x:.2f}' for x in info['loadavg_end'])}")
    print("\n## results (latencies in seconds: push = tap -> visible in the server's _changes; fan-out = tap -> in "
          "another device's local db)\n")
    print(table(results, args))
    rat = ratios(results)
    if rat:
        print("\np99 push latency, ours / pouchdb-server (lower is better for ours):")
        for x in rat:
            shown = f"{x['ratio']:.2f}x" if x["ratio"] is not None else "n/a"
            print(f"  {x['devices']:>4} devices: {fmt(x['p99_push_ours_s'])} s / {fmt(x['p99_push_theirs_s'])} s = "
                  f"{shown}{'' if x['ours_converged'] else ' (ours did not converge)'}"
                  f"{'' if x['theirs_converged'] else ' (pouchdb-server did not converge)'}")
    print("\n## details")
    for r in results:
        print(details(r))
    print("\nnotes:")
    print("- CPU s = server CPU from go to drained (all processes of the server's group; for the CouchDB store "
          "gateway + store); peak RSS = sum over those processes, the highest 0.5 s sample from start to stop.")
    print("- HTTP errors = non-2xx answers other than a missing _local checkpoint; retries = PouchDB 'paused' "
          "events with an error (each followed by a back-off); all phases (first sync, run, idle) counted.")
    print("- Node runs the devices on the same 2 CPUs as the server; the event loop delay shows how late the "
          "clients themselves were (it adds to every latency, for both servers alike).")
    if args.variant == "access":
        print("- access: on ours each volunteer's device receives only the check-ins of its events; pouchdb-server "
              "has no access control, so there every device receives every check-in, and only those of its "
              "events are counted (fan-out and convergence use the same expected sets for both).")
    capped = [r for r in results if r["target"] != "pouchdb-server"
              and any(v.get("429") for v in (r.get("by_status") or {}).values())]
    if capped:
        print("- ours answered 429 (too many requests) in " + ", ".join(f"{r['devices']} devices" for r in capped)
              + ": its fairness limits (e.g. open feeds per account, MITEINANDER_MAX_FEEDS_PER_ACCOUNT, per "
              "worker)" + (" - with one shared account for every device; --open-accounts per-device gives "
                           "each device an account of its own" if args.variant == "open"
                           and args.open_accounts == "shared" else "") + ".")
    if args.couchdb_store and args.store_proxy:
        print("- couchdb-store: the gateway reaches the store through a counting proxy (one extra loopback hop, "
              "its CPU not included in CPU s).")
    if ctx.failures:
        print(f"\n{len(ctx.failures)} run(s) could not be carried out:")
        for f in ctx.failures:
            print(f"  {f[:1500]}")
    return {"machine": info, "params": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "worker_class": worker_class, "results": results, "ratios_p99_push": rat, "failures": ctx.failures}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--devices", default=None,
                        help="device counts, comma-separated (10,50,100,300; --couchdb-store: 50; --quick: 5,10)")
    parser.add_argument("--duration", type=float, default=None, help="seconds of writes (30; --quick: 8)")
    parser.add_argument("--converge-timeout", type=float, default=None,
                        help="seconds after the last write to wait for convergence (120; --quick: 30)")
    parser.add_argument("--idle", type=float, default=None,
                        help="seconds of idle syncing after the drain, requests counted (5; --couchdb-store: 10; "
                             "--quick: 2; 0 skips it)")
    parser.add_argument("--access", action="store_true",
                        help="volunteers with access control in miteinander (ours); same documents in an open db "
                             "on pouchdb-server")
    parser.add_argument("--volunteer-auth", choices=("token", "basic"), default="token",
                        help="--access: bearer tokens as the web app (default) or HTTP Basic in the URL")
    parser.add_argument("--open-accounts", choices=("shared", "per-device"), default="shared",
                        help="open variant on ours: all devices as one admin account (default) or one admin "
                             "account per device")
    parser.add_argument("--events", type=int, default=10, help="events in the county (10)")
    parser.add_argument("--couchdb-store", action="store_true",
                        help="ours with COUCHDB_URL = a pouchdb-server in memory as its store")
    parser.add_argument("--no-store-proxy", dest="store_proxy", action="store_false",
                        help="--couchdb-store: no counting proxy between gateway and store")
    parser.add_argument("--servers", default="ours,pouchdb-server",
                        help="which servers to run, comma-separated: ours, pouchdb-server (both)")
    parser.add_argument("--node-procs", type=int, default=None,
                        help="Node processes for the devices (default: 1 up to 100 devices, else 2)")
    parser.add_argument("--connections", choices=("keepalive", "close"), default="keepalive",
                        help="per-device HTTP agent with keep-alive (max 6 sockets, like a browser; default) or "
                             "node-fetch's default of a new connection per request")
    parser.add_argument("--stagger-ms", type=int, default=20, help="delay between device starts (20 ms)")
    parser.add_argument("--ready-timeout", type=float, default=None,
                        help="seconds to wait for every device's first sync (30 + 0.3 per device)")
    parser.add_argument("--seed", type=int, default=1, help="schedule and document seed (1)")
    parser.add_argument("--quick", action="store_true", help="smoke run: devices 5,10, 8 s, 30 s convergence wait")
    parser.add_argument("--json-out", type=Path, default=None, help="also write all results here")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (configs, logs, raw results)")
    args = parser.parse_args(argv)
    if args.quick:
        defaults = {"devices": "5,10", "duration": 8.0, "converge_timeout": 30.0, "idle": 2.0}
    elif args.couchdb_store:
        defaults = {"devices": "50", "duration": 30.0, "converge_timeout": 120.0, "idle": 10.0}
    else:
        defaults = {"devices": "10,50,100,300", "duration": 30.0, "converge_timeout": 120.0, "idle": 5.0}
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    try:
        args.devices = [int(x) for x in str(args.devices).split(",") if x.strip()]
    except ValueError:
        parser.error("--devices takes comma-separated numbers")
    if not args.devices or min(args.devices) < 2 or max(args.devices) > 2000:
        parser.error("--devices: each count between 2 and 2000")
    if not 1 <= args.duration <= 3600 or not 1 <= args.converge_timeout <= 3600 or not 0 <= args.idle <= 600:
        parser.error("--duration and --converge-timeout between 1 and 3600 s, --idle between 0 and 600 s")
    if not 2 <= args.events <= 1000:
        parser.error("--events between 2 and 1000")
    if args.node_procs is not None and not 1 <= args.node_procs <= 16:
        parser.error("--node-procs between 1 and 16")
    args.variant = "access" if args.access else "open"
    args.servers = {x.strip().split("-")[0] for x in args.servers.split(",") if x.strip()}
    if not args.servers or not args.servers <= {"ours", "pouchdb"}:
        parser.error("--servers takes ours and/or pouchdb-server")
    return args


def main(argv: list[str] | None = None) -> int:
    return run_bench(parse_args(argv), (GUNICORN, FLASK, POUCHDB_SERVER, CLIENT), "bench-devices", "devices-bench-",
                     run)


if __name__ == "__main__":
    sys.exit(main())
