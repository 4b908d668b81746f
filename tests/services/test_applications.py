from __future__ import annotations

from pathlib import Path

import pytest

from regflow.errors import NotFound, PermissionDenied, StateError, UsageError
from regflow.services import applications
from regflow.services.processes import deploy
from regflow.services.queries import task_list
from regflow.services.report_apps import application_timeline
from tests.conftest import at, context
from tests.support import three_step_model


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return three_step_model(tmp_path / "three_steps.bpmn")


def test_changed_model_becomes_new_version_and_old_application_finishes_on_old(
    db_url: str, tmp_path: Path, model: Path
) -> None:
    ctx = context(db_url, at("2026-07-01 10:00"))
    assert [d.version for d in deploy(ctx, [model])] == [1]
    assert [d.created for d in deploy(ctx, [model])] == [False]  # unchanged file: no new version
    old = applications.start(ctx, "three_steps")

    three_step_model(model, extra_step=True)
    assert [d.version for d in deploy(ctx, [model])] == [2]
    new = applications.start(ctx, "three_steps")
    assert (old.version, new.version) == (1, 2)

    def work_through(app_id: int) -> list[str]:
        done = []
        while rows := [r for r in task_list(ctx) if r.application_id == app_id]:
            data = {"refuse": False} if rows[0].step_id == "Task_decide" else {}
            applications.complete(ctx, rows[0].id, "user", data)
            done.append(rows[0].step_id)
        return done

    assert work_through(old.application_id) == ["Task_register", "Task_decide", "Task_sign"]
    assert work_through(new.application_id) == [
        "Task_register", "Task_decide", "Task_sign", "Task_archive"
    ]


def test_refusal_branch_ends_with_refused_outcome(sqlite_url: str, model: Path) -> None:
    ctx = context(sqlite_url, at("2026-07-01 10:00"))
    deploy(ctx, [model])
    app = applications.start(ctx, "three_steps")
    applications.complete(ctx, app.open_steps[0], "clerk1")
    (decide,) = task_list(ctx)
    with pytest.raises(UsageError, match="--set refuse="):
        applications.complete(ctx, decide.id, "head1")
    result = applications.complete(ctx, decide.id, "head1", {"refuse": True})
    assert (result.application_status, result.outcome) == ("completed", "refused")
    assert task_list(ctx) == []


def test_completed_task_cannot_be_completed_again(sqlite_url: str, model: Path) -> None:
    ctx = context(sqlite_url, at("2026-07-01 10:00"))
    deploy(ctx, [model])
    app = applications.start(ctx, "three_steps")
    applications.complete(ctx, app.open_steps[0], "clerk1")
    # completed at 10:00 in Almaty (05:00 UTC, as stored): the clerk reads the provider's time
    with pytest.raises(StateError, match="already completed by clerk1 at 2026-07-01 10:00$"):
        applications.complete(ctx, app.open_steps[0], "clerk2")


def test_claimed_task_belongs_to_its_claimer(sqlite_url: str, model: Path) -> None:
    ctx = context(sqlite_url, at("2026-07-01 10:00"))
    deploy(ctx, [model])
    app = applications.start(ctx, "three_steps")
    applications.claim(ctx, app.open_steps[0], "aigul")
    with pytest.raises(StateError, match="already claimed by aigul"):
        applications.claim(ctx, app.open_steps[0], "bolat")
    with pytest.raises(PermissionDenied):
        applications.complete(ctx, app.open_steps[0], "bolat")
    applications.complete(ctx, app.open_steps[0], "aigul")


def test_unknown_task_process_and_route_are_clear_errors(sqlite_url: str, model: Path) -> None:
    ctx = context(sqlite_url, at("2026-07-01 10:00"))
    deploy(ctx, [model])
    with pytest.raises(NotFound):
        applications.complete(ctx, 999, "x")
    with pytest.raises(NotFound):
        applications.start(ctx, "no_such_process")
    with pytest.raises(UsageError, match="routes: provider"):
        applications.start(ctx, "three_steps", route="akim")


def test_snapshot_keeps_the_spec_out(sqlite_url: str, model: Path) -> None:
    from sqlalchemy import select

    from regflow.store.db import unit_of_work
    from regflow.store.models import Application
    from regflow.workflows.engine import snapshot_dict

    ctx = context(sqlite_url, at("2026-07-01 10:00"))
    deploy(ctx, [model])
    app = applications.start(ctx, "three_steps")
    with unit_of_work(sqlite_url) as session:
        snapshot = session.scalars(select(Application.snapshot)).one()
    dct = snapshot_dict(snapshot)
    assert "spec" not in dct and "subprocess_specs" not in dct
    assert application_timeline(ctx, app.application_id).steps[0].step_id == "Task_register"


def test_service_deadline_counts_working_days_from_acceptance(sqlite_url: str, model: Path) -> None:
    # Filed Saturday 2026-07-04 11:00 → accepted at the next opening, Tue 07-07 09:00 (Monday is
    # Capital Day). 5 working days counting the acceptance day: Tue, Wed, Thu, Fri, Mon 07-13;
    # the deadline is the close of business that Monday, 18:30.
    ctx = context(sqlite_url, at("2026-07-04 11:00"))
    deploy(ctx, [model])
    app = applications.start(ctx, "three_steps")
    assert app.accepted_at == at("2026-07-07 09:00")
    assert app.deadline_at == at("2026-07-13 18:30")
