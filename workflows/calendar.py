"""Working time: when a provider is open, and how norms move along that time.

Regulations time every step in *working* time of the provider ("30 minutes", "1 working day") and
the service as a whole in working days from acceptance. A :class:`WorkCalendar` combines

* a :class:`Schedule` — the weekly opening hours of one kind of provider;
* Kazakhstan's public holidays from the ``holidays`` package (with its observed days and the
  Government's transfer decrees it knows, including the working Saturdays/Sundays they create);
* :class:`DayOverride` entries from ``workflows/calendar/<year>.toml`` for decrees the package does
  not know yet and for a provider's own exceptions;
* a time zone (Asia/Almaty by default; Kazakhstan is UTC+5 since 2024-03-01, which ``zoneinfo``
  with the ``tzdata`` package knows).

Internally every instant is an integer count of minutes since the Unix epoch ("epoch minutes")
and every day a short tuple of working intervals in epoch minutes, cached per date, with a
per-year prefix sum of working minutes. That keeps :meth:`WorkCalendar.working_minutes` to a few
dictionary look-ups however long the span: it is called for every step of large reports.
Instants are exact to the minute: seconds are dropped (floored) on the way in.
"""

from __future__ import annotations

import calendar as _stdcal
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from regflow.errors import ConfigError, NormError
from regflow.workflows.norms import Norm, NormUnit

__all__ = [
    "DayInfo",
    "DayOverride",
    "Interval",
    "Schedule",
    "WorkCalendar",
    "format_hours",
    "parse_hours",
]

Interval = tuple[int, int]
"""A working interval as minutes since local midnight, start inclusive, end exclusive; the end
may be 1440 (24:00), which ``datetime.time`` cannot express — hence minutes, not ``time``."""

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_TZ = "Asia/Almaty"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)
# A calendar with no working time for this many consecutive days is broken, not slow.
_MAX_IDLE_DAYS = 3 * 366
_HHMM = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-–—]\s*(\d{1,2})[:.](\d{2})\s*$")


def parse_hours(text: str | Sequence[str], *, where: str | None = None) -> tuple[Interval, ...]:
    """Read opening hours such as ``"09:00-13:00, 14:30-18:30"`` (or a list of such ranges).

    An empty string means no working time (a day off). Raises :class:`ConfigError`."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    result: list[Interval] = []
    for part in parts:
        if not part.strip():
            continue
        match = _HHMM.match(part)
        if match is None:
            raise ConfigError(f"cannot read working hours {part.strip()!r}: use HH:MM-HH:MM",
                              file=where)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            raise ConfigError(f"no such time of day in {part.strip()!r}", file=where)
        result.append((h1 * 60 + m1, h2 * 60 + m2))
    return _check_intervals(tuple(result), where=where)


def format_hours(intervals: Iterable[Interval]) -> str:
    """The inverse of :func:`parse_hours`, for views: ``"09:00-13:00, 14:30-18:30"``."""
    return ", ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in intervals)


def _check_intervals(intervals: tuple[Interval, ...], *, where: str | None) -> tuple[Interval, ...]:
    previous_end = -1
    for start, end in intervals:
        if not 0 <= start < end <= 1440:
            raise ConfigError(f"bad working interval {format_hours([(start, end)])}", file=where)
        if start < previous_end:
            raise ConfigError(
                f"working intervals overlap or are out of order: {format_hours(intervals)}",
                file=where,
            )
        previous_end = end
    return intervals


@dataclass(frozen=True)
class Schedule:
    """The weekly opening hours of one kind of provider.

    ``weekdays[0]`` is Monday … ``weekdays[6]`` Sunday, each a tuple of :data:`Interval`; an empty
    tuple is a weekly day off. ``observes_holidays`` is False only for services that run through
    holidays (the e-gov portal, 24/7)."""

    name: str
    weekdays: tuple[tuple[Interval, ...], ...]
    observes_holidays: bool = True
    title: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if len(self.weekdays) != 7:
            raise ConfigError(f"schedule {self.name!r} needs 7 weekdays, got {len(self.weekdays)}")
        for day in self.weekdays:
            _check_intervals(tuple(day), where=None)
        if not any(self.weekdays):
            raise ConfigError(f"schedule {self.name!r} has no working time at all")

    @property
    def normal_day(self) -> tuple[Interval, ...]:
        """The hours of an ordinary working day: what a decree-made working Saturday uses unless
        an override gives its own hours (the most common non-empty weekday pattern)."""
        patterns = [day for day in self.weekdays if day]
        return max(patterns, key=patterns.count)

    @property
    def five_day_week(self) -> bool:
        """Government transfer decrees move days off only for a five-day working week."""
        return not self.weekdays[5] and not self.weekdays[6]


@dataclass(frozen=True)
class DayOverride:
    """One exception to the weekly schedule and the holiday table, read from an override file.

    ``schedules`` None means every schedule that observes public holidays (a Government decree);
    otherwise the names of the schedules it applies to, whether or not they observe holidays."""

    day: date
    working: bool
    reason: str
    schedules: frozenset[str] | None = None
    hours: tuple[Interval, ...] | None = None
    source: str = ""

    def applies_to(self, schedule: Schedule) -> bool:
        if self.schedules is None:
            return schedule.observes_holidays
        return schedule.name in self.schedules


@dataclass(frozen=True)
class DayInfo:
    """One day of a month view: whether the provider works, how long, and why not."""

    day: date
    working: bool
    minutes: int
    hours: tuple[Interval, ...]
    reason: str | None
    kind: str  # "working", "weekend", "holiday", "day_off" (override), "transfer" (made working)

    @property
    def weekday(self) -> str:
        return WEEKDAY_NAMES[self.day.weekday()]


@dataclass(frozen=True)
class _DayPlan:
    local: tuple[Interval, ...]
    epoch: tuple[Interval, ...]
    total: int
    reason: str | None
    kind: str


class WorkCalendar:
    """Working time of one schedule in one time zone, with holidays and overrides applied.

    All public methods take timezone-aware datetimes (naive ones raise :class:`ValueError`: a
    deadline computed in the server's local time would silently be off by hours) and return
    datetimes in the calendar's zone."""

    def __init__(
        self,
        schedule: Schedule,
        *,
        tz: ZoneInfo | str = DEFAULT_TZ,
        overrides: Iterable[DayOverride] = (),
        country: str = "KZ",
    ) -> None:
        self.schedule = schedule
        if isinstance(tz, str):
            try:
                tz = ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ConfigError(f"unknown time zone {tz!r}") from exc
        self.tz: ZoneInfo = tz
        self.country = country
        # later overrides win: a provider's own file is applied after the built-in decrees
        self._overrides: dict[date, DayOverride] = {
            o.day: o for o in overrides if o.applies_to(schedule)
        }
        self._plans: dict[date, _DayPlan] = {}
        self._holidays: dict[int, tuple[dict[date, str], frozenset[date]]] = {}
        self._cumulative: dict[int, list[int]] = {}

    def __repr__(self) -> str:
        return f"WorkCalendar({self.schedule.name!r}, tz={self.tz.key!r})"

    # ----------------------------------------------------------------- days
    def is_working_day(self, d: date) -> bool:
        """True if the provider has any working time on ``d``."""
        return self._plan(_as_date(d)).total > 0

    def day_off_reason(self, d: date) -> str | None:
        """Why ``d`` is not a working day (holiday name, "Saturday", an override's reason), or
        None on a working day."""
        return self._plan(_as_date(d)).reason

    def intervals(self, d: date) -> list[tuple[datetime, datetime]]:
        """The working intervals of ``d`` as aware datetimes in the calendar's zone."""
        plan = self._plan(_as_date(d))
        return [(self._from_epoch(s), self._from_epoch(e)) for s, e in plan.epoch]

    def day_info(self, d: date) -> DayInfo:
        plan = self._plan(_as_date(d))
        return DayInfo(_as_date(d), plan.total > 0, plan.total, plan.local, plan.reason,
                       plan.kind)

    def month(self, year: int, month: int) -> list[DayInfo]:
        """Every day of a month, for the ``regflow calendar`` view."""
        days = _stdcal.monthrange(year, month)[1]
        return [self.day_info(date(year, month, day)) for day in range(1, days + 1)]

    # -------------------------------------------------------------- instants
    def next_opening(self, t: datetime) -> datetime:
        """``t`` itself if the provider is working at ``t``, else the start of the next working
        interval: an application filed after hours or on a day off is accepted then."""
        return self._from_epoch(self._add_minutes(self._to_epoch(t), 0))

    def is_working_time(self, t: datetime) -> bool:
        m = self._to_epoch(t)
        return any(s <= m < e for s, e in self._plan(self._date_of(m)).epoch)

    def working_minutes(self, a: datetime, b: datetime) -> int:
        """Working minutes between two instants; 0 if ``b <= a``."""
        ma, mb = self._to_epoch(a), self._to_epoch(b)
        if mb <= ma:
            return 0
        da, db = self._date_of(ma), self._date_of(mb)
        if da == db:
            return self._overlap(da, ma, mb)
        total = self._overlap(da, ma, mb) + self._overlap(db, ma, mb)
        return total + self._full_days(da + _DAY, db)

    def add(self, t: datetime, norm: Norm | str) -> datetime:
        """When a step that became ready at ``t`` is due under ``norm``.

        * minutes: working minutes counted forward from ``t`` (from the next opening if ``t`` is
          outside working time); a norm that ends exactly at closing time is due at closing.
        * working days: the same clock time N working days after the next opening. If that clock
          time is not working time on the target day (a shorter Saturday, a different lunch
          break), the due instant stays on the target day: the close of the last interval before
          that time, or the day's opening if it has not opened yet. "Within N working days"
          therefore never spills into day N+1; in working time the two choices are equivalent.
        * calendar days / months: plain calendar arithmetic in the calendar's zone (months keep
          the day of month, clamped to the month's end); holidays do not matter.
        """
        if isinstance(norm, str):
            norm = Norm.parse(norm)
        m = self._to_epoch(t)
        if norm.unit is NormUnit.MINUTES:
            return self._from_epoch(self._add_minutes(m, norm.amount))
        if norm.unit is NormUnit.WORKING_DAYS:
            start = self._add_minutes(m, 0)
            local = self._from_epoch(start)
            target = self._shift_working_days(local.date(), norm.amount)
            return self._from_epoch(self._at_clock(target, local.hour * 60 + local.minute))
        local = self._from_epoch(m)
        if norm.unit is NormUnit.CALENDAR_DAYS:
            return _normalise(local + timedelta(days=norm.amount), self.tz)
        if norm.unit is NormUnit.CALENDAR_MONTHS:
            return _normalise(_add_months(local, norm.amount), self.tz)
        raise NormError(f"unsupported norm unit {norm.unit!r}")  # pragma: no cover

    def deadline(
        self, accepted_at: datetime, n_working_days: int, count_first_day: bool = True
    ) -> datetime:
        """The service deadline: close of business of the last counted working day.

        The application counts as accepted at :meth:`next_opening` of ``accepted_at``. With
        ``count_first_day`` the acceptance day is day 1; without it (documents handed in at the
        State Corporation: rules 004 point 11, "құжаттарды қабылдау күні ... мерзіміне кірмейді")
        counting starts on the next working day. ``n_working_days == 0`` is the acceptance
        instant itself."""
        if n_working_days < 0:
            raise ValueError(f"a deadline cannot be {n_working_days} working days")
        start = self._add_minutes(self._to_epoch(accepted_at), 0)
        if n_working_days == 0:
            return self._from_epoch(start)
        steps = n_working_days - 1 if count_first_day else n_working_days
        last = self._shift_working_days(self._date_of(start), steps)
        return self._from_epoch(self._plan(last).epoch[-1][1])

    def subtract(self, t: datetime, n_working_days: int) -> datetime:
        """``n`` working days before ``t``, at the same clock time: "no later than 3 working
        days before the deadline" (rules 004 point 17). The count goes back over working days
        only; a ``t`` outside working time counts from the close of its last working interval
        before it (a deadline at close of business stays at close of business). The result is
        kept inside the target day's working time like :meth:`add` does."""
        if n_working_days < 0:
            raise ValueError(f"cannot subtract {n_working_days} working days")
        m = self._to_epoch(t)
        d = self._date_of(m)
        idle = 0
        while not any(s < m for s, _ in self._plan(d).epoch):
            d -= _DAY
            m = self._local_to_epoch(d, 1440)
            idle += 1
            if idle > _MAX_IDLE_DAYS:
                raise ConfigError(f"schedule {self.schedule.name!r} has no working time for "
                                  f"{_MAX_IDLE_DAYS} days before {t.isoformat()}")
        plan = self._plan(d)
        m = min(m, max(e for _, e in plan.epoch))
        clock = (self._from_epoch(m) - datetime.combine(d, time(), self.tz)) // _MINUTE
        n = n_working_days
        while n > 0:
            d -= _DAY
            if self._plan(d).total:
                n -= 1
        return self._from_epoch(self._at_clock_end(d, clock))

    def _at_clock_end(self, d: date, clock: int) -> int:
        """Like :meth:`_at_clock`, but an instant at an interval's end (closing time) stays
        there rather than moving to the next interval's start."""
        plan = self._plan(d)
        for (_, le), (_, ee) in zip(plan.local, plan.epoch, strict=True):
            if clock == le:
                return ee
        return self._at_clock(d, clock)

    # ------------------------------------------------------------- internals
    def _to_epoch(self, t: datetime) -> int:
        if not isinstance(t, datetime):
            raise TypeError(f"expected a datetime, got {type(t).__name__}")
        if t.tzinfo is None or t.utcoffset() is None:
            raise ValueError(f"naive datetime {t.isoformat()}: give a timezone-aware datetime")
        return (t - _EPOCH) // _MINUTE

    def _from_epoch(self, m: int) -> datetime:
        return (_EPOCH + m * _MINUTE).astimezone(self.tz)

    def _date_of(self, m: int) -> date:
        return (_EPOCH + m * _MINUTE).astimezone(self.tz).date()

    def _local_to_epoch(self, d: date, minute: int) -> int:
        local = datetime.combine(d, time(), self.tz) + minute * _MINUTE
        return (local - _EPOCH) // _MINUTE

    def _holiday_table(self, year: int) -> tuple[dict[date, str], frozenset[date]]:
        table = self._holidays.get(year)
        if table is None:
            names, workdays = _national_holidays(self.country, year)
            if not self.schedule.five_day_week:
                # A decree moving a day off onto a weekday (and making a Saturday working) is
                # made for the five-day week; a six-day week keeps its ordinary days.
                names = {d: n for d, n in names.items() if "substituted" not in n.lower()}
                workdays = frozenset()
            table = self._holidays[year] = (names, workdays)
        return table

    def day_plan(self, d: date) -> tuple[str, tuple[Interval, ...]]:
        """The day's kind ("working", "weekend", "holiday", "day_off", "transfer") and working
        intervals in local minutes: everything a due date on that day is computed from, without
        the instants (calendar signatures hash this for whole decades of days)."""
        plan = self._plans.get(_as_date(d))
        if plan is not None:
            return plan.kind, plan.local
        local, _reason, kind = self._local_plan(d)
        return kind, local

    def _plan(self, d: date) -> _DayPlan:
        plan = self._plans.get(d)
        if plan is not None:
            return plan
        local, reason, kind = self._local_plan(d)
        epoch = tuple((self._local_to_epoch(d, s), self._local_to_epoch(d, e)) for s, e in local)
        total = sum(e - s for s, e in epoch)
        if total == 0 and reason is None:
            reason = "no working hours"
        plan = self._plans[d] = _DayPlan(local, epoch, total, reason, kind)
        return plan

    def _local_plan(self, d: date) -> tuple[tuple[Interval, ...], str | None, str]:
        """The weekly schedule, the holiday table and the overrides applied to one day."""
        schedule = self.schedule
        local: tuple[Interval, ...]
        reason: str | None = None
        override = self._overrides.get(d)
        if override is not None and override.working:
            local = override.hours if override.hours is not None else schedule.normal_day
            kind = "transfer"
        elif override is not None:
            local, reason, kind = (), override.reason, "day_off"
        else:
            names, workdays = (
                self._holiday_table(d.year) if schedule.observes_holidays else ({}, frozenset())
            )
            if d in names:
                local, reason, kind = (), names[d], "holiday"
            elif d in workdays:
                local, kind = schedule.normal_day, "transfer"
            else:
                local = schedule.weekdays[d.weekday()]
                kind = "working" if local else "weekend"
                reason = None if local else WEEKDAY_NAMES[d.weekday()]
        return local, reason, kind

    def _overlap(self, d: date, a: int, b: int) -> int:
        return sum(max(0, min(e, b) - max(s, a)) for s, e in self._plan(d).epoch)

    def _year_cumulative(self, year: int) -> list[int]:
        """cumulative[i] = working minutes of the year's days before day index i."""
        cumulative = self._cumulative.get(year)
        if cumulative is None:
            cumulative = [0]
            d = date(year, 1, 1)
            while d.year == year:
                cumulative.append(cumulative[-1] + self._plan(d).total)
                d += _DAY
            self._cumulative[year] = cumulative
        return cumulative

    def _full_days(self, first: date, stop: date) -> int:
        """Working minutes of the whole days ``first`` .. ``stop - 1 day``."""
        if stop <= first:
            return 0

        def before(d: date) -> int:
            return self._year_cumulative(d.year)[d.timetuple().tm_yday - 1]

        if first.year == stop.year:
            return before(stop) - before(first)
        total = self._year_cumulative(first.year)[-1] - before(first) + before(stop)
        for year in range(first.year + 1, stop.year):
            total += self._year_cumulative(year)[-1]
        return total

    def _add_minutes(self, m: int, amount: int) -> int:
        d = self._date_of(m)
        idle = 0
        while True:
            plan = self._plan(d)
            if plan.total:
                idle = 0
                if amount > plan.total and plan.epoch[0][0] >= m:
                    amount -= plan.total  # the whole day is used up; skip its intervals
                else:
                    for s, e in plan.epoch:
                        if e <= m:
                            continue
                        start = max(s, m)
                        if amount <= e - start:
                            return start + amount
                        amount -= e - start
            else:
                idle += 1
                if idle > _MAX_IDLE_DAYS:
                    raise ConfigError(
                        f"schedule {self.schedule.name!r} has no working time for "
                        f"{_MAX_IDLE_DAYS} days after {d.isoformat()}"
                    )
            d += _DAY

    def _shift_working_days(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (``d`` itself for n == 0)."""
        idle = 0
        while n > 0:
            d += _DAY
            if self._plan(d).total:
                n -= 1
                idle = 0
            else:
                idle += 1
                if idle > _MAX_IDLE_DAYS:
                    raise ConfigError(
                        f"schedule {self.schedule.name!r} has no working day for "
                        f"{_MAX_IDLE_DAYS} days after {d.isoformat()}"
                    )
        return d

    def _at_clock(self, d: date, clock: int) -> int:
        """The instant of local clock time ``clock`` on working day ``d``, kept inside that
        day's working time (see :meth:`add`)."""
        plan = self._plan(d)
        if clock < plan.local[0][0]:
            return plan.epoch[0][0]
        answer = plan.epoch[0][0]
        for (ls, le), (es, ee) in zip(plan.local, plan.epoch, strict=True):
            if ls <= clock < le:
                return es + (clock - ls)
            if le <= clock:
                answer = ee
        return answer


@lru_cache(maxsize=64)
def _national_holidays(country: str, year: int) -> tuple[dict[date, str], frozenset[date]]:
    """The country's public holidays and decree-made working weekend days of one year, shared
    by every schedule's calendar (building the table is the costly part of a new calendar).
    Callers must not change the dict."""
    h = holidays.country_holidays(country, years=year, language="en_US")
    names = {d: str(name) for d, name in h.items() if d.year == year}
    workdays = frozenset(d for d in h.weekend_workdays if d.year == year)
    return names, workdays


def _as_date(d: date) -> date:
    if isinstance(d, datetime):
        raise TypeError("expected a date, got a datetime; pass t.astimezone(cal.tz).date()")
    return d


def _normalise(local: datetime, tz: ZoneInfo) -> datetime:
    """Wall-clock arithmetic result -> a valid instant in ``tz`` (folds a DST gap forward)."""
    return local.astimezone(UTC).astimezone(tz)


def _add_months(t: datetime, months: int) -> datetime:
    index = t.year * 12 + (t.month - 1) + months
    year, month = divmod(index, 12)
    day = min(t.day, _stdcal.monthrange(year, month + 1)[1])
    return t.replace(year=year, month=month + 1, day=day)
