"""Named working-time schedules and the calendars built from them.

A process names its provider's schedule (``schedule = "akimat"`` in the BPMN file); this module
turns that name into a :class:`~regflow.workflows.calendar.WorkCalendar`. Schedules live in
``schedules.toml`` next to this file; year overrides (transfer decrees, a provider's own days off)
in ``calendar/<year>.toml``. A provider may keep its own override directory (``overrides_dir``,
later ``REGFLOW_CALENDAR_DIR``): its files are applied *after* the built-in ones, so they can add
to or correct the national decrees for that provider.

Building a calendar reads files and the holiday tables, so calendars are cached per
(name, tz, overrides_dir); call :func:`clear_cache` after editing the files in a running process.

:func:`calendar_signature` condenses what every schedule's calendar says about a span of years
into a few kilobytes, so a later run can tell *which months of which schedules* a new decree,
override file or ``holidays`` release changed, and re-project only the due dates in them.
"""

from __future__ import annotations

import base64
import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from regflow.errors import ConfigError
from regflow.workflows.calendar import (
    DEFAULT_TZ,
    DayOverride,
    Interval,
    Schedule,
    WorkCalendar,
    parse_hours,
)

__all__ = [
    "DEFAULT_OVERRIDES_DIR",
    "DEFAULT_SCHEDULES_FILE",
    "CalendarSignature",
    "Schedule",
    "calendar_for",
    "calendar_signature",
    "clear_cache",
    "load_overrides",
    "load_schedules",
]

DEFAULT_SCHEDULES_FILE = Path(__file__).with_name("schedules.toml")
DEFAULT_OVERRIDES_DIR = Path(__file__).with_name("calendar")

_DAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SCHEDULE_KEYS = {"title", "source", "observes_holidays", "daily", "weekdays", *_DAY_KEYS}
_OVERRIDE_KEYS = {"date", "reason", "schedule", "hours", "source"}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError("file not found", file=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path)) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc}", file=str(path)) from exc


def load_schedules(path: Path | None = None) -> dict[str, Schedule]:
    """Read named schedules from ``path`` (default: the packaged ``schedules.toml``)."""
    path = Path(path) if path is not None else DEFAULT_SCHEDULES_FILE
    where = str(path)
    result: dict[str, Schedule] = {}
    for name, entry in _read_toml(path).items():
        if not isinstance(entry, dict):
            raise ConfigError(f"schedule {name!r} must be a table", file=where)
        unknown = set(entry) - _SCHEDULE_KEYS
        if unknown:
            raise ConfigError(
                f"schedule {name!r}: unknown keys {sorted(unknown)}; known: "
                f"{sorted(_SCHEDULE_KEYS)}",
                file=where,
            )
        days: list[tuple[Interval, ...]] = [()] * 7
        for key, indexes in (("daily", range(7)), ("weekdays", range(5))):
            if key in entry:
                hours = _hours(entry[key], where, f"{name}.{key}")
                for i in indexes:
                    days[i] = hours
        for i, key in enumerate(_DAY_KEYS):
            if key in entry:
                days[i] = _hours(entry[key], where, f"{name}.{key}")
        observes = entry.get("observes_holidays", True)
        if not isinstance(observes, bool):
            raise ConfigError(f"{name}.observes_holidays must be true or false", file=where)
        try:
            result[name] = Schedule(
                name=name,
                weekdays=tuple(days),
                observes_holidays=observes,
                title=str(entry.get("title", "")),
                source=str(entry.get("source", "")),
            )
        except ConfigError as exc:
            raise ConfigError(exc.message, file=where, element=name) from exc
    if not result:
        raise ConfigError("no schedules defined", file=where)
    return result


def _hours(value: object, where: str, key: str) -> tuple[Interval, ...]:
    if isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    ):
        try:
            return parse_hours(value)
        except ConfigError as exc:
            raise ConfigError(f"{key}: {exc.message}", file=where) from exc
    raise ConfigError(f"{key} must be a string like '09:00-13:00, 14:30-18:30'", file=where)


def load_overrides(directory: Path | None = None) -> tuple[DayOverride, ...]:
    """Read every ``<year>.toml`` in ``directory`` (default: the packaged ``calendar/``).

    A missing directory means no overrides; a malformed file raises :class:`ConfigError`
    naming it. Within one directory a date may be overridden once per schedule."""
    directory = Path(directory) if directory is not None else DEFAULT_OVERRIDES_DIR
    if not directory.is_dir():
        if directory.exists():
            raise ConfigError("calendar override path is not a directory", file=str(directory))
        return ()
    result: list[DayOverride] = []
    seen: dict[tuple[date, str], str] = {}
    for path in sorted(directory.glob("*.toml")):
        where = str(path)
        if not (path.stem.isdigit() and len(path.stem) == 4):
            raise ConfigError("override files are named <year>.toml, e.g. 2026.toml", file=where)
        year = int(path.stem)
        data = _read_toml(path)
        unknown = set(data) - {"day_off", "working_day"}
        if unknown:
            raise ConfigError(
                f"unknown sections {sorted(unknown)}; use [[day_off]] and [[working_day]]",
                file=where,
            )
        for section, working in (("day_off", False), ("working_day", True)):
            entries = data.get(section, [])
            if not isinstance(entries, list):
                raise ConfigError(f"{section} must be an array of tables: [[{section}]]",
                                  file=where)
            for index, entry in enumerate(entries, start=1):
                element = f"{section}[{index}]"
                override = _override(entry, working, year, where, element)
                for key in sorted(override.schedules or {"all"}):
                    if (override.day, key) in seen:
                        raise ConfigError(
                            f"{override.day.isoformat()} is overridden twice for {key!r} "
                            f"(also {seen[override.day, key]})",
                            file=where,
                            element=element,
                        )
                    seen[override.day, key] = element
                result.append(override)
    # An entry for named schedules is more specific than an "all" entry for the same date in
    # the same directory, so it is applied after it (the calendar keeps the last one).
    return tuple(sorted(result, key=lambda o: o.schedules is not None))


def _override(entry: object, working: bool, year: int, where: str, element: str) -> DayOverride:
    if not isinstance(entry, dict):
        raise ConfigError("must be a table", file=where, element=element)
    unknown = set(entry) - _OVERRIDE_KEYS
    if unknown:
        raise ConfigError(f"unknown keys {sorted(unknown)}", file=where, element=element)
    raw = entry.get("date")
    day: date
    if isinstance(raw, date):
        day = raw
    elif isinstance(raw, str):
        try:
            day = date.fromisoformat(raw)
        except ValueError as exc:
            raise ConfigError(f"bad date {raw!r}: use YYYY-MM-DD", file=where,
                              element=element) from exc
    else:
        raise ConfigError("needs date = YYYY-MM-DD", file=where, element=element)
    if day.year != year:
        raise ConfigError(f"date {day.isoformat()} is not in {year}", file=where,
                          element=element)
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError("needs a reason", file=where, element=element)
    schedule = entry.get("schedule", "all")
    schedules: frozenset[str] | None
    if schedule == "all":
        schedules = None
    elif isinstance(schedule, str):
        schedules = frozenset([schedule])
    elif isinstance(schedule, list) and schedule and all(isinstance(s, str) for s in schedule):
        schedules = frozenset(schedule)
    else:
        raise ConfigError("schedule must be \"all\", a name or a list of names", file=where,
                          element=element)
    hours: tuple[Interval, ...] | None = None
    if "hours" in entry:
        if not working:
            raise ConfigError("a day off has no hours", file=where, element=element)
        hours = _hours(entry["hours"], where, f"{element}.hours")
        if not hours:
            raise ConfigError("a working day needs hours", file=where, element=element)
    return DayOverride(day, working, reason.strip(), schedules, hours,
                       source=str(entry.get("source", where)))


@lru_cache(maxsize=8)
def _schedules(path: Path | None) -> dict[str, Schedule]:
    return load_schedules(path)


@lru_cache(maxsize=128)
def _calendar(name: str, tz: str, overrides_dir: Path | None) -> WorkCalendar:
    schedules = _schedules(None)
    if name not in schedules:
        raise ConfigError(
            f"unknown schedule {name!r}; known: {', '.join(sorted(schedules))}",
            file=str(DEFAULT_SCHEDULES_FILE),
        )
    overrides = load_overrides(DEFAULT_OVERRIDES_DIR)
    if overrides_dir is not None and overrides_dir != DEFAULT_OVERRIDES_DIR.resolve():
        if not overrides_dir.is_dir():
            raise ConfigError("calendar override directory not found", file=str(overrides_dir))
        overrides += load_overrides(overrides_dir)
    for override in overrides:
        unknown = (override.schedules or frozenset()) - set(schedules)
        if unknown:
            raise ConfigError(
                f"override for {override.day.isoformat()} names unknown schedule(s) "
                f"{sorted(unknown)}; known: {', '.join(sorted(schedules))}",
                file=override.source,
            )
    return WorkCalendar(schedules[name], tz=tz, overrides=overrides)


def calendar_for(
    name: str, *, tz: str = DEFAULT_TZ, overrides_dir: Path | str | None = None
) -> WorkCalendar:
    """The calendar of schedule ``name`` (cached per name, tz and override directory).

    Unknown names raise :class:`ConfigError` listing the known ones. ``overrides_dir`` adds a
    provider's own ``<year>.toml`` files after the packaged ones."""
    directory = Path(overrides_dir).expanduser().resolve() if overrides_dir is not None else None
    return _calendar(name, tz, directory)


def clear_cache() -> None:
    """Forget loaded schedules and built calendars (after editing their files)."""
    _schedules.cache_clear()
    _calendar.cache_clear()


# ------------------------------------------------------------------------------ signature
_SIGNATURE_VERSION = 1
_HASH_BYTES = 4  # per month / per (schedule, year): a missed change needs a 1 in 2**32 clash
_DAY = timedelta(days=1)
_KINDS = {"working": "w", "weekend": "e", "holiday": "h", "day_off": "d", "transfer": "t"}


@dataclass(frozen=True)
class CalendarSignature:
    """What the working calendars say, month by month, over ``first_year`` .. ``last_year``.

    Why two tables and not one hash per (schedule, month): 12 schedules over 20 years would be
    2,880 hashes (15 KB of event payload). ``months`` hashes each month's day plans of *all*
    schedules together; ``years`` hashes each schedule's day plans per year. A (schedule, month)
    pair changed only if its month and its schedule's year both changed, so the common edits
    are found exactly (a national decree: its months, every schedule that observes holidays; a
    provider's own day off: that schedule, that month; new hours in schedules.toml: that
    schedule, every month) and two unrelated edits at once at worst add each other's months.
    """

    tz: str
    first_year: int
    last_year: int
    months: bytes  # _HASH_BYTES per month, January of first_year first
    years: tuple[tuple[str, bytes], ...]  # per schedule (sorted): _HASH_BYTES per year

    def to_payload(self) -> dict[str, Any]:
        """The JSON form kept in an event payload (about 2 KB for the packaged schedules)."""
        return {
            "v": _SIGNATURE_VERSION,
            "tz": self.tz,
            "years": [self.first_year, self.last_year],
            "months": base64.b64encode(self.months).decode("ascii"),
            "schedules": {name: base64.b64encode(h).decode("ascii") for name, h in self.years},
        }

    @classmethod
    def from_payload(cls, payload: object) -> CalendarSignature | None:
        """The signature an event recorded; None if there is none or it is of another format
        (the caller then cannot tell what changed)."""
        if not isinstance(payload, Mapping) or payload.get("v") != _SIGNATURE_VERSION:
            return None
        try:
            first, last = (int(y) for y in payload["years"])
            months = base64.b64decode(payload["months"], validate=True)
            years = tuple(
                (str(name), base64.b64decode(h, validate=True))
                for name, h in sorted(payload["schedules"].items())
            )
            tz = str(payload["tz"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        span = last - first + 1
        if span <= 0 or len(months) != 12 * span * _HASH_BYTES or any(
            len(h) != span * _HASH_BYTES for _, h in years
        ):
            return None
        return cls(tz, first, last, months, years)

    def changes_since(self, old: CalendarSignature) -> dict[str, list[tuple[int, int]]] | None:
        """The (year, month) pairs per schedule whose day plans may differ from ``old``'s;
        None when the two cannot be compared month by month (another time zone). Months and
        schedules ``old`` did not cover count as changed: nothing is known of them."""
        if old.tz != self.tz:
            return None
        old_years = dict(old.years)

        def part(blob: bytes, index: int) -> bytes:
            return blob[index * _HASH_BYTES:(index + 1) * _HASH_BYTES]

        changed_months: list[tuple[int, int]] = []
        for year in range(self.first_year, self.last_year + 1):
            for month in range(1, 13):
                i = (year - self.first_year) * 12 + month - 1
                j = (year - old.first_year) * 12 + month - 1
                known = old.first_year <= year <= old.last_year
                if not known or part(self.months, i) != part(old.months, j):
                    changed_months.append((year, month))
        result: dict[str, list[tuple[int, int]]] = {}
        for name, blob in self.years:
            before = old_years.get(name)
            changed_years = {
                year for year in range(self.first_year, self.last_year + 1)
                if before is None or not old.first_year <= year <= old.last_year
                or part(blob, year - self.first_year) != part(before, year - old.first_year)
            }
            found = [(y, m) for y, m in changed_months if y in changed_years]
            if found:
                result[name] = found
        return result


def _month_plan(calendar: WorkCalendar, year: int, month: int) -> bytes:
    """One month's day plans as bytes: each day's kind and its working intervals (local
    minutes), in order; what any due date in that month is computed from."""
    days = []
    day = date(year, month, 1)
    while day.month == month:
        kind, hours = calendar.day_plan(day)
        days.append(_KINDS.get(kind, kind) + ",".join(f"{s}-{e}" for s, e in hours))
        day += _DAY
    return ";".join(days).encode("ascii")


def calendar_signature(
    *, tz: str = DEFAULT_TZ, overrides_dir: Path | str | None = None, first_year: int,
    last_year: int,
) -> CalendarSignature:
    """The :class:`CalendarSignature` of every schedule in schedules.toml, with the holidays
    package, the packaged override files and ``overrides_dir``'s, over whole years.

    Deterministic: the same files, package and zone give the same bytes."""
    if last_year < first_year:
        raise ValueError(f"no years from {first_year} to {last_year}")
    names = sorted(_schedules(None))
    calendars = [calendar_for(name, tz=tz, overrides_dir=overrides_dir) for name in names]
    months = bytearray()
    per_schedule = [hashlib.blake2b(digest_size=_HASH_BYTES) for _ in names]
    years = [bytearray() for _ in names]
    for year in range(first_year, last_year + 1):
        for month in range(1, 13):
            digest = hashlib.blake2b(digest_size=_HASH_BYTES)
            for i, (name, calendar) in enumerate(zip(names, calendars, strict=True)):
                plan = _month_plan(calendar, year, month)
                digest.update(name.encode() + b"\0" + plan + b"\n")
                per_schedule[i].update(plan + b"\n")
            months += digest.digest()
        for i in range(len(names)):
            years[i] += per_schedule[i].digest()
            per_schedule[i] = hashlib.blake2b(digest_size=_HASH_BYTES)
    return CalendarSignature(
        tz=tz,
        first_year=first_year,
        last_year=last_year,
        months=bytes(months),
        years=tuple((name, bytes(blob)) for name, blob in zip(names, years, strict=True)),
    )
