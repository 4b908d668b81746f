"""Every route of every model in processes/ runs end to end through the engine on simulated time.

Each step takes exactly its norm: it is completed at its due instant. The recorded working time
of a step must then equal its norm (N minutes → N; N working days → N × the working minutes of a
normal day of that step's schedule, e.g. 480 for an akimat, 660 for the State Corporation), and
the route's total must equal the sum of its norms. The norms themselves are checked against the
texts, line by line, in test_models_003.py, test_models_standards.py and test_models_004.py.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from regflow.services import applications
from regflow.services.processes import deploy
from regflow.services.queries import task_list, timeline
from regflow.workflows.loader import load_process
from regflow.workflows.norms import NormUnit
from regflow.workflows.routes import main_outcome
from tests.conftest import PROCESSES, context
from tests.support import default_decisions, filing_instant, fixture_applicant

MODELS = sorted(PROCESSES.glob("*.bpmn"))
CASES = [
    (path, route)
    for path in MODELS
    for route in (load_process(path.read_bytes(), path.name).regulation.routes or (None,))
]


def _uniform_day_minutes(calendar, near) -> int | None:  # type: ignore[no-untyped-def]
    """Minutes of a working day, if every working weekday of the schedule has the same."""
    week = [calendar.day_info((near + timedelta(days=d)).date()) for d in range(7, 14)]
    lengths = {d.minutes for d in week if d.working}
    return lengths.pop() if len(lengths) == 1 else None


@pytest.mark.parametrize(("path", "route"), CASES, ids=[f"{p.stem}-{r}" for p, r in CASES])
def test_route_runs_with_each_step_taking_its_norm(
    sqlite_url: str, path: Path, route: str | None
) -> None:
    reg = load_process(path.read_bytes(), path.name).regulation
    start = filing_instant(reg)  # a Tuesday in force; no holidays in the weeks that follow
    ctx = context(sqlite_url, start)
    deploy(ctx, [path])
    answers = default_decisions(reg, tuple(o for s in reg.steps.values() for o in s.outputs), route)
    answers = {**fixture_applicant(answers), **answers}  # the systems answer from fixtures
    app = applications.start(ctx, reg.key, route=route, data=answers)
    expected_total = 0
    for _ in range(200):
        rows = [r for r in task_list(ctx) if r.application_id == app.application_id]
        if not rows:
            break
        row = rows[0]
        step = reg.steps[row.step_id]
        if row.due_at is not None:
            ctx.clock.set(row.due_at)
        calendar = ctx.calendar(reg.schedule_of(step.role))
        result = applications.complete(
            ctx, row.id, "tester", default_decisions(reg, step.inputs, route)
        )
        norm = step.norm
        if norm is None:
            expected = 0
        elif norm.unit is NormUnit.MINUTES:
            expected = norm.amount
        elif norm.unit is NormUnit.WORKING_DAYS and (day := _uniform_day_minutes(calendar, start)):
            expected = norm.amount * day
        else:  # calendar days/months, or a week with a short Saturday: the calendar decides
            expected = calendar.working_minutes(row.ready_at, calendar.add(row.ready_at, norm))
        assert result.working_minutes == expected, (step.id, str(norm))
        expected_total += expected
    t = timeline(ctx, app.application_id)
    assert (t.status, t.outcome) == ("completed", main_outcome(reg, route))
    user_steps = [s for s in t.steps if s.kind == "user"]
    assert sum(s.working_minutes or 0 for s in user_steps) == expected_total
    assert not any(s.overdue for s in t.steps)
