"""Several applications filed in one transaction (`regflow start PROCESS --from FILE`): all or
none, each filed exactly as a single `regflow start` would file it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from regflow.errors import UsageError
from regflow.services import applications
from regflow.services.applications import ApplicationForm
from regflow.services.audit_log import verify_chain
from regflow.services.processes import deploy
from regflow.services.queries import task_list
from regflow.store.db import unit_of_work
from regflow.store.models import Application, Event
from tests.conftest import Cli, at, context
from tests.support import sqlite_statements, three_step_model


def _deployed(url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    ctx = context(url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    return ctx


def _applications(url: str) -> list[tuple[int, str | None, dict[str, object]]]:
    with unit_of_work(url) as session:
        rows = session.execute(
            select(Application.id, Application.applicant, Application.data).order_by(Application.id)
        )
        return [(i, who, dict(data)) for i, who, data in rows]


def _started_events(url: str) -> int:
    with unit_of_work(url) as session:
        return int(session.scalar(
            select(func.count()).select_from(Event).where(Event.kind == "application_started")
        ) or 0)


def test_batch_files_each_application_as_a_single_filing_would(
    db_url: str, tmp_path: Path
) -> None:
    ctx = _deployed(db_url, tmp_path)
    single = applications.start(ctx, "three_steps", applicant="Асан", data={"urgent": True})
    forms = [
        ApplicationForm(applicant="Үсен", data={"urgent": False}),
        ApplicationForm(applicant="Айгүл", route="provider"),
        ApplicationForm(),
    ]
    batch = applications.start_all(ctx, "three_steps", forms)
    ids = [s.application_id for s in batch]
    assert ids == sorted(ids) and len(set(ids)) == 3 and single.application_id < ids[0]
    for started in batch:  # same instant, same version, same norms: the same acceptance
        assert (started.version, started.route, started.accepted_at, started.deadline_at) == (
            single.version, single.route, single.accepted_at, single.deadline_at
        )
    stored = _applications(db_url)[1:]
    assert [who for _, who, _ in stored] == ["Үсен", "Айгүл", None]
    assert stored[0][2]["urgent"] is False and "urgent" not in stored[1][2]
    open_tasks = {t.id: (t.application_id, t.step_id) for t in task_list(ctx)}
    assert {open_tasks[s.open_steps[0]] for s in batch} == {(i, "Task_register") for i in ids}
    assert _started_events(db_url) == 4
    assert verify_chain(ctx).problem is None


def test_batch_filing_is_one_transaction_on_sqlite(sqlite_url: str, tmp_path: Path) -> None:
    ctx = _deployed(sqlite_url, tmp_path)
    forms = [ApplicationForm() for _ in range(3)]
    seen = sqlite_statements(sqlite_url, lambda: applications.start_all(ctx, "three_steps", forms))
    begins = [s for s in seen if s.upper().startswith("BEGIN")]
    commits = [s for s in seen if s.upper().startswith("COMMIT")]
    assert (len(begins), len(commits)) == (1, 1), seen  # one fsync for the three filings


def test_one_bad_application_leaves_the_whole_batch_unfiled(
    db_url: str, tmp_path: Path
) -> None:
    ctx = _deployed(db_url, tmp_path)
    forms = [
        ApplicationForm(applicant="Асан", file="day.jsonl", line=1),
        ApplicationForm(route="akim", file="day.jsonl", line=3),
    ]
    with pytest.raises(UsageError) as raised:
        applications.start_all(ctx, "three_steps", forms)
    assert str(raised.value) == (
        "day.jsonl:3: process 'three_steps' has no route 'akim' (routes: provider); "
        "nothing was filed (2 applications given)"
    )
    assert _applications(db_url) == [] and _started_events(db_url) == 0
    assert task_list(ctx) == []
    again = applications.start_all(ctx, "three_steps", forms[:1])  # the store took no harm
    assert [s.open_steps != [] for s in again] == [True]


def test_an_error_before_any_application_names_no_line(db_url: str, tmp_path: Path) -> None:
    ctx = _deployed(db_url, tmp_path)
    forms = [ApplicationForm(file="day.jsonl", line=1), ApplicationForm(file="day.jsonl", line=2)]
    with pytest.raises(UsageError) as raised:
        applications.start_all(ctx, "three_steps", forms, reason="late")
    assert str(raised.value) == (
        "--reason explains a --version override; give --version N too; "
        "nothing was filed (2 applications given)"
    )


def test_empty_batch_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    ctx = _deployed(sqlite_url, tmp_path)
    with pytest.raises(UsageError, match="no applications to file"):
        applications.start_all(ctx, "three_steps", [])


def test_cli_files_a_days_applications_from_a_file_and_standard_input(
    any_cli: Cli, tmp_path: Path
) -> None:
    any_cli("deploy", str(three_step_model(tmp_path / "m.bpmn")), at="2026-07-01T10:00")
    day = tmp_path / "day.jsonl"
    day.write_text(
        '{"applicant": "Асан", "data": {"urgent": true}}\n\n{"applicant": "Үсен"}\n',
        encoding="utf-8",
    )
    done = any_cli("start", "three_steps", "--from", str(day), "--set", "channel=portal",
                   at="2026-07-01T10:00")
    lines = done.output.splitlines()
    assert lines[0].startswith(
        "application 1 started on three_steps v1 (route provider); accepted 2026-07-01 10:00;"
    )
    assert lines[2].startswith("application 2 started on three_steps v1 (route provider);")
    assert (len(lines), lines[1], lines[3]) == (4, "open tasks: 1", "open tasks: 2")
    stored = _applications(any_cli.url)
    assert stored == [
        (1, "Асан", {"urgent": True, "channel": "portal", "route": "provider"}),
        (2, "Үсен", {"channel": "portal", "route": "provider"}),
    ]
    piped = any_cli("start", "three_steps", "--from", "-", "--json", at="2026-07-01T10:05",
                    input='{"applicant": "Айгүл"}\n')
    (one,) = json.loads(piped.stdout)  # --from gives a list, however many lines
    assert one["application_id"] == 3 and one["open_steps"] == [3]


def test_cli_refuses_a_bad_file_in_one_line_and_files_nothing(
    any_cli: Cli, tmp_path: Path
) -> None:
    any_cli("deploy", str(three_step_model(tmp_path / "m.bpmn")), at="2026-07-01T10:00")
    day = tmp_path / "day.jsonl"
    day.write_text('{"applicant": "Асан"}\n{"route": "akim"}\n', encoding="utf-8")
    refused = any_cli("start", "three_steps", "--from", str(day), at="2026-07-01T10:00",
                      expect=2)
    assert refused.stderr.strip().splitlines() == [
        f"error: {day}:2: process 'three_steps' has no route 'akim' (routes: provider); "
        "nothing was filed (2 applications given)"
    ]
    both = any_cli("start", "three_steps", "--from", str(day), "--applicant", "Асан",
                   at="2026-07-01T10:00", expect=2)
    assert "leave out --applicant" in both.stderr and "Traceback" not in both.stderr
    assert _applications(any_cli.url) == []
