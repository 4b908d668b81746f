"""Overdue working time of many step rows at once: the minutes between ``due_at`` and completion
on the role's schedule, without a calendar call per row.

Instants come out of SQL as epoch minutes (no datetime objects per row). For each schedule the
working intervals of the days involved are laid out once as sorted epoch-minute starts with the
working minutes accumulated before each; a group's overdue time is then Σ cumulative(completed)
− Σ cumulative(due), summed over sorted slices in C. This gives exactly
:meth:`WorkCalendar.working_minutes` (both count whole minutes since the epoch).
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_left
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, cast, extract, func

from regflow.workflows.calendar import WorkCalendar

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_minutes(column: Any, dialect: str) -> Any:
    """SQL for a stored instant as whole minutes since 1970 (UTC), as the calendar counts.

    SQLite 3.38 and later say it with ``unixepoch()``, which reads the stored text straight to
    whole seconds; formatting it with ``strftime('%s')`` and casting the text back costs the
    steps report a third of its time at a million steps. Both drop the fraction of a second."""
    if dialect == "sqlite":
        if sqlite3.sqlite_version_info >= (3, 38):
            return func.unixepoch(column, type_=Integer) // 60  # integer division, no FLOOR()
        return cast(func.strftime("%s", column), Integer) // 60
    return cast(func.floor(extract("epoch", column)), BigInteger) // 60


class WorkingClock:
    """Cumulative working minutes of one calendar over a span of days."""

    def __init__(self, calendar: WorkCalendar, first: date, last: date) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []
        total = 0
        day = first - timedelta(days=1)
        while day <= last + timedelta(days=1):
            for a, b in calendar.intervals(day):
                start, end = _minute(a), _minute(b)
                self.starts.append(start)
                self.ends.append(end)
                self.before.append(total)
                total += end - start
            day += timedelta(days=1)

    def total(self, minutes: list[int]) -> int:
        """Sum over ``minutes`` (epoch minutes) of the working minutes accumulated up to each.

        Sorted once, the values falling in each working interval (and the gap after it) form a
        slice, summed in C: a few hundred Python steps whatever the number of values."""
        values = sorted(minutes)
        starts, ends, before = self.starts, self.ends, self.before
        total = 0
        lo = bisect_left(values, starts[0]) if starts else len(values)
        for k in range(len(starts)):
            hi = bisect_left(values, starts[k + 1], lo) if k + 1 < len(starts) else len(values)
            if hi == lo:
                continue
            mid = bisect_left(values, ends[k], lo, hi)
            total += (mid - lo) * (before[k] - starts[k]) + sum(values[lo:mid])
            total += (hi - mid) * (before[k] + ends[k] - starts[k])
            lo = hi
        return total


def _minute(t: datetime) -> int:
    return int((t - _EPOCH).total_seconds()) // 60


def overdue_by_group(
    late: dict[Any, tuple[list[int], list[int]]],
    schedule_of: Any,
    calendar_of: Any,
    tz: Any,
) -> dict[Any, int]:
    """Per group, the working minutes between due and completion of its late steps, given as
    (due instants, completion instants) in epoch minutes: Σ cumulative(done) − Σ cumulative(due).
    ``schedule_of(group)`` names the group's schedule."""
    result: dict[Any, int] = {}
    if not late:
        return result
    first = datetime.fromtimestamp(min(min(d) for d, _ in late.values()) * 60, tz).date()
    last = datetime.fromtimestamp(max(max(c) for _, c in late.values()) * 60, tz).date()
    clocks: dict[str, WorkingClock] = {}
    for group, (dues, dones) in late.items():
        name = schedule_of(group)
        if name not in clocks:
            clocks[name] = WorkingClock(calendar_of(name), first, last)
        result[group] = clocks[name].total(dones) - clocks[name].total(dues)
    return result
