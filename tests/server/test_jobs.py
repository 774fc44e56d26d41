"""Scheduled jobs: exactly once per slot with two schedulers, each conflict rule, retention,
the coordinators' summary and the status endpoint."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from server import create_app
from server.config import Settings
from server.jobs import JOBS, JOBS_DB, run_once
from server.services import accounts, maintenance
from sync.storage import Store
from sync.storage.base import AllDocsQuery, ReadOptions
from tests.conftest import BIN, ROOT, LiveServer, wait_for
from tests.factories import replicated

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
MAIN = "miteinander"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    app = create_app(Settings(data_dir=tmp_path, demo=False))
    yield app.extensions["store"]


def rows(store: Store, db: str, prefix: str) -> list[dict[str, Any]]:
    database = store.database(db)
    try:
        query = AllDocsQuery(startkey=prefix, endkey=prefix + "\uffff", include_docs=True)
        return [row["doc"] for row in database.all_docs(query)["rows"]]
    finally:
        database.close()


def replicate(store: Store, docs: list[dict[str, Any]]) -> None:
    database = store.database(MAIN)
    try:
        assert database.bulk_docs(docs, new_edits=False) == []
    finally:
        database.close()


def leaf(doc_id: str, branch: str, **body: Any) -> dict[str, Any]:
    """A revision 2-<branch> on top of a shared 1-root, as two offline tablets make them."""
    return replicated(doc_id, [f"2-{branch}", "1-root"], **body)


def taken_by_the_other(logs: list[str]) -> list[int]:
    """Per scheduler, how many slots it found claimed by the other one."""
    return [log.count("taken by another scheduler") for log in logs]


def test_two_schedulers_run_each_job_once_per_slot(tmp_path: Path) -> None:
    env = {**os.environ, "MITEINANDER_DATA_DIR": str(tmp_path), "DEMO": "0",
           "MITEINANDER_JOB_INTERVALS": "conflicts=1,retention=1,summary=1"}
    store = create_app(Settings(data_dir=tmp_path, demo=False)).extensions["store"]  # the databases exist first
    log_files = [tmp_path / f"scheduler-{number}.log" for number in range(2)]
    schedulers = []
    try:
        for path in log_files:
            with path.open("wb") as log:
                schedulers.append(subprocess.Popen([str(BIN / "python"), "-m", "server.jobs"],  # noqa: S603
                                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                                   start_new_session=True))

        def three_slots_each_and_competed() -> bool:
            per_job = Counter(run["job"] for run in rows(store, JOBS_DB, "run:"))
            logs = [path.read_text() for path in log_files]
            return all(per_job[job] >= 3 for job in JOBS) and sum(taken_by_the_other(logs)) >= 3

        wait_for(three_slots_each_and_competed, timeout=60)
    finally:
        for process in schedulers:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
    logs = [path.read_text() for path in log_files]
    runs = rows(store, JOBS_DB, "run:")
    per_job = Counter(run["job"] for run in runs)
    assert set(per_job) == set(JOBS)
    for job, count in per_job.items():
        slots = [run["slot"] for run in runs if run["job"] == job]
        assert len(slots) == len(set(slots)) == count and count >= 3, (job, slots)
    assert all(run["status"] in ("ok", "running") for run in runs)
    skipped = taken_by_the_other(logs)
    assert sum(skipped) >= 3, f"both schedulers competed for the same slots: {skipped}\n{logs}"
    started = [match for log in logs for match in re.findall(r"job (\w+) slot (\d+) started", log)]
    assert len(started) == len(set(started)), "no slot's work started in both schedulers"
    assert {(job, int(slot)) for job, slot in started} == {(run["job"], run["slot"]) for run in runs}


def test_conflict_rules(store: Store) -> None:
    replicate(store, [
        leaf("checkin:event:1:person:1", "a", type="checkin", checked_in_at="2026-11-21T10:05:00Z",
             device_id="tablet-a"),
        leaf("checkin:event:1:person:1", "b", type="checkin", checked_in_at="2026-11-21T10:01:00Z",
             device_id="tablet-b"),
        leaf("hours:user:v:1", "a", type="hours", status="approved", decided_by="user:c",
             decided_at="2026-11-20T08:00:00Z", minutes=60),
        leaf("hours:user:v:1", "f", type="hours", status="pending", minutes=90, updated_at="2026-11-21T09:00:00Z"),
        leaf("contact:1", "a", type="contact_request", status="assigned", assignee="user:c",
             history=[{"at": "2026-11-01T10:00:00Z", "by": "user:c", "status": "assigned"}]),
        leaf("contact:1", "b", type="contact_request", status="done",
             history=[{"at": "2026-11-02T10:00:00Z", "by": "user:d", "status": "done", "note": "erledigt"}]),
        leaf("event:1", "a", type="event", place="Bürgerhaus"),
        leaf("event:1", "b", type="event", place="Sporthalle"),
    ])

    result = maintenance.resolve_conflicts(store, MAIN, NOW)

    assert sorted(result["resolved"]) == ["checkin:event:1:person:1", "contact:1", "hours:user:v:1"]
    assert [item["id"] for item in result["unresolved"]] == ["event:1"], "no rule for events: left to people"
    database = store.database(MAIN)
    try:
        checkin = database.get("checkin:event:1:person:1", options=ReadOptions(conflicts=True))
        hours = database.get("hours:user:v:1", options=ReadOptions(conflicts=True))
        contact = database.get("contact:1", options=ReadOptions(conflicts=True))
        event = database.get("event:1", options=ReadOptions(conflicts=True))
    finally:
        database.close()
    assert checkin["checked_in_at"] == "2026-11-21T10:01:00Z" and checkin["devices"] == ["tablet-a", "tablet-b"]
    assert hours["status"] == "approved" and hours["decided_by"] == "user:c", "the decision wins"
    assert contact["status"] == "done" and [h["status"] for h in contact["history"]] == ["assigned", "done"]
    for doc in (checkin, hours, contact):
        assert "_conflicts" not in doc and doc["_rev"].startswith("3-")
    assert len(event["_conflicts"]) == 1
    audit = rows(store, JOBS_DB, "conflict-audit:")
    losing = {item["id"]: item["losing"] for item in audit[0]["resolved"]}
    assert losing["hours:user:v:1"][0]["body"]["minutes"] == 90, "the volunteer's losing edit is kept for audit"
    assert maintenance.resolve_conflicts(store, MAIN, NOW)["resolved"] == [], "the next pass starts after them"


def test_retention_purges_what_outlived_its_purpose(store: Store) -> None:
    old, recent = "2024-01-01T00:00:00Z", "2026-11-01T00:00:00Z"
    consent = [{"purpose": "registration", "given_at": old}]
    docs = [
        {"_id": "contact:closed-old", "type": "contact_request", "status": "closed", "created_at": old,
         "history": [{"at": old, "status": "closed"}]},
        {"_id": "contact:closed-new", "type": "contact_request", "status": "closed", "created_at": recent},
        {"_id": "contact:open-old", "type": "contact_request", "status": "new", "created_at": old},
        {"_id": "person:idle", "type": "person", "created_at": old, "consents": consent},
        {"_id": "registration:event:1:person:idle", "type": "registration", "person_id": "person:idle",
         "registered_at": old},
        {"_id": "person:active", "type": "person", "created_at": old, "consents": consent},
        {"_id": "checkin:event:2:person:active", "type": "checkin", "person_id": "person:active",
         "checked_in_at": recent},
    ]
    database = store.database(MAIN)
    try:
        assert all(result.get("ok") for result in database.bulk_docs(docs))
    finally:
        database.close()

    result = maintenance.apply_retention(store, MAIN, NOW, contact_days=180, person_days=730)

    left = {doc["_id"] for doc in rows(store, MAIN, "")}
    assert left == {"contact:closed-new", "contact:open-old", "person:active", "checkin:event:2:person:active"}
    assert result == {"purged": 3, "people": 1}


def test_summary_and_status_over_http(server: LiveServer) -> None:
    coordinator = server.create_user("coordinator", "municipality:Söhrewald")
    store = create_app(Settings(data_dir=server.data_dir, demo=False)).extensions["store"]
    settings = Settings(data_dir=server.data_dir)
    account = accounts.find_account(store, coordinator.email)
    assert account is not None
    accounts.issue_token(store, account, NOW - timedelta(days=5), timedelta(days=30), device_id="device:old-tablet")
    record = run_once(store, settings, JOBS["summary"], datetime.now(UTC))
    assert record is not None and record["status"] == "ok"
    api = server.credentials_url(*coordinator.auth) + "/api/jobs"
    summary = requests.get(api + "/summary", timeout=10).json()
    base = server.credentials_url(*coordinator.auth) + "/api"
    pending = requests.get(base + "/hours", params={"status": "pending"}, timeout=10).json()
    assert summary["hours_pending"] == len(pending), "the summary counts what the coordinator's list shows"
    assert "device:old-tablet" in summary["devices_silent"]
    status = {item["job"]: item["last_run"] for item in requests.get(api, timeout=10).json()}
    assert status["summary"]["status"] == "ok" and status["summary"]["duration_ms"] >= 0
    assert requests.get(server.url + "/api/jobs", timeout=10).status_code == 401
