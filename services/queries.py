"""Read-only views: the task list and an application's timeline, from indexed rows only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from regflow.errors import NotFound
from regflow.i18n import _
from regflow.services.context import Context
from regflow.services.incidents import IncidentRow, incidents_of
from regflow.services.names import StepNames
from regflow.store.models import OPEN_STEP_STATUSES, Application, StepRecord, StepStatus

MAX_TASKS = 500


@dataclass(frozen=True)
class TaskRow:
    id: int
    application_id: int
    process_key: str
    step_id: str
    name: str
    role: str | None
    status: str
    claimed_by: str | None
    ready_at: datetime
    due_at: datetime | None
    norm: str | None
    overdue: bool


def task_list(
    ctx: Context,
    *,
    role: str | None = None,
    user: str | None = None,
    overdue: bool = False,
    process: str | None = None,
    limit: int = MAX_TASKS,
) -> list[TaskRow]:
    """Open steps, earliest due first (steps without a due time last), at most ``limit``.

    Each open status is read on its own, with and without a due time, in index order and
    limited; the few rows are merged here. Every read is an ordered range scan of one of the
    steps indexes (migration 0005), so the list costs the same at a thousand or a million open
    applications.
    """
    now = ctx.now()
    base = select(StepRecord)
    if role:
        base = base.where(StepRecord.role == role)
    if user:
        base = base.where(StepRecord.claimed_by == user)
    if process:
        base = base.where(StepRecord.process_key == process)
    queries = []
    for status in OPEN_STEP_STATUSES:
        timed = base.where(StepRecord.status == status, StepRecord.due_at.is_not(None))
        if overdue:
            timed = timed.where(StepRecord.due_at < now)
        queries.append(timed.order_by(StepRecord.due_at, StepRecord.id).limit(limit))
        if not overdue:
            untimed = base.where(StepRecord.status == status, StepRecord.due_at.is_(None))
            queries.append(untimed.order_by(StepRecord.id).limit(limit))
    with ctx.transaction() as session:
        found = [r for q in queries for r in session.scalars(q)]
        found.sort(key=lambda r: (r.due_at is None, r.due_at or now, r.id))
        rows = found[:limit]
        names = StepNames(session)
        return [
            TaskRow(
                id=r.id,
                application_id=r.application_id,
                process_key=r.process_key,
                step_id=r.step_id,
                name=names(r.definition_id, r.step_id, r.name),
                role=r.role,
                status=r.status,
                claimed_by=r.claimed_by,
                ready_at=r.ready_at,
                due_at=r.due_at,
                norm=r.norm,
                overdue=r.due_at is not None and r.due_at < now,
            )
            for r in rows
        ]


@dataclass(frozen=True)
class TimelineStep:
    id: int
    step_id: str
    name: str
    role: str | None
    kind: str
    status: str
    ready_at: datetime
    claimed_at: datetime | None
    completed_at: datetime | None
    actor: str | None
    norm: str | None
    due_at: datetime | None
    working_minutes: int | None
    overdue: bool


@dataclass(frozen=True)
class Timeline:
    application_id: int
    process_key: str
    route: str | None
    status: str
    outcome: str | None
    filed_at: datetime
    accepted_at: datetime
    finished_at: datetime | None
    deadline_at: datetime | None
    deadline_norm: str | None
    deadline_met: bool | None
    working_minutes: int | None
    data: dict[str, object]
    steps: list[TimelineStep]
    incidents: list[IncidentRow] = field(default_factory=list)  # failed system steps


def timeline(ctx: Context, application_id: int) -> Timeline:
    now = ctx.now()
    with ctx.transaction() as session:
        app = session.get(Application, application_id)
        if app is None:
            raise NotFound(_("no application {id}").format(id=application_id))
        names = StepNames(session)
        rows = session.scalars(
            select(StepRecord)
            .where(StepRecord.application_id == application_id)
            .order_by(StepRecord.ready_at, StepRecord.id)
        ).all()
        steps = []
        for r in rows:
            end = r.completed_at or (now if r.status in OPEN_STEP_STATUSES else None)
            steps.append(
                TimelineStep(
                    id=r.id,
                    step_id=r.step_id,
                    name=names(r.definition_id, r.step_id, r.name),
                    role=r.role,
                    kind=r.kind,
                    status=r.status,
                    ready_at=r.ready_at,
                    claimed_at=r.claimed_at,
                    completed_at=r.completed_at,
                    actor=r.completed_by or r.claimed_by,
                    norm=r.norm,
                    due_at=r.due_at,
                    working_minutes=r.working_minutes,
                    overdue=bool(
                        r.due_at is not None
                        and end is not None
                        and end > r.due_at
                        and r.status != StepStatus.CANCELLED.value
                    ),
                )
            )
        met = None
        if app.deadline_at is not None and app.finished_at is not None:
            met = app.finished_at <= app.deadline_at
        return Timeline(
            application_id=app.id,
            process_key=app.process_key,
            route=app.route,
            status=app.status,
            outcome=app.outcome,
            filed_at=app.filed_at,
            accepted_at=app.accepted_at,
            finished_at=app.finished_at,
            deadline_at=app.deadline_at,
            deadline_norm=app.deadline_norm,
            deadline_met=met,
            working_minutes=app.working_minutes,
            data=dict(app.data),
            steps=steps,
            incidents=incidents_of(session, app.id),
        )
