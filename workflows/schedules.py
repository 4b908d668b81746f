"""Named working-time schedules and the calendars built from them.

A process names its provider's schedule (``schedule = "akimat"`` in the BPMN file); this module
turns that name into a :class:`~regflow.workflows.calendar.WorkCalendar`. Schedules live in
``schedules.toml`` next to this file; year overrides (transfer decrees, a provider's own days off)
in ``calendar/<year>.toml``. A provider may keep its own override directory (``overrides_dir``,
later ``REGFLOW_CALENDAR_DIR``): its files are applied *after* the built-in ones, so they can add
to or correct the national decrees for that provider.

Building a calendar reads files and the holiday tables, so calendars are cached per
(name, tz, overrides_dir); call :func:`clear_cache` after editing the files in a running process.
"""

from __future__ import annotations

import tomllib
from datetime import date
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
    "Schedule",
    "calendar_for",
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
