"""Deadlines that act: timer rows, firing them exactly once, overdue steps, suspensions.

* :func:`sync_timers` runs after every state change (from ``applications._sync_steps``): each
  waiting timer event of the workflow gets a ``timers`` row with its due instant computed on the
  working-time calendar; timers whose task went away are cancelled.
* :func:`fire_next` fires the earliest due timer in one transaction (row locked with ``FOR UPDATE
  SKIP LOCKED`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers): restore, fire,
  advance, sync steps, mark fired. A crash before the commit leaves the row waiting, so a timer
  fires exactly once however often the worker dies.
* timer start events: :func:`ensure_start_timers` keeps one waiting row per process; firing it
  files an application whose applicant is ``timer:<row id>`` (the idempotency key if the worker
  dies between filing and marking the row).
* :func:`mark_overdue` logs ``step_overdue`` once per step and sends an escalation.
* :func:`suspend` / :func:`resume` pause the service deadline's working-time budget; the
  re-projection after a calendar change is services/reprojection.py's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from regflow.errors import NotFound, RegflowError, StateError, UsageError
from regflow.handlers.escalation import Escalation
from regflow.i18n import _
from regflow.services.context import Context
from regflow.services.escalations import send
from regflow.services.events import record as _event
from regflow.services.reprojection import OpenStep, WaitingTimer, project
from regflow.store.db import Tx
from regflow.store.models import (
    OPEN_STEP_STATUSES,
    TIMER_CANCELLED,
    TIMER_FIRED,
    TIMER_WAITING,
    Application,
    ApplicationStatus,
    Event,
    ProcessDefinition,
    StepRecord,
    Suspension,
    Timer,
    is_open_step,
)
from regflow.store.records import ApplicationRef
from regflow.workflows import timers as wt

LOG = logging.getLogger("regflow.worker")
LEASE = timedelta(minutes=5)  # wall-clock back-off after a failed firing or a start claim


def _schedule_of(instance: Any, timer: wt.WaitingTimer) -> str:
    """A boundary timer counts in its task's lane's hours; an intermediate one in its lane's."""
    reg = instance.process.regulation
    if timer.attached_to and timer.attached_to in reg.steps:
        return str(reg.schedule_of(reg.steps[timer.attached_to].role))
    spec = instance.process.spec.task_specs.get(timer.event_id)
    lane_name = getattr(spec, "lane", None)
    role = next((r for r, ln in reg.lanes.items() if ln.name == lane_name), None)
    return str(reg.schedule_of(role))


def sync_timers(
    ctx: Context, tx: Tx, app: ApplicationRef, instance: Any, now: datetime
) -> None:
    """Make the application's waiting timer rows match the workflow's waiting timer events."""
    if not wt.has_timer_events(instance.process.spec, instance.process.subprocess_specs):
        return  # a version without timer events has no timer rows to keep in step
    session = tx.session
    waiting = wt.waiting_timers(instance.workflow)
    rows = {
        r.task_uuid: r
        for r in session.scalars(
            select(Timer).where(
                Timer.application_id == app.id,
                Timer.kind == "event",
                Timer.status == TIMER_WAITING,
            )
        )
    }
    ids = {w.task_id for w in waiting}
    for task_uuid, row in rows.items():
        if task_uuid not in ids:
            row.status = TIMER_CANCELLED
            _event(session, now, "timer_cancelled", None, application_id=app.id,
                   timer_id=row.id, event=row.event_id)
    for timer in waiting:
        if timer.task_id in rows:
            continue
        schedule = _schedule_of(instance, timer)
        due = wt.due_at(timer.rule, ctx.calendar(schedule), waiting_since=now,
                        deadline=app.deadline_at)
        row = Timer(
            kind="event",
            application_id=app.id,
            definition_id=app.definition_id,
            process_key=app.process_key,
            event_id=timer.event_id,
            name=timer.name,
            task_uuid=timer.task_id,
            attached_to=timer.attached_to,
            interrupting=timer.interrupting,
            rule=timer.rule.text,
            schedule=schedule,
            waiting_since=now,
            due_at=due,
            status=TIMER_WAITING,
        )
        session.add(row)
        session.flush()
        _event(session, now, "timer_set", None, application_id=app.id, timer_id=row.id,
               event=timer.event_id, rule=timer.rule.text, due_at=due.isoformat())


# ------------------------------------------------------------------ firing
@dataclass(frozen=True)
class Fired:
    timer_id: int
    application_id: int | None
    event_id: str
    due_at: datetime
    fired_at: datetime


def _wall() -> datetime:
    return datetime.now(UTC)


def _due(now: datetime, kind: str) -> Any:
    return (
        select(Timer)
        .where(
            Timer.status == TIMER_WAITING,
            Timer.kind == kind,
            Timer.due_at <= now,
            or_(Timer.claimed_until.is_(None), Timer.claimed_until < _wall()),
        )
        .order_by(Timer.due_at, Timer.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def fire_next(ctx: Context, worker: str) -> Fired | None:
    """Fire the earliest due event timer (one transaction); None when nothing is due."""
    from regflow.handlers.registry import run_service_step
    from regflow.services.applications import _finish_if_done, _sync_steps
    from regflow.services.processes import loaded_by_id
    from regflow.workflows import engine

    now = ctx.now()
    timer_id: int | None = None
    try:
        with ctx.transaction() as session:
            row = session.scalars(_due(now, "event")).first()
            if row is None:
                return None
            timer_id = row.id
            # steps before the application: the same order as applications.complete()
            session.scalars(
                select(StepRecord.id)
                .where(StepRecord.application_id == row.application_id,
                       StepRecord.status.in_(OPEN_STEP_STATUSES))
                .with_for_update()
            ).all()
            app = session.get(Application, row.application_id, with_for_update=True)
            assert app is not None
            row.claimed_by = worker
            actor = f"worker:{worker}"
            if app.status != ApplicationStatus.RUNNING.value:
                row.status = TIMER_CANCELLED
                _event(session, now, "timer_cancelled", actor, application_id=app.id,
                       timer_id=row.id, event=row.event_id)
                return Fired(row.id, app.id, row.event_id, row.due_at, now)
            assert row.task_uuid is not None
            process = loaded_by_id(session, app.definition_id)
            instance = engine.restore(process, app.snapshot)
            properties = wt.fire(instance.workflow, row.task_uuid)
            runs = instance.advance(run_service_step)
            row.status = TIMER_FIRED
            row.fired_at = now
            app.snapshot = instance.snapshot()
            app.data = instance.data
            _event(session, now, "timer_fired", actor, application_id=app.id, timer_id=row.id,
                   event=row.event_id, name=row.name, due_at=row.due_at.isoformat(),
                   interrupting=row.interrupting)
            _sync_steps(ctx, Tx.of(session), app, instance, runs, now)
            _finish_if_done(ctx, app, instance, now)
            if app.status == ApplicationStatus.COMPLETED.value:
                _event(session, now, "application_finished", actor, application_id=app.id,
                       outcome=app.outcome)
            recipient = properties.get("escalate")
            if recipient:
                send(ctx, session, now, Escalation(
                    kind="escalation",
                    recipient=recipient,
                    message=f"application {app.id} ({app.process_key}): '{row.name}' — "
                            f"{row.rule} passed at "
                            f"{row.due_at.astimezone(now.tzinfo):%Y-%m-%d %H:%M}",
                    application_id=app.id,
                    timer_id=row.id,
                ))
            return Fired(row.id, app.id, row.event_id, row.due_at, now)
    except RegflowError as exc:
        if timer_id is None:
            raise
        _back_off(ctx, timer_id, f"error: {exc}"[:200])
        LOG.error("timer %s could not fire: %s", timer_id, exc)
        return Fired(timer_id, None, "", now, now)


def _back_off(ctx: Context, timer_id: int, why: str) -> None:
    with ctx.transaction() as session:
        row = session.get(Timer, timer_id, with_for_update=True)
        if row is not None and row.status == TIMER_WAITING:
            row.claimed_by = why
            row.claimed_until = _wall() + LEASE


def _start_rule(definition: ProcessDefinition) -> tuple[str, wt.TimerRule] | None:
    from regflow.services.processes import loaded

    process = loaded(definition)
    for start_id in process.regulation.start_ids:
        spec = process.spec.task_specs.get(start_id)
        definition_ = getattr(spec, "event_definition", None)
        if isinstance(definition_, wt.RegflowTimer) and definition_.rule is not None:
            return start_id, definition_.rule
    return None


def ensure_start_timers(ctx: Context) -> int:
    """One waiting row per process whose newest version starts with a timer; returns how many
    rows were added."""
    now = ctx.now()
    added = 0
    with ctx.transaction() as session:
        latest = {
            d.key: d
            for d in session.scalars(
                select(ProcessDefinition).order_by(ProcessDefinition.key,
                                                   ProcessDefinition.version)
            )
        }
        for key, definition in latest.items():
            found = _start_rule(definition)
            waiting = session.scalars(
                select(Timer).where(Timer.kind == "start", Timer.process_key == key,
                                    Timer.status == TIMER_WAITING).with_for_update()
            ).all()
            for row in waiting:
                if found is None or row.definition_id != definition.id:
                    row.status = TIMER_CANCELLED  # a newer version changed the start
            if found is None or any(r.status == TIMER_WAITING for r in waiting):
                continue
            start_id, rule = found
            last = session.scalars(
                select(Timer).where(Timer.kind == "start", Timer.process_key == key,
                                    Timer.status == TIMER_FIRED)
                .order_by(Timer.due_at.desc()).limit(1)
            ).first()
            if last is not None and not rule.every and last.definition_id == definition.id:
                continue  # a one-shot that already ran
            schedule = definition.properties.get("schedule", "akimat")
            after = last.due_at if last is not None else definition.deployed_at
            due = wt.next_start(rule, ctx.calendar(schedule), after=after, tz=now.tzinfo or UTC)
            if due is None:
                continue
            session.add(Timer(
                kind="start", application_id=None, definition_id=definition.id,
                process_key=key, event_id=start_id, name=start_id, task_uuid=None,
                attached_to=None, interrupting=False, rule=rule.text, schedule=schedule,
                waiting_since=after, due_at=due, status=TIMER_WAITING,
            ))
            added += 1
    return added


def fire_next_start(ctx: Context, worker: str) -> Fired | None:
    """File the application of the earliest due timer start event, exactly once."""
    from regflow.services import applications

    now = ctx.now()
    with ctx.transaction() as session:
        row = session.scalars(_due(now, "start")).first()
        if row is None:
            return None
        row.claimed_by = worker
        row.claimed_until = _wall() + LEASE
        timer_id, key, due = row.id, row.process_key, row.due_at
    applicant = f"timer:{timer_id}"
    with ctx.transaction() as session:
        app_id = session.scalars(
            select(Application.id).where(Application.applicant == applicant)
        ).first()
    if app_id is None:
        try:
            app_id = applications.start(ctx, key, applicant=applicant,
                                        actor=f"worker:{worker}").application_id
        except RegflowError as exc:
            LOG.error("timer start of %s failed: %s", key, exc)
            return Fired(timer_id, None, "", due, now)
    with ctx.transaction() as session:
        row = session.get(Timer, timer_id, with_for_update=True)
        assert row is not None
        if row.status == TIMER_WAITING:
            row.status = TIMER_FIRED
            row.fired_at = now
            row.application_id = app_id
            _event(session, now, "timer_fired", f"worker:{worker}", application_id=app_id,
                   timer_id=timer_id, event=row.event_id, due_at=due.isoformat())
    return Fired(timer_id, app_id, row.event_id, due, now)


# ----------------------------------------------------------------- overdue
def mark_overdue(ctx: Context, limit: int = 500) -> int:
    """Log ``step_overdue`` once for each open step past its due time and escalate it to the
    step's role. Steps of suspended applications wait: their due dates move on resume."""
    now = ctx.now()
    already = exists().where(Event.kind == "step_overdue", Event.step_record_id == StepRecord.id)
    paused = exists().where(Suspension.application_id == StepRecord.application_id,
                            Suspension.ended_at.is_(None))
    with ctx.transaction() as session:
        rows = session.scalars(
            select(StepRecord)
            .where(is_open_step(StepRecord.status), StepRecord.due_at <= now,
                   ~already, ~paused)
            .order_by(StepRecord.due_at, StepRecord.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            assert row.due_at is not None
            _event(session, now, "step_overdue", "worker", application_id=row.application_id,
                   step_record_id=row.id, step=row.step_id, due_at=row.due_at.isoformat())
            send(ctx, session, now, Escalation(
                kind="overdue",
                recipient=row.claimed_by or row.role,
                message=f"task {row.id} '{row.name}' of application {row.application_id} was "
                        f"due {row.due_at.astimezone(now.tzinfo):%Y-%m-%d %H:%M} ({row.norm})",
                application_id=row.application_id,
                step_record_id=row.id,
            ))
        return len(rows)


# ------------------------------------------------------------- suspensions
@dataclass(frozen=True)
class Resumed:
    application_id: int
    paused_working_minutes: int
    deadline_at: datetime | None


def _running_app(session: Session, application_id: int) -> Application:
    app = session.get(Application, application_id, with_for_update=True)
    if app is None:
        raise NotFound(_("no application {id}").format(id=application_id))
    if app.status != ApplicationStatus.RUNNING.value:
        raise StateError(
            _("application {id} is {status}; nothing to pause").format(
                id=application_id, status=_(app.status)
            )
        )
    return app


def _open_suspension(session: Session, application_id: int) -> Suspension | None:
    return session.scalars(
        select(Suspension).where(Suspension.application_id == application_id,
                                 Suspension.ended_at.is_(None))
    ).first()


def suspend(ctx: Context, application_id: int, reason: str, actor: str | None = None) -> int:
    """Pause the service deadline's clock (e.g. waiting for the applicant's documents)."""
    reason = (reason or "").strip()
    if not reason:
        raise UsageError(_("say why: --reason TEXT"))
    now = ctx.now()
    with ctx.transaction() as session:
        app = _running_app(session, application_id)
        if _open_suspension(session, app.id) is not None:
            raise StateError(_("application {id} is already suspended").format(id=app.id))
        row = Suspension(application_id=app.id, started_at=now, reason=reason, started_by=actor)
        session.add(row)
        session.flush()
        _event(session, now, "application_suspended", actor, application_id=app.id,
               reason=reason, suspension_id=row.id)
        return row.id


def resume(ctx: Context, application_id: int, actor: str | None = None) -> Resumed:
    """Restart the clock: the deadline, the open steps' due dates and the timers counted back
    from the deadline move later by the working time of the pause."""
    now = ctx.now()
    with ctx.transaction() as session:
        app = _running_app(session, application_id)
        row = _open_suspension(session, app.id)
        if row is None:
            raise StateError(_("application {id} is not suspended").format(id=app.id))
        _reproject_app(ctx, session, app, closing=(row, now))
        row.ended_at = now
        row.ended_by = actor
        _event(session, now, "application_resumed", actor, application_id=app.id,
               suspension_id=row.id, working_minutes=row.working_minutes,
               deadline_at=app.deadline_at.isoformat() if app.deadline_at else None)
        return Resumed(app.id, row.working_minutes or 0, app.deadline_at)


def _reproject_app(
    ctx: Context,
    session: Session,
    app: Application,
    closing: tuple[Suspension, datetime],
) -> None:
    """Recompute the application's deadline, open step due dates and waiting timers from their
    norms, ready times and closed pauses (``closing``: the pause ending now, whose working time
    is stored on it). The rules are services/reprojection.py's."""
    from regflow.services.processes import loaded_by_id

    reg = loaded_by_id(session, app.definition_id).regulation
    pauses = [
        (s.started_at, s.ended_at)
        for s in session.scalars(select(Suspension).where(Suspension.application_id == app.id))
        if s.ended_at is not None
    ]
    pauses.append((closing[0].started_at, closing[1]))
    closing[0].working_minutes = ctx.calendar(reg.schedule).working_minutes(
        closing[0].started_at, closing[1])
    steps = list(session.scalars(
        select(StepRecord).where(StepRecord.application_id == app.id,
                                 StepRecord.status.in_(OPEN_STEP_STATUSES))
    ))
    timers = list(session.scalars(
        select(Timer).where(Timer.application_id == app.id, Timer.status == TIMER_WAITING)
    ))
    result = project(
        ctx, reg, route=app.route, accepted_at=app.accepted_at, deadline_at=app.deadline_at,
        pauses=pauses,
        steps=[OpenStep(s.id, s.role, s.norm, s.ready_at, s.due_at) for s in steps],
        timers=[WaitingTimer(t.id, t.rule, t.schedule, t.waiting_since, t.due_at)
                for t in timers],
    )
    if result.deadline_moved:
        app.deadline_at = result.deadline_at
    for step in steps:
        if step.id in result.steps:
            step.due_at = result.steps[step.id]
    for timer in timers:
        if timer.id in result.timers:
            timer.due_at = result.timers[timer.id]


def timer_counts(ctx: Context) -> dict[str, int]:
    """Rows per status, for the worker's summary line."""
    with ctx.transaction() as session:
        return {
            status: count
            for status, count in session.execute(
                select(Timer.status, func.count()).group_by(Timer.status)
            )
        }
