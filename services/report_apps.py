"""Per-application views: one row per application (the report), and one application's timeline.

The timeline is the one both ``regflow show`` (the clerk) and ``regflow report --application``
(the auditor, in every format, and the HTML report's Gantt charts) print, so the two can never
disagree on a step's working time or on whether it was late. It lives here, next to the
applications view, because its header *is* that view's row for the application: both are built
by one function, and "late", "working time so far" and "deadline met" are defined once.

Working time of an application runs from acceptance to finish on the process's schedule; a
running application is measured up to now, and its deadline counts as missed once now is past
it. A step's time is split into *waiting* (ready → claimed: in the queue) and *handling*
(claimed → completed: in someone's hands); both are working minutes and add up to the step's
working time, the figure compared with the norm. An open step (or one waiting on an incident)
is measured up to now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from regflow.errors import NotFound
from regflow.i18n import _
from regflow.services.context import Context
from regflow.services.incidents import IncidentRow, incidents_of
from regflow.services.names import step_name
from regflow.services.processes import loaded
from regflow.services.report_filter import ReportFilter
from regflow.store.models import (
    OPEN_STEP_STATUSES,
    Application,
    ApplicationStatus,
    ProcessDefinition,
    StepRecord,
    StepStatus,
)
from regflow.workflows.model import Regulation

CHUNK = 500


@dataclass(frozen=True)
class ApplicationStats:
    application_id: int
    process_key: str
    version: int
    route: str | None
    status: str
    outcome: str | None
    filed_at: datetime
    accepted_at: datetime
    finished_at: datetime | None
    working_minutes: int
    deadline_at: datetime | None
    deadline_norm: str | None
    deadline_met: bool | None  # None: no deadline, or running and not yet past it
    worst_step_id: str | None  # the step that overran its norm by the most working time
    worst_step: str | None
    worst_overdue_minutes: int | None


@dataclass(frozen=True)
class TimelineStep:
    id: int  # the step record: the task id of `regflow tasks`, `claim` and `complete`
    step_id: str
    name: str
    kind: str
    role: str | None
    status: str
    actor: str | None
    ready_at: datetime
    claimed_at: datetime | None
    completed_at: datetime | None
    norm: str | None
    due_at: datetime | None
    waiting_minutes: int | None
    handling_minutes: int | None
    working_minutes: int | None
    calendar_minutes: int | None
    overdue: bool
    overdue_minutes: int | None


@dataclass(frozen=True)
class ApplicationTimeline(ApplicationStats):
    """The application's row of the applications view, with what only its own page shows."""

    steps: list[TimelineStep]
    data: dict[str, object]
    incidents: list[IncidentRow]  # failed system steps, in the order they were opened
    schedule: str  # the provider's working hours on the application's own version (charts)


class _Models:
    """Each definition's regulation, parsed once per report (for schedules)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[int, tuple[int, Regulation]] = {}

    def __call__(self, definition_id: int) -> tuple[int, Regulation]:
        if definition_id not in self.cache:
            definition = self.session.get(ProcessDefinition, definition_id)
            assert definition is not None
            self.cache[definition_id] = (definition.version, loaded(definition).regulation)
        return self.cache[definition_id]


def _late_minutes(ctx: Context, reg: Regulation, row: Any, now: datetime) -> int | None:
    """Working minutes past ``due_at`` (up to now for an open step); None if not over norm."""
    if row.due_at is None or row.status == StepStatus.CANCELLED.value:
        return None
    end = row.completed_at if row.status == StepStatus.COMPLETED.value else now
    if end is None or end <= row.due_at:
        return None
    return ctx.calendar(reg.schedule_of(row.role)).working_minutes(row.due_at, end)


def _stats(
    ctx: Context, app: Application, version: int, reg: Regulation, worst: Any, now: datetime
) -> dict[str, Any]:
    """The fields of an :class:`ApplicationStats` (a timeline adds its own to the same)."""
    if app.status == ApplicationStatus.COMPLETED.value:
        taken = app.working_minutes or 0
        met = None if app.deadline_at is None else app.finished_at <= app.deadline_at  # type: ignore[operator]
    else:
        taken = ctx.calendar(reg.schedule).working_minutes(app.accepted_at, now)
        met = False if app.deadline_at is not None and now > app.deadline_at else None
    return {
        "application_id": app.id,
        "process_key": app.process_key,
        "version": version,
        "route": app.route,
        "status": app.status,
        "outcome": app.outcome,
        "filed_at": app.filed_at,
        "accepted_at": app.accepted_at,
        "finished_at": app.finished_at,
        "working_minutes": taken,
        "deadline_at": app.deadline_at,
        "deadline_norm": app.deadline_norm,
        "deadline_met": met,
        "worst_step_id": worst[0] if worst else None,
        "worst_step": worst[1] if worst else None,
        "worst_overdue_minutes": worst[2] if worst else None,
    }


def applications_view(
    ctx: Context, flt: ReportFilter | None = None, limit: int | None = None
) -> list[ApplicationStats]:
    """One row per application, in filing order."""
    flt = flt or ReportFilter()
    now = ctx.now()
    query = (
        select(Application)
        .where(*flt.application_conditions())
        .order_by(Application.filed_at, Application.id)
    )
    if limit:
        query = query.limit(limit)
    with ctx.transaction() as session:
        models = _Models(session)
        apps = list(session.scalars(query))
        worst: dict[int, tuple[str, str, int]] = {}
        for i in range(0, len(apps), CHUNK):
            ids = [a.id for a in apps[i : i + CHUNK]]
            late_rows = session.execute(
                select(
                    StepRecord.application_id,
                    StepRecord.definition_id,
                    StepRecord.step_id,
                    StepRecord.name,
                    StepRecord.role,
                    StepRecord.status,
                    StepRecord.due_at,
                    StepRecord.completed_at,
                )
                .where(StepRecord.application_id.in_(ids), StepRecord.due_at.is_not(None))
                .where(
                    or_(
                        and_(
                            StepRecord.status == StepStatus.COMPLETED.value,
                            StepRecord.completed_at > StepRecord.due_at,
                        ),
                        and_(StepRecord.status.in_(OPEN_STEP_STATUSES), StepRecord.due_at < now),
                    )
                )
                .order_by(StepRecord.ready_at, StepRecord.id)
            )
            for row in late_rows:
                late = _late_minutes(ctx, models(row.definition_id)[1], row, now)
                if late is not None and (
                    row.application_id not in worst or late > worst[row.application_id][2]
                ):
                    name = step_name(models(row.definition_id)[1], row.step_id, row.name)
                    worst[row.application_id] = (row.step_id, name, late)
        return [
            ApplicationStats(**_stats(ctx, a, *models(a.definition_id), worst.get(a.id), now))
            for a in apps
        ]


def application_timeline(ctx: Context, application_id: int) -> ApplicationTimeline:
    """Every step of one application with its waiting, handling and overdue working time, and
    the application's status, deadline verdict, data and incidents: all that a clerk's
    ``show`` and an auditor's ``report --application`` print, from one reading."""
    now = ctx.now()
    with ctx.transaction() as session:
        app = session.get(Application, application_id)
        if app is None:
            raise NotFound(_("no application {id}").format(id=application_id))
        models = _Models(session)
        version, reg = models(app.definition_id)
        rows = session.scalars(
            select(StepRecord)
            .where(StepRecord.application_id == application_id)
            .order_by(StepRecord.ready_at, StepRecord.id)
        ).all()
        steps = [_timeline_step(ctx, models(r.definition_id)[1], r, now) for r in rows]
        late = [s for s in steps if s.overdue_minutes is not None]
        worst = max(late, key=lambda s: s.overdue_minutes or 0, default=None)
        header = _stats(
            ctx,
            app,
            version,
            reg,
            (worst.step_id, worst.name, worst.overdue_minutes) if worst else None,
            now,
        )
        return ApplicationTimeline(
            **header, steps=steps, data=dict(app.data), incidents=incidents_of(session, app.id),
            schedule=reg.schedule,
        )


def _timeline_step(ctx: Context, reg: Regulation, r: StepRecord, now: datetime) -> TimelineStep:
    calendar = ctx.calendar(reg.schedule_of(r.role))
    cancelled = r.status == StepStatus.CANCELLED.value
    end = r.completed_at or (None if cancelled else now)
    waiting = handling = working = span = None
    if end is not None:
        claimed = r.claimed_at or end
        waiting = calendar.working_minutes(r.ready_at, claimed)
        handling = calendar.working_minutes(claimed, end)
        working = r.working_minutes if r.completed_at else calendar.working_minutes(r.ready_at, end)
        span = int((end - r.ready_at).total_seconds() // 60)
    late = _late_minutes(ctx, reg, r, now)
    return TimelineStep(
        id=r.id,
        step_id=r.step_id,
        name=step_name(reg, r.step_id, r.name),
        kind=r.kind,
        role=r.role,
        status=r.status,
        actor=r.completed_by or r.claimed_by,
        ready_at=r.ready_at,
        claimed_at=r.claimed_at,
        completed_at=r.completed_at,
        norm=r.norm,
        due_at=r.due_at,
        waiting_minutes=waiting,
        handling_minutes=handling,
        working_minutes=working,
        calendar_minutes=span,
        overdue=late is not None,
        overdue_minutes=late,
    )
