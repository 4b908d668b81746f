"""Stored due dates that follow the working calendar when it changes.

A transfer decree, a provider's own day off, new opening hours in schedules.toml or a new
release of the ``holidays`` package can move due dates regflow has already stored: each running
application's service deadline, each open step's due time, each waiting timer. This module puts
them back in line, at a cost that follows what changed rather than how much is stored.

* **What the calendar was.** Every pass ends with a ``calendar_reprojected`` event (``regflow
  init`` writes a ``calendar_baseline``) holding the calendar files' fingerprint and the
  calendar's :class:`~regflow.workflows.schedules.CalendarSignature`: per month and per
  (schedule, year), a short hash of the day plans. The newest such event is one step along a
  partial index (store/models.py), however long the log.
* **The worker starts** (:func:`reproject_if_calendar_changed`): the same fingerprint → nothing
  else is read. Otherwise the signatures give the changed months of each schedule, and only the
  rows whose span touches one of them are candidates, found by range queries on indexed columns
  (:func:`_candidates`): a step by [ready_at, due_at] in its lane's schedule, a deadline by
  [accepted_at, deadline_at] in its process's, a timer by [waiting_since, due_at] (or up to the
  deadline it counts back from) in its own, and any application with a pause in such a month.
* **No previous signature** (a database from before signatures; ``regflow calendar
  reproject``): every running application, read in batches by id (:func:`reproject`).

Both passes work in batches, each one transaction: plain column reads (never the snapshot), the
rules of :func:`project` in Python, UPDATEs of only the rows whose value changed (executemany,
each guarded by the version it read) and, for each application that moved, its
``due_dates_reprojected`` event in the same transaction. A crash leaves every batch either done
or not; the calendar event is written only when the whole pass has finished, so the next run
does the pass again and finds the finished batches with nothing left to move (no second event).
On PostgreSQL a batch takes its rows ``FOR UPDATE SKIP LOCKED``: an application a clerk is
working on right now is left for a later round instead of waited for, so the pass never waits
on a clerk while holding rows the clerk may need.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Integer,
    Table,
    and_,
    any_,
    bindparam,
    exists,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Row

from regflow.errors import ConflictError, UsageError
from regflow.services.context import Context
from regflow.services.events import record
from regflow.store.db import Tx
from regflow.store.models import (
    CALENDAR_EVENTS_WHERE,
    OPEN_STEP_STATUSES,
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
from regflow.store.prepared import pipelined
from regflow.store.records import guarded_update, guarded_values
from regflow.workflows import timers as wt
from regflow.workflows.calendar import WorkCalendar
from regflow.workflows.model import Regulation
from regflow.workflows.norms import Norm, NormUnit
from regflow.workflows.schedules import CalendarSignature, calendar_signature, clear_cache

LOG = logging.getLogger("regflow.worker")

BATCH_SIZE = 2000  # applications per transaction: tens of milliseconds of a writer's lock
# The signature's years. Why from 2010: no application regflow keeps is older (the benchmark's
# and the library's oldest regulations were in force in 2015-2016; regflow itself is of 2026);
# why 3 years ahead: the longest norms (months, "1 calendar year" timers) end well within it.
# A window never shrinks: each signature covers at least the previous one's years.
FIRST_YEAR = 2010
YEARS_AHEAD = 3
# More candidates than this: a full pass, which streams by id instead of holding the set.
MAX_CANDIDATES = 100_000
RETRIES = 3  # a batch that met a concurrent change is read and computed again
BUSY_ROUNDS = 50  # rounds for applications that were locked by someone (PostgreSQL)

_apps = cast(Table, Application.__table__)
_steps = cast(Table, StepRecord.__table__)
_timers = cast(Table, Timer.__table__)
_pauses = cast(Table, Suspension.__table__)
_RUNNING = ApplicationStatus.RUNNING.value

T = TypeVar("T")


# ------------------------------------------------------------------------------ the rules
Pause = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class OpenStep:
    """What re-projecting an open step reads of it."""

    id: int
    role: str | None
    norm: str | None
    ready_at: datetime
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class WaitingTimer:
    """What re-projecting a waiting timer reads of it."""

    id: int
    rule: str
    schedule: str
    waiting_since: datetime
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Projection:
    """An application's due dates on the current calendar: only the ones that moved."""

    deadline_at: datetime | None
    deadline_moved: bool
    steps: dict[int, datetime]
    timers: dict[int, datetime]

    @property
    def moved(self) -> bool:
        return self.deadline_moved or bool(self.steps) or bool(self.timers)


@lru_cache(maxsize=512)
def _norm(text: str) -> Norm:
    return Norm.parse(text)


@lru_cache(maxsize=512)
def _rule(text: str) -> wt.TimerRule:
    return wt.TimerRule.parse(text)


def _pushed(calendar: WorkCalendar, t: datetime, minutes: int) -> datetime:
    return calendar.add(t, Norm(minutes, NormUnit.MINUTES)) if minutes > 0 else t


def project(
    ctx: Context,
    reg: Regulation,
    *,
    route: str | None,
    accepted_at: datetime,
    deadline_at: datetime | None,
    pauses: Sequence[Pause],
    steps: Iterable[OpenStep],
    timers: Iterable[WaitingTimer],
) -> Projection:
    """The one set of rules for an application's due dates (a calendar pass and ``resume``
    alike): the deadline from acceptance by the route's norm in the process's hours, a step's
    due time from its ready time by its norm in its lane's hours, a timer from when it started
    waiting (or back from the new deadline); each pushed later by the working time, in its own
    hours, of the closed pauses after its start."""
    from regflow.services.applications import _service_deadline

    def paused(calendar: WorkCalendar, since: datetime) -> int:
        return sum(calendar.working_minutes(max(a, since), b) for a, b in pauses)

    deadline = deadline_at
    base, _ = _service_deadline(ctx, reg, route, accepted_at)
    if base is not None:
        app_calendar = ctx.calendar(reg.schedule)
        deadline = _pushed(app_calendar, base, paused(app_calendar, accepted_at))
    moved_steps: dict[int, datetime] = {}
    for step in steps:
        if not step.norm:
            continue
        calendar = ctx.calendar(reg.schedule_of(step.role))
        due = _pushed(calendar, calendar.add(step.ready_at, _norm(step.norm)),
                      paused(calendar, step.ready_at))
        if due != step.due_at:
            moved_steps[step.id] = due
    moved_timers: dict[int, datetime] = {}
    for timer in timers:
        due = wt.due_at(_rule(timer.rule), ctx.calendar(timer.schedule),
                        waiting_since=timer.waiting_since, deadline=deadline)
        if due != timer.due_at:
            moved_timers[timer.id] = due
    return Projection(deadline, deadline != deadline_at, moved_steps, moved_timers)


# --------------------------------------------------------------------- the calendar in force
def calendar_fingerprint(ctx: Context) -> str:
    """A hash of what the calendars are built from, cheap enough for every worker start: the
    schedules file, every override file in force, the time zone and the ``holidays`` release."""
    import holidays

    from regflow.workflows.schedules import DEFAULT_OVERRIDES_DIR, DEFAULT_SCHEDULES_FILE

    digest = hashlib.sha256()
    files = [DEFAULT_SCHEDULES_FILE, *sorted(DEFAULT_OVERRIDES_DIR.glob("*.toml"))]
    if ctx.settings.calendar_dir is not None and ctx.settings.calendar_dir.is_dir():
        files += sorted(ctx.settings.calendar_dir.glob("*.toml"))
    for path in files:
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"tz={ctx.settings.tz}\0holidays={holidays.__version__}".encode())
    return digest.hexdigest()


def _last_calendar(ctx: Context) -> dict[str, Any] | None:
    """The payload of the newest calendar event (one step along ix_events_calendar)."""
    with ctx.lean_transaction() as tx:
        payload = tx.connection.execute(
            select(Event.payload).where(CALENDAR_EVENTS_WHERE).order_by(Event.id.desc()).limit(1)
        ).scalar()
    return payload if isinstance(payload, dict) else None


def _signature(ctx: Context, previous: CalendarSignature | None) -> CalendarSignature:
    last = max(ctx.now().year + YEARS_AHEAD, FIRST_YEAR)
    first = FIRST_YEAR
    if previous is not None:
        first, last = min(first, previous.first_year), max(last, previous.last_year)
    return calendar_signature(tz=ctx.settings.tz, overrides_dir=ctx.settings.calendar_dir,
                              first_year=first, last_year=last)


def _record_calendar(
    ctx: Context, tx: Tx, kind: str, actor: str | None, fingerprint: str,
    signature: CalendarSignature, **payload: Any,
) -> None:
    record(tx, ctx.now(), kind, actor, tracked=False, fingerprint=fingerprint,
           signature=signature.to_payload(), **payload)


def record_calendar_baseline(ctx: Context, actor: str | None = None) -> bool:
    """On a database with no application and no calendar event yet, record the calendar in
    force, so that its first worker starts from a known calendar instead of a full pass.
    Returns whether it recorded one (a database with applications keeps what it has: without
    a known calendar its next worker re-projects everything once)."""

    def blank(tx: Tx) -> bool:
        connection = tx.connection
        calendar_event = connection.execute(
            select(Event.id).where(CALENDAR_EVENTS_WHERE).limit(1)
        ).scalar()
        application = connection.execute(select(_apps.c.id).limit(1)).scalar()
        return calendar_event is None and application is None

    with ctx.lean_transaction() as tx:
        if not blank(tx):
            return False
    fingerprint = calendar_fingerprint(ctx)
    signature = _signature(ctx, None)  # computed outside the write transaction
    with ctx.lean_transaction() as tx:
        if not blank(tx):  # someone was quicker
            return False
        _record_calendar(ctx, tx, "calendar_baseline", actor, fingerprint, signature)
    return True


def reproject_if_calendar_changed(
    ctx: Context, actor: str | None = None, *, batch_size: int = BATCH_SIZE, force: bool = False
) -> int | None:
    """Bring the stored due dates in line with the calendar once per change of it (the worker
    does this when it starts); None when nothing changed, else how many applications moved.
    ``force``: re-project everything whatever the calendar events say (:func:`reproject`)."""
    _check(batch_size)
    fingerprint = calendar_fingerprint(ctx)
    last = _last_calendar(ctx)
    previous = CalendarSignature.from_payload(last.get("signature")) if last else None
    if (not force and previous is not None and last is not None
            and last.get("fingerprint") == fingerprint):
        return None
    clear_cache()  # the files changed: calendars built before are stale
    signature = _signature(ctx, previous)
    changes = signature.changes_since(previous) if previous is not None and not force else None
    if changes is None:
        LOG.info("re-projecting every running application's due dates" if force else
                 "no calendar known to match the stored due dates: re-projecting all of them")
        moved = _full_pass(ctx, actor, batch_size)
        how: dict[str, Any] = {"pass": "full"}
    elif not changes:
        moved, how = 0, {"pass": "none"}
    else:
        summary = {name: _spans(months) for name, months in sorted(changes.items())}
        LOG.info("calendar changed (%s): re-projecting what it reaches", summary)
        found = _changed_pass(ctx, actor, changes, batch_size)
        if found is None:
            LOG.info("the change reaches most due dates: re-projecting all of them")
            moved, how = _full_pass(ctx, actor, batch_size), {"pass": "full", "changed": summary}
        else:
            moved, how = found, {"pass": "changed", "changed": summary}
    with ctx.lean_transaction() as tx:
        _record_calendar(ctx, tx, "calendar_reprojected", actor, fingerprint, signature,
                         applications=moved, **how)
    return moved


def reproject(ctx: Context, actor: str | None = None, *, batch_size: int = BATCH_SIZE) -> int:
    """Re-project every running application's due dates on the current calendar (``regflow
    calendar reproject``: whatever the calendar events say); returns how many moved."""
    moved = reproject_if_calendar_changed(ctx, actor, batch_size=batch_size, force=True)
    assert moved is not None  # forced: always a pass
    return moved


def _check(batch_size: int) -> None:
    if batch_size < 1:
        raise UsageError(f"a re-projection batch needs at least 1 application, not {batch_size}")


def _spans(months: Sequence[tuple[int, int]]) -> list[str]:
    """[(2026, 7), (2026, 8), (2027, 1)] → ["2026-07..2026-08", "2027-01"] (for the log)."""
    return [f"{a[0]}-{a[1]:02d}" if a == b else f"{a[0]}-{a[1]:02d}..{b[0]}-{b[1]:02d}"
            for a, b in _runs(months)]


def _runs(months: Sequence[tuple[int, int]]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    runs: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for year, month in sorted(months):
        if runs:
            (fy, fm), (ly, lm) = runs[-1]
            if year * 12 + month == ly * 12 + lm + 1:
                runs[-1] = ((fy, fm), (year, month))
                continue
        runs.append(((year, month), (year, month)))
    return runs


# ------------------------------------------------------------------------------- the passes
def _retried(ctx: Context, work: Callable[[Tx], T]) -> T:
    """``work`` in one transaction, again from a fresh read if a concurrent change beat it."""
    for attempt in range(1, RETRIES + 1):
        try:
            with ctx.lean_transaction() as tx:
                return work(tx)
        except ConflictError:
            if attempt == RETRIES:
                raise
            LOG.info("re-projection batch met a concurrent change; reading it again")
    raise AssertionError("unreachable")  # pragma: no cover


def _full_pass(ctx: Context, actor: str | None, batch_size: int) -> int:
    """Every running application, in batches of ``batch_size`` ids in id order."""
    now = ctx.now()
    regs: dict[int, Regulation] = {}
    after: int | None = 0
    moved = 0
    busy: list[int] = []
    while after is not None:
        def batch(tx: Tx, after: int = after) -> tuple[int | None, int, list[int]]:
            # the next ids along the primary key, whatever their status (a status index would
            # have the database sort every running id after ``after`` for each batch)
            rows = tx.connection.execute(
                select(_apps.c.id, _apps.c.status)
                .where(_apps.c.id > after).order_by(_apps.c.id).limit(batch_size)
            ).all()
            if not rows:
                return None, 0, []
            ids = [i for i, status in rows if status == _RUNNING]
            n, locked_out = _reproject_batch(ctx, tx, ids, regs, actor, now) if ids else (0, [])
            return rows[-1][0], n, locked_out

        after, n, locked_out = _retried(ctx, batch)
        moved += n
        busy += locked_out
    return moved + _busy_rounds(ctx, busy, regs, actor, now, batch_size)


def _changed_pass(
    ctx: Context, actor: str | None, changes: dict[str, list[tuple[int, int]]], batch_size: int
) -> int | None:
    """The candidates of the changed months only; None if they are too many to hold."""
    now = ctx.now()
    regs: dict[int, Regulation] = {}
    with ctx.read_transaction() as tx:  # only reads: no writer waits on the search
        ids = _candidates(ctx, tx, changes, regs)
    if ids is None:
        return None
    moved, busy = _chosen(ctx, ids, regs, actor, now, batch_size)
    return moved + _busy_rounds(ctx, busy, regs, actor, now, batch_size)


def _chosen(
    ctx: Context, ids: list[int], regs: dict[int, Regulation], actor: str | None,
    now: datetime, batch_size: int,
) -> tuple[int, list[int]]:
    """These applications, ``batch_size`` per transaction: (how many moved, the ones held by
    someone else meanwhile)."""
    moved = 0
    busy: list[int] = []
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]

        def batch(tx: Tx, chunk: list[int] = chunk) -> tuple[int, list[int]]:
            return _reproject_batch(ctx, tx, chunk, regs, actor, now)

        n, held = _retried(ctx, batch)
        moved += n
        busy += sorted(held)
    return moved, busy


def _busy_rounds(
    ctx: Context, busy: list[int], regs: dict[int, Regulation], actor: str | None,
    now: datetime, batch_size: int,
) -> int:
    """Applications someone held locked during their batch (PostgreSQL), tried again until
    done; their clerks' transactions are short."""
    moved = 0
    for _round in range(BUSY_ROUNDS):
        if not busy:
            return moved
        time.sleep(0.05)
        n, busy = _chosen(ctx, busy, regs, actor, now, batch_size)
        moved += n
    if busy:
        raise ConflictError(
            f"applications {', '.join(map(str, busy[:5]))} stayed locked by other transactions; "
            "the rest is re-projected: run it again"
        )
    return moved


# the columns a batch reads: never the snapshot or the data
_APP_COLUMNS = (_apps.c.id, _apps.c.definition_id, _apps.c.route, _apps.c.status,
                _apps.c.outcome, _apps.c.accepted_at, _apps.c.deadline_at, _apps.c.lock_version)
_STEP_COLUMNS = (_steps.c.id, _steps.c.application_id, _steps.c.role, _steps.c.norm,
                 _steps.c.ready_at, _steps.c.due_at, _steps.c.lock_version)
_TIMER_COLUMNS = (_timers.c.id, _timers.c.application_id, _timers.c.rule, _timers.c.schedule,
                  _timers.c.waiting_since, _timers.c.due_at)

# Open steps of the batch's applications, along ix_steps_application_id: written as an
# expression, the status test cannot steer SQLite (which has no statistics) to the status index,
# which would read every open step of the database for each batch.
_OPEN_STEP = _steps.c.status.concat("").in_(OPEN_STEP_STATUSES)

# guarded as store/records.py guards its writes: the version read, bumped (timers: still
# waiting, still due when it was read)
_SET_DEADLINE = guarded_update(_apps, "deadline_at")
_SET_STEP_DUE = guarded_update(_steps, "due_at")
_SET_TIMER_DUE = (
    update(_timers)
    .where(_timers.c.id == bindparam("row_id"), _timers.c.status == TIMER_WAITING,
           _timers.c.due_at == bindparam("old_due"))
    .values(due_at=bindparam("new_due"))
)


def _reproject_batch(
    ctx: Context, tx: Tx, ids: Sequence[int], regs: dict[int, Regulation], actor: str | None,
    now: datetime,
) -> tuple[int, list[int]]:
    """Re-project the running applications among ``ids`` in ``tx``: (how many moved, the ids
    left for later because someone held one of their rows)."""
    connection = tx.connection
    postgres = connection.dialect.name != "sqlite"

    def among(column: Any, values: Sequence[int]) -> Any:
        return _among(connection, column, values)

    apps = {
        a.id: a
        for a in connection.execute(
            select(*_APP_COLUMNS).where(among(_apps.c.id, ids)).order_by(_apps.c.id)
            .with_for_update(skip_locked=True)
        )
    }
    busy = [i for i in ids if i not in apps] if postgres else []
    running = sorted(i for i, a in apps.items() if a.status == _RUNNING)
    if not running:
        return 0, busy
    steps = _by_app(connection.execute(
        select(*_STEP_COLUMNS)
        .where(among(_steps.c.application_id, running), _OPEN_STEP)
        .order_by(_steps.c.id).with_for_update(skip_locked=True)
    ))
    timers = _by_app(connection.execute(
        select(*_TIMER_COLUMNS)
        .where(among(_timers.c.application_id, running),
               _timers.c.status == TIMER_WAITING)
        .order_by(_timers.c.id).with_for_update(skip_locked=True)
    ))
    if postgres:  # a row skipped as locked leaves its application for a later round
        held = _locked_out(connection, running, steps, timers)
        busy += sorted(held)
        running = [i for i in running if i not in held]
    pauses: dict[int, list[Pause]] = defaultdict(list)
    suspended: set[int] = set()
    for p in connection.execute(
        select(_pauses.c.application_id, _pauses.c.started_at, _pauses.c.ended_at)
        .where(among(_pauses.c.application_id, running))
    ):
        if p.ended_at is None:
            suspended.add(p.application_id)  # re-projected when it resumes
        else:
            pauses[p.application_id].append((p.started_at, p.ended_at))

    deadlines: list[dict[str, Any]] = []
    step_dues: list[dict[str, Any]] = []
    timer_dues: list[dict[str, Any]] = []
    moved: list[tuple[Any, Projection]] = []
    for app_id in running:
        if app_id in suspended:
            continue
        app = apps[app_id]
        reg = regs.get(app.definition_id)
        if reg is None:
            reg = regs[app.definition_id] = _regulation(tx, app.definition_id)
        result = project(
            ctx, reg, route=app.route, accepted_at=app.accepted_at, deadline_at=app.deadline_at,
            pauses=pauses.get(app_id, ()),
            steps=(OpenStep(s.id, s.role, s.norm, s.ready_at, s.due_at)
                   for s in steps.get(app_id, ())),
            timers=(WaitingTimer(t.id, t.rule, t.schedule, t.waiting_since, t.due_at)
                    for t in timers.get(app_id, ())),
        )
        if not result.moved:
            continue
        moved.append((app, result))
        if result.deadline_moved:
            deadlines.append(guarded_values(app_id, app.lock_version,
                                            deadline_at=result.deadline_at))
        for s in steps.get(app_id, ()):
            if s.id in result.steps:
                step_dues.append(guarded_values(s.id, s.lock_version, due_at=result.steps[s.id]))
        for t in timers.get(app_id, ()):
            if t.id in result.timers:
                timer_dues.append({"row_id": t.id, "old_due": t.due_at,
                                   "new_due": result.timers[t.id]})
    for statement, rows, what in ((_SET_STEP_DUE, step_dues, "task"),
                                  (_SET_DEADLINE, deadlines, "application"),
                                  (_SET_TIMER_DUE, timer_dues, "timer")):
        if rows:
            result_ = connection.execute(statement, rows)
            if connection.dialect.supports_sane_multi_rowcount and result_.rowcount != len(rows):
                raise ConflictError(f"someone else changed a {what} first; nothing was saved")
    with pipelined(connection):  # the events, sent together on PostgreSQL (the updates ended it)
        for row, result in moved:
            audited = {"status": row.status, "outcome": row.outcome}
            record(tx, now, "due_dates_reprojected", actor, application_id=row.id,
                   deadline_at=result.deadline_at.isoformat() if result.deadline_at else None,
                   change=(audited, dict(audited)))
    return len(moved), busy


def _among(connection: Any, column: Any, ids: Sequence[int]) -> Any:
    """``column IN ids``; on PostgreSQL as ``= ANY`` of one array parameter, which psycopg and
    the server read in one piece instead of thousands of placeholders."""
    if connection.dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(Integer)))
    return column.in_(ids)


def _by_app(rows: Iterable[Row[Any]]) -> dict[int, list[Row[Any]]]:
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.application_id].append(row)
    return grouped


def _locked_out(
    connection: Any, running: list[int], steps: dict[int, list[Row[Any]]],
    timers: dict[int, list[Row[Any]]],
) -> set[int]:
    """The applications one of whose open steps or waiting timers the locking read skipped."""
    held: set[int] = set()
    for table, got in ((_steps, steps), (_timers, timers)):
        status = _OPEN_STEP if table is _steps else table.c.status == TIMER_WAITING
        read = {r.id for rows in got.values() for r in rows}
        for app_id, row_id in connection.execute(
            select(table.c.application_id, table.c.id)
            .where(_among(connection, table.c.application_id, running), status)
        ):
            if row_id not in read:
                held.add(app_id)
    return held


def _regulation(tx: Tx, definition_id: int) -> Regulation:
    from regflow.services.processes import loaded_by_id

    return loaded_by_id(tx.session, definition_id).regulation


# ------------------------------------------------------------------------------ candidates
def _month_ranges(
    changes: dict[str, list[tuple[int, int]]], tz: ZoneInfo
) -> dict[tuple[datetime, datetime], set[str]]:
    """Changed months as instant ranges [start, end), each with the schedules changed in it:
    a decree's months are one range for every schedule it reaches."""
    ranges: dict[tuple[datetime, datetime], set[str]] = defaultdict(set)
    for schedule, months in changes.items():
        for (fy, fm), (ly, lm) in _runs(months):
            end_year, end_month = divmod(ly * 12 + lm, 12)  # the month after the run
            ranges[(datetime(fy, fm, 1, tzinfo=tz),
                    datetime(end_year, end_month + 1, 1, tzinfo=tz))].add(schedule)
    return ranges


def _candidates(
    ctx: Context, tx: Tx, changes: dict[str, list[tuple[int, int]]],
    regs: dict[int, Regulation],
) -> list[int] | None:
    """The running applications a change of these months can reach, by range queries on
    indexed columns; None if there are more than MAX_CANDIDATES."""
    connection = tx.connection
    versions = connection.execute(
        select(ProcessDefinition.id).where(exists().where(
            _apps.c.status == _RUNNING, _apps.c.definition_id == ProcessDefinition.id))
    ).scalars().all()
    for version in versions:
        if version not in regs:
            regs[version] = _regulation(tx, version)
    running = _apps.c.status == _RUNNING
    found: set[int] = set()
    for (start, end), schedules in _month_ranges(changes, ZoneInfo(ctx.settings.tz)).items():
        queries = []
        deadline_versions = [v for v in versions if regs[v].schedule in schedules]
        if deadline_versions:  # ix_applications_running_deadline, one range per version
            queries.append(select(_apps.c.id).where(
                running, _apps.c.definition_id.in_(deadline_versions),
                _apps.c.deadline_at >= start, _apps.c.accepted_at < end))
        lanes = [c for v in versions if (c := _lanes_in(v, regs[v], schedules)) is not None]
        if lanes:  # ix_steps_status_due
            queries.append(select(_steps.c.application_id).distinct().where(
                is_open_step(_steps.c.status), _steps.c.due_at >= start,
                _steps.c.ready_at < end, _steps.c.norm.is_not(None), or_(*lanes)))
        waiting = and_(_timers.c.status == TIMER_WAITING,
                       _timers.c.schedule.in_(sorted(schedules)),
                       _timers.c.waiting_since < end)
        queries.append(select(_timers.c.application_id).where(  # ix_timers_due
            waiting, _timers.c.application_id.is_not(None), _timers.c.due_at >= start))
        queries.append(  # timers counted back from a deadline in (or after) the month:
            # from the deadlines' index (one range per version) to each one's timers
            select(_timers.c.application_id)
            .select_from(_apps.join(_timers, _timers.c.application_id == _apps.c.id))
            .where(running, _apps.c.definition_id.in_(versions), _apps.c.deadline_at >= start,
                   waiting))
        queries.append(  # a pause in the month moves everything after it (a few rows; the
            # batch skips an application that is no longer running)
            select(_pauses.c.application_id)
            .where(_pauses.c.ended_at.is_not(None), _pauses.c.started_at < end,
                   _pauses.c.ended_at >= start))
        for query in queries:
            found.update(connection.execute(query).scalars())
            if len(found) > MAX_CANDIDATES:
                return None
    return sorted(found)


def _lanes_in(version: int, reg: Regulation, schedules: set[str]) -> Any:
    """The steps of ``version`` whose lane keeps one of ``schedules``' hours (None: none)."""
    other = sorted(r for r in reg.lanes if reg.schedule_of(r) not in schedules)
    mine = sorted(r for r in reg.lanes if reg.schedule_of(r) in schedules)
    if reg.schedule in schedules:  # roles without a lane of their own keep the process's hours
        role = or_(_steps.c.role.is_(None), _steps.c.role.not_in(other)) if other else true()
    elif mine:
        role = _steps.c.role.in_(mine)
    else:
        return None
    return and_(_steps.c.definition_id == version, role)
