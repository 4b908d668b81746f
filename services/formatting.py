"""How durations and instants are written for people: working time, never raw seconds.

``1 wd 3 h 20 min`` means one working day (of the schedule's normal length, 8 h for an akimat),
three hours and twenty minutes of working time.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

WORKING_DAY_MINUTES = 480


def working(minutes: int | None, day_minutes: int = WORKING_DAY_MINUTES) -> str:
    if minutes is None:
        return "—"
    days, rest = divmod(minutes, day_minutes) if day_minutes else (0, minutes)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} wd")
    if hours:
        parts.append(f"{hours} h")
    if mins or not parts:
        parts.append(f"{mins} min")
    return " ".join(parts)


def instant(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "—"
