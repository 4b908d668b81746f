"""The task list, from indexed rows only.

It is what every clerk runs all day, so this module stays light: it never parses a model
unless a step name needs translating. An application's timeline, which needs each role's
schedule, is services/report_apps.py's ``application_timeline``, shared with the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from regflow.services.context import Context
from regflow.services.names import StepNames
from regflow.store.models import OPEN_STEP_STATUSES, StepRecord, is_open_step

MAX_TASKS = 500
_COLUMNS = (  # in the order task_list() unpacks them
    StepRecord.id, StepRecord.application_id, StepRecord.definition_id, StepRecord.process_key,
    StepRecord.step_id, StepRecord.name, StepRecord.role, StepRecord.status,
    StepRecord.claimed_by, StepRecord.ready_at, StepRecord.due_at, StepRecord.norm,
)


@dataclass(frozen=True)
class TaskRow:
    id: int
    application_id: int
    process_key: str
    step_id: str
    name: str
    role: str | None
    status: str
    claimed_by: str | None
    ready_at: datetime
    due_at: datetime | None
    norm: str | None
    overdue: bool


def task_list(
    ctx: Context,
    *,
    role: str | None = None,
    user: str | None = None,
    overdue: bool = False,
    process: str | None = None,
    limit: int = MAX_TASKS,
) -> list[TaskRow]:
    """Open steps, earliest due first (steps without a due time last), at most ``limit``.

    Each open status is read on its own, with and without a due time, in index order and
    limited; the few rows are merged here. Every read is an ordered range scan of one of the
    partial indexes of open steps (migrations 0005, 0010), so the list costs the same at a
    thousand or a million open applications.
    """
    now = ctx.now()
    base = select(*_COLUMNS).where(is_open_step(StepRecord.status))  # the indexes' own term
    if role:
        base = base.where(StepRecord.role == role)
    if user:
        base = base.where(StepRecord.claimed_by == user)
    if process:
        base = base.where(StepRecord.process_key == process)
    queries = []
    for status in OPEN_STEP_STATUSES:
        timed = base.where(StepRecord.status == status, StepRecord.due_at.is_not(None))
        if overdue:
            timed = timed.where(StepRecord.due_at < now)
        queries.append(timed.order_by(StepRecord.due_at, StepRecord.id).limit(limit))
        if not overdue:
            untimed = base.where(StepRecord.status == status, StepRecord.due_at.is_(None))
            queries.append(untimed.order_by(StepRecord.id).limit(limit))
    with ctx.read_transaction() as tx:
        # plain rows, not ORM objects: a list of 500 is read on every look at one's tasks
        found = [tuple(r) for q in queries for r in tx.connection.execute(q)]
        found.sort(key=lambda r: (r[10] is None, r[10] or now, r[0]))  # due_at, then id
        names = StepNames(tx)
        return [
            TaskRow(
                id=id_,
                application_id=app_id,
                process_key=key,
                step_id=step_id,
                name=names(definition_id, step_id, name),
                role=role,
                status=status,
                claimed_by=claimed_by,
                ready_at=ready_at,
                due_at=due_at,
                norm=norm,
                overdue=due_at is not None and due_at < now,
            )
            for (
                id_, app_id, definition_id, key, step_id, name, role, status, claimed_by,
                ready_at, due_at, norm,
            ) in found[:limit]
        ]
