"""Overdue working time of many step rows at once: the minutes between ``due_at`` and completion
on the role's schedule, without a calendar call per row.

Instants come out of SQL as epoch seconds (no datetime objects per row). For each schedule the
working intervals of the days involved are laid out once as sorted epoch-minute starts with the
working minutes accumulated before each; the working time between two instants is then the
difference of two binary searches. This gives exactly :meth:`WorkCalendar.working_minutes`
(both count whole minutes from the epoch) at a few microseconds a row.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from regflow.workflows.calendar import WorkCalendar
from sqlalchemy import BigInteger, Integer, cast, extract, func

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_seconds(column: Any, dialect: str) -> Any:
    """SQL for a stored instant as whole seconds since 1970 (UTC)."""
    if dialect == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(func.floor(extract("epoch", column)), BigInteger)


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

    def cumulative(self, minute: int) -> int:
        i = bisect_right(self.starts, minute) - 1
        if i < 0:
            return 0
        return self.before[i] + min(minute, self.ends[i]) - self.starts[i]

    def between(self, a: int, b: int) -> int:
        """Working minutes from epoch minute ``a`` to ``b`` (0 if ``b <= a``)."""
        return max(0, self.cumulative(b) - self.cumulative(a)) if b > a else 0


def _minute(t: datetime) -> int:
    return int((t - _EPOCH).total_seconds()) // 60


def overdue_by_group(
    rows: Iterable[tuple[Any, str, int, int]], calendar_of: Any, tz: Any
) -> dict[Any, int]:
    """Sum, per group, the working minutes of (group, schedule, due second, completed second)."""
    rows = list(rows)
    result: dict[Any, int] = {}
    if not rows:
        return result
    low = min(r[2] for r in rows)
    high = max(r[3] for r in rows)
    first = datetime.fromtimestamp(low, tz).date()
    last = datetime.fromtimestamp(high, tz).date()
    clocks: dict[str, WorkingClock] = {}
    for group, schedule, due, done in rows:
        clock = clocks.get(schedule)
        if clock is None:
            clock = clocks[schedule] = WorkingClock(calendar_of(schedule), first, last)
        result[group] = result.get(group, 0) + clock.between(due // 60, done // 60)
    return result
