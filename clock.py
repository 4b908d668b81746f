"""One source of time for everything regflow records.

Tests and the demo run on simulated time: a :class:`SimulatedClock` is set to an instant and moved
forward by hand, so a regulation can be worked through across days, weekends and holidays in
seconds. Everything else (services, the engine's step records) asks the clock passed to it and
never calls ``datetime.now`` itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

from regflow.errors import UsageError


class Clock(Protocol):
    tz: tzinfo

    def now(self) -> datetime: ...


class SystemClock:
    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(self.tz).replace(microsecond=0)


class SimulatedClock:
    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("simulated time must be timezone-aware")
        self.tz = at.tzinfo
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at if at.tzinfo else at.replace(tzinfo=self.tz)

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta


def parse_instant(text: str, tz: tzinfo) -> datetime:
    """Read ``2026-07-03T17:45`` (local to ``tz``) or an ISO instant with an offset."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"not a date-time: {text!r} (expected e.g. 2026-07-03T17:45)") from None
    return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise UsageError(f"unknown time zone: {name!r}") from None
