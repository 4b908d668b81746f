"""Who may do what: lanes are roles, applications belong to organisations, auditors only read.

The model is tests/support.py's three steps: clerk registers → head decides → head signs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from regflow.errors import PermissionDenied, StateError
from regflow.services import applications, users
from regflow.services.processes import deploy
from regflow.services.queries import task_list
from tests.conftest import Cli, at, context
from tests.support import three_step_model

NOW = at("2026-07-01 10:00")


@pytest.fixture
def ctx(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    ctx = context(db_url, NOW)
    deploy(ctx, [three_step_model(tmp_path / "three_steps.bpmn")])
    users.add_user(ctx, "aigul", ["clerk"], "akimat-1")
    users.add_user(ctx, "bolat", ["head"], "akimat-1")
    users.add_user(ctx, "olzhas", ["officer"], "akimat-1")
    users.add_user(ctx, "aset", ["auditor"], "akimat-1")
    users.add_user(ctx, "dana", ["clerk", "head"], "akimat-2")
    return ctx


def _register_step(ctx) -> int:  # type: ignore[no-untyped-def]
    app = applications.start(ctx, "three_steps", actor="aigul")
    return app.open_steps[0]


def test_open_mode_while_no_user_exists(sqlite_url: str, tmp_path: Path) -> None:
    ctx = context(sqlite_url, NOW)
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    app = applications.start(ctx, "three_steps")
    applications.complete(ctx, app.open_steps[0], "anyone at all")


def test_filing_takes_the_filers_organisation(ctx) -> None:  # type: ignore[no-untyped-def]
    step = _register_step(ctx)
    (row,) = [r for r in task_list(ctx) if r.id == step]
    applications.claim(ctx, step, "aigul")
    with ctx.transaction() as session:
        from regflow.store.models import Application

        assert session.get(Application, row.application_id).org == "akimat-1"


def test_head_cannot_complete_clerk_task(ctx) -> None:  # type: ignore[no-untyped-def]
    step = _register_step(ctx)
    with pytest.raises(PermissionDenied, match="lane 'clerk'; bolat holds head"):
        applications.complete(ctx, step, "bolat")
    with pytest.raises(PermissionDenied, match="lane 'clerk'"):
        applications.claim(ctx, step, "bolat")
    applications.complete(ctx, step, "aigul")


def test_disabled_user_cannot_claim(ctx) -> None:  # type: ignore[no-untyped-def]
    step = _register_step(ctx)
    users.disable_user(ctx, "aigul")
    with pytest.raises(PermissionDenied, match="user 'aigul' is disabled"):
        applications.claim(ctx, step, "aigul")
    with pytest.raises(PermissionDenied, match="unknown user 'nobody'"):
        applications.claim(ctx, step, "nobody")


def test_org_mismatch_refused(ctx) -> None:  # type: ignore[no-untyped-def]
    step = _register_step(ctx)  # filed by aigul of akimat-1
    with pytest.raises(PermissionDenied, match="organisation 'akimat-1'; dana belongs to"):
        applications.claim(ctx, step, "dana")  # dana holds clerk, but in akimat-2


def test_akim_and_state_corporation_lanes_use_the_org_named_at_filing(ctx) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    from regflow.store.models import Application

    app = Application(org="akimat-1", data={"akim_org": "akim-Qoyandy", "sc_org": "sc-Astana-3"})
    assert users.lane_org(app, "akim_specialist") == "akim-Qoyandy"
    assert users.lane_org(app, "akim") == "akim-Qoyandy"
    assert users.lane_org(app, "sc_operator") == "sc-Astana-3"
    assert users.lane_org(app, "clerk") == "akimat-1"
    assert users.lane_org(Application(org="akimat-1", data={}), "sc_head") == "akimat-1"


def test_auditor_changes_nothing(ctx) -> None:  # type: ignore[no-untyped-def]
    step = _register_step(ctx)
    users.add_user(ctx, "audclerk", ["auditor", "clerk"], "akimat-1")
    before = [(r.id, r.status) for r in task_list(ctx)]
    for who in ("aset", "audclerk"):
        with pytest.raises(PermissionDenied, match="auditor"):
            applications.claim(ctx, step, who)
        with pytest.raises(PermissionDenied, match="auditor"):
            applications.complete(ctx, step, who)
        with pytest.raises(PermissionDenied, match="auditor"):
            applications.start(ctx, "three_steps", actor=who)
        with pytest.raises(PermissionDenied, match="auditor"):
            users.deploy_as(ctx, [], who)
        with pytest.raises(PermissionDenied, match="auditor"):
            users.delegate(ctx, step, "olzhas", who)
    assert [(r.id, r.status) for r in task_list(ctx)] == before


def test_delegate_completes_delegated_task(ctx) -> None:  # type: ignore[no-untyped-def]
    step = _register_step(ctx)
    applications.complete(ctx, step, "aigul")
    (decide,) = task_list(ctx)
    with pytest.raises(PermissionDenied, match="lane 'head'"):
        applications.complete(ctx, decide.id, "olzhas", {"refuse": False})
    with pytest.raises(PermissionDenied, match="only a head delegates"):
        users.delegate(ctx, decide.id, "olzhas", "aigul")
    users.delegate(ctx, decide.id, "olzhas", "bolat")
    with pytest.raises(PermissionDenied, match="claimed by olzhas, not by bolat"):
        applications.complete(ctx, decide.id, "bolat", {"refuse": False})
    done = applications.complete(ctx, decide.id, "olzhas", {"refuse": False})
    assert done.open_steps  # the head's next step (sign) is not delegated
    with pytest.raises(PermissionDenied, match="lane 'head'"):
        applications.claim(ctx, done.open_steps[0], "olzhas")
    with pytest.raises(StateError, match="task 2 is completed"):
        users.delegate(ctx, decide.id, "olzhas", "bolat")


def test_delegation_to_another_organisation_refused(ctx) -> None:  # type: ignore[no-untyped-def]
    step = _register_step(ctx)
    applications.complete(ctx, step, "aigul")
    (decide,) = task_list(ctx)
    with pytest.raises(PermissionDenied, match="dana belongs to 'akimat-2'"):
        users.delegate(ctx, decide.id, "dana", "bolat")


def test_once_an_admin_exists_only_admins_manage_users(ctx) -> None:  # type: ignore[no-untyped-def]
    users.add_user(ctx, "root", ["admin"], "akimat-1")
    with pytest.raises(PermissionDenied, match="only an admin"):
        users.add_user(ctx, "mallory", ["head"], "akimat-1", actor="aigul")
    with pytest.raises(PermissionDenied, match="only an admin"):
        users.disable_user(ctx, "bolat")
    users.add_user(ctx, "erlan", ["clerk"], "akimat-1", actor="root")


def test_users_from_the_command_line(cli: Cli, tmp_path: Path) -> None:
    three_step_model(tmp_path / "m.bpmn")
    cli("deploy", str(tmp_path / "m.bpmn"))
    assert "open mode" in cli("users", "list").output
    cli("users", "add", "aigul", "--role", "clerk", "--role", "head", "--org", "akimat-1")
    cli("users", "add", "Әсет", "--role", "auditor", "--org", "akimat-1")
    cli("users", "add", "olzhas", "--role", "officer", "--org", "akimat-1")
    out = cli("users", "list").output
    assert "aigul\tclerk,head\takimat-1\tactive" in out and "Әсет\tauditor" in out
    r = cli("deploy", str(tmp_path / "m.bpmn"), "--user", "Әсет", expect=1)
    assert r.stderr.startswith("error: 'Әсет' is an auditor")
    r = cli("start", "three_steps", "--user", "Әсет", at="2026-07-01T10:00", expect=1)
    cli("start", "three_steps", "--user", "aigul", at="2026-07-01T10:00")
    cli("complete", "1", "--user", "aigul", at="2026-07-01T10:10")
    cli("delegate", "2", "--to", "olzhas", "--user", "aigul", at="2026-07-01T10:20")
    cli("complete", "2", "--user", "olzhas", "--set", "refuse=false", at="2026-07-01T10:30")
    cli("users", "disable", "olzhas")
    assert "olzhas\tofficer\takimat-1\tdisabled" in cli("users", "list").output
    r = cli("users", "add", "bad name", "--role", "clerk", "--org", "x", expect=2)
    assert "letters, digits" in r.stderr
    assert "intact" in cli("audit", "verify").output
