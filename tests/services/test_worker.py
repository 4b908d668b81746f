"""The worker process: --once from the CLI, SIGTERM, SIGKILL and restart, two workers on
PostgreSQL — every timer fires exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from regflow.services import applications
from regflow.services.processes import deploy
from regflow.services.reprojection import reproject_if_calendar_changed
from regflow.store.db import unit_of_work
from regflow.store.models import Application, Event, Timer
from tests.conftest import ROOT, at, context
from tests.timer_support import escalation_model

REGFLOW = str(Path(sys.executable).with_name("regflow"))
DUE = "2026-07-09T10:00"  # 3 working days after Fri 2026-07-03 10:00 (Mon 07-06 is a holiday)


def _due_timers(url: str, tmp_path: Path, count: int) -> None:
    """``count`` applications, each with one escalation timer due at DUE: one is filed, the
    others are copies of its rows (same snapshot, own application id)."""
    ctx = context(url, at("2026-07-03 10:00"))
    deploy(ctx, [escalation_model(tmp_path / "m.bpmn")])
    first = applications.start(ctx, "timed_review").application_id
    reproject_if_calendar_changed(ctx)  # as a worker did before: the calendar is current
    with unit_of_work(url) as s:
        app = s.get(Application, first)
        (timer,) = s.scalars(select(Timer))
        assert app is not None
        for _ in range(count - 1):
            copy = Application(**{c: getattr(app, c) for c in (
                "definition_id", "process_key", "route", "applicant", "status", "data",
                "snapshot", "filed_at", "accepted_at", "deadline_at", "deadline_norm")})
            s.add(copy)
            s.flush()
            s.add(Timer(**{c: getattr(timer, c) for c in (
                "kind", "definition_id", "process_key", "event_id", "name", "task_uuid",
                "attached_to", "interrupting", "rule", "schedule", "waiting_since", "due_at",
                "status")}, application_id=copy.id))


def _worker(url: str, *args: str, quiet: bool = False) -> subprocess.Popen[str]:
    env = {**os.environ, "REGFLOW_DATABASE_URL": url, "REGFLOW_NOW": DUE}
    out = subprocess.DEVNULL if quiet else subprocess.PIPE
    return subprocess.Popen(
        [REGFLOW, "worker", *args], env=env, cwd=ROOT, text=True, stdout=out, stderr=out
    )


def _fired_per_timer(url: str) -> Counter[int]:
    with unit_of_work(url) as s:
        payloads = s.scalars(select(Event.payload).where(Event.kind == "timer_fired"))
        return Counter(p["timer_id"] for p in payloads)


def _fired_rows(url: str) -> int:
    with unit_of_work(url) as s:
        return int(s.scalar(select(func.count()).where(Timer.status == "fired")) or 0)


def test_worker_once_from_cli_fires_what_is_due(cli, sqlite_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _due_timers(sqlite_url, tmp_path, 2)
    early = cli("worker", "--once", at="2026-07-09T09:59")
    # the filed application's review (1 working day, due Tue 07-07 10:00) is overdue
    assert "fired 0 timer(s), started 0 application(s), 1 step(s) overdue" in early.output
    result = cli("worker", "--once", at=DUE)
    assert "fired 2 timer(s)" in result.output
    assert "fired 0 timer(s)" in cli("worker", "--once", at=DUE).output


def test_worker_killed_mid_run_and_restarted_fires_every_timer_once(
    sqlite_url: str, tmp_path: Path
) -> None:
    count = 150
    _due_timers(sqlite_url, tmp_path, count)
    proc = _worker(sqlite_url, "--once", quiet=True)
    # poll with a plain reader (WAL): regflow's own transactions would queue for the write lock
    reader = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        (fired,) = reader.execute("SELECT count(*) FROM timers WHERE status='fired'").fetchone()
        if fired >= 10:
            break
        time.sleep(0.005)
    reader.close()
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    killed_at = _fired_rows(sqlite_url)
    assert 0 < killed_at < count, "the kill should land mid-run"
    again = _worker(sqlite_url, "--once")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    fired = _fired_per_timer(sqlite_url)
    assert len(fired) == count and set(fired.values()) == {1}
    assert _fired_rows(sqlite_url) == count


def test_worker_stops_cleanly_on_sigterm(sqlite_url: str, tmp_path: Path) -> None:
    _due_timers(sqlite_url, tmp_path, 3)
    proc = _worker(sqlite_url, "--interval", "0.2")
    deadline = time.monotonic() + 30
    while _fired_rows(sqlite_url) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "fired 3 timer(s)" in out
    assert set(_fired_per_timer(sqlite_url).values()) == {1}


def test_two_workers_on_postgresql_never_fire_a_timer_twice(pg_url: str, tmp_path: Path) -> None:
    count = 300
    _due_timers(pg_url, tmp_path, count)
    workers = [_worker(pg_url, "--once", "--id", name) for name in ("a", "b")]
    for proc in workers:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    fired = _fired_per_timer(pg_url)
    assert len(fired) == count and set(fired.values()) == {1}
    with unit_of_work(pg_url) as s:
        by_worker = Counter(s.scalars(select(Timer.claimed_by)))
    assert sum(by_worker.values()) == count
