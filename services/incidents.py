"""``regflow incidents``: service steps whose information system failed, open or resolved.

The state changes (opening on failure, ``regflow retry``) live in services/applications.py next
to the other transitions; this module only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from regflow.errors import UsageError
from regflow.i18n import _
from regflow.services.context import Context
from regflow.store.models import Incident, StepRecord

STATUSES = ("open", "resolved")


@dataclass(frozen=True)
class IncidentRow:
    id: int
    application_id: int
    process_key: str | None
    step_record_id: int | None
    step_id: str
    step_name: str | None
    handler: str | None
    status: str
    attempts: int
    error: str
    errors: list[str]
    opened_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None


def _row(incident: Incident, step: StepRecord | None) -> IncidentRow:
    return IncidentRow(
        id=incident.id,
        application_id=incident.application_id,
        process_key=step.process_key if step else None,
        step_record_id=incident.step_record_id,
        step_id=incident.step_id,
        step_name=step.name if step else None,
        handler=incident.handler,
        status=incident.status,
        attempts=incident.attempts,
        error=incident.error,
        errors=list(incident.errors or []),
        opened_at=incident.opened_at,
        resolved_at=incident.resolved_at,
        resolved_by=incident.resolved_by,
    )


def list_incidents(
    ctx: Context, *, status: str | None = None, application: int | None = None, limit: int = 500
) -> list[IncidentRow]:
    """Incidents, open first (oldest first), then the resolved ones, newest first."""
    if status is not None and status not in STATUSES:
        raise UsageError(
            _("--status must be one of {choices}, got {value}").format(
                choices=", ".join(STATUSES), value=repr(status)
            )
        )
    query = select(Incident, StepRecord).outerjoin(
        StepRecord, StepRecord.id == Incident.step_record_id
    )
    if status:
        query = query.where(Incident.status == status)
    if application is not None:
        query = query.where(Incident.application_id == application)
    query = query.order_by(Incident.status, Incident.id).limit(limit)
    with ctx.transaction() as session:
        rows = [_row(i, s) for i, s in session.execute(query).all()]
    open_rows = [r for r in rows if r.status == "open"]
    resolved = sorted((r for r in rows if r.status != "open"), key=lambda r: -r.id)
    return open_rows + resolved


def incidents_of(session: Session, application_id: int) -> list[IncidentRow]:
    """An application's incidents in the order they were opened (for its timeline)."""
    query = (
        select(Incident, StepRecord)
        .outerjoin(StepRecord, StepRecord.id == Incident.step_record_id)
        .where(Incident.application_id == application_id)
        .order_by(Incident.id)
    )
    return [_row(i, s) for i, s in session.execute(query).all()]
