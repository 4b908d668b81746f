"""Starting applications and working their steps: the state changes of regflow.

Each public function is one transaction. The step row is locked first (``FOR UPDATE`` on
PostgreSQL; ``BEGIN IMMEDIATE`` serialises writers on SQLite), then the application row, whose
``lock_version`` is checked on write: of two people completing the same task, the second finds it
completed and gets a clear error, and the step is recorded once. Rows are read and written with
the plain statements of store/records.py (the hot path: no ORM unit of work).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from regflow.clock import zone
from regflow.errors import NotFound, PermissionDenied, RegflowError, StateError, UsageError
from regflow.handlers.registry import Call, HandlerFailed, Runner, runner_for
from regflow.i18n import _
from regflow.services.context import Context
from regflow.services.events import record as _event
from regflow.services.formatting import instant
from regflow.services.processes import cached, loaded, loaded_by_id
from regflow.services.timers import sync_timers
from regflow.services.users import authorize_step, filing_org
from regflow.services.validity import Filing, definition_for_filing
from regflow.store import records
from regflow.store.db import Tx
from regflow.store.models import (
    INCIDENT_STEP_STATUS,
    Application,
    ApplicationStatus,
    Incident,
    StepStatus,
)
from regflow.store.records import ApplicationRef, ApplicationRow, StepRow
from regflow.workflows import engine
from regflow.workflows.engine import Instance, ServiceRun
from regflow.workflows.loader import LoadedProcess
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
    ctx: Context, reg: Regulation, app: ApplicationRef, task_id: str, step: Step, now: datetime,
    status: str,
) -> dict[str, Any]:
    """The record of a step that became ready ``now``: due by its norm in its lane's hours."""
    calendar = ctx.calendar(reg.schedule_of(step.role))
    return records.new_step(
        app,
        task_uuid=task_id,
        step_id=step.id,
        name=step.name,
        kind=step.kind.value,
        role=step.role,
        status=status,
        ready_at=now,
        norm=str(step.norm) if step.norm else None,
        due_at=calendar.add(now, step.norm) if step.norm else None,
    )


def _sync_steps(
    ctx: Context,
    tx: Tx,
    app: ApplicationRef,
    instance: Instance,
    runs: list[ServiceRun],
    now: datetime,
    open_before: set[str] | None = None,
) -> records.NewIds:
    """Make the step rows match the workflow: new ready tasks get a row, vanished ones close.
    Returns the new rows' ids (read when asked for).

    ``open_before``: the user tasks whose rows were open before this change (the restored
    snapshot's ready tasks, less the one just completed; empty for a new application). When
    every one of them is still ready nothing needs closing, and the new rows are the ready
    tasks not in it: the query for the open rows is skipped (the hot path of every completion).
    """
    connection = tx.connection
    reg = instance.process.regulation
    for run in runs:
        _record_service_run(ctx, tx, app, reg, run, now)
    ready = instance.ready_tasks()
    ready_ids = {t.task_id for t in ready}
    known: set[str]
    if open_before is not None and open_before <= ready_ids:
        known = open_before
    else:
        open_rows = records.open_steps(connection, app.id)
        known = {r.task_uuid for r in open_rows}
        for row in open_rows:
            if row.task_uuid in ready_ids:
                continue
            cancelled = records.set_step_status(connection, row, StepStatus.CANCELLED.value)
            _event(
                tx, now, "step_cancelled", None, application_id=app.id,
                step_record_id=row.id, step=row.step_id,
                change=(row.audited(), cancelled.audited()),
            )
    new_ids = records.insert_steps(connection, [
        _new_step_row(ctx, reg, app, t.task_id, t.step, now, StepStatus.READY.value)
        for t in ready
        if t.task_id not in known
    ])
    sync_timers(ctx, tx, app, instance, now)  # services/timers.py: waiting timer rows
    return new_ids


def _finished(
    ctx: Context, accepted_at: datetime, instance: Instance, now: datetime
) -> records.Finish | None:
    """How the application ended, if its workflow is complete: outcome and working time."""
    if not instance.completed:
        return None
    calendar = ctx.calendar(instance.process.regulation.schedule)
    return records.Finish(instance.outcome, now, calendar.working_minutes(accepted_at, now))


def _finish_if_done(ctx: Context, app: Application, instance: Instance, now: datetime) -> None:
    """:func:`_finished` applied to an application the ORM session holds (timers, retry)."""
    finish = _finished(ctx, app.accepted_at, instance, now)
    if finish is not None:
        app.status = ApplicationStatus.COMPLETED.value
        app.outcome = finish.outcome
        app.finished_at = finish.at
        app.working_minutes = finish.working_minutes


@dataclass(frozen=True)
class ApplicationForm:
    """One application as it reaches the provider: its route, its data, who applies, and
    where it came from (``file`` and ``line`` of `regflow start --from`), which an error about
    it names."""

    route: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    applicant: str | None = None
    file: str | None = None
    line: int | None = None


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
    form = ApplicationForm(route=route, data=dict(data or {}), applicant=applicant)
    return start_all(
        ctx, process_key, [form], version=version, actor=actor, reason=reason, org=org
    )[0]


def start_all(
    ctx: Context,
    process_key: str,
    forms: Sequence[ApplicationForm],
    *,
    version: int | None = None,
    actor: str | None = None,
    reason: str | None = None,
    org: str | None = None,
) -> list[Started]:
    """Several applications filed in one transaction, all at the same instant on the same
    version: all of them, or, if any one cannot be (a route the process lacks, say), none, with
    that application's error. Why: a State Corporation branch or the e-gov portal hands a
    provider a day's applications at once (`regflow start --from`), and on SQLite every
    transaction is one fsync, which costs more than the filing itself (bench/run.py)."""
    if not forms:
        raise UsageError(_("no applications to file"))
    now = ctx.now()
    current: ApplicationForm | None = None  # the form being filed, which an error is about
    try:
        with ctx.lean_transaction() as tx:
            connection = tx.connection
            state = records.filing_state(connection)  # one read for all a filing needs to know
            if not state.open_mode or org:
                org = filing_org(tx, actor, org, is_open=state.open_mode)  # services/users.py
            filing = definition_for_filing(
                ctx, tx, process_key, version=version, reason=reason, actor=actor,
                versions=state.versions,
            )
            process = loaded(filing.definition, tx)
            ids: list[int | None] = [state.application_id]
            if len(forms) > 1:
                ids += records.next_application_ids(connection, len(forms) - 1)
            started = []
            for current, app_id in zip(forms, ids, strict=True):
                started.append(
                    _start_in(ctx, tx, filing, process, current, app_id, org, actor, now)
                )
            current = None  # an error from here on (the commit's) is no one form's
    except RegflowError as exc:
        if current is not None and current.file and not exc.file:
            exc.file, exc.line = current.file, current.line
        if len(forms) > 1:  # the one application's reason, and what became of the others
            exc.message += "; " + _("nothing was filed ({n} applications given)").format(
                n=len(forms)
            )
        raise
    return [s() for s in started]  # the new steps' ids are read after the commit (PostgreSQL)


def _start_in(
    ctx: Context,
    tx: Tx,
    filing: Filing,
    process: LoadedProcess,
    form: ApplicationForm,
    application_id: int | None,
    org: str | None,
    actor: str | None,
    now: datetime,
) -> Callable[[], Started]:
    """One filing inside ``tx``; what it returns gives the result once ``tx`` committed.
    ``application_id``: the id taken from PostgreSQL's sequence, or None (SQLite gives it)."""
    definition = filing.definition
    reg = process.regulation
    route = form.route
    if reg.routes:
        route = route or reg.routes[0]
        if route not in reg.routes:
            raise UsageError(
                _("process '{key}' has no route '{route}' (routes: {routes})").format(
                    key=definition.key, route=route, routes=", ".join(reg.routes)
                )
            )
    elif route:
        raise UsageError(
            _("process '{key}' has no routes to choose from").format(key=definition.key)
        )
    values = dict(form.data)
    if route:
        values["route"] = route
    instance = engine.start(process, values)
    runs, failure = _advance(ctx, instance)  # a failing system step waits on an incident
    first_role = next((t.step.role for t in instance.ready_tasks()), None)
    accepted_at = ctx.calendar(reg.schedule_of(first_role)).next_opening(now)
    deadline_at, deadline_norm = _service_deadline(ctx, reg, route, accepted_at)
    finish = _finished(ctx, accepted_at, instance, now)
    status = ApplicationStatus.COMPLETED.value if finish else ApplicationStatus.RUNNING.value
    outcome = finish.outcome if finish else None
    snapshot = instance.snapshot()
    app_data = instance.data
    filed = {
        "definition_id": definition.id,
        "process_key": definition.key,
        "route": route,
        "applicant": form.applicant,
        "status": status,
        "outcome": outcome,
        "data": app_data,
        "snapshot": snapshot,
        "lock_version": 1,
        "filed_at": now,
        "accepted_at": accepted_at,
        "finished_at": finish.at if finish else None,
        "deadline_at": deadline_at,
        "deadline_norm": deadline_norm,
        "working_minutes": finish.working_minutes if finish else None,
        "org": org,
    }
    connection = tx.connection
    app_id = records.insert_application(connection, filed, application_id=application_id)
    app = ApplicationRow(
        id=app_id, definition_id=definition.id, process_key=definition.key, route=route,
        status=status, outcome=outcome, data=app_data, snapshot=snapshot, lock_version=1,
        accepted_at=accepted_at, deadline_at=deadline_at, org=org,
    )
    engine.keep(instance, (ctx.settings.database_url, app_id), snapshot)
    filing.log(tx, app_id)
    new_steps = _sync_steps(ctx, tx, app, instance, runs, now, open_before=set())
    _event(
        tx,
        now,
        "application_started",
        actor,
        application_id=app_id,
        process=definition.key,
        version=definition.version,
        route=route,
        data=values,
        change=(None, {"status": status, "outcome": outcome}),
    )
    incidents = _record_failure(ctx, tx, app, failure, now)

    def result() -> Started:
        return Started(
            application_id=app_id,
            process_key=definition.key,
            version=definition.version,
            route=route,
            accepted_at=accepted_at,
            deadline_at=deadline_at,
            open_steps=new_steps.get(),
            incidents=incidents,
        )

    return result


def _open_step(ctx: Context, row: StepRow | None, step_record_id: int) -> StepRow:
    """The step as locked, if it is still open; else why it is not (instants in the
    provider's zone, as everywhere a clerk reads them)."""
    if row is None:
        raise NotFound(_("no task {id} (see 'regflow tasks')").format(id=step_record_id))
    if row.status == StepStatus.COMPLETED.value:
        completed_at = instant(row.completed_at, zone(ctx.settings.tz))
        raise StateError(
            _("task {id} was already completed by {user} at {at}").format(
                id=row.id, user=row.completed_by, at=completed_at
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


def _check_user(user: str) -> str:
    user = (user or "").strip()
    if not user:
        raise UsageError(_("say who you are: --user NAME or REGFLOW_USER"))
    if len(user) > 200:
        raise UsageError(_("a user name is at most 200 characters"))
    return user


def claim(ctx: Context, step_record_id: int, user: str) -> StepRow:
    user = _check_user(user)
    now = ctx.now()
    with ctx.lean_transaction() as tx:
        locked, is_open = records.lock_step(tx.connection, step_record_id)
        row = _open_step(ctx, locked, step_record_id)
        if not is_open:
            authorize_step(tx, row, user, "claim", is_open=False)  # services/users.py
        if row.status == StepStatus.CLAIMED.value:
            if row.claimed_by == user:
                return row
            raise StateError(
                _("task {id} is already claimed by {user}").format(id=row.id, user=row.claimed_by)
            )
        claimed = records.claim_step(tx.connection, row, user=user, at=now)
        _event(
            tx,
            now,
            "step_claimed",
            user,
            application_id=row.application_id,
            step_record_id=row.id,
            step=row.step_id,
            change=(row.audited(), claimed.audited()),
        )
        return claimed


def complete(
    ctx: Context, step_record_id: int, user: str, data: dict[str, Any] | None = None
) -> Completed:
    return complete_all(ctx, [step_record_id], user, data)[0]


def complete_all(
    ctx: Context, step_record_ids: Sequence[int], user: str, data: dict[str, Any] | None = None
) -> list[Completed]:
    """Several tasks completed by one person in one transaction: all of them, or, if any one
    cannot be (not found, not this person's, already done), none, with that task's error. Why:
    a head signs a day's applications at once, and on SQLite every transaction is one fsync,
    which costs more than the completion itself (bench/run.py), so forty signatures in one
    commit are forty times fewer. Each task is still completed exactly as by :func:`complete`,
    at the same instant, with the same decision data; two tasks of one application see each
    other's changes."""
    user = _check_user(user)
    ids = list(step_record_ids)
    if not ids:
        raise UsageError(_("name at least one task to complete"))
    twice = sorted(i for i, n in Counter(ids).items() if n > 1)
    if twice:
        raise UsageError(_("task {id} is named twice").format(id=twice[0]))
    now = ctx.now()
    try:
        with ctx.lean_transaction() as tx:
            if len(ids) > 1:
                records.lock_for_completions(tx.connection, ids)  # in one order: no deadlock
            completed = [_complete_in(ctx, tx, i, user, dict(data or {}), now) for i in ids]
    except RegflowError as exc:
        if len(ids) > 1:  # the one task's reason, and what became of the others
            exc.message += "; " + _("nothing was completed ({n} tasks named)").format(n=len(ids))
        raise
    return [c() for c in completed]  # the new steps' ids are read after the commit (PostgreSQL)


def _complete_in(
    ctx: Context, tx: Tx, step_record_id: int, user: str, data: dict[str, Any], now: datetime
) -> Callable[[], Completed]:
    """One completion inside ``tx``; what it returns gives the result once ``tx`` committed."""
    connection = tx.connection
    locks = records.lock_for_completion(connection, step_record_id)
    row = _open_step(ctx, locks.step if locks else None, step_record_id)
    assert locks is not None  # _open_step raised NotFound otherwise
    app = locks.application
    if not locks.open_mode:  # services/users.py: roles, organisations, delegations
        authorize_step(tx, row, user, "complete", is_open=False, app=app)
    if row.status == StepStatus.CLAIMED.value and row.claimed_by != user:
        raise PermissionDenied(
            _("task {id} is claimed by {owner}, not by {user}").format(
                id=row.id, owner=row.claimed_by, user=user
            )
        )
    process = cached(locks.source_hash) or loaded_by_id(
        tx.session, app.definition_id, locks.source_hash
    )
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
    claimed = row.claimed_at is not None
    done = records.complete_step(
        connection,
        row,
        user=user,
        at=now,
        claimed_by=row.claimed_by if claimed else user,
        claimed_at=row.claimed_at if claimed else now,
        working_minutes=calendar.working_minutes(row.ready_at, now),
        outcome=data or None,
    )
    new_steps = _sync_steps(ctx, tx, app, instance, runs, now, open_before)
    finish = _finished(ctx, app.accepted_at, instance, now)
    records.save_application(
        connection, app, snapshot=instance.snapshot(), data=instance.data, finish=finish
    )
    _event(
        tx,
        now,
        "step_completed",
        user,
        application_id=app.id,
        step_record_id=row.id,
        step=row.step_id,
        data=data,
        working_minutes=done.working_minutes,
        change=(row.audited(), done.audited()),
    )
    if finish is not None:
        _event(
            tx,
            now,
            "application_finished",
            user,
            application_id=app.id,
            outcome=finish.outcome,
            change=(
                {"status": app.status, "outcome": app.outcome},
                {"status": ApplicationStatus.COMPLETED.value, "outcome": finish.outcome},
            ),
        )
    incidents = _record_failure(ctx, tx, app, failure, now)

    def result() -> Completed:
        return Completed(
            step_record_id=row.id,
            application_id=app.id,
            working_minutes=done.working_minutes or 0,
            application_status=(
                ApplicationStatus.COMPLETED.value if finish else app.status
            ),
            outcome=finish.outcome if finish else app.outcome,
            open_steps=new_steps.get(),
            incidents=incidents,
        )

    return result


# --- Service steps and incidents (issue 12) -----------------------------------------------------
# A service task's handler runs under its retry policy (handlers.registry.Runner). If it still
# fails, the engine stops at that task (it stays READY in the snapshot), the runs before it are
# recorded as usual, and the step waits on an incident until `regflow retry` runs it again.


@dataclass(frozen=True)
class _Run(ServiceRun):
    """A completed service task with its handler call (attempts, errors before success)."""

    call: Call | None = None


class _OnFirstCall:
    """The handler runner, built when a service step first needs it: most steps of most
    routes are people's, and building one reads the adapters' configuration."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._runner: Runner | None = None

    def __call__(self, step: Step, data: dict[str, Any]) -> dict[str, Any]:
        if self._runner is None:
            self._runner = runner_for(self._ctx.settings.handlers, self._ctx.now().date())
        return self._runner(step, data)

    @property
    def calls(self) -> list[Call]:
        return self._runner.calls if self._runner is not None else []


def _advance(ctx: Context, instance: Instance) -> tuple[list[ServiceRun], HandlerFailed | None]:
    """Run the workflow on until people are needed; a handler that gives up stops it there."""
    runner = _OnFirstCall(ctx)
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


def _resolve(tx: Tx, incident: Incident, now: datetime, by: str) -> None:
    incident.status = "resolved"
    incident.resolved_at = now
    incident.resolved_by = by
    _event(
        tx,
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
    ctx: Context, tx: Tx, app: ApplicationRef, reg: Regulation, run: ServiceRun,
    now: datetime,
) -> None:
    """A service step timed like any other: ready when it became ready (the incident's opening,
    if it waited on one), completed when the handler answered, against the model's norm."""
    connection = tx.connection
    call: Call | None = getattr(run, "call", None)
    by = f"system:{run.step.handler or 'none'}"
    waited = records.step_with_status(connection, app.id, run.task_id, INCIDENT_STEP_STATUS)
    calendar = ctx.calendar(reg.schedule_of(run.step.role))
    if waited is None:
        values = _new_step_row(
            ctx, reg, app, run.task_id, run.step, now, StepStatus.COMPLETED.value
        )
        values.update(claimed_at=now, completed_at=now, completed_by=by, working_minutes=0,
                      outcome=run.result or None)
        row = records.insert_step(connection, values)
    else:
        row = records.complete_step(
            connection, waited, user=by, at=now, claimed_by=waited.claimed_by,
            claimed_at=waited.claimed_at or now,
            working_minutes=calendar.working_minutes(waited.ready_at, now),
            outcome=run.result or None,
        )
    errors = list(call.errors) if call else []
    # An open incident always has its step row waiting in status 'incident' (_record_failure
    # makes both), so only a step that waited can have one to resolve.
    incident = _open_incident(tx.session, app.id, run.task_id) if waited else None
    if incident is not None:  # it waited: this run (attempts + 1 more) resolves its incident
        incident.attempts += len(errors) + 1
        incident.errors = [*incident.errors, *errors]
        incident.step_record_id = row.id
        _resolve(tx, incident, now, by)
    elif errors:
        # Failed, then answered within its retries: each failed attempt is an incident of its
        # own (the system was down that often), and the answer resolves them all at once.
        for number, error in enumerate(errors, 1):
            failed = _new_incident(tx, app, row, run.step.handler, [error], now)
            failed.attempts = number
            _resolve(tx, failed, now, by)


def _new_incident(
    tx: Tx, app: ApplicationRef, row: StepRow, handler: str | None,
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
    tx.session.add(incident)
    tx.session.flush()
    _event(
        tx,
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
    ctx: Context, tx: Tx, app: ApplicationRef, failure: HandlerFailed | None,
    now: datetime,
) -> list[int]:
    """The step whose handler gave up: a step row in status 'incident' and an open incident
    (or, on a failed retry, more attempts on the incident already open). Its ids."""
    if failure is None or failure.task_id is None:
        return []
    incident = _open_incident(tx.session, app.id, failure.task_id)
    if incident is not None:
        incident.attempts += failure.attempts
        incident.errors = [*incident.errors, *failure.errors]
        incident.error = failure.errors[-1]
        _event(
            tx,
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
    reg = loaded_by_id(tx.session, app.definition_id).regulation
    step = reg.steps[failure.step_id]
    row = records.insert_step(
        tx.connection,
        _new_step_row(ctx, reg, app, failure.task_id, step, now, INCIDENT_STEP_STATUS),
    )
    return [_new_incident(tx, app, row, step.handler, failure.errors, now).id]


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
                f"{instant(incident.resolved_at, zone(ctx.settings.tz))}"
            )
        app = session.get(Application, incident.application_id, with_for_update=True)
        assert app is not None
        process = loaded_by_id(session, app.definition_id)
        instance = engine.restore(process, app.snapshot)
        runs, failure = _advance(ctx, instance)
        app.snapshot = instance.snapshot()
        app.data = instance.data
        tx = Tx.of(session)
        new_rows = _sync_steps(ctx, tx, app, instance, runs, now)
        if incident.status == "resolved":
            incident.resolved_by = by
        _finish_if_done(ctx, app, instance, now)
        if app.status == ApplicationStatus.COMPLETED.value:
            _event(
                session, now, "application_finished", by, application_id=app.id,
                outcome=app.outcome,
            )
        _record_failure(ctx, tx, app, failure, now)
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
            open_steps=new_rows.get(),
            incidents=list(still_open),
        )
