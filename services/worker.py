"""``regflow worker``: the process that makes time drive the applications.

One APScheduler 3.x ``BlockingScheduler`` interval job (id ``regflow-tick``, never run twice at
once, missed runs coalesced) calls :func:`tick`: schedule timer start events, file the
applications whose start timer is due, fire due timer events, mark overdue steps and escalate.
All state is in the database (the ``timers`` rows), not in the scheduler, so a worker may be
killed and restarted at any time and several workers may share one PostgreSQL database: each
firing is one transaction on a row taken with ``FOR UPDATE SKIP LOCKED``. SIGTERM (and Ctrl-C)
let the running tick finish its current timer and stop.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from regflow.services.context import Context
from regflow.services.reprojection import reproject_if_calendar_changed
from regflow.services.timers import (
    ensure_start_timers,
    fire_next,
    fire_next_start,
    mark_overdue,
)

LOG = logging.getLogger("regflow.worker")
JOB_ID = "regflow-tick"
MAX_PER_TICK = 10_000


@dataclass
class TickReport:
    started: int = 0
    fired: int = 0
    failed: int = 0
    overdue: int = 0
    stopped: bool = False
    timers: list[int] = field(default_factory=list)


class _Stop:
    """Set by the signal handler; checked between two firings."""

    def __init__(self) -> None:
        self.requested = False


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def tick(ctx: Context, worker: str, stop: _Stop | None = None) -> TickReport:
    """Do everything that is due at ``ctx.now()``; each firing commits on its own."""
    report = TickReport()
    ensure_start_timers(ctx)
    for _ in range(MAX_PER_TICK):
        if stop is not None and stop.requested:
            report.stopped = True
            return report
        fired = fire_next_start(ctx, worker)
        if fired is None:
            break
        report.started += 1 if fired.application_id is not None else 0
    ensure_start_timers(ctx)
    for _ in range(MAX_PER_TICK):
        if stop is not None and stop.requested:
            report.stopped = True
            return report
        fired = fire_next(ctx, worker)
        if fired is None:
            break
        if fired.application_id is None:
            report.failed += 1
        else:
            report.fired += 1
            report.timers.append(fired.timer_id)
    report.overdue = mark_overdue(ctx)
    return report


def run(
    ctx: Context,
    *,
    once: bool = False,
    interval: float = 30.0,
    worker: str | None = None,
    on_tick: Any = None,
) -> TickReport:
    """Run the worker: one tick with ``once``, else every ``interval`` seconds until SIGTERM.

    On start the stored due dates are brought in line with the current calendar if it changed
    while no worker ran (services/reprojection.py: nothing is read when it did not; the months a
    change reaches when it did; everything, in batches, when no calendar was recorded yet)."""
    worker = worker or default_worker_id()
    stop = _Stop()
    reproject_if_calendar_changed(ctx, actor=f"worker:{worker}")
    if once:
        report = tick(ctx, worker, stop)
        if on_tick:
            on_tick(report)
        return report

    from apscheduler.schedulers.blocking import BlockingScheduler

    total = TickReport()
    scheduler = BlockingScheduler(timezone=UTC)

    def job() -> None:
        report = tick(ctx, worker, stop)
        total.started += report.started
        total.fired += report.fired
        total.failed += report.failed
        total.overdue += report.overdue
        if on_tick:
            on_tick(report)

    def shutdown(signum: int, _frame: Any) -> None:
        LOG.info("signal %s: stopping after the current timer", signum)
        stop.requested = True
        scheduler.shutdown(wait=False)

    previous = {s: signal.signal(s, shutdown) for s in (signal.SIGTERM, signal.SIGINT)}
    scheduler.add_job(
        job,
        "interval",
        seconds=interval,
        id=JOB_ID,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    try:
        scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        # let a running tick finish its current transaction before the process exits
        executor = scheduler._lookup_executor("default")
        executor.shutdown(wait=True)
    total.stopped = True
    return total
