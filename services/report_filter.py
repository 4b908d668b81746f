"""Which step rows and applications a report covers: the auditor's filters as SQL conditions.

One :class:`ReportFilter` serves every view, so that the steps, applications and people views
of one command line describe the same slice of history. Dates select the unit each view counts:
steps and tasks by when the step became ready (``by="start"``) or was completed (``by="end"``),
applications by when they were filed or finished.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, select

from regflow.errors import UsageError
from regflow.store.models import Application, ApplicationStatus, ProcessDefinition, StepRecord

DATE_BASES = ("start", "end")
STATUSES = tuple(s.value for s in ApplicationStatus)


@dataclass(frozen=True)
class ReportFilter:
    process: str | None = None
    version: int | None = None
    route: str | None = None
    role: str | None = None
    user: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    by: str = "start"  # "start" | "end": which instant the date range applies to
    status: str | None = None  # application status: running | completed

    def __post_init__(self) -> None:
        if self.by not in DATE_BASES:
            raise UsageError(f"dates apply by 'start' or 'end', not {self.by!r}")
        if self.status is not None and self.status not in STATUSES:
            raise UsageError(
                f"unknown application status {self.status!r} (use {' or '.join(STATUSES)})"
            )
        if self.version is not None and not self.process:
            raise UsageError("--version needs --process: versions are numbered per process")
        if self.since and self.until and self.until <= self.since:
            raise UsageError("the date range is empty: --to must be after --from")

    def step_conditions(
        self, *, dates: bool = True, user: bool = True, route: bool = True
    ) -> list[Any]:
        """Conditions on ``steps`` joined with ``applications`` (``route=False``: the caller
        selects the route itself, without the join)."""
        conds: list[ColumnElement[bool]] = []
        if self.process:
            conds.append(StepRecord.process_key == self.process)
        if self.version is not None:
            conds.append(StepRecord.definition_id.in_(self._definition_ids()))
        if route and self.route:
            conds.append(Application.route == self.route)
        if self.status:
            conds.append(Application.status == self.status)
        if self.role:
            conds.append(StepRecord.role == self.role)
        if user and self.user:
            conds.append(StepRecord.completed_by == self.user)
        if dates:
            column = StepRecord.ready_at if self.by == "start" else StepRecord.completed_at
            conds.extend(self._range(column))
        return conds

    def application_conditions(self) -> list[Any]:
        """Conditions on ``applications``; role and user select applications they worked on."""
        conds: list[Any] = []
        if self.process:
            conds.append(Application.process_key == self.process)
        if self.version is not None:
            conds.append(Application.definition_id.in_(self._definition_ids()))
        if self.route:
            conds.append(Application.route == self.route)
        if self.status:
            conds.append(Application.status == self.status)
        if self.role or self.user:
            worked = select(StepRecord.application_id)
            if self.role:
                worked = worked.where(StepRecord.role == self.role)
            if self.user:
                worked = worked.where(StepRecord.completed_by == self.user)
            conds.append(Application.id.in_(worked))
        column = Application.filed_at if self.by == "start" else Application.finished_at
        conds.extend(self._range(column))
        return conds

    def _definition_ids(self) -> Any:
        return select(ProcessDefinition.id).where(
            ProcessDefinition.key == self.process, ProcessDefinition.version == self.version
        )

    def _range(self, column: Any) -> list[Any]:
        conds = []
        if self.since is not None:
            conds.append(column >= self.since)
        if self.until is not None:
            conds.append(column < self.until)
        return conds


def parse_bound(text: str | None, tz: tzinfo, *, end: bool) -> datetime | None:
    """``2026-07-01`` is that whole day: as ``--from`` its start, as ``--to`` the next midnight
    (so ``--to 2026-07-31`` includes the 31st). A date-time is taken as given."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"not a date: {text!r} (expected e.g. 2026-07-01 or 2026-07-01T09:00)"
        ) from None
    if len(text) == 10:  # a plain date
        value = datetime.combine(value.date(), time(), tz)
        return value + timedelta(days=1) if end else value
    return value.replace(tzinfo=tz) if value.tzinfo is None else value
