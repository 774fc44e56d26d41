"""``python -m server.jobs``: the scheduler process. Never started inside the web workers.

Run one per container; several may run at once, since every run claims its slot first.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from .. import create_app
from ..config import Settings
from . import JOBS, interval_of, run_once

log = logging.getLogger("server.jobs")


def main() -> None:
    """Schedule every job on slot boundaries shared by all schedulers, then block."""
    app = create_app()
    settings: Settings = app.config["SETTINGS"]
    store = app.extensions["store"]
    scheduler = BlockingScheduler(timezone=UTC)
    for job in JOBS.values():
        interval = interval_of(job, settings)
        scheduler.add_job(lambda job=job: run_once(store, settings, job, datetime.now(UTC)),
                          IntervalTrigger(seconds=interval, start_date=datetime(2020, 1, 1, tzinfo=UTC)),
                          id=job.name, max_instances=1, coalesce=True, misfire_grace_time=interval)
    log.info("scheduler %s started with %s", settings.storage, ", ".join(JOBS))
    scheduler.start()


if __name__ == "__main__":
    main()
