"""The step-timing summary: per process step, actual working time against the norm.

A first cut of the auditor's report, read from the step rows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from sqlalchemy import select

from regflow.services.context import Context
from regflow.store.models import StepRecord, is_done_by_people


@dataclass(frozen=True)
class StepTiming:
    process_key: str
    step_id: str
    name: str
    role: str | None
    norm: str | None
    count: int
    median_minutes: float
    max_minutes: int
    overdue: int

    @property
    def overdue_share(self) -> float:
        return self.overdue / self.count if self.count else 0.0


def step_timing(ctx: Context, process: str | None = None) -> list[StepTiming]:
    query = select(
        StepRecord.process_key,
        StepRecord.step_id,
        StepRecord.name,
        StepRecord.role,
        StepRecord.norm,
        StepRecord.working_minutes,
        StepRecord.completed_at,
        StepRecord.due_at,
    ).where(is_done_by_people(StepRecord.status, StepRecord.kind))  # along ix_steps_done
    if process:
        query = query.where(StepRecord.process_key == process)
    groups: dict[tuple[str, str], list[tuple]] = {}  # type: ignore[type-arg]
    with ctx.transaction() as session:
        for row in session.execute(query.order_by(StepRecord.process_key, StepRecord.id)):
            groups.setdefault((row.process_key, row.step_id), []).append(tuple(row))
    result = []
    for (key, step_id), rows in groups.items():
        minutes = [r[5] or 0 for r in rows]
        result.append(
            StepTiming(
                process_key=key,
                step_id=step_id,
                name=rows[0][2],
                role=rows[0][3],
                norm=rows[0][4],
                count=len(rows),
                median_minutes=float(median(minutes)),
                max_minutes=max(minutes),
                overdue=sum(1 for r in rows if r[7] is not None and r[6] > r[7]),
            )
        )
    return result
