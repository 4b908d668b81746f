"""Starting applications and working their steps: the state changes of regflow.

Each public function is one transaction. The step row is locked first (``FOR UPDATE`` on
PostgreSQL; ``BEGIN IMMEDIATE`` serialises writers on SQLite), then the application row, whose
``lock_version`` is checked on write: of two people completing the same task, the second finds it
completed and gets a clear error, and the step is recorded once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from regflow.errors import NotFound, PermissionDenied, StateError, UsageError
from regflow.handlers.registry import run_service_step
from regflow.services.context import Context
from regflow.services.processes import definition_version, latest_definition, loaded
from regflow.store.models import (
    OPEN_STEP_STATUSES,
    Application,
    ApplicationStatus,
    Event,
    ProcessDefinition,
    StepRecord,
    StepStatus,
)
from regflow.workflows import engine
from regflow.workflows.engine import Instance, ServiceRun
from regflow.workflows.model import Regulation
from regflow.workflows.norms import NormUnit
from sqlalchemy import select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Started:
    application_id: int
    process_key: str
    version: int
    route: str | None
    accepted_at: datetime
    deadline_at: datetime | None
    open_steps: list[int]


@dataclass(frozen=True)
class Completed:
    step_record_id: int
    application_id: int
    working_minutes: int
    application_status: str
    outcome: str | None
    open_steps: list[int]


def _event(session: Session, at: datetime, kind: str, actor: str | None, **payload: Any) -> None:
    session.add(
        Event(
            at=at,
            kind=kind,
            actor=actor,
            application_id=payload.pop("application_id", None),
            step_record_id=payload.pop("step_record_id", None),
            payload=payload,
        )
    )


def _service_deadline(
    ctx: Context, reg: Regulation, route: str | None, accepted_at: datetime
) -> tuple[datetime | None, str | None]:
    norm = reg.deadline_for(route)
    if norm is None:
        return None, None
    calendar = ctx.calendar(reg.schedule)
    if norm.unit is NormUnit.WORKING_DAYS:
        return calendar.deadline(accepted_at, norm.amount, reg.count_first_day(route)), str(norm)
    return calendar.add(accepted_at, norm), str(norm)


def _sync_steps(
    ctx: Context,
    session: Session,
    app: Application,
    instance: Instance,
    runs: list[ServiceRun],
    now: datetime,
) -> list[StepRecord]:
    """Make the step rows match the workflow: new ready tasks get a row, vanished ones close."""
    reg = instance.process.regulation
    for run in runs:
        session.add(
            StepRecord(
                application_id=app.id,
                definition_id=app.definition_id,
                process_key=app.process_key,
                task_uuid=run.task_id,
                step_id=run.step.id,
                name=run.step.name,
                kind=run.step.kind.value,
                role=run.step.role,
                status=StepStatus.COMPLETED.value,
                ready_at=now,
                claimed_at=now,
                completed_at=now,
                completed_by=f"system:{run.step.handler or 'none'}",
                norm=str(run.step.norm) if run.step.norm else None,
                due_at=ctx.calendar(reg.schedule_of(run.step.role)).add(now, run.step.norm)
                if run.step.norm
                else None,
                working_minutes=0,
                outcome=run.result or None,
            )
        )
    open_rows = {
        r.task_uuid: r
        for r in session.scalars(
            select(StepRecord).where(
                StepRecord.application_id == app.id, StepRecord.status.in_(OPEN_STEP_STATUSES)
            )
        )
    }
    ready = instance.ready_tasks()
    ready_ids = {t.task_id for t in ready}
    for task_uuid, row in open_rows.items():
        if task_uuid not in ready_ids:
            row.status = StepStatus.CANCELLED.value
            _event(
                session,
                now,
                "step_cancelled",
                None,
                application_id=app.id,
                step_record_id=row.id,
                step=row.step_id,
            )
    new_rows = []
    for task in ready:
        if task.task_id in open_rows:
            continue
        calendar = ctx.calendar(reg.schedule_of(task.step.role))
        row = StepRecord(
            application_id=app.id,
            definition_id=app.definition_id,
            process_key=app.process_key,
            task_uuid=task.task_id,
            step_id=task.step.id,
            name=task.step.name,
            kind=task.step.kind.value,
            role=task.step.role,
            status=StepStatus.READY.value,
            ready_at=now,
            norm=str(task.step.norm) if task.step.norm else None,
            due_at=calendar.add(now, task.step.norm) if task.step.norm else None,
        )
        session.add(row)
        new_rows.append(row)
    session.flush()
    return new_rows


def _finish_if_done(ctx: Context, app: Application, instance: Instance, now: datetime) -> None:
    if instance.completed:
        app.status = ApplicationStatus.COMPLETED.value
        app.outcome = instance.outcome
        app.finished_at = now
        reg = instance.process.regulation
        app.working_minutes = ctx.calendar(reg.schedule).working_minutes(app.accepted_at, now)


def start(
    ctx: Context,
    process_key: str,
    *,
    route: str | None = None,
    data: dict[str, Any] | None = None,
    applicant: str | None = None,
    version: int | None = None,
    actor: str | None = None,
) -> Started:
    now = ctx.now()
    with ctx.transaction() as session:
        definition: ProcessDefinition = (
            definition_version(session, process_key, version)
            if version is not None
            else latest_definition(session, process_key)  # type: ignore[assignment]
        )
        process = loaded(definition)
        reg = process.regulation
        if reg.routes:
            route = route or reg.routes[0]
            if route not in reg.routes:
                raise UsageError(
                    f"process '{process_key}' has no route '{route}' "
                    f"(routes: {', '.join(reg.routes)})"
                )
        elif route:
            raise UsageError(f"process '{process_key}' has no routes to choose from")
        values = dict(data or {})
        if route:
            values["route"] = route
        instance = engine.start(process, values)
        runs = instance.advance(run_service_step)
        first_role = next((t.step.role for t in instance.ready_tasks()), None)
        accepted_at = ctx.calendar(reg.schedule_of(first_role)).next_opening(now)
        deadline_at, deadline_norm = _service_deadline(ctx, reg, route, accepted_at)
        app = Application(
            definition_id=definition.id,
            process_key=definition.key,
            route=route,
            applicant=applicant,
            data=instance.data,
            snapshot=instance.snapshot(),
            filed_at=now,
            accepted_at=accepted_at,
            deadline_at=deadline_at,
            deadline_norm=deadline_norm,
        )
        session.add(app)
        session.flush()
        new_rows = _sync_steps(ctx, session, app, instance, runs, now)
        _finish_if_done(ctx, app, instance, now)
        _event(
            session,
            now,
            "application_started",
            actor,
            application_id=app.id,
            process=definition.key,
            version=definition.version,
            route=route,
            data=values,
        )
        return Started(
            application_id=app.id,
            process_key=definition.key,
            version=definition.version,
            route=route,
            accepted_at=accepted_at,
            deadline_at=deadline_at,
            open_steps=[r.id for r in new_rows],
        )


def _locked_step(session: Session, step_record_id: int) -> StepRecord:
    row = session.get(StepRecord, step_record_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no task {step_record_id} (see 'regflow tasks')")
    if row.status == StepStatus.COMPLETED.value:
        raise StateError(
            f"task {row.id} was already completed by {row.completed_by} at "
            f"{row.completed_at:%Y-%m-%d %H:%M %Z}"
        )
    if row.status == StepStatus.CANCELLED.value:
        raise StateError(f"task {row.id} was cancelled; it no longer needs doing")
    return row


def _check_user(user: str) -> str:
    user = (user or "").strip()
    if not user:
        raise UsageError("say who you are: --user NAME or REGFLOW_USER")
    if len(user) > 200:
        raise UsageError("a user name is at most 200 characters")
    return user


def claim(ctx: Context, step_record_id: int, user: str) -> StepRecord:
    user = _check_user(user)
    now = ctx.now()
    with ctx.transaction() as session:
        row = _locked_step(session, step_record_id)
        if row.status == StepStatus.CLAIMED.value:
            if row.claimed_by == user:
                return row
            raise StateError(f"task {row.id} is already claimed by {row.claimed_by}")
        row.status = StepStatus.CLAIMED.value
        row.claimed_by = user
        row.claimed_at = now
        _event(
            session,
            now,
            "step_claimed",
            user,
            application_id=row.application_id,
            step_record_id=row.id,
            step=row.step_id,
        )
        session.flush()
        return row


def complete(
    ctx: Context, step_record_id: int, user: str, data: dict[str, Any] | None = None
) -> Completed:
    user = _check_user(user)
    now = ctx.now()
    data = dict(data or {})
    with ctx.transaction() as session:
        row = _locked_step(session, step_record_id)
        if row.status == StepStatus.CLAIMED.value and row.claimed_by != user:
            raise PermissionDenied(f"task {row.id} is claimed by {row.claimed_by}, not by {user}")
        app = session.get(Application, row.application_id, with_for_update=True)
        if app is None:  # pragma: no cover - foreign key guarantees it
            raise NotFound(f"application {row.application_id} is missing")
        definition = session.get(ProcessDefinition, app.definition_id)
        assert definition is not None
        process = loaded(definition)
        step = process.regulation.steps[row.step_id]
        missing = [i.name for i in step.inputs if i.name not in data]
        if missing:
            raise UsageError(
                f"task {row.id} ('{step.name}') needs a decision: "
                + ", ".join(f"--set {m}=..." for m in missing)
            )
        instance = engine.restore(process, app.snapshot)
        instance.complete(row.task_uuid, data)
        runs = instance.advance(run_service_step)
        calendar = ctx.calendar(process.regulation.schedule_of(row.role))
        if row.claimed_at is None:
            row.claimed_at = now
            row.claimed_by = user
        row.status = StepStatus.COMPLETED.value
        row.completed_at = now
        row.completed_by = user
        row.working_minutes = calendar.working_minutes(row.ready_at, now)
        row.outcome = data or None
        app.snapshot = instance.snapshot()
        app.data = instance.data
        new_rows = _sync_steps(ctx, session, app, instance, runs, now)
        _finish_if_done(ctx, app, instance, now)
        _event(
            session,
            now,
            "step_completed",
            user,
            application_id=app.id,
            step_record_id=row.id,
            step=row.step_id,
            data=data,
            working_minutes=row.working_minutes,
        )
        if app.status == ApplicationStatus.COMPLETED.value:
            _event(
                session,
                now,
                "application_finished",
                user,
                application_id=app.id,
                outcome=app.outcome,
            )
        session.flush()
        return Completed(
            step_record_id=row.id,
            application_id=app.id,
            working_minutes=row.working_minutes,
            application_status=app.status,
            outcome=app.outcome,
            open_steps=[r.id for r in new_rows],
        )
