#!/usr/bin/env python3
"""Sync benchmark: our gateway against pouchdb-server, with the real PouchDB as the client.

``make bench`` runs it. It starts, on free loopback ports:

* ``ours``: the gateway, served by gunicorn exactly as ``make run`` does, on a fresh data dir;
* ``pouchdb-memory``: pouchdb-server ``--in-memory`` (LevelDB core over memdown);
* ``pouchdb-disk``: pouchdb-server with its default on-disk LevelDB store in a temp dir;

then, round by round and alternating targets (ours, memory, disk, ours, ...) so that machine
noise hits all of them alike, times one-shot PouchDB replications with bench/sync_client.mjs:
push N docs, pull them into a fresh local db, the same between two local PouchDBs with no
server (the client's own ceiling), and K concurrent clients (each pushes N/K docs, then all
pull the whole db). Every measurement uses a fresh remote database, and a run only counts if
the client verified it (doc counts, and every pulled document's content). Medians over the
rounds are reported with the ratios ours/theirs. Everything started here is stopped in a
``finally``; every wait is bounded.

    .venv/bin/python bench/sync_bench.py [--docs 10000] [--rounds 3] [--clients 10] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import (
    GUNICORN,
    POUCHDB_SERVER,
    REPO,
    Server,
    bench_parser,
    create_admin,
    fmt_rate,
    fmt_ratio,
    gateway,
    kill_group,
    machine_info,
    median,
    pouchdb_server,
    run_bench,
)

CLIENT = REPO / "bench" / "sync_client.mjs"

TARGETS = ("ours", "pouchdb-memory", "pouchdb-disk")
THEIRS = ("pouchdb-memory", "pouchdb-disk")
# From the issue: ours/theirs at least this, for push and for pull.
GOALS = {"pouchdb-disk": 1.5, "pouchdb-memory": 1.0}
LABELS = {
    "ours": "ours (gunicorn, SQLite)",
    "pouchdb-memory": "pouchdb-server --in-memory",
    "pouchdb-disk": "pouchdb-server LevelDB on disk",
    "local": "PouchDB local->local (no server)",
}


def make_servers(work: Path) -> dict[str, Server]:
    ours_dir = work / "ours"
    ours_dir.mkdir()
    ours = gateway("ours", ours_dir / "data", ours_dir / "gunicorn.ctl", ours_dir / "server.log")
    ours.auth = create_admin(ours.env)
    servers = {"ours": ours}
    for name, store_args in (("pouchdb-memory", ["--in-memory"]), ("pouchdb-disk", [])):
        servers[name] = pouchdb_server(name, work / name, store_args)
    return servers


def validate_sample(docs: list[dict[str, Any]]) -> str:
    """Check generated documents against the project's schemas, as the gateway will."""
    sys.path.insert(0, str(REPO))
    try:
        from schemas import DocumentInvalid, validate_document
    except Exception as err:  # noqa: BLE001 - the schemas are optional for the benchmark
        return f"not checked ({type(err).__name__}: {err})"
    finally:
        sys.path.pop(0)
    for doc in docs:
        try:
            validate_document(doc)
        except DocumentInvalid as invalid:
            return f"INVALID: {doc.get('_id')}: {invalid.reason}"
    return f"{len(docs)} sample docs valid under schemas.validate_document"


@dataclass
class Runner:
    args: argparse.Namespace
    work: Path
    failures: list[str] = field(default_factory=list)

    def client(self, mode: str, url: str | None = None, seed: int = 1, auth: str | None = None,
               docs: int | None = None) -> dict[str, Any] | None:
        cmd = ["node", str(CLIENT), "--mode", mode, "--docs", str(docs or self.args.docs),
               "--clients", str(self.args.clients), "--seed", str(seed),
               "--adapter", self.args.adapter, "--tmp", str(self.work)]
        if url:
            cmd += ["--url", url]
        if self.args.batch_size:
            cmd += ["--batch-size", str(self.args.batch_size)]
        timeout = self.args.timeout
        before = os.times()
        env = dict(os.environ)
        env.pop("BENCH_AUTH", None)
        if auth:
            env["BENCH_AUTH"] = auth
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc, grace=2)
            stdout, stderr = proc.communicate(timeout=5)
            self.fail(f"{mode} {url}: client timed out after {timeout} s", stderr)
            return None
        after = os.times()
        lines = stdout.decode(errors="replace").strip().splitlines()
        try:
            result: dict[str, Any] = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            self.fail(f"{mode} {url}: client exited {proc.returncode} without a result", stderr + stdout)
            return None
        result["client_cpu_s"] = round((after.children_user + after.children_system)
                                       - (before.children_user + before.children_system), 2)
        if not result.get("ok") or proc.returncode != 0:
            detail = json.dumps({k: result.get(k) for k in ("error", "error_status", "http_failures",
                                                             "status_counts")}, indent=2)
            self.fail(f"{mode} {url}: FAILED", detail.encode() + b"\n" + stderr)
            return None
        return result

    def fail(self, what: str, detail: bytes) -> None:
        text = f"{what}\n{detail.decode(errors='replace')[-4000:]}"
        self.failures.append(text)
        print(f"\n!! {text}\n", file=sys.stderr, flush=True)


def measure(runner: Runner, server: Server, mode: str, db: str, seed: int = 1) -> dict[str, Any] | None:
    """One client run against a fresh db on ``server``, with the server's CPU time."""
    url = server.db_url(db)
    cpu0 = server.cpu_seconds()
    result = runner.client(mode, url, seed, auth=server.auth)
    if result is not None:
        result["server_cpu_s"] = round(server.cpu_seconds() - cpu0, 2)
    elif server.proc is not None:
        print(f"-- {server.name} log (last lines):\n{server.log_tail()}", file=sys.stderr)
    return result


def fresh_db(kind: str, round_no: int) -> str:
    return f"bench-{kind}-r{round_no}-{uuid.uuid4().hex[:10]}"


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    runner = Runner(args, work)
    info = machine_info()
    print(f"# sync benchmark  {info['date']}  {info['nproc']} x {info['cpu']} ({info['arch']}), "
          f"{info['mem_gib']} GiB; python {info['python']}, node {info['node']}, "
          f"pouchdb {info['pouchdb']}, pouchdb-server {info['pouchdb_server']}")
    print(f"# code: commit {info['commit']} + {info['uncommitted_server_files']} uncommitted file(s) under "
          f"server/ sync/ schemas/; load average at start {', '.join(f'{x:.2f}' for x in info['loadavg_start'])}")
    print(f"# docs={args.docs} rounds={args.rounds} clients={args.clients} adapter={args.adapter}"
          f"{' batch_size=' + str(args.batch_size) if args.batch_size else ''}", flush=True)

    servers = make_servers(work)
    results: dict[str, Any] = {"machine": info, "params": vars(args).copy(),
                               "push_pull": [], "local": [], "concurrent": []}
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_ready()
            print(f"# {server.name:15s} {server.base}  ({' '.join(server.cmd)})")
        how = "an admin account made for the run" if servers["ours"].auth else "nothing (no accounts here)"
        print(f"# ours authenticates as {how}; HTTP Basic, as PouchDB sends credentials")
        sample = runner.client("sample", docs=min(args.docs, 1000))
        if sample:
            results["doc_example"] = sample["example"]
            results["doc_mean_bytes"] = sample["mean_json_bytes"]
            results["doc_schema_check"] = validate_sample(sample["docs"])
            print(f"# documents: check-ins, {sample['mean_json_bytes']} bytes of JSON each on average "
                  f"(without _rev); schema: {results['doc_schema_check']}")
            print(f"# example: {json.dumps(sample['example'], ensure_ascii=False)}")

        rates: dict[str, dict[str, list[float]]] = {t: {"push": [], "pull": []} for t in (*TARGETS, "local")}
        print("\n## push / pull, docs/s (one-shot PouchDB.replicate, fresh remote db each)")
        print(f"{'round':>5} {'target':32s} {'push':>10} {'pull':>10}  {'server cpu s':>12}  "
              f"{'requests':>8} {'gzip':>5}")
        for round_no in range(1, args.rounds + 1):
            this_round: dict[str, dict[str, float | None]] = {}
            for target in TARGETS:
                server = servers[target]
                db = fresh_db("pp", round_no)
                push = measure(runner, server, "push", db)
                pull = measure(runner, server, "pull", db) if push else None
                server.delete_db(db)
                row = {"round": round_no, "target": target, "db": db, "push": push, "pull": pull}
                results["push_pull"].append(row)
                this_round[target] = {
                    "push": push["docs_per_s"] if push else None,
                    "pull": pull["docs_per_s"] if pull else None,
                }
                for phase in ("push", "pull"):
                    if this_round[target][phase] is not None:
                        rates[target][phase].append(this_round[target][phase])  # type: ignore[arg-type]
                cpu = "/".join(f"{r['server_cpu_s']:.1f}" if r else "-" for r in (push, pull))
                requests = sum(r["requests"] for r in (push, pull) if r)
                gzip = sum(r["gzip_responses"] for r in (push, pull) if r)
                print(f"{round_no:>5} {LABELS[target]:32s} {fmt_rate(this_round[target]['push'])} "
                      f"{fmt_rate(this_round[target]['pull'])}  {cpu:>12}  {requests:>8} {gzip:>5}",
                      flush=True)
            local = runner.client("local")
            results["local"].append({"round": round_no, "result": local})
            if local:
                rates["local"]["push"].append(local["push"]["docs_per_s"])
                rates["local"]["pull"].append(local["pull"]["docs_per_s"])
            print(f"{round_no:>5} {LABELS['local']:32s} "
                  f"{fmt_rate(local['push']['docs_per_s'] if local else None)} "
                  f"{fmt_rate(local['pull']['docs_per_s'] if local else None)}")
            ours = this_round["ours"]
            ratios = "  ".join(
                f"ours/{t.removeprefix('pouchdb-')}: push {fmt_ratio(ours['push'], this_round[t]['push'])}"
                f" pull {fmt_ratio(ours['pull'], this_round[t]['pull'])}" for t in THEIRS)
            print(f"{'':>5} {ratios}", flush=True)

        concurrent: dict[str, list[float]] = {t: [] for t in TARGETS}
        concurrent_phase: dict[str, dict[str, list[float]]] = {t: {"push": [], "pull": []} for t in TARGETS}
        if args.clients > 1:
            print(f"\n## {args.clients} concurrent clients: each pushes {args.docs // args.clients} docs, "
                  f"then all pull the whole db; aggregate docs/s")
            print(f"{'round':>5} {'target':32s} {'aggregate':>10} {'push':>10} {'pull':>10}  "
                  f"{'server cpu s':>12}")
            for round_no in range(1, args.rounds + 1):
                this_round_c: dict[str, float | None] = {}
                for target in TARGETS:
                    server = servers[target]
                    db = fresh_db("cc", round_no)
                    result = measure(runner, server, "concurrent", db)
                    server.delete_db(db)
                    results["concurrent"].append({"round": round_no, "target": target, "db": db,
                                                  "result": result})
                    this_round_c[target] = result["docs_per_s"] if result else None
                    if result:
                        concurrent[target].append(result["docs_per_s"])
                        concurrent_phase[target]["push"].append(result["push"]["docs_per_s"])
                        concurrent_phase[target]["pull"].append(result["pull"]["docs_per_s"])
                    print(f"{round_no:>5} {LABELS[target]:32s} {fmt_rate(this_round_c[target])} "
                          f"{fmt_rate(result['push']['docs_per_s'] if result else None)} "
                          f"{fmt_rate(result['pull']['docs_per_s'] if result else None)}  "
                          f"{result['server_cpu_s'] if result else '-':>12}", flush=True)
                print(f"{'':>5} " + "  ".join(
                    f"ours/{t.removeprefix('pouchdb-')}: {fmt_ratio(this_round_c['ours'], this_round_c[t])}"
                    for t in THEIRS), flush=True)

        info["loadavg_end"] = os.getloadavg()
        print(f"\n# load average at the end {', '.join(f'{x:.2f}' for x in info['loadavg_end'])} "
              f"({info['nproc']} CPUs; anything above the benchmark's own load is other work)")
        summary = summarize(args, rates, concurrent, concurrent_phase)
        results["summary"] = summary
        results["failures"] = runner.failures
        print_summary(args, summary, runner.failures)
        return results
    finally:
        for server in servers.values():
            server.stop()


def summarize(args: argparse.Namespace, rates: dict[str, dict[str, list[float]]],
              concurrent: dict[str, list[float]],
              concurrent_phase: dict[str, dict[str, list[float]]]) -> dict[str, Any]:
    med = {t: {p: median(v) for p, v in phases.items()} for t, phases in rates.items()}
    ratios: dict[str, dict[str, float | None]] = {}
    goals: dict[str, dict[str, bool | None]] = {}
    for theirs in THEIRS:
        ratios[theirs] = {}
        goals[theirs] = {}
        for phase in ("push", "pull"):
            ours, other = med["ours"][phase], med[theirs][phase]
            ratio = ours / other if ours and other else None
            ratios[theirs][phase] = ratio
            goals[theirs][phase] = ratio >= GOALS[theirs] if ratio is not None else None
    cmed = {t: median(v) for t, v in concurrent.items()}
    cphase = {t: {p: median(v) for p, v in phases.items()} for t, phases in concurrent_phase.items()}
    ours_c = cmed["ours"]
    cratios = {t: (ours_c / other if ours_c and (other := cmed[t]) else None) for t in THEIRS}
    return {"median_docs_per_s": med, "ratios": ratios, "goals_met": goals,
            "concurrent_median_docs_per_s": cmed, "concurrent_phase_median_docs_per_s": cphase,
            "concurrent_ratios": cratios}


def print_summary(args: argparse.Namespace, summary: dict[str, Any], failures: list[str]) -> None:
    med = summary["median_docs_per_s"]
    ratios = summary["ratios"]
    print(f"\n## medians over {args.rounds} round(s), {args.docs} docs")
    print(f"{'target':32s} {'push':>10} {'pull':>10}   {'ours/this push':>14} {'ours/this pull':>14}")
    for target in (*TARGETS, "local"):
        line = f"{LABELS[target]:32s} {fmt_rate(med[target]['push'])} {fmt_rate(med[target]['pull'])}"
        if target != "ours":
            line += (f"   {fmt_ratio(med['ours']['push'], med[target]['push']):>14}"
                     f" {fmt_ratio(med['ours']['pull'], med[target]['pull']):>14}")
        print(line)
    if args.clients > 1:
        cmed = summary["concurrent_median_docs_per_s"]
        print(f"\n{args.clients} concurrent clients, aggregate docs/s (median):")
        for target in TARGETS:
            line = f"{LABELS[target]:32s} {fmt_rate(cmed[target])}"
            if target != "ours":
                line += f"   ours/this {fmt_ratio(cmed['ours'], cmed[target])}"
            print(line)
    print("\ntargets (ours/theirs, push and pull):")
    for theirs in THEIRS:
        for phase in ("push", "pull"):
            ratio = ratios[theirs][phase]
            met = summary["goals_met"][theirs][phase]
            verdict = "n/a" if met is None else ("met" if met else "NOT met")
            shown = f"{ratio:.3f}x" if ratio is not None else "n/a"
            print(f"  {phase} vs {theirs:15s} {shown:>7} (goal >= {GOALS[theirs]:.1f}x): {verdict}")
    if failures:
        print(f"\n{len(failures)} measurement(s) FAILED; their figures are left out (see above).")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--docs", type=int, default=None, help="documents per measurement (10000)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds; medians are reported (3)")
    parser.add_argument("--clients", type=int, default=None,
                        help="clients for the concurrent figure (10; 1 skips it)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 300 docs, 1 round, 3 clients (unless given)")
    parser.add_argument("--adapter", choices=("auto", "memory", "leveldb"), default="auto",
                        help="the client's local PouchDB adapter (auto: memory if available)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="PouchDB replication batch_size (PouchDB's default: 100)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds one client run may take (default scales with --docs)")
    parser.add_argument("--json-out", type=Path, default=None, help="also write all results here")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, stores)")
    args = parser.parse_args(argv)
    quick = {"docs": 300, "rounds": 1, "clients": 3}
    full = {"docs": 10000, "rounds": 3, "clients": 10}
    for name, default in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.docs < 1 or args.rounds < 1 or args.clients < 1:
        parser.error("--docs, --rounds and --clients must be at least 1")
    if args.clients > args.docs:
        parser.error("--clients must not exceed --docs")
    if args.timeout is None:
        args.timeout = 120 + args.docs / 20
    return args


def main(argv: list[str] | None = None) -> int:
    return run_bench(parse_args(argv), (GUNICORN, POUCHDB_SERVER, CLIENT), "bench", "sync-bench-", run)


if __name__ == "__main__":
    sys.exit(main())
