"""Timer events on simulated time: due instants from the working-time calendar, firing,
escalation, overdue steps, suspension and re-projection."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from regflow.services import applications
from regflow.services.processes import deploy
from regflow.services.queries import task_list
from regflow.services.reprojection import reproject
from regflow.services.timers import fire_next, mark_overdue, resume, suspend
from regflow.store.db import unit_of_work
from regflow.store.models import Application, Event, Notification, StepRecord, Timer
from tests.conftest import at, context
from tests.timer_support import escalation_model, wait_model


def _timers(url: str) -> list[Timer]:
    with unit_of_work(url) as s:
        return list(s.scalars(select(Timer).order_by(Timer.id)))


def _events(url: str, kind: str) -> list[Event]:
    with unit_of_work(url) as s:
        return list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def _steps(url: str, app_id: int) -> dict[str, str]:
    with unit_of_work(url) as s:
        rows = s.scalars(select(StepRecord).where(StepRecord.application_id == app_id))
        return {r.step_id: r.status for r in rows}


def test_boundary_timer_fires_at_calendar_instant_across_capital_day(
    db_url: str, tmp_path: Path
) -> None:
    ctx = context(db_url, at("2026-07-03 10:00"))
    deploy(ctx, [escalation_model(tmp_path / "m.bpmn")])
    app = applications.start(ctx, "timed_review")
    # 3 working days from Fri 2026-07-03 10:00: Sat 04, Sun 05 weekend, Mon 06 Capital Day
    # (holiday) → Tue 07 (1), Wed 08 (2), Thu 09 (3) at the same clock time: 2026-07-09 10:00
    (timer,) = _timers(db_url)
    assert (timer.event_id, timer.attached_to, timer.status) == (
        "Timer_escalate", "Task_review", "waiting")
    assert timer.due_at == at("2026-07-09 10:00")

    assert fire_next(context(db_url, at("2026-07-09 09:59")), "w1") is None
    fired = fire_next(context(db_url, at("2026-07-09 10:00")), "w1")
    assert fired is not None and fired.application_id == app.application_id
    assert fire_next(context(db_url, at("2026-07-09 10:00")), "w1") is None  # once

    # non-interrupting: the clerk's task stays open, the head's check is added
    assert _steps(db_url, app.application_id) == {
        "Task_review": "ready", "Task_head_check": "ready"}
    (row,) = _timers(db_url)
    assert (row.status, row.fired_at) == ("fired", at("2026-07-09 10:00"))
    assert len(_events(db_url, "timer_fired")) == 1
    with unit_of_work(db_url) as s:
        (note,) = s.scalars(select(Notification).where(Notification.kind == "escalation"))
        assert (note.recipient, note.timer_id) == ("head", row.id)


def test_interrupting_timer_cancels_the_task_and_ends_expired(
    sqlite_url: str, tmp_path: Path
) -> None:
    ctx = context(sqlite_url, at("2026-07-03 10:00"))
    deploy(ctx, [escalation_model(tmp_path / "m.bpmn", interrupting=True)])
    app = applications.start(ctx, "timed_review")
    assert fire_next(context(sqlite_url, at("2026-07-09 10:00")), "w1") is not None
    assert _steps(sqlite_url, app.application_id) == {"Task_review": "cancelled"}
    with unit_of_work(sqlite_url) as s:
        row = s.get(Application, app.application_id)
        assert row is not None and (row.status, row.outcome) == ("completed", "expired")


def test_timer_is_cancelled_when_its_task_finishes_first(sqlite_url: str, tmp_path: Path) -> None:
    ctx = context(sqlite_url, at("2026-07-03 10:00"))
    deploy(ctx, [escalation_model(tmp_path / "m.bpmn")])
    app = applications.start(ctx, "timed_review")
    applications.complete(context(sqlite_url, at("2026-07-03 11:00")), app.open_steps[0], "c1")
    assert [t.status for t in _timers(sqlite_url)] == ["cancelled"]
    assert fire_next(context(sqlite_url, at("2026-07-20 10:00")), "w1") is None


def test_intermediate_timer_waits_one_working_day_then_finishes(
    sqlite_url: str, tmp_path: Path
) -> None:
    ctx = context(sqlite_url, at("2026-07-03 10:00"))
    deploy(ctx, [wait_model(tmp_path / "w.bpmn")])
    app = applications.start(ctx, "timed_wait")
    applications.complete(context(sqlite_url, at("2026-07-03 10:20")), app.open_steps[0], "c1")
    # 1 working day from Fri 10:20: Mon 07-06 is Capital Day → Tue 2026-07-07 10:20
    (timer,) = _timers(sqlite_url)
    assert timer.due_at == at("2026-07-07 10:20")
    assert fire_next(context(sqlite_url, at("2026-07-07 10:20")), "w1") is not None
    with unit_of_work(sqlite_url) as s:
        row = s.get(Application, app.application_id)
        assert row is not None and (row.status, row.outcome) == ("completed", "issued")


def test_before_deadline_timer_counts_back_from_the_service_deadline(
    sqlite_url: str, tmp_path: Path
) -> None:
    ctx = context(sqlite_url, at("2026-07-03 10:00"))
    deploy(ctx, [wait_model(tmp_path / "w.bpmn", timer="3 working days before deadline")])
    app = applications.start(ctx, "timed_wait")
    # deadline 5 working days, acceptance day counted: Fri 03, Tue 07, Wed 08, Thu 09, Fri 10
    # → Fri 2026-07-10 18:30; 3 working days before: Thu 09, Wed 08, Tue 07 → 2026-07-07 18:30
    assert app.deadline_at == at("2026-07-10 18:30")
    applications.complete(ctx, app.open_steps[0], "c1")
    (timer,) = _timers(sqlite_url)
    assert timer.due_at == at("2026-07-07 18:30")


def test_overdue_step_is_logged_once_and_escalated(sqlite_url: str, tmp_path: Path) -> None:
    ctx = context(sqlite_url, at("2026-07-03 10:00"))
    deploy(ctx, [escalation_model(tmp_path / "m.bpmn")])
    applications.start(ctx, "timed_review")
    # review: 1 working day → due Tue 2026-07-07 10:00 (Mon is Capital Day)
    assert mark_overdue(context(sqlite_url, at("2026-07-07 09:59"))) == 0
    assert mark_overdue(context(sqlite_url, at("2026-07-07 10:00"))) == 1
    assert mark_overdue(context(sqlite_url, at("2026-07-08 10:00"))) == 0
    (event,) = _events(sqlite_url, "step_overdue")
    assert event.payload["step"] == "Task_review"
    with unit_of_work(sqlite_url) as s:
        (note,) = s.scalars(select(Notification))
        assert (note.kind, note.recipient) == ("overdue", "clerk")
    (row,) = task_list(context(sqlite_url, at("2026-07-07 10:01")))
    assert row.overdue


def test_suspension_pauses_the_deadline_and_open_due_dates(
    sqlite_url: str, tmp_path: Path
) -> None:
    ctx = context(sqlite_url, at("2026-07-03 10:00"))
    deploy(ctx, [escalation_model(tmp_path / "m.bpmn")])
    app = applications.start(ctx, "timed_review")
    # 10 working days from Fri 03 (day 1): 07, 08, 09, 10, 13, 14, 15, 16, 17 → 07-17 18:30
    assert app.deadline_at == at("2026-07-17 18:30")
    suspend(context(sqlite_url, at("2026-07-07 09:00")), app.application_id, "documents")
    assert mark_overdue(context(sqlite_url, at("2026-07-07 12:00"))) == 0  # paused
    result = resume(context(sqlite_url, at("2026-07-08 09:00")), app.application_id)
    # the pause is all of Tue 07-07: 09:00-13:00 + 14:30-18:30 = 480 working minutes
    assert result.paused_working_minutes == 480
    # deadline + 480 min: from Fri 07-17 18:30 to Mon 07-20 18:30
    assert result.deadline_at == at("2026-07-20 18:30")
    with unit_of_work(sqlite_url) as s:
        (step,) = s.scalars(select(StepRecord))
        # review due Tue 07-07 10:00 + 480 working min of pause → Wed 07-08 10:00
        assert step.due_at == at("2026-07-08 10:00")
    kinds = [e.kind for e in _events(sqlite_url, "application_suspended")]
    kinds += [e.kind for e in _events(sqlite_url, "application_resumed")]
    assert kinds == ["application_suspended", "application_resumed"]


def test_reproject_moves_due_dates_when_an_override_adds_a_day_off(
    sqlite_url: str, tmp_path: Path
) -> None:
    ctx = context(sqlite_url, at("2026-07-03 10:00"))
    deploy(ctx, [escalation_model(tmp_path / "m.bpmn")])
    applications.start(ctx, "timed_review")
    overrides = tmp_path / "calendar"
    overrides.mkdir()
    (overrides / "2026.toml").write_text(
        '[[day_off]]\ndate = 2026-07-07\nreason = "Transfer decree (test)"\n', encoding="utf-8"
    )
    from dataclasses import replace

    moved_ctx = replace(ctx, settings=replace(ctx.settings, calendar_dir=overrides))
    assert reproject(moved_ctx) == 1
    with unit_of_work(sqlite_url) as s:
        (step,) = s.scalars(select(StepRecord))
        # 1 working day from Fri 10:00 with Mon 06 and Tue 07 off → Wed 2026-07-08 10:00
        assert step.due_at == at("2026-07-08 10:00")
        (timer,) = s.scalars(select(Timer))
        # 3 working days: Wed 08, Thu 09, Fri 10 → 2026-07-10 10:00
        assert timer.due_at == at("2026-07-10 10:00")
    assert reproject(moved_ctx) == 0
