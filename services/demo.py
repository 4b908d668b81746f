"""``regflow demo``: the library's regulations worked by simulated clerks on simulated time.

A fresh SQLite database gets every model in processes/, then a few dozen applications are filed
over three weeks of working time (across the Capital Day holiday) and worked step by step in
time order: each person takes a seeded random share of the step's norm, some take longer (late
steps), and some decisions lead to a reasoned refusal. What is still open at the end stays in
the task list.
"""

from __future__ import annotations

import heapq
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from regflow.clock import SimulatedClock, zone
from regflow.errors import StateError
from regflow.services import applications
from regflow.services.context import Context
from regflow.services.processes import deploy, latest_definition, loaded
from regflow.services.setup import init_database
from regflow.settings import Settings
from regflow.workflows.model import Input, Regulation
from regflow.workflows.norms import Norm, NormUnit
from regflow.workflows.validity import validity_of

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
DEMO_START = "2026-06-22T09:00"
DEMO_DAYS = 21
NEGATIVE = re.compile(r"refus|ground|missing|reject|invalid|negative|bas_tart|terris", re.I)


@dataclass(frozen=True)
class DemoResult:
    database_url: str
    deployed: int
    started: int
    finished: int
    refused: int
    open_tasks: int
    now: datetime
    context: Context


def _work_minutes(norm: Norm | None, rng: random.Random) -> int:
    if norm is None:
        base = 60
    elif norm.unit is NormUnit.MINUTES:
        base = norm.amount
    elif norm.unit is NormUnit.WORKING_DAYS:
        base = norm.amount * 480
    else:
        base = norm.amount * 480 * (22 if norm.unit is NormUnit.CALENDAR_MONTHS else 1)
    roll = rng.random()
    factor = rng.uniform(0.2, 0.9) if roll < 0.72 else rng.uniform(0.9, 1.25)
    if roll > 0.93:
        factor = rng.uniform(1.3, 2.2)
    return max(1, round(base * factor))


def _decisions(reg: Regulation, items: tuple[Input, ...], rng: random.Random) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in items:
        if item.type == "bool":
            p_true = 0.2 if NEGATIVE.search(item.name) else 0.85
            data[item.name] = rng.random() < p_true
        elif item.type == "int":
            data[item.name] = rng.randint(1, 5)
        else:
            choices = sorted(
                {
                    m.group(1)
                    for flows in reg.flows.values()
                    for f in flows
                    for m in re.finditer(rf"{item.name}\s*==\s*[\"']([^\"']+)", f.condition or "")
                }
            )
            data[item.name] = rng.choice(choices) if choices else "иә"
    return data


def run_demo(
    folder: Path,
    *,
    applications_count: int = 60,
    seed: int = 2026,
    processes_dir: Path = PROCESSES,
) -> DemoResult:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "regflow-demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    tz = zone(Settings().tz)
    clock = SimulatedClock(datetime.fromisoformat(DEMO_START).replace(tzinfo=tz))
    ctx = Context(Settings(database_url=url), clock)
    init_database(ctx, actor="demo")  # a new database, as `regflow init` makes one
    files = sorted(processes_dir.glob("*.bpmn"))
    deployed = deploy(ctx, files)
    rng = random.Random(seed)

    with ctx.transaction() as session:
        regs = {d.key: loaded(latest_definition(session, d.key)).regulation for d in deployed}  # type: ignore[arg-type]
    keys = sorted(regs)
    # Events: (when, sequence, kind, payload). Filings spread over the first two weeks.
    queue: list[tuple[datetime, int, str, Any]] = []
    seq = 0
    for _ in range(applications_count):
        key = rng.choice(keys)
        route = rng.choice(regs[key].routes) if regs[key].routes else None
        when = _era(regs[key], clock.now()) + timedelta(minutes=rng.randint(0, 14 * 24 * 60))
        seq += 1
        heapq.heappush(queue, (when, seq, "file", (key, route)))

    started = finished = refused = 0
    if not queue:
        raise StateError("no application could be filed: no regulation was in force")
    # Stop a day after the last filing: the latest applications are still being worked.
    end = max(q[0] for q in queue) + timedelta(days=1)
    while queue and queue[0][0] <= end:
        when, _, kind, payload = heapq.heappop(queue)
        clock.set(when)
        if kind == "file":
            key, route = payload
            # The information systems answer from the local fixtures (handlers/fixtures):
            # the applicant is one of its test persons, now and then one ЖТ МДҚ does not know.
            applicant = _applicant(rng)
            app = applications.start(
                ctx, key, route=route, data=applicant, applicant=applicant["iin"]
            )
            started += 1
            new_steps = app.open_steps
            app_id = app.application_id
        else:
            app_id, step_record_id, user, data = payload
            result = applications.complete(ctx, step_record_id, user, data)
            new_steps = result.open_steps
            if result.application_status == "completed":
                finished += 1
                refused += result.outcome == "refused"
        for step_record_id in new_steps:
            seq += 1
            heapq.heappush(queue, _plan(ctx, regs, app_id, step_record_id, rng, seq))
    clock.set(end)
    from regflow.services.queries import task_list

    return DemoResult(
        database_url=url,
        deployed=len(deployed),
        started=started,
        finished=finished,
        refused=refused,
        open_tasks=len(task_list(ctx)),
        now=clock.now(),
        context=ctx,
    )


def _applicant(rng: random.Random) -> dict[str, Any]:
    """A fixture person (handlers/fixtures/local.json) with their own signing certificate; one
    in ten is an IIN ЖТ МДҚ does not know, so the systems' refusal branches occur too."""
    from regflow.handlers.adapters import read_fixtures

    fixtures = read_fixtures()
    if rng.random() < 0.1:
        return {"iin": rng.choice(fixtures["not_found_iins"])}
    iin = rng.choice(sorted(fixtures["persons"]))
    own = sorted(s for s, c in fixtures["certificates"].items() if c.get("owner") == iin)
    return {"iin": iin, "certificate_serial": own[0]} if own else {"iin": iin}


def _era(reg: Regulation, demo_start: datetime) -> datetime:
    """When the demo files applications of ``reg``: the demo's own weeks if the regulation is in
    force then, else weeks within its legal validity (e.g. seed 003's regulations, in force from
    late 2015 until 30 May 2016), so every application starts on the version in force."""
    validity = validity_of(reg.properties, key=reg.key)
    day = demo_start.date()
    if validity.in_force_on(day) and validity.in_force_on(day + timedelta(days=21)):
        return demo_start
    start = (validity.in_force_from or day) + timedelta(days=60)
    if validity.repealed_on is not None:
        start = min(start, validity.repealed_on - timedelta(days=30))
    return datetime.combine(start, demo_start.timetz())


def _plan(
    ctx: Context,
    regs: dict[str, Regulation],
    app_id: int,
    step_record_id: int,
    rng: random.Random,
    seq: int,
) -> tuple[datetime, int, str, Any]:
    from regflow.store.models import StepRecord

    with ctx.transaction() as session:
        row = session.get(StepRecord, step_record_id)
        assert row is not None
        reg = regs[row.process_key]
        step = reg.steps[row.step_id]
        ready_at, role = row.ready_at, row.role
    calendar = ctx.calendar(reg.schedule_of(role))
    done_at = calendar.add(
        ready_at, Norm(amount=_work_minutes(step.norm, rng), unit=NormUnit.MINUTES, text="")
    )
    user = f"{role or 'user'}-{rng.randint(1, 3)}"
    decisions = _decisions(reg, step.inputs, rng)
    return (done_at, seq, "complete", (app_id, step_record_id, user, decisions))
