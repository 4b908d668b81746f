"""Re-projection after a calendar change: only what the change reaches, in batches, exactly once.

The calendar of these tests is the akimat's (Mon-Fri 09:00-13:00, 14:30-18:30) in July 2026:
Monday 6 July is Capital Day; the test decree makes Friday 10 July a day off.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from regflow.errors import ConflictError
from regflow.services import applications, reprojection
from regflow.services.audit_log import verify_chain
from regflow.services.processes import deploy
from regflow.services.setup import init_database
from regflow.services.timers import resume, suspend
from regflow.services.worker import run
from regflow.store.db import engine_for, unit_of_work
from regflow.store.models import Application, Event, StepRecord, Suspension, Timer
from regflow.workflows.builder import ProcessBuilder
from tests.conftest import Cli, at, context
from tests.support import sqlite_statements
from tests.timer_support import escalation_model

OPEN = ("ready", "claimed")
DECREE = '[[day_off]]\ndate = 2026-07-10\nreason = "Day off transferred (test decree)"\n'


def _calendar(ctx: Any, folder: Path, text: str = DECREE) -> Any:
    """``ctx`` with a provider's override folder holding ``text`` as 2026.toml."""
    folder.mkdir(exist_ok=True)
    (folder / "2026.toml").write_text(text, encoding="utf-8")
    return replace(ctx, settings=replace(ctx.settings, calendar_dir=folder))


@dataclass(frozen=True)
class Stored:
    """An application's due dates and row versions as stored."""

    deadline_at: datetime | None
    version: int
    steps: dict[str, tuple[datetime | None, int]]
    timers: dict[str, datetime]


def _stored(url: str) -> dict[int, Stored]:
    with unit_of_work(url) as s:
        steps = list(s.scalars(select(StepRecord).where(StepRecord.status.in_(OPEN))))
        timers = list(s.scalars(select(Timer).where(Timer.status == "waiting")))
        return {
            a.id: Stored(
                a.deadline_at, a.lock_version,
                {r.step_id: (r.due_at, r.lock_version) for r in steps if r.application_id == a.id},
                {t.event_id: t.due_at for t in timers if t.application_id == a.id},
            )
            for a in s.scalars(select(Application).order_by(Application.id))
        }


def _events(url: str, kind: str) -> list[Event]:
    with unit_of_work(url) as s:
        return list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def _old_rules(ctx: Any, url: str) -> dict[int, Stored]:
    """The due dates the re-projection of before batches (services/timers.py, commit f1d90ee)
    computed for every running, not suspended application: its rules, copied, reading the ORM
    rows one application at a time."""
    from regflow.services.applications import _service_deadline
    from regflow.services.processes import loaded_by_id
    from regflow.workflows import timers as wt
    from regflow.workflows.norms import Norm, NormUnit

    def pushed(calendar: Any, t: datetime, minutes: int) -> datetime:
        return calendar.add(t, Norm(minutes, NormUnit.MINUTES)) if minutes > 0 else t

    result = {}
    with unit_of_work(url) as session:
        for app in session.scalars(select(Application).where(Application.status == "running")):
            suspensions = list(session.scalars(
                select(Suspension).where(Suspension.application_id == app.id)))
            if any(s.ended_at is None for s in suspensions):
                continue
            reg = loaded_by_id(session, app.definition_id).regulation
            pauses = [(s.started_at, s.ended_at) for s in suspensions]

            def paused(calendar: Any, since: datetime, pauses: Any = pauses) -> int:
                return sum(calendar.working_minutes(max(a, since), b) for a, b in pauses)

            app_calendar = ctx.calendar(reg.schedule)
            deadline = app.deadline_at
            base, _ = _service_deadline(ctx, reg, app.route, app.accepted_at)
            if base is not None:
                deadline = pushed(app_calendar, base, paused(app_calendar, app.accepted_at))
            steps = {}
            for step in session.scalars(select(StepRecord).where(
                    StepRecord.application_id == app.id,
                    StepRecord.status.in_(OPEN))):
                due = step.due_at
                if step.norm:
                    calendar = ctx.calendar(reg.schedule_of(step.role))
                    due = pushed(calendar, calendar.add(step.ready_at, Norm.parse(step.norm)),
                                 paused(calendar, step.ready_at))
                steps[step.step_id] = due
            timers = {}
            for timer in session.scalars(select(Timer).where(
                    Timer.application_id == app.id, Timer.status == "waiting")):
                timers[timer.event_id] = wt.due_at(
                    wt.TimerRule.parse(timer.rule), ctx.calendar(timer.schedule),
                    waiting_since=timer.waiting_since, deadline=deadline)
            result[app.id] = Stored(deadline, 0, {k: (v, 0) for k, v in steps.items()}, timers)
    return result


def _dates(stored: Stored) -> tuple[Any, ...]:
    return (stored.deadline_at, {k: v[0] for k, v in stored.steps.items()}, stored.timers)


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[int]]]:
    """The application ids of every batch a pass runs, in order."""
    seen: list[list[int]] = []
    original = reprojection._reproject_batch

    def spy(ctx: Any, tx: Any, ids: Any, *args: Any) -> Any:
        seen.append(list(ids))
        return original(ctx, tx, ids, *args)

    monkeypatch.setattr(reprojection, "_reproject_batch", spy)
    yield seen


def _five_applications(url: str, tmp_path: Path) -> None:
    """Five applications of the timed review (review 1 working day, escalation timer 3 working
    days, deadline 10 working days) around Capital Day and the decree's Friday."""
    ctx = context(url, at("2026-07-01 10:00"))
    deploy(ctx, [escalation_model(tmp_path / "m.bpmn")])
    applications.start(ctx, "timed_review")  # 1: Wed 07-01, paused Thu 10:00 - Fri 10:00
    suspend(context(url, at("2026-07-02 10:00")), 1, "documents")
    resume(context(url, at("2026-07-03 10:00")), 1)
    applications.start(context(url, at("2026-07-03 10:00")), "timed_review")  # 2: Fri 07-03
    applications.start(context(url, at("2026-07-09 09:00")), "timed_review")  # 3: Thu 07-09
    applications.start(context(url, at("2026-07-07 10:00")), "timed_review")  # 4: paused now
    suspend(context(url, at("2026-07-08 10:00")), 4, "documents")
    applications.start(context(url, at("2026-09-01 09:00")), "timed_review")  # 5: September


# ---------------------------------------------------------------------- what a change reaches
def test_a_decree_re_projects_what_its_month_reaches_and_nothing_else(
    db_url: str, tmp_path: Path
) -> None:
    ctx = context(db_url, at("2026-07-09 09:00"))
    assert init_database(ctx)  # a new database: the calendar baseline is recorded
    deploy(ctx, [escalation_model(tmp_path / "m.bpmn")])
    july = applications.start(ctx, "timed_review").application_id  # Thu 2026-07-09 09:00
    september = applications.start(
        context(db_url, at("2026-09-01 09:00")), "timed_review").application_id
    before = _stored(db_url)

    decreed = _calendar(context(db_url, at("2026-07-09 12:00")), tmp_path / "calendar")
    assert reprojection.reproject_if_calendar_changed(decreed) == 1
    after = _stored(db_url)
    # the review, 1 working day from Thu 09:00: Fri 07-10 is off now → Mon 07-13 09:00
    assert after[july].steps["Task_review"][0] == at("2026-07-13 09:00")
    # the escalation, 3 working days: Mon 13, Tue 14, Wed 15 → 2026-07-15 09:00 (was Tue 14)
    assert after[july].timers["Timer_escalate"] == at("2026-07-15 09:00")
    # 10 working days counting Thu 07-09: 09, 13, 14, 15, 16, 17, 20, 21, 22, 23 → 18:30
    assert after[july].deadline_at == at("2026-07-23 18:30")
    # September's spans (Tue 09-01 .. Mon 09-14) do not reach July: not written, no event
    assert after[september] == before[september]
    assert [e.application_id for e in _events(db_url, "due_dates_reprojected")] == [july]
    (done,) = _events(db_url, "calendar_reprojected")
    assert done.payload["pass"] == "changed" and done.payload["applications"] == 1
    assert done.payload["changed"]["akimat"] == ["2026-07"]
    assert "portal" not in done.payload["changed"]  # 24/7, holidays included
    assert reprojection.reproject_if_calendar_changed(decreed) is None  # now the known calendar


def _two_offices(path: Path) -> Path:
    """The State Corporation's operator accepts (1 working day, its own Mon-Sat hours) under a
    timer "3 working days before deadline" that calls the akimat's head; deadline 23 working
    days in the akimat's hours."""
    b = ProcessBuilder(key="two_offices", name="Екі кеңсе", properties={
        "routes": "provider", "deadline": "23 working days", "schedule": "akimat"})
    operator = b.lane("operator", "ХҚО операторы", schedule="state_corporation")
    head = b.lane("head", "Басшы")
    accept = b.user_task(operator, "Қабылдау", norm="1 working day", id="Task_accept")
    timer = b.boundary_timer(accept, "Ескерту", "3 working days before deadline",
                             interrupting=False, id="Timer_warn")
    check = b.user_task(head, "Бақылау", norm="2 hours", id="Task_check")
    b.chain(b.start(operator, "Өтініш"), accept, b.end(operator, "Берілді", outcome="issued"))
    b.flow(timer, check)
    b.flow(check, b.end(head, "Тексерілді", outcome="checked"))
    b.write(path)
    return path


def test_a_providers_own_day_off_moves_a_timer_counted_back_from_a_later_deadline(
    db_url: str, tmp_path: Path
) -> None:
    ctx = context(db_url, at("2026-07-01 10:00"))
    init_database(ctx)
    deploy(ctx, [_two_offices(tmp_path / "m.bpmn")])
    app = applications.start(ctx, "two_offices").application_id
    # the akimat's 23 working days from Wed 07-01: 22 in July (Capital Day 07-06 is off), so
    # Mon 08-03 18:30; 3 State Corporation working days before it: Sat 08-01, Fri 31, Thu 30
    before = _stored(db_url)[app]
    assert before.deadline_at == at("2026-08-03 18:30")
    assert before.timers["Timer_warn"] == at("2026-07-30 18:30")

    own = ('[[day_off]]\ndate = 2026-08-01\nreason = "Sanitary day"\n'
           'schedule = "state_corporation"\n')
    changed = _calendar(context(db_url, at("2026-07-01 12:00")), tmp_path / "calendar", own)
    assert reprojection.reproject_if_calendar_changed(changed) == 1
    after = _stored(db_url)[app]
    # Saturday 08-01 is off now: Fri 31, Thu 30, Wed 29 → 2026-07-29 18:30. The timer waits from
    # 07-01 to 07-30: only its deadline, in August, is in the changed month.
    assert after.timers["Timer_warn"] == at("2026-07-29 18:30")
    assert (after.deadline_at, after.version, after.steps) == (
        before.deadline_at, before.version, before.steps)
    (done,) = _events(db_url, "calendar_reprojected")
    assert done.payload["changed"] == {"state_corporation": ["2026-08"]}


def test_a_change_reaching_too_many_applications_is_a_full_pass(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    batches: list[list[int]],
) -> None:
    ctx = context(sqlite_url, at("2026-07-09 09:00"))
    init_database(ctx)
    deploy(ctx, [escalation_model(tmp_path / "m.bpmn")])
    for _ in range(3):
        applications.start(ctx, "timed_review")
    monkeypatch.setattr(reprojection, "MAX_CANDIDATES", 2)
    assert reprojection.reproject_if_calendar_changed(
        _calendar(ctx, tmp_path / "calendar"), batch_size=2) == 3
    assert batches == [[1, 2], [3]]  # by id, not from a candidate list
    (done,) = _events(sqlite_url, "calendar_reprojected")
    assert done.payload["pass"] == "full"


# ---------------------------------------------------------------------- nothing changed
def test_an_unchanged_calendar_lets_the_worker_start_without_reading_an_application(
    sqlite_url: str, tmp_path: Path
) -> None:
    ctx = context(sqlite_url, at("2026-07-09 09:00"))
    init_database(ctx)
    deploy(ctx, [escalation_model(tmp_path / "m.bpmn")])
    applications.start(ctx, "timed_review")
    check = sqlite_statements(sqlite_url, lambda: reprojection.reproject_if_calendar_changed(ctx))
    assert [" ".join(s.split()[:4]) for s in check] == [
        "BEGIN IMMEDIATE", "SELECT events.payload FROM events", "COMMIT"]
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as plain:
        plan = plain.execute("EXPLAIN QUERY PLAN " + check[1]).fetchall()
    assert "ix_events_calendar" in str(plan)  # one step along the partial index
    worker = sqlite_statements(sqlite_url, lambda: run(ctx, once=True, worker="w"))
    assert not [s for s in worker if "applications" in s]
    assert not _events(sqlite_url, "calendar_reprojected")


# ---------------------------------------------------------------------- no previous signature
def test_a_full_pass_gives_the_old_rules_due_dates_in_batches(
    db_url: str, tmp_path: Path, batches: list[list[int]]
) -> None:
    _five_applications(db_url, tmp_path)
    decreed = _calendar(context(db_url, at("2026-07-09 12:00")), tmp_path / "calendar")
    expected = _old_rules(decreed, db_url)
    before = _stored(db_url)

    # no calendar was ever recorded: everything, two applications per transaction
    assert reprojection.reproject_if_calendar_changed(decreed, batch_size=2) == 3
    assert batches == [[1, 2], [3, 4], [5]]
    after = _stored(db_url)
    assert {i: _dates(after[i]) for i in expected} == {i: _dates(s) for i, s in expected.items()}
    # 1, filed Wed 07-01 and paused Thu 10:00 - Fri 10:00 (480 working minutes): 10 working
    # days 01, 02, 03, 07, 08, 09, 13, 14, 15, 16 → Thu 07-16 18:30, + 480 min → Fri 07-17 18:30
    assert after[1].deadline_at == at("2026-07-17 18:30")
    # 2, Fri 07-03: 03, 07, 08, 09, 13, 14, 15, 16, 17, 20 → Mon 07-20 18:30 (was Fri 17)
    assert after[2].deadline_at == at("2026-07-20 18:30")
    # 3, Thu 07-09: its review 1 working day → Mon 07-13 09:00
    assert after[3].steps["Task_review"][0] == at("2026-07-13 09:00")
    assert after[4] == before[4]  # suspended: re-projected when it resumes
    assert after[5] == before[5]  # September: nothing moved, nothing written
    assert [e.application_id for e in _events(db_url, "due_dates_reprojected")] == [1, 2, 3]
    (done,) = _events(db_url, "calendar_reprojected")
    assert (done.payload["pass"], done.payload["applications"]) == ("full", 3)
    assert verify_chain(decreed).ok  # a batch's events, sent together on PostgreSQL, chain
    assert reprojection.reproject_if_calendar_changed(decreed) is None


def test_a_full_pass_interrupted_between_batches_finishes_on_the_next_run_once(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _five_applications(db_url, tmp_path)
    decreed = _calendar(context(db_url, at("2026-07-09 12:00")), tmp_path / "calendar")
    expected = _old_rules(decreed, db_url)
    before = _stored(db_url)
    original = reprojection._reproject_batch
    calls: list[int] = []

    def dies_in_the_second_batch(*args: Any) -> Any:
        calls.append(1)
        result = original(*args)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return result

    monkeypatch.setattr(reprojection, "_reproject_batch", dies_in_the_second_batch)
    with pytest.raises(RuntimeError, match="power cut"):
        reprojection.reproject_if_calendar_changed(decreed, batch_size=2)
    halfway = _stored(db_url)
    assert [_dates(halfway[i]) for i in (1, 2)] == [_dates(expected[i]) for i in (1, 2)]
    assert halfway[3] == before[3]  # the second batch (3, 4) rolled back whole
    assert [e.application_id for e in _events(db_url, "due_dates_reprojected")] == [1, 2]
    assert not _events(db_url, "calendar_reprojected")

    monkeypatch.setattr(reprojection, "_reproject_batch", original)
    assert reprojection.reproject_if_calendar_changed(decreed, batch_size=2) == 1
    after = _stored(db_url)
    assert {i: _dates(after[i]) for i in expected} == {i: _dates(s) for i, s in expected.items()}
    assert [e.application_id for e in _events(db_url, "due_dates_reprojected")] == [1, 2, 3]
    assert len(_events(db_url, "calendar_reprojected")) == 1


def test_a_clerk_completes_a_task_between_two_batches_of_a_full_pass(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _five_applications(sqlite_url, tmp_path)
    decreed = _calendar(context(sqlite_url, at("2026-07-09 12:00")), tmp_path / "calendar")
    original = reprojection._retried
    done: list[int] = []

    def then_a_clerk(ctx: Any, work: Any) -> Any:
        result = original(ctx, work)
        if not done:  # the first batch has committed: the write lock is free again
            review = applications.complete(  # application 3's review is step 3
                context(sqlite_url, at("2026-07-09 12:30")), 3, "aigul")
            done.append(review.application_id)
        return result

    monkeypatch.setattr(reprojection, "_retried", then_a_clerk)
    assert reprojection.reproject_if_calendar_changed(decreed, batch_size=2) == 2
    assert done == [3]  # its review completed application 3 (issued) while the pass ran
    with unit_of_work(sqlite_url) as s:
        app = s.get(Application, 3)
        assert app is not None and app.status == "completed"
    after = _stored(sqlite_url)
    expected = _old_rules(decreed, sqlite_url)  # on the rows as they are now
    assert {i: _dates(after[i]) for i in expected} == {i: _dates(s) for i, s in expected.items()}
    assert [e.application_id for e in _events(sqlite_url, "due_dates_reprojected")] == [1, 2]


# ---------------------------------------------------------------------- regflow init
def test_init_records_the_calendar_so_the_first_worker_does_no_full_pass(
    any_cli: Cli, tmp_path: Path
) -> None:
    any_cli("init")
    (baseline,) = _events(any_cli.url, "calendar_baseline")
    assert set(baseline.payload) == {"fingerprint", "signature"}
    any_cli("deploy", str(escalation_model(tmp_path / "m.bpmn")))
    any_cli("start", "timed_review", at="2026-07-09T09:00")
    any_cli("init")  # again: the baseline stays the one of the new database
    assert len(_events(any_cli.url, "calendar_baseline")) == 1

    def worker() -> None:
        any_cli("worker", "--once", at="2026-07-09T10:00")

    if any_cli.url.startswith("sqlite"):
        assert not [s for s in sqlite_statements(any_cli.url, worker) if "applications" in s]
    else:
        worker()
    assert not _events(any_cli.url, "calendar_reprojected")


def test_init_on_a_database_with_applications_leaves_it_to_a_full_pass(
    cli: Cli, tmp_path: Path
) -> None:
    cli("deploy", str(escalation_model(tmp_path / "m.bpmn")))
    cli("start", "timed_review", at="2026-07-09T09:00")
    cli("init")  # applications but no calendar: which calendar their due dates used is unknown
    assert not _events(cli.url, "calendar_baseline")
    cli("worker", "--once", at="2026-07-09T10:00")
    (done,) = _events(cli.url, "calendar_reprojected")
    assert (done.payload["pass"], done.payload["applications"]) == ("full", 0)


def test_calendar_reproject_re_projects_everything_and_records_the_calendar(
    cli: Cli, tmp_path: Path
) -> None:
    cli("init")
    cli("deploy", str(escalation_model(tmp_path / "m.bpmn")))
    cli("start", "timed_review", at="2026-07-09T09:00")
    assert "0 applications re-projected" in cli("calendar", "reproject").output
    (done,) = _events(cli.url, "calendar_reprojected")
    assert done.payload["pass"] == "full" and "signature" in done.payload


def test_applications_locked_by_a_clerk_are_left_for_a_later_round_on_postgresql(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    _five_applications(pg_url, tmp_path)
    decreed = _calendar(context(pg_url, at("2026-07-09 12:00")), tmp_path / "calendar")
    expected = _old_rules(decreed, pg_url)
    before = _stored(pg_url)
    monkeypatch.setattr(reprojection, "BUSY_ROUNDS", 1)
    # a clerk's transaction holds application 1's row and application 3's open step
    clerk = psycopg.connect(engine_for(pg_url).url.render_as_string(hide_password=False)
                            .replace("postgresql+psycopg://", "postgresql://"))
    try:
        clerk.execute("SELECT id FROM applications WHERE id = 1 FOR UPDATE")
        clerk.execute("SELECT id FROM steps WHERE application_id = 3 AND status = 'ready' "
                      "FOR UPDATE")
        with pytest.raises(ConflictError, match="applications 1, 3 "):
            reprojection.reproject_if_calendar_changed(decreed, batch_size=2)
        halfway = _stored(pg_url)
        assert _dates(halfway[2]) == _dates(expected[2])  # not waited for: done meanwhile
        assert (halfway[1], halfway[3]) == (before[1], before[3])
    finally:
        clerk.close()
    assert reprojection.reproject_if_calendar_changed(decreed, batch_size=2) == 2
    after = _stored(pg_url)
    assert {i: _dates(after[i]) for i in expected} == {i: _dates(s) for i, s in expected.items()}
    assert [e.application_id for e in _events(pg_url, "due_dates_reprojected")] == [2, 1, 3]
