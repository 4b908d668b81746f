"""Several tasks completed in one transaction (`regflow complete 11 12 13`): all or none."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from regflow.errors import StateError, UsageError
from regflow.services import applications
from regflow.services.audit_log import verify_chain
from regflow.services.processes import deploy
from regflow.services.queries import task_list
from regflow.store.db import unit_of_work
from regflow.store.models import Event
from regflow.workflows.builder import ProcessBuilder
from tests.conftest import Cli, at, context
from tests.support import sqlite_statements, three_step_model


def _completed_events(url: str) -> int:
    with unit_of_work(url) as session:
        return int(session.scalar(
            select(func.count()).select_from(Event).where(Event.kind == "step_completed")
        ) or 0)


def _filed(url: str, tmp_path: Path, n: int) -> list[int]:
    """``n`` applications of the three-step model filed at 10:00; their registration tasks."""
    ctx = context(url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    return [applications.start(ctx, "three_steps").open_steps[0] for _ in range(n)]


def test_batch_completes_each_task_as_a_single_completion_would(
    db_url: str, tmp_path: Path
) -> None:
    tasks = _filed(db_url, tmp_path, 3)
    ctx = context(db_url, at("2026-07-01 10:20"))
    results = applications.complete_all(ctx, tasks, "aigul")
    assert [r.step_record_id for r in results] == tasks
    # filed on Wednesday 1 July at 10:00, completed at 10:20 inside the akimat's working day
    assert [r.working_minutes for r in results] == [20, 20, 20]
    next_tasks = {t.id: t.step_id for t in task_list(ctx)}
    assert sorted(next_tasks) == sorted(r.open_steps[0] for r in results)
    assert set(next_tasks.values()) == {"Task_decide"}
    assert _completed_events(db_url) == 3
    assert verify_chain(ctx).problem is None


def test_batch_is_one_transaction_on_sqlite(sqlite_url: str, tmp_path: Path) -> None:
    tasks = _filed(sqlite_url, tmp_path, 3)
    ctx = context(sqlite_url, at("2026-07-01 10:20"))
    seen = sqlite_statements(sqlite_url, lambda: applications.complete_all(ctx, tasks, "aigul"))
    begins = [s for s in seen if s.upper().startswith("BEGIN")]
    commits = [s for s in seen if s.upper().startswith("COMMIT")]
    assert (len(begins), len(commits)) == (1, 1), seen  # one fsync for the three completions


def test_one_task_that_cannot_be_completed_leaves_the_whole_batch_undone(
    db_url: str, tmp_path: Path
) -> None:
    first, second = _filed(db_url, tmp_path, 2)
    ctx = context(db_url, at("2026-07-01 10:20"))
    applications.complete(ctx, first, "aigul")
    with pytest.raises(StateError) as raised:
        applications.complete_all(ctx, [second, first], "aigul")
    message = str(raised.value)
    assert f"task {first} was already completed by aigul" in message
    assert message.endswith("nothing was completed (2 tasks named)")
    assert second in {t.id for t in task_list(ctx)}  # the good one was rolled back with it
    assert _completed_events(db_url) == 1
    assert verify_chain(ctx).problem is None


def test_missing_decision_refuses_the_batch_and_given_decision_completes_it(
    db_url: str, tmp_path: Path
) -> None:
    tasks = _filed(db_url, tmp_path, 2)
    ctx = context(db_url, at("2026-07-01 10:20"))
    decisions = [r.open_steps[0] for r in applications.complete_all(ctx, tasks, "aigul")]
    with pytest.raises(UsageError, match=r"needs a decision: --set refuse=.*nothing was completed"):
        applications.complete_all(ctx, decisions, "bolat")
    results = applications.complete_all(ctx, decisions, "bolat", {"refuse": True})
    assert [(r.application_status, r.outcome) for r in results] == [("completed", "refused")] * 2


@pytest.mark.parametrize(
    ("ids", "message"),
    [([], "name at least one task"), ([1, 2, 1], "task 1 is named twice")],
)
def test_empty_or_repeated_task_list_is_refused(
    sqlite_url: str, tmp_path: Path, ids: list[int], message: str
) -> None:
    _filed(sqlite_url, tmp_path, 2)
    ctx = context(sqlite_url, at("2026-07-01 10:20"))
    with pytest.raises(UsageError, match=message):
        applications.complete_all(ctx, ids, "aigul")
    assert _completed_events(sqlite_url) == 0


def _two_checks(path: Path) -> Path:
    """The officer's two checks run side by side (a parallel split and join)."""
    b = ProcessBuilder(
        key="two_checks", name="Екі тексеру",
        properties={"routes": "provider", "deadline": "5 working days", "schedule": "akimat"},
    )
    officer = b.lane("officer", "Жауапты орындаушы")
    split = b.parallel_gateway(officer, id="Gateway_split")
    join = b.parallel_gateway(officer, id="Gateway_join")
    documents = b.user_task(officer, "Құжаттарды тексеру", norm="1 working day", id="Task_docs")
    request = b.user_task(officer, "Сұрау салу", norm="2 working days", id="Task_request")
    b.chain(b.start(officer, "Өтініш"), split)
    b.chain(split, documents, join)
    b.chain(split, request, join)
    b.chain(join, b.end(officer, "Берілді", outcome="issued"))
    return b.write(path)


def test_two_parallel_tasks_of_one_application_complete_in_one_batch(
    db_url: str, tmp_path: Path
) -> None:
    ctx = context(db_url, at("2026-07-01 10:00"))
    deploy(ctx, [_two_checks(tmp_path / "two.bpmn")])
    app = applications.start(ctx, "two_checks")
    assert len(app.open_steps) == 2
    later = context(db_url, at("2026-07-01 11:00"))
    first, second = applications.complete_all(later, app.open_steps, "officer")
    # the first leaves the join waiting for the second; the second sees the first's snapshot
    assert (first.application_status, first.open_steps) == ("running", [])
    assert (second.application_status, second.outcome) == ("completed", "issued")
    assert [first.working_minutes, second.working_minutes] == [60, 60]  # 10:00 → 11:00
    assert verify_chain(later).problem is None


_BATCH_RACER = """
import sys, time
from regflow.cli import main
start = float(sys.argv[1])
while time.time() < start:
    time.sleep(0.001)
sys.argv = ["regflow", "complete", *sys.argv[3:], "--user", sys.argv[2]]
main()
"""


def test_overlapping_batches_from_two_processes_one_wins_whole(
    db_url: str, tmp_path: Path
) -> None:
    """The batches name the same two tasks in opposite orders: on PostgreSQL each locks them in
    one order first, so the second waits for the first and finds them done (no deadlock)."""
    first, second = _filed(db_url, tmp_path, 2)
    env = {**os.environ, "REGFLOW_DATABASE_URL": db_url, "REGFLOW_NOW": "2026-07-01T10:20"}
    go = time.time() + 1.0
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _BATCH_RACER, str(go), user, *map(str, order)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for user, order in (("aigul", (first, second)), ("bolat", (second, first)))
    ]
    outs = [p.communicate(timeout=60) for p in racers]
    assert sorted(p.returncode for p in racers) == [0, 1], outs
    loser = next(err for p, (_, err) in zip(racers, outs, strict=True) if p.returncode)
    assert "already completed" in loser and "nothing was completed (2 tasks named)" in loser
    assert "Traceback" not in loser and len(loser.strip().splitlines()) == 1
    assert _completed_events(db_url) == 2
    with unit_of_work(db_url) as session:
        actors = set(session.scalars(select(Event.actor).where(Event.kind == "step_completed")))
    assert len(actors) == 1  # both by the winner


def test_cli_completes_several_tasks_and_refuses_a_bad_batch_in_one_line(
    cli: Cli, tmp_path: Path
) -> None:
    tasks = _filed(cli.url, tmp_path, 2)
    refused = cli("complete", str(tasks[0]), "999", "--user", "aigul",
                  at="2026-07-01T10:20", expect=1)
    assert refused.stderr.strip().splitlines() == [
        "error: no task 999 (see 'regflow tasks'); nothing was completed (2 tasks named)"
    ]
    done = cli("complete", *map(str, tasks), "--user", "aigul", at="2026-07-01T10:20")
    lines = done.output.splitlines()
    assert lines[0] == f"task {tasks[0]} completed in 20 min"
    assert lines[2] == f"task {tasks[1]} completed in 20 min"
    assert [line.startswith("next tasks: ") for line in lines] == [False, True, False, True]


def test_head_cannot_slip_a_clerk_task_into_a_batch_of_his_own(
    db_url: str, tmp_path: Path
) -> None:
    from regflow.errors import PermissionDenied
    from regflow.services import users

    ctx = context(db_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    users.add_user(ctx, "aigul", ["clerk"], "akimat-1")
    users.add_user(ctx, "bolat", ["head"], "akimat-1")
    registered = [applications.start(ctx, "three_steps", actor="aigul").open_steps[0]
                  for _ in range(2)]
    later = context(db_url, at("2026-07-01 10:20"))
    (decide,) = applications.complete(later, registered[0], "aigul").open_steps
    with pytest.raises(PermissionDenied, match="lane 'clerk'.*nothing was completed"):
        applications.complete_all(later, [decide, registered[1]], "bolat", {"refuse": False})
    assert {t.id for t in task_list(later)} == {decide, registered[1]}  # both still open
    assert _completed_events(db_url) == 1
