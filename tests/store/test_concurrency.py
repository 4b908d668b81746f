"""Two people complete the same task at the same moment, from two processes: one wins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from regflow.services import applications
from regflow.services.processes import deploy
from regflow.store.db import unit_of_work
from regflow.store.models import Event, StepRecord
from tests.conftest import at, context
from tests.support import three_step_model

_RACER = """
import sys, time
from regflow.cli import main
start = float(sys.argv[1])
while time.time() < start:
    time.sleep(0.001)
sys.argv = ["regflow", "complete", sys.argv[2], "--user", sys.argv[3]]
main()
"""


def test_two_processes_completing_one_task_exactly_one_wins(db_url: str, tmp_path: Path) -> None:
    import time

    ctx = context(db_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    for _round in range(2):
        app = applications.start(ctx, "three_steps")
        task = str(app.open_steps[0])
        env = {**os.environ, "REGFLOW_DATABASE_URL": db_url, "REGFLOW_NOW": "2026-07-01T10:20"}
        go = time.time() + 1.0
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _RACER, str(go), task, user],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for user in ("aigul", "bolat")
        ]
        outs = [p.communicate(timeout=60) for p in procs]
        codes = sorted(p.returncode for p in procs)
        assert codes == [0, 1], outs
        loser_err = next(err for p, (_, err) in zip(procs, outs, strict=True) if p.returncode)
        assert "already completed" in loser_err or "changed" in loser_err, loser_err
        assert "Traceback" not in loser_err
        with unit_of_work(db_url) as session:
            done = session.scalar(
                select(func.count()).select_from(Event).where(
                    Event.kind == "step_completed", Event.step_record_id == int(task)
                )
            )
            next_steps = session.scalar(
                select(func.count()).select_from(StepRecord).where(
                    StepRecord.application_id == app.application_id,
                    StepRecord.step_id == "Task_decide",
                )
            )
        assert (done, next_steps) == (1, 1)
