"""SIGKILL during a run of completions loses nothing: every application restores, step rows match
the workflow, the audit chain holds, and no step is completed twice or lost."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from regflow.services.audit_log import verify_chain
from regflow.services.processes import deploy, loaded
from regflow.store.models import (
    OPEN_STEP_STATUSES,
    Application,
    Event,
    ProcessDefinition,
    StepRecord,
    StepStatus,
)
from regflow.workflows import engine
from tests.conftest import at, context
from tests.support import three_step_model

WORKER = """
import sys
from datetime import datetime
from zoneinfo import ZoneInfo
from regflow.clock import SimulatedClock
from regflow.errors import RegflowError
from regflow.services import applications
from regflow.services.context import Context
from regflow.services.queries import task_list
from regflow.settings import Settings

ctx = Context(Settings(database_url=sys.argv[1]),
              SimulatedClock(datetime(2026, 7, 1, 10, tzinfo=ZoneInfo("Asia/Almaty"))))
while True:
    rows = task_list(ctx)
    if len(rows) < 3:
        applications.start(ctx, "three_steps", actor="clerk")
        continue
    for r in rows:
        try:
            applications.complete(ctx, r.id, "worker", {"refuse": False})
        except RegflowError:
            pass
        print(r.id, flush=True)
"""


def _kill_after(url: str, lines: int) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", WORKER, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        try:
            for _ in range(lines):
                if not proc.stdout.readline():  # type: ignore[union-attr]
                    raise AssertionError(proc.stderr.read().decode())  # type: ignore[union-attr]
        finally:
            proc.kill()  # SIGKILL, mid-transaction or between two
            proc.wait()


def test_sigkill_during_completions_loses_nothing(db_url: str, tmp_path: Path) -> None:
    ctx = context(db_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    rnd = random.Random(7)
    for _ in range(4):
        _kill_after(db_url, rnd.randint(1, 12))

    verdict = verify_chain(ctx)
    assert verdict.ok, verdict.problem
    with ctx.transaction() as session:
        apps = session.scalars(select(Application)).all()
        assert apps
        for app in apps:
            definition = session.get(ProcessDefinition, app.definition_id)
            instance = engine.restore(loaded(definition), app.snapshot)  # loadable
            open_rows = set(
                session.scalars(
                    select(StepRecord.task_uuid).where(
                        StepRecord.application_id == app.id,
                        StepRecord.status.in_(OPEN_STEP_STATUSES),
                    )
                )
            )
            assert open_rows == {t.task_id for t in instance.ready_tasks()}, app.id
            assert (app.status == "completed") == instance.completed
        completed_rows = session.scalars(
            select(StepRecord).where(StepRecord.status == StepStatus.COMPLETED.value)
        ).all()
        assert completed_rows
        per_task = Counter(r.task_uuid for r in completed_rows)
        assert max(per_task.values()) == 1  # no task completed twice
        logged = Counter(
            session.scalars(select(Event.step_record_id).where(Event.kind == "step_completed"))
        )
        assert logged == Counter(r.id for r in completed_rows)  # each completion logged once
