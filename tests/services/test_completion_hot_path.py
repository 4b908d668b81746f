"""The completion hot path (issue 8): fewer round trips and no rebuilt workflow, same results."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from regflow.services import applications
from regflow.services.processes import deploy, loaded_by_id
from regflow.services.report_apps import application_timeline
from regflow.store.audit import verify
from regflow.store.db import engine_for, unit_of_work
from regflow.workflows import engine
from regflow.workflows.timers import has_timer_events
from tests.conftest import at, context
from tests.support import query_plan, sqlite_statements, steps_selects, three_step_model

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return three_step_model(tmp_path / "three_steps.bpmn")


def _work(ctx: Any, app_id: int, first: list[int]) -> list[tuple[str, str]]:
    open_steps = first
    while open_steps:
        open_steps = applications.complete(ctx, open_steps[0], "u", {"refuse": False}).open_steps
    return [(s.step_id, s.status) for s in application_timeline(ctx, app_id).steps]


def _driver_statements(url: str, action: Any) -> Counter[str]:
    """The statements SQLite ran during ``action``, counted by their first words. For each
    event inserted, SQLite's trace callback reports the INSERT twice more, with the same text,
    as it runs the audit head's trigger (migration 0009): those two are not counted, and only
    for that statement, so a repeated read still shows."""
    seen: Counter[str] = Counter()
    previous = None
    for sql in sqlite_statements(url, action):
        if sql == previous and sql.startswith("INSERT INTO events"):
            continue
        previous = sql
        parts = sql.split()
        seen[" ".join(parts[:3] if parts[0] in ("INSERT", "SELECT") else parts[:2])] += 1
    return seen


@pytest.fixture
def filed(sqlite_url: str, model: Path) -> tuple[Any, int]:
    """A context at 2026-07-01 10:00 and the open first step of a new application."""
    ctx = context(sqlite_url, at("2026-07-01 10:00"))
    deploy(ctx, [model])
    return ctx, applications.start(ctx, "three_steps").open_steps[0]


def test_a_completion_locks_reads_and_writes_in_six_statements_and_a_commit(
    sqlite_url: str, filed: tuple[Any, int]
) -> None:
    ctx, task = filed
    seen = _driver_statements(sqlite_url, lambda: applications.complete(ctx, task, "clerk1"))
    # step + application + version hash + open mode + the audit head in one SELECT; the head
    # moved by the database's trigger as the event is inserted (no statement of its own)
    assert seen == Counter({
        "BEGIN IMMEDIATE": 1, "SELECT steps.id, steps.application_id,": 1,
        "UPDATE steps": 1, "INSERT INTO steps": 1, "UPDATE applications": 1,
        "INSERT INTO events": 1, "COMMIT": 1,
    })


def test_a_claim_locks_and_writes_in_five_statements_and_a_commit(
    sqlite_url: str, filed: tuple[Any, int]
) -> None:
    ctx, task = filed
    seen = _driver_statements(sqlite_url, lambda: applications.claim(ctx, task, "clerk1"))
    assert seen == Counter({
        "BEGIN IMMEDIATE": 1, "SELECT steps.id, steps.application_id,": 1, "UPDATE steps": 1,
        "SELECT audit_head.seq, audit_head.hash": 1, "INSERT INTO events": 1,
        "COMMIT": 1,
    })


def test_a_kept_live_workflow_works_an_application_like_a_restored_one(
    sqlite_url: str, model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = context(sqlite_url, at("2026-07-01 10:00"))
    deploy(ctx, [model])
    kept = applications.start(ctx, "three_steps")
    kept_steps = _work(ctx, kept.application_id, kept.open_steps)
    monkeypatch.setattr(engine, "_LIVE_MAX", 0)  # nothing kept: every step restores from JSON
    restored = applications.start(ctx, "three_steps")
    assert _work(ctx, restored.application_id, restored.open_steps) == kept_steps
    assert kept_steps == [
        ("Task_register", "completed"), ("Task_decide", "completed"), ("Task_sign", "completed")
    ]


def test_a_snapshot_changed_elsewhere_is_restored_not_taken_from_memory(
    sqlite_url: str, model: Path
) -> None:
    ctx = context(sqlite_url, at("2026-07-01 10:00"))
    deploy(ctx, [model])
    app = applications.start(ctx, "three_steps")
    with unit_of_work(sqlite_url) as session:
        process = loaded_by_id(session, 1)
    key = (sqlite_url, app.application_id)
    stored = engine._LIVE[key][0]
    other = engine.start(process, {}).snapshot()  # another workflow's bytes
    assert engine.restore(process, other, key=key).workflow is not None
    assert key not in engine._LIVE  # the stale entry is dropped, never reused
    assert engine.restore(process, stored).workflow is not None


def test_the_audit_chain_holds_when_one_transaction_writes_two_events(
    sqlite_url: str, model: Path
) -> None:
    ctx = context(sqlite_url, at("2026-07-01 10:00"))
    deploy(ctx, [model])
    app = applications.start(ctx, "three_steps")
    _work(ctx, app.application_id, app.open_steps)  # the last step also finishes the application
    with engine_for(sqlite_url).connect() as conn:
        verdict = verify(conn)
    assert verdict.ok, verdict.problem
    assert verdict.head_seq == verdict.events


def test_only_versions_with_timer_events_keep_timer_rows(model: Path) -> None:
    from regflow.workflows.loader import load_process

    plain = load_process(model.read_bytes(), model.name)
    timed_file = ROOT / "processes" / "arnauly_aleumettik_qyzmet_shagym_timers.bpmn"
    timed = load_process(timed_file.read_bytes(), timed_file.name)
    assert not has_timer_events(plain.spec, plain.subprocess_specs)
    assert has_timer_events(timed.spec, timed.subprocess_specs)


def test_a_task_list_takes_no_write_lock_and_a_completion_does(
    sqlite_url: str, filed: tuple[Any, int]
) -> None:
    # A reading transaction starts with a plain BEGIN: in WAL mode it neither waits for a
    # clerk completing a task nor makes one wait; writers take BEGIN IMMEDIATE.
    from regflow.services.queries import task_list

    ctx, task = filed
    listed = _driver_statements(sqlite_url, lambda: task_list(ctx, role="clerk"))
    assert listed["BEGIN"] == 1 and "BEGIN IMMEDIATE" not in listed
    assert not any(s.split()[0] in ("INSERT", "UPDATE", "DELETE") for s in listed), listed
    completed = _driver_statements(sqlite_url, lambda: applications.complete(ctx, task, "clerk1"))
    assert completed["BEGIN IMMEDIATE"] == 1 and "BEGIN" not in completed


def test_an_authorized_completion_adds_one_read_of_the_person_and_one_of_a_delegation(
    sqlite_url: str, filed: tuple[Any, int]
) -> None:
    # Once users exist every claim and completion is checked (services/users.py): the person
    # and any delegation are two more plain reads; the application's organisation comes with
    # the completion's own locking read.
    from regflow.services.users import add_user

    ctx, task = filed
    add_user(ctx, "clerk1", ["clerk"], "akimat-1")
    seen = _driver_statements(sqlite_url, lambda: applications.complete(ctx, task, "clerk1"))
    assert seen == Counter({
        "BEGIN IMMEDIATE": 1, "SELECT steps.id, steps.application_id,": 1,
        "SELECT users.name, users.roles,": 1, "SELECT delegations.delegate FROM": 1,
        "UPDATE steps": 1, "INSERT INTO steps": 1, "UPDATE applications": 1,
        "INSERT INTO events": 1, "COMMIT": 1,
    })


def test_every_read_of_open_steps_walks_an_index_of_open_steps_never_the_table(
    sqlite_url: str, filed: tuple[Any, int]
) -> None:
    """`tasks --role`, `--user`, all tasks, `--overdue`, the worker's overdue scan and the
    people report's open counts: each read is a range scan of one of the partial task-list
    indexes (migration 0010). Planned as sent, with its bound parameters: a query that no
    longer says what the index says, inline (is_open_step()), falls back to a table scan."""
    from regflow.services.queries import task_list
    from regflow.services.report import people_view
    from regflow.services.timers import mark_overdue

    ctx, task = filed
    applications.claim(ctx, task, "clerk1")

    def reads() -> None:
        task_list(ctx, role="clerk")
        task_list(ctx, user="clerk1")
        task_list(ctx)
        task_list(ctx, overdue=True)
        mark_overdue(ctx)
        people_view(ctx, by="role")
        people_view(ctx, by="user")

    sent = steps_selects(sqlite_url, reads)
    open_reads = [(sql, p) for sql, p in sent if "steps.status IN" in sql or "LIMIT" in sql]
    # three lists of two statuses, each read with a due time and without; --overdue reads
    # only those with one; the worker's scan one read; the report's open counts one per view:
    # 3 * 2 * 2 + 2 + 1 + 2
    assert len(open_reads) == 17, [sql for sql, _ in sent]
    with engine_for(sqlite_url).connect() as connection:
        for sql, parameters in open_reads:
            plan = query_plan(connection, sql, parameters)
            assert "INDEX ix_steps_" in plan and "_status_due" in plan, (sql, plan)
            assert "SCAN steps" not in plan, (sql, plan)
            if "steps.claimed_by = " in sql and "LIMIT" in sql:  # the person's task list
                # its index holds held steps only (migration 0012): claimed_by = ? says so
                assert "INDEX ix_steps_user_status_due" in plan, (sql, plan)
