"""What ``regflow calendar`` shows, as plain data.

The CLI only formats these dataclasses; keeping the computation here lets it be tested without
click and reused by reports. ``month_view`` answers "which days does this provider work, and why
not"; ``due`` answers "a step ready at T with norm N: when is it due, and how much working time is
that".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from regflow.errors import UsageError
from regflow.workflows.calendar import DEFAULT_TZ, WorkCalendar, format_hours
from regflow.workflows.norms import Norm
from regflow.workflows.schedules import calendar_for

__all__ = ["DayRow", "DueResult", "MonthView", "due", "month_view", "parse_instant"]


@dataclass(frozen=True)
class DayRow:
    """One line of the month view."""

    day: date
    weekday: str
    working: bool
    hours: str  # "09:00-13:00, 14:30-18:30", "" on a day off
    minutes: int  # working minutes of the day
    reason: str | None  # why the day is off (holiday name, "Saturday", an override's reason)
    kind: str  # "working", "weekend", "holiday", "day_off", "transfer"


@dataclass(frozen=True)
class MonthView:
    schedule: str
    tz: str
    year: int
    month: int
    rows: tuple[DayRow, ...]

    @property
    def working_days(self) -> int:
        return sum(row.working for row in self.rows)

    @property
    def working_minutes(self) -> int:
        return sum(row.minutes for row in self.rows)


@dataclass(frozen=True)
class DueResult:
    """A norm applied to a start instant: ``due = add(start, norm)``."""

    schedule: str
    norm: Norm
    start: datetime  # as given, in the calendar's zone
    opening: datetime  # when working time starts counting (start itself during working hours)
    due: datetime
    working_minutes: int  # working minutes from start to due


def _calendar(schedule: str, tz: str, overrides_dir: Path | str | None) -> WorkCalendar:
    return calendar_for(schedule, tz=tz, overrides_dir=overrides_dir)


def month_view(
    year: int,
    month: int,
    *,
    schedule: str = "akimat",
    tz: str = DEFAULT_TZ,
    overrides_dir: Path | str | None = None,
) -> MonthView:
    """Every day of ``year-month`` for ``schedule``: working or not, hours, reason."""
    if not 1 <= month <= 12:
        raise UsageError(f"no month {month}: use 1-12")
    cal = _calendar(schedule, tz, overrides_dir)
    rows = tuple(
        DayRow(
            day=info.day,
            weekday=info.weekday,
            working=info.working,
            hours=format_hours(info.hours),
            minutes=info.minutes,
            reason=info.reason,
            kind=info.kind,
        )
        for info in cal.month(year, month)
    )
    return MonthView(schedule, tz, year, month, rows)


def parse_instant(text: str, tz: str = DEFAULT_TZ) -> datetime:
    """Read ``--from``: ISO-8601 (``2026-07-03T18:15`` or with a space); a time without an
    offset is local time of ``tz``, because that is how a clerk reads the office clock."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError(f"cannot read time {text!r}: use e.g. 2026-07-03T18:15") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value


def due(
    start: datetime | str,
    norm: Norm | str,
    *,
    schedule: str = "akimat",
    tz: str = DEFAULT_TZ,
    overrides_dir: Path | str | None = None,
) -> DueResult:
    """``regflow calendar due --from T --norm N --schedule S``."""
    cal = _calendar(schedule, tz, overrides_dir)
    instant = parse_instant(start, tz) if isinstance(start, str) else start
    parsed = Norm.parse(norm) if isinstance(norm, str) else norm
    due_at = cal.add(instant, parsed)
    return DueResult(
        schedule=schedule,
        norm=parsed,
        start=instant.astimezone(cal.tz),
        opening=cal.next_opening(instant),
        due=due_at,
        working_minutes=cal.working_minutes(instant, due_at),
    )
