#!/usr/bin/env python3
"""Scope benchmark: sync speed with access control on, as a volunteer (issue 3, point 8).

``make bench-scope`` runs it. Two parts, everything on free loopback ports:

1. **Scope pull vs. database size.** Two gateways (gunicorn, as ``make run``) whose main
   database ``miteinander`` holds 10,000 and 200,000 valid documents, filled in-process
   through the store before the servers start. In both, one volunteer sees the same 1,000
   documents (see :func:`build_county`); the rest belong to other events, volunteers and
   people. Rounds alternate the two servers (ABBA); each round pulls the volunteer's scope
   with PouchDB 9 into a fresh local db over HTTP Basic, and times the first sync's
   ``_changes?since=0`` feed alone. The pulled documents must be exactly the scope.
2. **Push and pull as a volunteer.** A volunteer pushes 10,000 check-ins for an event they are
   assigned to into the main database (every one passes the schema and the write rules) and
   pulls them back into a fresh local db; the same documents go to pouchdb-server in memory
   and on disk (no access control there), alternating rounds as ``bench/sync_bench.py`` does.

Everything started here is stopped in a ``finally``; every wait is bounded.

    .venv/bin/python bench/scope_bench.py [--sizes 10000,200000] [--rounds 7] [--push-docs 10000]
                                          [--push-rounds 3] [--quick] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from common import (
    FLASK,
    GUNICORN,
    POUCHDB_SERVER,
    REPO,
    BenchError,
    Server,
    bench_parser,
    fmt_rate,
    fmt_ratio,
    gateway,
    http,
    kill_group,
    machine_info,
    median,
    node_env,
    pouchdb_server,
    run_bench,
)

CLIENT = REPO / "bench" / "scope_client.mjs"
MAIN_DB = "miteinander"
BATCH = 1000  # documents per bulk_docs call when filling

# The volunteer's scope: public documents + the event channels they are assigned to + their
# own user channel. 20 + 80 + 4 * (150 + 60 + 10) + 19 + 1 = 1000.
ORGS = 20
EVENTS = 80
ASSIGNED_EVENTS = 4
REGISTRATIONS_PER_ASSIGNED = 150
CHECKINS_PER_ASSIGNED = 60  # of registered people
WALK_INS_PER_ASSIGNED = 10
OWN_HOURS = 19
OWN_DEVICES = 1
SCOPE_SIZE = (ORGS + EVENTS + ASSIGNED_EVENTS * (REGISTRATIONS_PER_ASSIGNED + CHECKINS_PER_ASSIGNED
                                                 + WALK_INS_PER_ASSIGNED) + OWN_HOURS + OWN_DEVICES)
OTHER_VOLUNTEERS = 40

TARGETS = ("ours", "pouchdb-memory", "pouchdb-disk")
THEIRS = ("pouchdb-memory", "pouchdb-disk")
LABELS = {
    "ours": "ours (volunteer, access on)",
    "pouchdb-memory": "pouchdb-server --in-memory",
    "pouchdb-disk": "pouchdb-server LevelDB on disk",
}

sys.path.insert(0, str(REPO))  # schemas/ and server/, for building, checking and filling


# ---------------------------------------------------------------- the county


@dataclass
class County:
    """A main database's documents: ``public`` first (orgs, events), then ``rest`` shuffled."""

    public: list[dict[str, Any]]
    rest: list[dict[str, Any]]
    scope: list[dict[str, Any]]  # what the volunteer sees, in no particular order
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def docs(self) -> list[dict[str, Any]]:
        return self.public + self.rest


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _slug(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", " ": "-"})
    return "".join(ch for ch in text.lower().translate(table) if ch.isalnum() or ch == "-")


FIRST = ("Anna", "Jürgen", "Gülay", "Ömer", "Olena", "Ahmad", "Käthe", "Björn", "Zahra", "Mehmet", "Hannelore",
         "Rania", "Dmytro", "Senait", "Azad", "Leonie", "Khaled", "Marlies", "Yusuf", "Oksana")
LAST = ("Müller", "Öztürk", "Schäfer", "Kovalenko", "Al-Hassan", "Weiß", "Karimi", "Yılmaz", "Großmann",
        "Tekle", "Böhm", "Shevchenko", "Haddad", "Kühn", "Murad", "Fröhlich", "Sultani", "Schröder")
ORG_WORDS = (("nachbarschaftshilfe", "Nachbarschaftshilfe", "association"), ("sv", "Sportverein", "club"),
             ("familienzentrum", "Familienzentrum", "association"), ("buergerverein", "Bürgerverein", "club"),
             ("integrationsbuero", "Integrationsbüro", "office"), ("kulturverein", "Kulturverein", "club"),
             ("mgh", "Mehrgenerationenhaus", "association"), ("gs", "Grundschule", "school"))
EVENT_KINDS = ("encounter", "course", "training", "fair", "information", "sports", "culture", "language_cafe")
TITLES = ("Sprachcafé", "Begegnungscafé", "Fahrradwerkstatt", "Nähtreff", "Hausaufgabenhilfe", "Spieleabend",
          "Mittagstisch", "Handy-Sprechstunde", "Frauenfrühstück", "Lotsenschulung")


def build_county(volunteer: str, total: int, seed: int = 3) -> County:
    """Valid documents for a main database of ``total`` documents, ``SCOPE_SIZE`` of them seen
    by ``volunteer``; the same volunteer and seed give the same scope for any ``total``.

    The scope: the 20 organizations and 80 events (public; every reader sees them), the
    registrations (150 each) and check-ins (60 of registered people + 10 walk-ins each) of
    the 4 events the volunteer is assigned to, and the volunteer's own 19 hours entries and
    1 device. Everything else belongs to the 76 other events (assigned to 40 other
    volunteers), to people (never visible to volunteers), to other volunteers' hours and
    devices, and to contact requests: about 15 % people, 10 % hours, 4 % contact requests,
    1 % devices, and registrations and check-ins (about 4:3) of the other events. There are
    no further events or organizations, since those are public: more of them would grow
    every reader's scope, not just the database.
    """
    from schemas.municipalities import MUNICIPALITIES

    towns = [town for town in MUNICIPALITIES if town != "Kassel"]
    rng = random.Random(seed)  # the scope's generator; the filler has its own (below)
    t0 = 1_777_000_000  # 2026-04-24

    def hexid(r: random.Random, bits: int = 128) -> str:
        return f"{r.getrandbits(bits):0{bits // 4}x}"

    def base(doc_id: str, doc_type: str, created: float) -> dict[str, Any]:
        return {"_id": doc_id, "type": doc_type, "schema_version": 1, "created_at": _iso(created)}

    others = [f"user:{hexid(rng, 64)}" for _ in range(OTHER_VOLUNTEERS)]
    orgs: list[dict[str, Any]] = []
    for i in range(ORGS):
        slug, name, kind = ORG_WORDS[i % len(ORG_WORDS)]
        town = towns[(i * 5) % len(towns)]
        org = base(f"org:{slug}-{_slug(town)}", "organization", t0 - 400 * 86400) | {
            "name": f"{name} {town}", "kind": kind, "municipality": town,
            "contact_email": f"info@{slug}-{_slug(town)}.example.org"}
        orgs.append(org)
    events: list[dict[str, Any]] = []
    starts: dict[str, int] = {}
    for i in range(EVENTS):
        org = orgs[i % ORGS]
        start = t0 + (i - 40) * 86400 * 2 + 3600 * rng.randint(8, 18)
        assigned = rng.sample(others, rng.randint(1, 3))
        if i % (EVENTS // ASSIGNED_EVENTS) == 3:  # 4 events spread over the list
            assigned = [volunteer, *assigned[:1]]
        title = TITLES[i % len(TITLES)]
        events.append(base(f"event:{hexid(rng)}", "event", start - 30 * 86400) | {
            "title": {"de": f"{title} {org['municipality']}", "en": f"{title} (English)"},
            "description": {"de": f"{title} für alle Nachbarinnen und Nachbarn, mit Kinderbetreuung."},
            "kind": EVENT_KINDS[i % len(EVENT_KINDS)], "municipality": org["municipality"],
            "place": f"Bürgerhaus {org['municipality']}, Saal {1 + i % 3}",
            "start": _iso(start), "end": _iso(start + 7200), "capacity": 20 + i % 40,
            "organization_id": org["_id"], "programme": ("VIPs", "WIR", "INSIST", "Vielfalt")[i % 4],
            "assigned_volunteers": assigned})
        starts[events[-1]["_id"]] = start
    mine = [e for e in events if volunteer in e["assigned_volunteers"]]
    theirs = [e for e in events if volunteer not in e["assigned_volunteers"]]
    assert len(mine) == ASSIGNED_EVENTS

    filler = total - SCOPE_SIZE
    n_people = max(round(filler * 0.15), REGISTRATIONS_PER_ASSIGNED)
    n_hours, n_contacts, n_devices = round(filler * 0.10), round(filler * 0.04), round(filler * 0.01)
    remaining = filler - n_people - n_hours - n_contacts - n_devices
    if remaining < len(theirs):
        raise ValueError(f"a database of {total} documents is too small for a scope of {SCOPE_SIZE}")
    n_regs = -(-remaining * 4 // 7)
    n_checkins = remaining - n_regs

    # People: the same pool of names for every size (the scope's registrations name the first 150).
    prng = random.Random(seed + 1)
    people = []
    for i in range(n_people):
        town = towns[prng.randrange(len(towns))]
        created = t0 - prng.randint(30, 500) * 86400
        person = base(f"person:{i:08x}{hexid(prng, 96)}", "person", created) | {
            "display_name": f"{FIRST[prng.randrange(len(FIRST))]} {LAST[prng.randrange(len(LAST))]}",
            "languages": ["de", ("ar", "uk", "tr", "fa", "ru")[i % 5]], "municipality": town,
            "consents": [{"purpose": "registration", "given_at": _iso(created)}]}
        if i % 3 == 0:
            person["contact"] = {"phone": f"+49 561 {prng.randint(100000, 999999)}"}
        people.append(person)

    def registration(event: dict[str, Any], person: dict[str, Any], r: random.Random) -> dict[str, Any]:
        at = starts[event["_id"]] - r.randint(1, 14) * 86400
        return base(f"registration:{event['_id']}:{person['_id']}", "registration", at) | {
            "event_id": event["_id"], "person_id": person["_id"], "display_name": person["display_name"],
            "municipality": event["municipality"], "organization_id": event["organization_id"],
            "registered_at": _iso(at), "status": "cancelled" if r.random() < 0.05 else "registered"}

    def checkin(event: dict[str, Any], person: dict[str, Any] | None, r: random.Random) -> dict[str, Any]:
        at = starts[event["_id"]] + r.randint(-600, 1800)
        by = event["assigned_volunteers"][r.randrange(len(event["assigned_volunteers"]))]
        doc = base("", "checkin", at) | {"event_id": event["_id"]}
        if person is None:
            doc["_id"] = f"checkin:{event['_id']}:walkin:{hexid(r, 64)}"
            doc["walk_in"] = {"display_name": f"{FIRST[r.randrange(len(FIRST))]} {'ABDEHKMNRSTZ'[r.randrange(12)]}.",
                              "municipality": event["municipality"],
                              "consent": {"purpose": "registration", "given_at": _iso(at)}}
        else:
            doc["_id"] = f"checkin:{event['_id']}:{person['_id']}"
            doc["person_id"] = person["_id"]
        return doc | {"checked_in_at": _iso(at), "by": by, "device_id": f"device:{by[5:13]}",
                      "municipality": event["municipality"], "organization_id": event["organization_id"]}

    def hours(user: str, event: dict[str, Any], r: random.Random) -> dict[str, Any]:
        day = time.strftime("%Y-%m-%d", time.gmtime(starts[event["_id"]]))
        return base(f"hours:{user}:{hexid(r, 64)}", "hours", t0 + r.randint(0, 90) * 86400) | {
            "volunteer_id": user, "date": day, "minutes": r.choice((90, 120, 150, 180)),
            "activity": r.choice(("event_support", "accompaniment", "interpreting")),
            "event_id": event["_id"], "municipality": event["municipality"],
            "organization_id": event["organization_id"], "note": "Aufbau, Anmeldung am Eingang, Abbau",
            "status": "pending"}

    def device(user: str, r: random.Random) -> dict[str, Any]:
        at = t0 - r.randint(10, 200) * 86400
        return base(f"device:{hexid(r, 64)}", "device", at) | {
            "name": r.choice(("Tablet Sprachcafé (Galaxy Tab A8)", "Smartphone", "Tablet Bürgerhaus")),
            "user_id": user, "registered_at": _iso(at), "revoked": False, "last_sync_at": _iso(t0 + 86400 * 30)}

    scope: list[dict[str, Any]] = [*orgs, *events]
    for event in mine:
        for k in range(REGISTRATIONS_PER_ASSIGNED):
            scope.append(registration(event, people[k], rng))
        for k in range(CHECKINS_PER_ASSIGNED):
            scope.append(checkin(event, people[k], rng))
        for _ in range(WALK_INS_PER_ASSIGNED):
            scope.append(checkin(event, None, rng))
    for k in range(OWN_HOURS):
        scope.append(hours(volunteer, mine[k % len(mine)], rng))
    scope += [device(volunteer, rng) for _ in range(OWN_DEVICES)]
    assert len(scope) == SCOPE_SIZE

    frng = random.Random(seed + 2)
    rest: list[dict[str, Any]] = [*scope[len(orgs) + len(events):], *people]
    per_event = -(-n_regs // len(theirs))
    if per_event > n_people:
        raise ValueError("not enough people for the registrations")
    made = 0
    for j in range(n_regs):
        event = theirs[j % len(theirs)]
        person = people[(j // len(theirs) + 131 * (j % len(theirs))) % n_people]
        rest.append(registration(event, person, frng))
        # n_checkins of the n_regs registrations, evenly; one in five of those is a walk-in instead
        if (j + 1) * n_checkins // n_regs > made:
            made += 1
            rest.append(checkin(event, None if made % 5 == 0 else person, frng))
    for j in range(n_hours):
        rest.append(hours(others[j % len(others)], theirs[j % len(theirs)], frng))
    for j in range(n_devices):
        rest.append(device(others[j % len(others)], frng))
    for j in range(n_contacts):
        at = t0 + frng.randint(0, 120) * 86400
        town = towns[frng.randrange(len(towns))]
        doc = base(f"contact:{hexid(frng)}", "contact_request", at) | {
            "topic": frng.choice(("interpreter", "club_partner", "course", "counselling")),
            "language": frng.choice(("ar", "uk", "tr", "fa", "de")), "municipality": town,
            "message": "Ich brauche Hilfe beim Ausfüllen eines Antrags, am liebsten nachmittags.",
            "status": "new", "history": [{"at": _iso(at), "by": others[j % len(others)], "status": "new"}]}
        if j % 2:
            doc["person_id"] = people[j % n_people]["_id"]
        else:
            doc["callback"] = {"name": f"{FIRST[j % len(FIRST)]} {LAST[j % len(LAST)]}",
                               "phone": f"+49 5602 {frng.randint(10000, 99999)}"}
        rest.append(doc)
    frng.shuffle(rest)
    county = County(public=[*orgs, *events], rest=rest, scope=scope)
    if len(county.docs) != total:
        raise AssertionError(f"built {len(county.docs)} documents, wanted {total}")
    for doc in county.docs:
        county.counts[doc["type"]] = county.counts.get(doc["type"], 0) + 1
    return county


def check_county(county: County, volunteer: str) -> str:
    """Every document passes ``validate_document`` (about 30 us each), ids are unique, and what
    ``schemas/channels.py`` lets the volunteer see is exactly the scope."""
    from schemas import DocumentInvalid, validate_document
    from schemas.channels import PUBLIC, channels_of, grants_of

    docs = county.docs
    if len({doc["_id"] for doc in docs}) != len(docs):
        raise BenchError("duplicate document ids")
    for doc in docs:
        try:
            validate_document(doc)
        except DocumentInvalid as invalid:
            raise BenchError(f"invalid document {doc['_id']}: {invalid.reason}") from None
    readable = {PUBLIC, volunteer}
    for doc in docs:
        readable |= grants_of(doc).get(volunteer, frozenset())
    visible = {doc["_id"] for doc in docs if channels_of(doc) & readable}
    if visible != {doc["_id"] for doc in county.scope}:
        raise BenchError(f"the volunteer would see {len(visible)} documents, not the {SCOPE_SIZE} of the scope")
    return f"all {len(docs)} valid under schemas.validate_document; what channels.py shows the volunteer = scope"


def fill(data_dir: Path, docs: list[dict[str, Any]]) -> dict[str, Any]:
    """Write ``docs`` into the main database in-process, as admin, in batches; the server is down."""
    from server import create_app
    from server.config import Settings

    app = create_app(Settings(data_dir=data_dir, demo=False))
    store = app.extensions["store"]
    database = store.database(MAIN_DB)
    t0 = time.monotonic()
    try:
        for start in range(0, len(docs), BATCH):
            results = database.bulk_docs(docs[start:start + BATCH], new_edits=True)
            failed = [r for r in results if "error" in r]
            if failed:
                raise BenchError(f"fill: {len(failed)} documents refused, e.g. {failed[0]}")
        seconds = time.monotonic() - t0
        info = database.info()
    finally:
        database.close()
        store.close()
    if info["doc_count"] != len(docs):
        raise BenchError(f"fill: doc_count {info['doc_count']}, expected {len(docs)}")
    size = sum(p.stat().st_size for p in (data_dir / "sync").glob(f"{MAIN_DB}.sqlite*"))
    return {"docs": len(docs), "seconds": round(seconds, 1), "docs_per_s": round(len(docs) / seconds),
            "file_mib": round(size / 2**20, 1)}


# ---------------------------------------------------------------- servers and accounts


def flask_env(data_dir: Path) -> dict[str, str]:
    return dict(node_env(), MITEINANDER_DATA_DIR=str(data_dir), DEMO="0")


def create_user(data_dir: Path, email: str, role: str) -> tuple[str, str]:
    """``flask --app wsgi users create``, as an admin makes accounts: (name:password, user id)."""
    password = secrets.token_urlsafe(16)
    made = subprocess.run([str(FLASK), "--app", "wsgi", "users", "create", email, "--role", role,
                           "--password", password], cwd=REPO, env=flask_env(data_dir),
                          capture_output=True, text=True, timeout=120)
    if made.returncode != 0:
        raise BenchError(f"users create {email}: {made.stderr[-2000:]}")
    return f"{email}:{password}", made.stdout.split(" as ")[1].split()[0]


def ours_gateway(name: str, work: Path, data_dir: Path, admin: str) -> Server:
    """Our gateway on ``data_dir``, served by gunicorn as ``make run`` does."""
    home = work / f"{name}-run"
    home.mkdir()
    return gateway(name, data_dir, home / "gunicorn.ctl", home / "server.log", {"DEMO": "0"}, auth=admin)


def admin_json(server: Server, path: str) -> Any:
    status, body = http("GET", server.base + path, timeout=60, auth=server.auth)
    if status != 200:
        raise BenchError(f"GET {path}: {status} {body[:300]!r}")
    return json.loads(body)


# ---------------------------------------------------------------- the client


@dataclass
class Runner:
    args: argparse.Namespace
    failures: list[str] = field(default_factory=list)

    def client(self, mode: str, url: str | None, auth: str | None, extra: list[str],
               server: Server | None = None, timeout: float | None = None) -> dict[str, Any] | None:
        cmd = ["node", str(CLIENT), "--mode", mode, *extra]
        if url:
            cmd += ["--url", url]
        env = node_env()
        env.pop("BENCH_AUTH", None)
        if auth:
            env["BENCH_AUTH"] = auth
        cpu0 = server.cpu_seconds() if server else 0.0
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        limit = timeout or self.args.timeout
        try:
            stdout, stderr = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            kill_group(proc, grace=2)
            stdout, stderr = proc.communicate(timeout=5)
            self.fail(f"{mode} {url}: client timed out after {limit} s", stderr)
            return None
        lines = stdout.decode(errors="replace").strip().splitlines()
        try:
            result: dict[str, Any] = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            self.fail(f"{mode} {url}: client exited {proc.returncode} without a result", stderr + stdout)
            return None
        if not result.get("ok") or proc.returncode != 0:
            detail = json.dumps({k: result.get(k) for k in ("error", "http_failures", "status_counts")}, indent=2)
            self.fail(f"{mode} {url}: FAILED", detail.encode() + b"\n" + stderr)
            if server is not None and server.proc is not None:
                print(f"-- {server.name} log (last lines):\n{server.log_tail()}", file=sys.stderr)
            return None
        if server is not None:
            result["server_cpu_s"] = round(server.cpu_seconds() - cpu0, 2)
        return result

    def fail(self, what: str, detail: bytes) -> None:
        text = f"{what}\n{detail.decode(errors='replace')[-4000:]}"
        self.failures.append(text)
        print(f"\n!! {text}\n", file=sys.stderr, flush=True)


def warm_up(server: Server, auth: str, requests: int = 8) -> None:
    """A few requests as the user, so each worker has checked the password once (argon2)."""
    for _ in range(requests):
        status, body = http("GET", server.db_url(MAIN_DB), timeout=30, auth=auth)
        if status != 200:
            raise BenchError(f"{server.name}: GET /sync/{MAIN_DB} as the volunteer -> {status} {body[:300]!r}")


# ---------------------------------------------------------------- part 1: scope vs. size


def scope_part(args: argparse.Namespace, work: Path, runner: Runner, results: dict[str, Any]) -> None:
    sizes: list[int] = args.sizes
    names = [f"db{size}" for size in sizes]
    dirs = {name: work / name / "data" for name in names}
    first = dirs[names[0]]
    first.parent.mkdir()
    print(f"\n## 1. a volunteer's scope of {SCOPE_SIZE} documents, main database of "
          f"{' and '.join(f'{s:,}' for s in sizes)} documents", flush=True)
    admin, _ = create_user(first, "bench-admin@example.org", "admin")
    volunteer, volunteer_id = create_user(first, "bench-volunteer@example.org", "volunteer")
    for name in names[1:]:  # the same accounts (and so the same volunteer id) in every store
        dirs[name].parent.mkdir()
        shutil.copytree(first, dirs[name])
    print(f"# volunteer {volunteer_id} (flask --app wsgi users create ... --role volunteer), "
          f"HTTP Basic; stores copied from one data dir so both know the same accounts")

    scope_file = work / "scope.json"
    fills: dict[str, Any] = {}
    for size, name in zip(sizes, names, strict=True):
        t0 = time.monotonic()
        county = build_county(volunteer_id, size)
        check = check_county(county, volunteer_id)
        built = time.monotonic() - t0
        if name == names[0]:
            scope_file.write_text(json.dumps(county.scope, ensure_ascii=False))
            results["scope_counts"] = {t: sum(1 for d in county.scope if d["type"] == t)
                                       for t in sorted({d["type"] for d in county.scope})}
        elif json.loads(scope_file.read_text()) != json.loads(json.dumps(county.scope, ensure_ascii=False)):
            raise BenchError("the scope differs between the databases")
        stats = fill(dirs[name], county.docs)
        fills[name] = {**stats, "counts": county.counts, "check": check, "build_s": round(built, 1)}
        print(f"# {name}: {size:,} docs {dict(sorted(county.counts.items()))}")
        print(f"#   built + checked in {built:.1f} s ({check}); filled in-process in {stats['seconds']} s "
              f"({stats['docs_per_s']} docs/s, batches of {BATCH}), {stats['file_mib']} MiB", flush=True)
        del county
    results["fill"] = fills
    print(f"# scope: {results['scope_counts']}")

    servers = {name: ours_gateway(name, work, dirs[name], admin) for name in names}
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_ready()
            count = admin_json(server, f"/sync/{MAIN_DB}")["doc_count"]
            print(f"# {server.name}: gunicorn on {server.base}, {MAIN_DB} doc_count {count}")
            warm_up(server, volunteer)

        times: dict[str, dict[str, list[float]]] = {n: {"pull": [], "changes": [], "changes_docs": [],
                                                        "cpu": []} for n in names}
        print(f"\n{'round':>5} {'database':>10} {'pull s':>8} {'docs/s':>8} {'srv cpu s':>9} {'requests':>8}  "
              f"{'_changes s':>10} {'+docs s':>8}")
        rows = []
        for round_no in range(1, args.rounds + 1):
            order = names if round_no % 2 else list(reversed(names))
            for name in order:
                server = servers[name]
                url = server.db_url(MAIN_DB)
                expect = ["--expect", str(scope_file)]
                pull = runner.client("pull", url, volunteer, expect, server)
                changes = runner.client("changes", url, volunteer, expect, server)
                rows.append({"round": round_no, "db": name, "pull": pull, "changes": changes})
                if pull:
                    times[name]["pull"].append(pull["seconds"])
                    times[name]["cpu"].append(pull["server_cpu_s"])
                if changes:
                    times[name]["changes"].append(changes["seconds"])
                    times[name]["changes_docs"].append(changes["include_docs"]["seconds"])
                print(f"{round_no:>5} {name:>10} "
                      f"{pull['seconds'] if pull else 'FAILED':>8} {pull['docs_per_s'] if pull else '':>8} "
                      f"{pull['server_cpu_s'] if pull else '':>9} {pull['requests'] if pull else '':>8}  "
                      f"{changes['seconds'] if changes else 'FAILED':>10} "
                      f"{changes['include_docs']['seconds'] if changes else '':>8}", flush=True)
        results["scope_rounds"] = rows
        med = {n: {k: median(v) for k, v in t.items()} for n, t in times.items()}
        results["scope_median_s"] = med
        small, large = names[0], names[-1]
        print(f"\n## medians over {args.rounds} rounds (seconds; ratio = {large}/{small})")
        print(f"{'':24s} " + " ".join(f"{n:>10}" for n in names) + f" {'ratio':>7}")
        for key, label in (("pull", "PouchDB pull of scope"), ("cpu", "server CPU for the pull"),
                           ("changes", "_changes?since=0"), ("changes_docs", "  with include_docs")):
            values = [med[n][key] for n in names]
            ratio = f"{values[-1] / values[0]:6.2f}x" if values[0] and values[-1] else "   n/a"
            print(f"{label:24s} " + " ".join(f"{v:10.3f}" if v is not None else "    FAILED" for v in values)
                  + f" {ratio:>7}")
        if med[small]["pull"] and med[large]["pull"]:
            ratio = med[large]["pull"] / med[small]["pull"]
            results["scope_ratio"] = ratio
            print(f"\nscope pull: {SCOPE_SIZE / med[small]['pull']:.0f} docs/s with {sizes[0]:,} documents, "
                  f"{SCOPE_SIZE / med[large]['pull']:.0f} docs/s with {sizes[-1]:,}: "
                  f"{ratio:.2f}x the time for {sizes[-1] / sizes[0]:.0f}x the database", flush=True)
    finally:
        for server in servers.values():
            server.stop()


# ---------------------------------------------------------------- part 2: push and pull


def push_part(args: argparse.Namespace, work: Path, runner: Runner, results: dict[str, Any]) -> None:
    docs = args.push_docs
    data = work / "push" / "data"
    data.parent.mkdir()
    print(f"\n## 2. a volunteer pushes {docs:,} check-ins for an assigned event into {MAIN_DB} and pulls "
          f"them back; pouchdb-server (no access control) as the yardstick", flush=True)
    admin, _ = create_user(data, "bench-admin@example.org", "admin")
    # One volunteer and one event per round, so that each round's volunteer pulls exactly their
    # own event's check-ins (and the public documents: 1 organization, one event per round).
    volunteers = [create_user(data, f"volunteer-{r}@example.org", "volunteer") for r in range(args.push_rounds)]
    org = {"_id": "org:nachbarschaftshilfe-baunatal", "type": "organization", "schema_version": 1,
           "created_at": "2026-01-10T09:00:00Z", "name": "Nachbarschaftshilfe Baunatal", "kind": "association",
           "municipality": "Baunatal"}
    events = []
    for r, (_, user_id) in enumerate(volunteers):
        events.append({"_id": f"event:2026-05-{2 + r:02d}-sprachcafe-baunatal-{secrets.token_hex(4)}",
                       "type": "event", "schema_version": 1, "created_at": "2026-04-01T08:00:00Z",
                       "title": {"de": "Sprachcafé Baunatal", "uk": "Мовне кафе"}, "kind": "language_cafe",
                       "municipality": "Baunatal", "place": "Stadthalle Baunatal, Foyer",
                       "start": f"2026-05-{2 + r:02d}T14:00:00Z", "end": f"2026-05-{2 + r:02d}T17:00:00Z",
                       "organization_id": org["_id"], "assigned_volunteers": [user_id]})
    public = [org, *events]
    fill(data, public)

    def checkin_args(r: int) -> list[str]:
        return ["--docs", str(docs), "--seed", str(100 + r), "--event", events[r]["_id"],
                "--by", volunteers[r][1], "--municipality", "Baunatal", "--org", org["_id"]]

    sample = runner.client("sample", None, None, checkin_args(0))
    if sample is None:
        raise BenchError("could not generate the check-ins")
    results["checkin_example"] = sample["docs"][0]
    results["checkin_mean_bytes"] = sample["mean_json_bytes"]
    results["checkin_check"] = check_checkins(sample["docs"], volunteers[0][1], public)
    print(f"# check-ins: {sample['mean_json_bytes']} bytes of JSON each; {results['checkin_check']}")
    print(f"# example: {json.dumps(sample['docs'][0], ensure_ascii=False)}")

    servers = {"ours": ours_gateway("ours", work, data, admin),
               "pouchdb-memory": pouchdb_server("pouchdb-memory", work / "pouchdb-memory", ["--in-memory"]),
               "pouchdb-disk": pouchdb_server("pouchdb-disk", work / "pouchdb-disk", [])}
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_ready()
            print(f"# {server.name:15s} {server.base}")
        for auth, _ in volunteers:
            warm_up(servers["ours"], auth)

        rates: dict[str, dict[str, list[float]]] = {t: {"push": [], "pull": []} for t in TARGETS}
        rows = []
        print(f"\n{'round':>5} {'target':32s} {'push':>10} {'pull':>10}  {'server cpu s':>12}")
        for r in range(args.push_rounds):
            this: dict[str, dict[str, float | None]] = {}
            for target in TARGETS:
                server = servers[target]
                if target == "ours":
                    url, auth, extra = server.db_url(MAIN_DB), volunteers[r][0], len(public)
                else:
                    url, auth, extra = server.db_url(f"scope-bench-r{r}-{secrets.token_hex(4)}"), None, 0
                push = runner.client("push", url, auth, checkin_args(r), server)
                if push and target == "ours":
                    prefix = "checkin:" + events[r]["_id"]
                    stored = admin_json(server, f"/sync/{MAIN_DB}/_all_docs?startkey={quote(json.dumps(prefix + ':'))}"
                                                f"&endkey={quote(json.dumps(prefix + ';'))}")["rows"]
                    total = admin_json(server, f"/sync/{MAIN_DB}")["doc_count"]
                    if len(stored) != docs or total != len(public) + docs * (r + 1):
                        runner.fail(f"push round {r + 1}: {len(stored)} check-ins of the event stored, "
                                    f"{total} documents in {MAIN_DB}", b"")
                        push = None
                pull = runner.client("pull", url, auth, [*checkin_args(r), "--extra", str(extra)], server) \
                    if push else None
                if target != "ours":
                    server.delete_db(url.rsplit("/", 1)[1])
                rows.append({"round": r + 1, "target": target, "push": push, "pull": pull})
                this[target] = {"push": push["docs_per_s"] if push else None,
                                "pull": pull["docs_per_s"] if pull else None}
                for phase in ("push", "pull"):
                    value = this[target][phase]
                    if value is not None:
                        rates[target][phase].append(value)
                cpu = "/".join(f"{x['server_cpu_s']:.1f}" if x else "-" for x in (push, pull))
                print(f"{r + 1:>5} {LABELS[target]:32s} {fmt_rate(this[target]['push'])} "
                      f"{fmt_rate(this[target]['pull'])}  {cpu:>12}", flush=True)
            print(f"{'':>5} " + "  ".join(
                f"ours/{t.removeprefix('pouchdb-')}: push {fmt_ratio(this['ours']['push'], this[t]['push'])}"
                f" pull {fmt_ratio(this['ours']['pull'], this[t]['pull'])}" for t in THEIRS), flush=True)
        results["push_rounds"] = rows
        med = {t: {p: median(v) for p, v in phases.items()} for t, phases in rates.items()}
        results["push_median_docs_per_s"] = med
        print(f"\n## medians over {args.push_rounds} rounds, {docs:,} check-ins, docs/s")
        print(f"{'target':32s} {'push':>10} {'pull':>10}   {'ours/this push':>14} {'ours/this pull':>14}")
        for target in TARGETS:
            line = f"{LABELS[target]:32s} {fmt_rate(med[target]['push'])} {fmt_rate(med[target]['pull'])}"
            if target != "ours":
                line += (f"   {fmt_ratio(med['ours']['push'], med[target]['push']):>14}"
                         f" {fmt_ratio(med['ours']['pull'], med[target]['pull']):>14}")
            print(line)
    finally:
        for server in servers.values():
            server.stop()


def check_checkins(docs: list[dict[str, Any]], volunteer_id: str, public: list[dict[str, Any]]) -> str:
    """The generated check-ins pass the schema and the write rules for the volunteer, as the
    gateway will check every one of them."""
    from schemas import DocumentInvalid, validate_document
    from schemas.channels import PUBLIC, grants_of
    from server.access.policy import Principal, StaticDirectory, WriteContext, write_refusal

    principal = Principal(user_id=volunteer_id, role="volunteer")
    directory = StaticDirectory({d["_id"]: d for d in public})
    channels = frozenset({PUBLIC, volunteer_id}).union(*(grants_of(d).get(volunteer_id, frozenset()) for d in public))
    for doc in docs:
        try:
            validate_document(doc)
        except DocumentInvalid as invalid:
            raise BenchError(f"invalid check-in {doc['_id']}: {invalid.reason}") from None
        reason = write_refusal(principal, doc, None, WriteContext(channels, directory))
        if reason:
            raise BenchError(f"check-in {doc['_id']} refused: {reason}")
    return f"all {len(docs)} valid under schemas.validate_document and allowed by the write rules"


# ---------------------------------------------------------------- main


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    runner = Runner(args)
    info = machine_info()
    print(f"# scope benchmark  {info['date']}  {info['nproc']} x {info['cpu']} ({info['arch']}), "
          f"{info['mem_gib']} GiB; python {info['python']}, node {info['node']}, "
          f"pouchdb {info['pouchdb']}, pouchdb-server {info['pouchdb_server']}")
    print(f"# code: commit {info['commit']} + {info['uncommitted_server_files']} uncommitted file(s) under "
          f"server/ sync/ schemas/; load average at start {', '.join(f'{x:.2f}' for x in info['loadavg_start'])}")
    results: dict[str, Any] = {"machine": info, "params": {k: v for k, v in vars(args).items()
                                                           if k not in ("json_out",)}}
    if "scope" in args.parts:
        scope_part(args, work, runner, results)
    if "push" in args.parts:
        push_part(args, work, runner, results)
    info["loadavg_end"] = os.getloadavg()
    print(f"\n# load average at the end {', '.join(f'{x:.2f}' for x in info['loadavg_end'])}")
    results["failures"] = runner.failures
    if runner.failures:
        print(f"\n{len(runner.failures)} measurement(s) FAILED; their figures are left out (see above).")
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--sizes", default=None,
                        help="main database sizes to compare, comma-separated (10000,200000)")
    parser.add_argument("--rounds", type=int, default=None, help="scope pull rounds (7)")
    parser.add_argument("--push-docs", type=int, default=None, help="check-ins per push (10000)")
    parser.add_argument("--push-rounds", type=int, default=None, help="push/pull rounds (3)")
    parser.add_argument("--parts", default="scope,push", help="which parts to run: scope, push or both")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: sizes 3000,20000, 2 rounds, 1000 check-ins, 1 push round")
    parser.add_argument("--timeout", type=float, default=None, help="seconds one client run may take")
    parser.add_argument("--json-out", type=Path, default=None, help="also write all results here")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, stores)")
    args = parser.parse_args(argv)
    quick = {"sizes": "3000,20000", "rounds": 2, "push_docs": 1000, "push_rounds": 1}
    full = {"sizes": "10000,200000", "rounds": 7, "push_docs": 10000, "push_rounds": 3}
    for name, default in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    try:
        args.sizes = sorted(int(s) for s in str(args.sizes).split(","))
    except ValueError:
        parser.error("--sizes takes comma-separated numbers")
    if len(args.sizes) < 2 or args.sizes[0] < SCOPE_SIZE + 1000:
        parser.error(f"--sizes needs two or more sizes of at least {SCOPE_SIZE + 1000}")
    args.parts = {p.strip() for p in args.parts.split(",")}
    if not args.parts <= {"scope", "push"}:
        parser.error("--parts takes scope and/or push")
    if args.rounds < 1 or args.push_rounds < 1 or args.push_docs < 1:
        parser.error("--rounds, --push-rounds and --push-docs must be at least 1")
    if args.timeout is None:
        args.timeout = 120 + args.push_docs / 20
    return args


def main(argv: list[str] | None = None) -> int:
    return run_bench(parse_args(argv), (GUNICORN, FLASK, POUCHDB_SERVER, CLIENT), "bench-scope", "scope-bench-",
                     run)


if __name__ == "__main__":
    sys.exit(main())
