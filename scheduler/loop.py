"""`koers scheduler`: APScheduler in the foreground, one in-memory job every minute.

The job is a `run_once` of `tracking.mail.send` (`max_instances=1`, `coalesce=True`: a slow run is
never overlapped by the next, and missed minutes are not replayed). Schedule state lives in Koers'
own tables (periods, outbox), never in an APScheduler job store: a SQLAlchemy job store on DuckDB
would hold the file lock or skip misfired jobs. SIGTERM or SIGINT stops the loop cleanly: the email
being sent is finished and recorded, nothing new is claimed, and the process exits with status 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from tracking.clock import utcnow
from tracking.context import Context
from tracking.errors import KoersError
from tracking.mail.send import run_once, sender_id

logger = logging.getLogger("koers.scheduler")
INTERVAL_SECONDS = 60


def run_scheduler(ctx: Context, *, interval_seconds: float = INTERVAL_SECONDS, stop: threading.Event | None = None,
                  clock: Callable[[], datetime] = utcnow, handle_signals: bool = True) -> None:
    """Run until SIGTERM/SIGINT (or until `stop` is set)."""
    stop = stop or threading.Event()
    claimed_by = sender_id()

    def tick() -> None:
        try:
            summary = run_once(ctx, clock=clock, runner="scheduler", claimed_by=claimed_by,
                               should_stop=stop.is_set)
        except KoersError as problem:  # the database was busy or a setting is wrong: log, try next minute
            logger.error("reminder run failed: %s", problem)
            return
        if not summary.quiet:
            logger.info("%s", summary.describe())

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(tick, IntervalTrigger(seconds=interval_seconds, timezone="UTC"), id="remind",
                      name="send due reminders", max_instances=1, coalesce=True,
                      misfire_grace_time=max(1, int(interval_seconds)), next_run_time=utcnow())
    previous = {}
    if handle_signals:
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    scheduler.start()
    logger.info("scheduler started: every %g s, claims as %s", interval_seconds, claimed_by)
    try:
        while not stop.wait(timeout=1.0):
            pass
    finally:
        logger.info("stopping: finishing the email being sent")
        scheduler.shutdown(wait=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        logger.info("scheduler stopped")
