"""The auditor's step-timing report: each step's actual working time against its norm.

Read from the indexed ``steps`` and ``applications`` rows only; workflows are never
deserialized. The steps view is one grouped SQL pass over the step rows (grouped by process and
step along their index, so SQLite does not sort a million rows): per step the count of late
completions and, as comma-joined text, every working-minutes value and the due/completion
instants of the late ones. Python counts the values into a histogram (working minutes are
integers with few distinct values), from which come the count, maximum, median and 90th
percentile; the overdue working time comes from cumulative working-time tables
(services/report_overdue.py).

Conventions (README "Reading the report"): a step is *over norm* when it was completed after
its ``due_at``; its *overdue working time* is the working time between ``due_at`` and completion
on the schedule of the step's role. The median of an even count is the mean of the two middle
values; the 90th percentile is the nearest-rank value (the smallest value that at least 90% of
the steps do not exceed).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import String, case, cast, func, literal, select
from sqlalchemy.orm import Session

from regflow.services.context import Context
from regflow.services.names import step_name
from regflow.services.processes import latest_definition, loaded
from regflow.services.report_filter import ReportFilter
from regflow.services.report_overdue import epoch_minutes, overdue_by_group
from regflow.store.models import (
    Application,
    StepRecord,
    StepStatus,
    is_done_by_people,
    is_open_step,
)
from regflow.workflows.model import Regulation
from regflow.workflows.norms import Norm, NormUnit

Histogram = tuple[tuple[int, int], ...]  # (working minutes, how many steps took exactly that)


@dataclass(frozen=True)
class StepStats:
    process_key: str
    route: str | None
    step_id: str
    name: str
    role: str | None
    norm: str | None
    norm_minutes: int | None  # the norm in working minutes (None for calendar-time norms)
    count: int
    median_minutes: float
    p90_minutes: int
    max_minutes: int
    over_norm: int
    overdue_minutes: int
    histogram: Histogram

    @property
    def over_norm_share(self) -> float:
        return self.over_norm / self.count if self.count else 0.0


@dataclass(frozen=True)
class PersonStats:
    by: str  # "role" or "user"
    key: str
    tasks_done: int
    median_minutes: float
    over_norm: int
    open_now: int

    @property
    def over_norm_share(self) -> float:
        return self.over_norm / self.tasks_done if self.tasks_done else 0.0


def median(hist: Histogram) -> float:
    n = sum(c for _, c in hist)
    if n == 0:
        return 0.0
    if n % 2:
        return float(_at_rank(hist, n // 2 + 1))
    return (_at_rank(hist, n // 2) + _at_rank(hist, n // 2 + 1)) / 2


def percentile(hist: Histogram, share: float) -> int:
    """Nearest rank: the smallest value that at least ``share`` of the observations reach."""
    n = sum(c for _, c in hist)
    return _at_rank(hist, max(1, math.ceil(share * n))) if n else 0


def _at_rank(hist: Histogram, rank: int) -> int:
    seen = 0
    for value, count in hist:
        seen += count
        if seen >= rank:
            return value
    return hist[-1][0]


def norm_in_minutes(norm: str | None, day_minutes: int) -> int | None:
    """Where to draw the norm on a working-time axis (calendar-time norms have no such place)."""
    if not norm:
        return None
    parsed = Norm.parse(norm)
    if parsed.unit is NormUnit.MINUTES:
        return parsed.amount
    if parsed.unit is NormUnit.WORKING_DAYS:
        return parsed.amount * day_minutes
    return None


def day_minutes(ctx: Context, schedule: str) -> int:
    """Length of the schedule's ordinary working day (480 for an akimat)."""
    return sum(end - start for start, end in ctx.calendar(schedule).schedule.normal_day)


def regulations(session: Session, keys: Iterable[str]) -> dict[str, Regulation]:
    """The latest deployed version's model of each process: step order, names and schedules."""
    result = {}
    for key in sorted(set(keys)):
        definition = latest_definition(session, key, required=False)
        if definition is not None:
            result[key] = loaded(definition).regulation
    return result


def _over() -> Any:
    return case((StepRecord.completed_at > StepRecord.due_at, 1), else_=0)


def _routes(session: Session, flt: ReportFilter) -> dict[str, set[str | None]]:
    """The routes the applications of each process in scope were filed on."""
    query = select(Application.process_key, Application.route).distinct()
    if flt.process:
        query = query.where(Application.process_key == flt.process)
    routes: dict[str, set[str | None]] = defaultdict(set)
    for key, route in session.execute(query):
        routes[key].add(route)
    return routes


def steps_view(ctx: Context, flt: ReportFilter | None = None) -> list[StepStats]:
    """One row per person's step per route, in the regulation's order of steps.

    Most processes are filed on one route only; then the route is known from the
    ``applications`` table and the million step rows are aggregated without a join."""
    flt = flt or ReportFilter()
    with ctx.transaction() as session:
        dialect = session.get_bind().dialect.name
        routes = _routes(session, flt)
        join = flt.status is not None or any(len(r) > 1 for r in routes.values())
        conds = [
            is_done_by_people(StepRecord.status, StepRecord.kind),  # the index's own term
            *flt.step_conditions(route=join),
        ]
        if not join and flt.route:
            conds.append(
                StepRecord.process_key.in_([k for k, r in routes.items() if flt.route in r])
            )
        route_col = Application.route if join else literal(None)
        over = StepRecord.completed_at > StepRecord.due_at
        # Grouped by (process, step) only, SQLite walks ix_steps_done in its order and reads
        # nothing else (migration 0011). Late steps also hand over their due and completion
        # instants; how many were late is the length of that list (over_norm below).
        group = (StepRecord.process_key, StepRecord.step_id)
        query = select(
            *group,
            func.min(StepRecord.norm),
            func.max(StepRecord.norm),
            route_col,
            _joined(func.coalesce(StepRecord.working_minutes, 0), dialect),
            _joined(case((over, epoch_minutes(StepRecord.due_at, dialect))), dialect),
            _joined(case((over, epoch_minutes(StepRecord.completed_at, dialect))), dialect),
        ).where(*conds)
        if join:
            query = query.join(Application, Application.id == StepRecord.application_id)
            group = (*group, Application.route)  # type: ignore[assignment]
        values: dict[tuple[str, str | None, str], Counter[int]] = defaultdict(Counter)
        norms: dict[tuple[str, str | None, str], set[str]] = defaultdict(set)
        late: dict[tuple[str, str | None, str], tuple[list[int], list[int]]] = {}
        result = session.connection().execute(query.group_by(*group))
        for key, step_id, low, high, route, text, dues, dones in result:
            if not join:
                route = next(iter(routes.get(key) or {None}))
            g = (key, route, step_id)
            for value, count in Counter(text.split(",")).items():
                values[g][int(value)] += count
            norms[g].update(n for n in (low, high) if n)
            if low != high:  # the norm changed between versions: name them all
                norms[g].update(_distinct_norms(session, key, step_id))
            if dues:  # NULL when none was late
                due_list, done_list = late.setdefault(g, ([], []))
                due_list.extend(map(int, dues.split(",")))
                done_list.extend(map(int, dones.split(",")))
        regs = regulations(session, {g[0] for g in values})
    overdue = overdue_by_group(
        late, lambda g: _schedule(regs, g[0], g[2]), ctx.calendar, ctx.clock.tz
    )
    rows = []
    for g, counter in values.items():
        key, route, step_id = g
        reg = regs.get(key)
        step = reg.steps.get(step_id) if reg else None
        hist = tuple(sorted(counter.items()))
        schedule = reg.schedule_of(step.role) if reg and step else "akimat"
        ordered = sorted(norms[g])
        rows.append(
            StepStats(
                process_key=key,
                route=route,
                step_id=step_id,
                name=step_name(reg, step_id, step.name if step else step_id),
                role=step.role if step else None,
                norm=" / ".join(ordered) or None,
                norm_minutes=norm_in_minutes(
                    ordered[0] if ordered else None, day_minutes(ctx, schedule)
                ),
                count=sum(c for _, c in hist),
                median_minutes=median(hist),
                p90_minutes=percentile(hist, 0.9),
                max_minutes=hist[-1][0],
                over_norm=len(late[g][0]) if g in late else 0,
                overdue_minutes=overdue.get(g, 0),
                histogram=hist,
            )
        )
    rows = _fill_unknown(ctx, rows)
    return sorted(rows, key=lambda r: _order_key(r, regs))


def _joined(column: Any, dialect: str) -> Any:
    """All values of a group as one comma-separated text (NULLs skipped; no sort in SQL)."""
    if dialect == "sqlite":
        return func.group_concat(column)
    return func.string_agg(cast(column, String), ",")


def _distinct_norms(session: Session, key: str, step_id: str) -> list[str]:
    query = select(StepRecord.norm).distinct()
    query = query.where(StepRecord.process_key == key, StepRecord.step_id == step_id)
    return [n for n in session.scalars(query) if n]


def _schedule(regs: dict[str, Regulation], key: str, step_id: str) -> str:
    """The schedule of the step's role in the latest version (the default if it is gone)."""
    reg = regs.get(key)
    if reg is None:
        return "akimat"
    step = reg.steps.get(step_id)
    return reg.schedule_of(step.role if step else None)


def _fill_unknown(ctx: Context, rows: list[StepStats]) -> list[StepStats]:
    """Steps that the latest version no longer has: name and role from one of their rows."""
    missing = [r for r in rows if r.name == r.step_id and r.role is None]
    if not missing:
        return rows
    with ctx.transaction() as session:
        found = {}
        for r in missing:
            hit = session.execute(
                select(StepRecord.name, StepRecord.role)
                .where(StepRecord.process_key == r.process_key, StepRecord.step_id == r.step_id)
                .limit(1)
            ).first()
            if hit:
                found[(r.process_key, r.step_id)] = hit
    return [
        replace(r, name=found[key][0], role=found[key][1])
        if (key := (r.process_key, r.step_id)) in found
        else r
        for r in rows
    ]


def _order_key(row: StepStats, regs: dict[str, Regulation]) -> tuple[Any, ...]:
    reg = regs.get(row.process_key)
    order = reg.step_order if reg else ()
    position = order.index(row.step_id) if row.step_id in order else len(order)
    return (row.process_key, row.route is None, row.route or "", position, row.name)


def people_view(
    ctx: Context, flt: ReportFilter | None = None, by: str = "role"
) -> list[PersonStats]:
    """Who does the work: per role or per user, tasks done, their median working time, the share
    finished over norm, and how many tasks each has open right now."""
    from regflow.errors import UsageError

    flt = flt or ReportFilter()
    if by not in ("role", "user"):
        raise UsageError(f"people are grouped by 'role' or 'user', not {by!r}")
    who = StepRecord.role if by == "role" else StepRecord.completed_by
    join = bool(flt.route or flt.status)  # only these filters need the applications table

    def joined(query: Any) -> Any:
        return (
            query.join(Application, Application.id == StepRecord.application_id) if join else query
        )

    done_conds = [
        is_done_by_people(StepRecord.status, StepRecord.kind),  # ix_steps_done's own term
        *flt.step_conditions(),
    ]
    holder = StepRecord.role if by == "role" else StepRecord.claimed_by
    open_conds = [
        StepRecord.kind == "user",
        *flt.step_conditions(dates=False, user=False),
        is_open_step(StepRecord.status),  # the task-list indexes hold open steps only
        *([] if by == "role" else [StepRecord.status == StepStatus.CLAIMED.value]),
    ]
    if flt.user:
        open_conds.append(StepRecord.claimed_by == flt.user)
    open_now = joined(select(holder, func.count()).where(*open_conds).group_by(holder))
    hists: dict[str, dict[int, int]] = defaultdict(dict)
    over: dict[str, int] = defaultdict(int)
    with ctx.transaction() as session:
        dialect = session.get_bind().dialect.name
        values = _joined(func.coalesce(StepRecord.working_minutes, 0), dialect)
        done = joined(select(who, func.sum(_over()), values).where(*done_conds).group_by(who))
        for key, late, text in session.connection().execute(done):
            counts = hists[key or "—"]
            for value, count in Counter(text.split(",")).items():
                counts[int(value)] = counts.get(int(value), 0) + count
            over[key or "—"] += late or 0
        opened = {key or "—": n for key, n in session.execute(open_now)}
    result = []
    for key in sorted(set(hists) | set(opened)):
        hist = tuple(sorted(hists.get(key, {}).items()))
        result.append(
            PersonStats(
                by=by,
                key=key,
                tasks_done=sum(c for _, c in hist),
                median_minutes=median(hist),
                over_norm=over.get(key, 0),
                open_now=opened.get(key, 0),
            )
        )
    return result
