"""Scheduled jobs: a registry, and a run that happens once per deployment and time slot.

Every scheduler (one per container, possibly several) fires each job at the same slot
boundaries. Before working, a run claims its slot by creating ``run:<job>:<slot>`` in the
store's jobs database; creating an existing document is a conflict in every backend, so
exactly one scheduler wins and the others skip. The claim then records the run's start,
duration and result, which is what the status endpoint shows.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync import errors
from sync.storage import Store
from sync.storage.base import AllDocsQuery

from ..config import Settings
from ..services import accounts, maintenance

log = logging.getLogger(__name__)

JOBS_DB = maintenance.JOBS_DB
HOLDER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Job:
    """A named piece of work and how often it runs."""

    name: str
    interval: int  # seconds
    work: Callable[[Store, Settings, datetime], dict[str, Any]]


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("conflicts", 60, lambda store, s, now: maintenance.resolve_conflicts(store, s.main_db, now)),
        Job("retention", 86_400, lambda store, s, now: {**maintenance.apply_retention(
            store, s.main_db, now, s.retention_contact_days, s.retention_person_days),
            "registrations": accounts.forget_expired_pending(store, now)}),
        Job("summary", 86_400, lambda store, s, now: maintenance.coordinator_summary(store, s.main_db, now)),
    )
}


def interval_of(job: Job, settings: Settings) -> int:
    """The job's interval, unless the settings override it (tests run them every second)."""
    return settings.job_intervals.get(job.name, job.interval)


def run_once(store: Store, settings: Settings, job: Job, now: datetime) -> dict[str, Any] | None:
    """Run ``job`` for the slot ``now`` falls in, unless another scheduler has claimed it.

    :returns: the run record, or None when the slot was taken
    """
    slot = int(now.timestamp()) // interval_of(job, settings)
    record: dict[str, Any] = {"_id": f"run:{job.name}:{slot:012d}", "job": job.name, "slot": slot,
                              "holder": HOLDER, "started_at": now.isoformat(), "status": "running"}
    with store.database(JOBS_DB) as database:
        try:
            record["_rev"] = database.put(record)["rev"]
        except errors.CouchError as error:
            if error.error == "conflict":
                log.info("job %s slot %s taken by another scheduler", job.name, slot)
                return None
            raise
        log.info("job %s slot %s started", job.name, slot)
        started = time.monotonic()
        try:
            record["result"] = job.work(store, settings, now)
            record["status"] = "ok"
        except Exception as error:  # a failed job is recorded and retried next slot
            log.exception("job %s slot %s failed", job.name, slot)
            record["status"] = "error"
            record["result"] = {"error": type(error).__name__}
        record["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        record["_rev"] = database.put(record)["rev"]
        log.info("job %s slot %s ended %s in %sms", job.name, slot, record["status"], record["duration_ms"])
        return record


def status(store: Store) -> list[dict[str, Any]]:
    """Each job's last run: when, how long, and what came of it."""
    with store.database(JOBS_DB) as database:
        report = []
        for name in JOBS:
            rows = database.all_docs(AllDocsQuery(startkey=f"run:{name}:\uffff", endkey=f"run:{name}:",
                                                  descending=True, limit=1, include_docs=True))["rows"]
            last = rows[0]["doc"] if rows else None
            report.append({"job": name, "last_run": None if last is None else {
                key: last.get(key) for key in ("started_at", "duration_ms", "status", "result", "holder")}})
        return report
