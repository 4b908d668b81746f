"""Starting applications and working their steps: the state changes of regflow.

Each public function is one transaction. The step row is locked first (``FOR UPDATE`` on
PostgreSQL; ``BEGIN IMMEDIATE`` serialises writers on SQLite), then the application row, whose
``lock_version`` is checked on write: of two people completing the same task, the second finds it
completed and gets a clear error, and the step is recorded once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from regflow.errors import NotFound, PermissionDenied, StateError, UsageError
from regflow.handlers.registry import Call, HandlerFailed, runner_for
from regflow.i18n import _
from regflow.services.context import Context
from regflow.services.events import record as _event
from regflow.services.processes import loaded, loaded_by_id
from regflow.services.timers import sync_timers
from regflow.services.users import authorize_step, filing_org, open_mode_column
from regflow.services.validity import definition_for_filing
from regflow.store.models import (
    INCIDENT_STEP_STATUS,
    OPEN_STEP_STATUSES,
    Application,
    ApplicationStatus,
    Incident,
    ProcessDefinition,
    StepRecord,
    StepStatus,
)
from regflow.workflows import engine
from regflow.workflows.engine import Instance, ServiceRun
from regflow.workflows.model import Regulation, Step
from regflow.workflows.norms import NormUnit


@dataclass(frozen=True)
class Started:
    application_id: int
    process_key: str
    version: int
    route: str | None
    accepted_at: datetime
    deadline_at: datetime | None
    open_steps: list[int]
    incidents: list[int] = field(default_factory=list)  # open incidents this call left


@dataclass(frozen=True)
class Completed:
    step_record_id: int
    application_id: int
    working_minutes: int
    application_status: str
    outcome: str | None
    open_steps: list[int]
    incidents: list[int] = field(default_factory=list)  # open incidents this call left


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


def _new_step_row(
    ctx: Context, reg: Regulation, app: Application, task_id: str, step: Step, now: datetime
) -> StepRecord:
    """The record of a step that became ready ``now``: due by its norm in its lane's hours."""
    calendar = ctx.calendar(reg.schedule_of(step.role))
    return StepRecord(
        application_id=app.id,
        definition_id=app.definition_id,
        process_key=app.process_key,
        task_uuid=task_id,
        step_id=step.id,
        name=step.name,
        kind=step.kind.value,
        role=step.role,
        ready_at=now,
        norm=str(step.norm) if step.norm else None,
        due_at=calendar.add(now, step.norm) if step.norm else None,
    )


def _sync_steps(
    ctx: Context,
    session: Session,
    app: Application,
    instance: Instance,
    runs: list[ServiceRun],
    now: datetime,
    open_before: set[str] | None = None,
) -> list[StepRecord]:
    """Make the step rows match the workflow: new ready tasks get a row, vanished ones close.

    ``open_before``: the user tasks whose rows were open before this change (the restored
    snapshot's ready tasks, less the one just completed; empty for a new application). When
    every one of them is still ready nothing needs closing, and the new rows are the ready
    tasks not in it: the query for the open rows is skipped (the hot path of every completion).
    Callers flush (the new rows get their ids then).
    """
    reg = instance.process.regulation
    for run in runs:
        _record_service_run(ctx, session, app, reg, run, now)
    ready = instance.ready_tasks()
    ready_ids = {t.task_id for t in ready}
    open_rows: dict[str, StepRecord | None]
    if open_before is not None and open_before <= ready_ids:
        open_rows = dict.fromkeys(open_before)
    else:
        open_rows = {
            r.task_uuid: r
            for r in session.scalars(
                select(StepRecord).where(
                    StepRecord.application_id == app.id,
                    StepRecord.status.in_(OPEN_STEP_STATUSES),
                )
            )
        }
    for task_uuid, row in open_rows.items():
        if task_uuid not in ready_ids and row is not None:
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
        row = _new_step_row(ctx, reg, app, task.task_id, task.step, now)
        row.status = StepStatus.READY.value
        session.add(row)
        new_rows.append(row)
    sync_timers(ctx, session, app, instance, now)  # services/timers.py: waiting timer rows
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
    reason: str | None = None,
    org: str | None = None,
) -> Started:
    """File an application on the version in force today (services.validity); ``version``
    overrides that only with a ``reason``, which is logged."""
    now = ctx.now()
    with ctx.transaction() as session:
        org = filing_org(session, actor, org)  # services/users.py: who may file, for whom
        filing = definition_for_filing(
            ctx, session, process_key, version=version, reason=reason, actor=actor
        )
        definition = filing.definition
        process = loaded(definition)
        reg = process.regulation
        if reg.routes:
            route = route or reg.routes[0]
            if route not in reg.routes:
                raise UsageError(
                    _("process '{key}' has no route '{route}' (routes: {routes})").format(
                        key=process_key, route=route, routes=", ".join(reg.routes)
                    )
                )
        elif route:
            raise UsageError(
                _("process '{key}' has no routes to choose from").format(key=process_key)
            )
        values = dict(data or {})
        if route:
            values["route"] = route
        instance = engine.start(process, values)
        runs, failure = _advance(ctx, instance)  # a failing system step waits on an incident
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
            org=org,
        )
        session.add(app)
        session.flush()
        engine.keep(instance, (ctx.settings.database_url, app.id), app.snapshot)
        filing.log(session, app.id)
        new_rows = _sync_steps(ctx, session, app, instance, runs, now, open_before=set())
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
        incidents = _record_failure(ctx, session, app, failure, now)
        session.flush()  # the new step rows' ids
        return Started(
            application_id=app.id,
            process_key=definition.key,
            version=definition.version,
            route=route,
            accepted_at=accepted_at,
            deadline_at=deadline_at,
            open_steps=[r.id for r in new_rows],
            incidents=incidents,
        )


def _locked_step(
    session: Session, step_record_id: int, row: StepRecord | None = None
) -> StepRecord:
    """The step, locked and still open. ``row``: the step as the caller already loaded and
    locked it (complete() takes its locks in one query); looked up here when None."""
    if row is None:
        row = session.get(StepRecord, step_record_id, with_for_update=True)
    if row is None:
        raise NotFound(_("no task {id} (see 'regflow tasks')").format(id=step_record_id))
    if row.status == StepStatus.COMPLETED.value:
        raise StateError(
            _("task {id} was already completed by {user} at {at}").format(
                id=row.id, user=row.completed_by, at=f"{row.completed_at:%Y-%m-%d %H:%M %Z}"
            )
        )
    if row.status == StepStatus.CANCELLED.value:
        raise StateError(_("task {id} was cancelled; it no longer needs doing").format(id=row.id))
    if row.status == INCIDENT_STEP_STATUS:
        raise StateError(
            f"task {row.id} is a system step waiting on an incident: "
            "see 'regflow incidents', then 'regflow retry INCIDENT'"
        )
    return row


_COMPLETION_LOCKS = (  # built once: building it costs more than running it
    select(StepRecord, Application, ProcessDefinition.source_hash, open_mode_column())
    .join(Application, Application.id == StepRecord.application_id)
    .join(ProcessDefinition, ProcessDefinition.id == Application.definition_id)
    .where(StepRecord.id == bindparam("step_record_id"))
    .with_for_update(of=(StepRecord, Application))
)


def _lock_for_completion(
    session: Session, step_record_id: int
) -> tuple[StepRecord | None, Application | None, str | None, bool | None]:
    """complete()'s reads in one round trip: the step row and its application, both locked (on
    PostgreSQL ``FOR UPDATE OF`` the two, step first; the process version is only read), the
    version's content hash, which finds its parsed spec in the cache, and whether regflow runs
    in open mode (services/users.py)."""
    found = session.execute(_COMPLETION_LOCKS, {"step_record_id": step_record_id}).first()
    if found is None:
        return None, None, None, None
    return found[0], found[1], found[2], bool(found[3])


def _check_user(user: str) -> str:
    user = (user or "").strip()
    if not user:
        raise UsageError(_("say who you are: --user NAME or REGFLOW_USER"))
    if len(user) > 200:
        raise UsageError(_("a user name is at most 200 characters"))
    return user


def claim(ctx: Context, step_record_id: int, user: str) -> StepRecord:
    user = _check_user(user)
    now = ctx.now()
    with ctx.transaction() as session:
        row = _locked_step(session, step_record_id)
        authorize_step(session, row, user, "claim")  # services/users.py
        if row.status == StepStatus.CLAIMED.value:
            if row.claimed_by == user:
                return row
            raise StateError(
                _("task {id} is already claimed by {user}").format(id=row.id, user=row.claimed_by)
            )
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
        found, app, digest, is_open = _lock_for_completion(session, step_record_id)
        row = _locked_step(session, step_record_id, found)
        authorize_step(session, row, user, "complete", is_open=is_open)  # services/users.py
        if row.status == StepStatus.CLAIMED.value and row.claimed_by != user:
            raise PermissionDenied(
                _("task {id} is claimed by {owner}, not by {user}").format(
                    id=row.id, owner=row.claimed_by, user=user
                )
            )
        if app is None:  # pragma: no cover - foreign key guarantees it
            raise NotFound(f"application {row.application_id} is missing")
        process = loaded_by_id(session, app.definition_id, digest)
        step = process.regulation.steps[row.step_id]
        missing = [i.name for i in step.inputs if i.name not in data]
        if missing:
            raise UsageError(
                f"task {row.id} ('{step.name}') needs a decision: "
                + ", ".join(f"--set {m}=..." for m in missing)
            )
        instance = engine.restore(
            process, app.snapshot, key=(ctx.settings.database_url, app.id)
        )
        open_before = instance.open_task_ids() - {row.task_uuid}
        instance.complete(row.task_uuid, data)
        runs, failure = _advance(ctx, instance)  # a failing system step waits on an incident
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
        new_rows = _sync_steps(ctx, session, app, instance, runs, now, open_before)
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
        incidents = _record_failure(ctx, session, app, failure, now)
        session.flush()
        return Completed(
            step_record_id=row.id,
            application_id=app.id,
            working_minutes=row.working_minutes,
            application_status=app.status,
            outcome=app.outcome,
            open_steps=[r.id for r in new_rows],
            incidents=incidents,
        )


# --- Service steps and incidents (issue 12) -----------------------------------------------------
# A service task's handler runs under its retry policy (handlers.registry.Runner). If it still
# fails, the engine stops at that task (it stays READY in the snapshot), the runs before it are
# recorded as usual, and the step waits on an incident until `regflow retry` runs it again.


@dataclass(frozen=True)
class _Run(ServiceRun):
    """A completed service task with its handler call (attempts, errors before success)."""

    call: Call | None = None


def _advance(ctx: Context, instance: Instance) -> tuple[list[ServiceRun], HandlerFailed | None]:
    """Run the workflow on until people are needed; a handler that gives up stops it there."""
    runner = runner_for(ctx.settings.handlers, ctx.now().date())
    failure: HandlerFailed | None = None
    try:
        runs = instance.advance(runner)
    except HandlerFailed as exc:
        runs, failure = list(exc.runs), exc
    calls = runner.calls  # one per successful run, in the same order as the runs
    recorded: list[ServiceRun] = [
        _Run(r.task_id, r.step, r.result, calls[i] if i < len(calls) else None)
        for i, r in enumerate(runs)
    ]
    return recorded, failure


def _open_incident(session: Session, app_id: int, task_uuid: str) -> Incident | None:
    return session.scalars(
        select(Incident).where(
            Incident.application_id == app_id,
            Incident.task_uuid == task_uuid,
            Incident.status == "open",
        )
    ).first()


def _resolve(session: Session, incident: Incident, now: datetime, by: str) -> None:
    incident.status = "resolved"
    incident.resolved_at = now
    incident.resolved_by = by
    _event(
        session,
        now,
        "incident_resolved",
        by,
        application_id=incident.application_id,
        step_record_id=incident.step_record_id,
        incident=incident.id,
        step=incident.step_id,
        handler=incident.handler,
        attempts=incident.attempts,
    )


def _record_service_run(
    ctx: Context, session: Session, app: Application, reg: Regulation, run: ServiceRun,
    now: datetime,
) -> None:
    """A service step timed like any other: ready when it became ready (the incident's opening,
    if it waited on one), completed when the handler answered, against the model's norm."""
    call: Call | None = getattr(run, "call", None)
    by = f"system:{run.step.handler or 'none'}"
    row = session.scalars(
        select(StepRecord).where(
            StepRecord.application_id == app.id,
            StepRecord.task_uuid == run.task_id,
            StepRecord.status == INCIDENT_STEP_STATUS,
        )
    ).first()
    calendar = ctx.calendar(reg.schedule_of(run.step.role))
    if row is None:
        row = _new_step_row(ctx, reg, app, run.task_id, run.step, now)
        session.add(row)
    row.status = StepStatus.COMPLETED.value
    row.claimed_at = row.claimed_at or now
    row.completed_at = now
    row.completed_by = by
    row.working_minutes = calendar.working_minutes(row.ready_at, now)
    row.outcome = run.result or None
    session.flush()
    errors = list(call.errors) if call else []
    incident = _open_incident(session, app.id, run.task_id)
    if incident is not None:  # it waited: this run (attempts + 1 more) resolves its incident
        incident.attempts += len(errors) + 1
        incident.errors = [*incident.errors, *errors]
    elif errors:
        # Failed, then answered within its retries: each failed attempt is an incident of its
        # own (the system was down that often), and the answer resolves them all at once.
        for number, error in enumerate(errors, 1):
            failed = _new_incident(session, app, row, run.step.handler, [error], now)
            failed.attempts = number
            _resolve(session, failed, now, by)
        return
    if incident is not None:
        incident.step_record_id = row.id
        _resolve(session, incident, now, by)


def _new_incident(
    session: Session, app: Application, row: StepRecord, handler: str | None,
    errors: list[str], now: datetime,
) -> Incident:
    incident = Incident(
        application_id=app.id,
        step_record_id=row.id,
        task_uuid=row.task_uuid,
        step_id=row.step_id,
        handler=handler,
        status="open",
        attempts=len(errors),
        error=errors[-1],
        errors=list(errors),
        opened_at=now,
    )
    session.add(incident)
    session.flush()
    _event(
        session,
        now,
        "incident_opened",
        None,
        application_id=app.id,
        step_record_id=row.id,
        incident=incident.id,
        step=row.step_id,
        handler=handler,
        attempts=len(errors),
        error=errors[-1],
    )
    return incident


def _record_failure(
    ctx: Context, session: Session, app: Application, failure: HandlerFailed | None,
    now: datetime,
) -> list[int]:
    """The step whose handler gave up: a step row in status 'incident' and an open incident
    (or, on a failed retry, more attempts on the incident already open). Its ids."""
    if failure is None or failure.task_id is None:
        return []
    incident = _open_incident(session, app.id, failure.task_id)
    if incident is not None:
        incident.attempts += failure.attempts
        incident.errors = [*incident.errors, *failure.errors]
        incident.error = failure.errors[-1]
        _event(
            session,
            now,
            "incident_failed_again",
            None,
            application_id=app.id,
            step_record_id=incident.step_record_id,
            incident=incident.id,
            step=incident.step_id,
            attempts=incident.attempts,
            error=incident.error,
        )
        return [incident.id]
    reg = loaded_by_id(session, app.definition_id).regulation
    step = reg.steps[failure.step_id]
    row = _new_step_row(ctx, reg, app, failure.task_id, step, now)
    row.status = INCIDENT_STEP_STATUS
    session.add(row)
    session.flush()
    return [_new_incident(session, app, row, step.handler, failure.errors, now).id]


@dataclass(frozen=True)
class Retried:
    incident_id: int
    application_id: int
    resolved: bool
    attempts: int
    error: str | None
    application_status: str
    outcome: str | None
    open_steps: list[int]
    incidents: list[int]  # incidents still open on this application after the retry


def retry(ctx: Context, incident_id: int, actor: str | None = None) -> Retried:
    """Run an incident's step again (one transaction: restore, advance, record).

    Success resolves the incident and the application goes on (further system steps, the next
    person's task, or its end); another failure adds its attempts to the same incident.
    """
    now = ctx.now()
    by = f"retry:{actor}" if actor else "retry"
    with ctx.transaction() as session:
        incident = session.get(Incident, incident_id, with_for_update=True)
        if incident is None:
            raise NotFound(
                _("no incident {id} (see 'regflow incidents')").format(id=incident_id)
            )
        if incident.status != "open":
            raise StateError(
                f"incident {incident.id} was already resolved by {incident.resolved_by} at "
                f"{incident.resolved_at:%Y-%m-%d %H:%M %Z}"
            )
        app = session.get(Application, incident.application_id, with_for_update=True)
        assert app is not None
        process = loaded_by_id(session, app.definition_id)
        instance = engine.restore(process, app.snapshot)
        runs, failure = _advance(ctx, instance)
        app.snapshot = instance.snapshot()
        app.data = instance.data
        new_rows = _sync_steps(ctx, session, app, instance, runs, now)
        if incident.status == "resolved":
            incident.resolved_by = by
        _finish_if_done(ctx, app, instance, now)
        if app.status == ApplicationStatus.COMPLETED.value:
            _event(
                session, now, "application_finished", by, application_id=app.id,
                outcome=app.outcome,
            )
        _record_failure(ctx, session, app, failure, now)
        session.flush()
        still_open = session.scalars(
            select(Incident.id).where(
                Incident.application_id == app.id, Incident.status == "open"
            ).order_by(Incident.id)
        ).all()
        return Retried(
            incident_id=incident.id,
            application_id=app.id,
            resolved=incident.status == "resolved",
            attempts=incident.attempts,
            error=None if incident.status == "resolved" else incident.error,
            application_status=app.status,
            outcome=app.outcome,
            open_steps=[r.id for r in new_rows],
            incidents=list(still_open),
        )
