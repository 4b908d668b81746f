"""What every service function receives: settings, the clock, calendars and a unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from regflow.clock import Clock, SimulatedClock, SystemClock, parse_instant, zone
from regflow.settings import Settings
from regflow.store.db import Tx, transaction, unit_of_work
from regflow.workflows.calendar import WorkCalendar
from regflow.workflows.schedules import calendar_for


@dataclass(frozen=True)
class Context:
    settings: Settings
    clock: Clock = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.clock is None:
            tz = zone(self.settings.tz)
            clock: Clock = (
                SimulatedClock(parse_instant(self.settings.now, tz))
                if self.settings.now
                else SystemClock(tz)
            )
            object.__setattr__(self, "clock", clock)

    def now(self) -> datetime:
        return self.clock.now()

    def calendar(self, schedule: str) -> WorkCalendar:
        return calendar_for(schedule, tz=self.settings.tz, overrides_dir=self.settings.calendar_dir)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with unit_of_work(self.settings.database_url) as session:
            yield session

    @contextmanager
    def lean_transaction(self) -> Iterator[Tx]:
        """The hot path's transaction (filing, claiming, completing): plain statements, and an
        ORM session only if something asks for one (store/db.py)."""
        with transaction(self.settings.database_url) as tx:
            yield tx

    @contextmanager
    def read_transaction(self) -> Iterator[Tx]:
        """A transaction for views that change nothing (the task list): it takes no write lock
        on SQLite, so clerks listing their tasks never hold up a completion."""
        with transaction(self.settings.database_url, read_only=True) as tx:
            yield tx
