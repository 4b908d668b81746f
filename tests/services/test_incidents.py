"""Service steps run by handlers on the local fixture systems, and what happens when a system
fails: retries, incidents, ``regflow retry``.

The seed regulation is semey_polygon_otemaqy (003_2e4deee796d008ba.txt:58-187), in force
2015-11-06 .. 2016-05-30, so applications are filed on 2016-02-01 (a Monday). Its State
Corporation route (003:136-158): the operator receives, logs in and fills the form (people),
then 3-процесс queries ЖТ МДҚ/БНАЖ through ЭҮШ (gbdfl.lookup, 2 minutes, 003:142), 1-шарт
checks the data is there (gbdfl.check, 1 minute, 003:144); no data → 4-процесс notice
(notify.no_data) → refused; otherwise 5- and 6-процесс send and register in ЭҮАШ АЖО, and the
operator checks the documents (2-шарт: documents_valid), refusing through 7-процесс.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from regflow.handlers.adapters import FIXTURES, Adapters, local_adapters
from regflow.handlers.config import HandlerConfig, RetryPolicy
from regflow.handlers.registry import override
from regflow.services import applications
from regflow.services.incidents import list_incidents
from regflow.services.processes import deploy
from regflow.services.queries import task_list
from regflow.services.report_apps import application_timeline
from regflow.store.models import Event
from tests.conftest import PROCESSES, at, context

SEMEY = PROCESSES / "semey_polygon_otemaqy.bpmn"
MUGEDEK = PROCESSES / "mugedek_bala_uide_oqytu.bpmn"
FOUND = "850101300123"  # in fixtures/local.json "persons", certificate SN-0001-VALID
NOT_FOUND = "010101000000"  # in "not_found_iins"
SC_PEOPLE = ["Task_sc_receive", "Task_sc_login", "Task_sc_request_form"]
SC_SYSTEMS = ["Task_sc_gbdfl_query", "Task_sc_gbdfl_check"]


def work_through(ctx: Any, app_id: int, decisions: dict[str, Any]) -> list[str]:
    """Complete every open task of the application in turn; the step ids done by people."""
    done = []
    while rows := [r for r in task_list(ctx) if r.application_id == app_id]:
        row = rows[0]
        applications.complete(ctx, row.id, f"{row.role}-1", dict(decisions))
        done.append(row.step_id)
    return done


def systems(ctx: Any, app_id: int) -> list[tuple[str, str | None]]:
    return [
        (s.step_id, s.actor)
        for s in application_timeline(ctx, app_id).steps
        if s.kind == "service"
    ]


def test_sc_route_runs_end_to_end_with_its_system_steps_done_by_handlers(sqlite_url: str) -> None:
    ctx = context(sqlite_url, at("2016-02-01 10:00"))
    deploy(ctx, [SEMEY])
    app = applications.start(ctx, "semey_polygon_otemaqy", route="sc", data={"iin": FOUND})
    people = work_through(ctx, app.application_id, {"documents_valid": True,
                                                    "request_type": "certificate"})
    t = application_timeline(ctx, app.application_id)
    assert (t.status, t.outcome) == ("completed", "issued")
    assert people[:4] == [*SC_PEOPLE, "Task_sc_documents_check"]
    assert systems(ctx, app.application_id) == [
        ("Task_sc_gbdfl_query", "system:gbdfl.lookup"),
        ("Task_sc_gbdfl_check", "system:gbdfl.check"),
        ("Task_sc_send", "system:egov.send"),
        ("Task_sc_egov_register", "system:egov.register"),
    ]
    # the answers come from the fixture systems, not from flags set by hand
    assert t.data["data_found"] is True
    assert t.data["gbdfl_person"]["name"] == "Асқаров Ержан Болатұлы"
    assert str(t.data["egov_registration"]).startswith("REG-")
    # system time is recorded against the regulation's minutes (003:142 "2 (екі) минут")
    query = next(s for s in t.steps if s.step_id == "Task_sc_gbdfl_query")
    assert (query.norm, query.working_minutes, query.overdue) == ("2 minutes", 0, False)
    assert t.incidents == []


def test_iin_not_in_gbdfl_refuses_through_the_no_data_notice(sqlite_url: str) -> None:
    ctx = context(sqlite_url, at("2016-02-01 10:00"))
    deploy(ctx, [SEMEY])
    app = applications.start(ctx, "semey_polygon_otemaqy", route="sc", data={"iin": NOT_FOUND})
    assert work_through(ctx, app.application_id, {}) == SC_PEOPLE
    t = application_timeline(ctx, app.application_id)
    assert (t.status, t.outcome) == ("completed", "refused")
    assert t.data["data_found"] is False and t.data["gbdfl_person"] is None
    assert [s for s, _ in systems(ctx, app.application_id)] == [*SC_SYSTEMS, "Task_sc_no_data"]


def test_expired_power_of_attorney_counts_as_no_data(sqlite_url: str) -> None:
    # БНАЖ-2024-0417 (principal 770630300789) ended 2015-10-31, before the application
    ctx = context(sqlite_url, at("2016-02-01 10:00"))
    deploy(ctx, [SEMEY])
    data = {"iin": "770630300789", "attorney_id": "БНАЖ-2024-0417"}
    app = applications.start(ctx, "semey_polygon_otemaqy", route="sc", data=data)
    work_through(ctx, app.application_id, {})
    t = application_timeline(ctx, app.application_id)
    assert (t.outcome, t.data["attorney_status"], t.data["data_found"]) == (
        "refused", "expired", False
    )


def test_documents_found_wanting_by_the_operator_refuse_through_the_refusal_notice(
    sqlite_url: str,
) -> None:
    ctx = context(sqlite_url, at("2016-02-01 10:00"))
    deploy(ctx, [SEMEY])
    app = applications.start(ctx, "semey_polygon_otemaqy", route="sc", data={"iin": FOUND})
    people = work_through(ctx, app.application_id, {"documents_valid": False})
    t = application_timeline(ctx, app.application_id)
    assert (t.status, t.outcome) == ("completed", "refused")
    assert people == [*SC_PEOPLE, "Task_sc_documents_check", "Task_sc_issue_refusal"]
    assert systems(ctx, app.application_id)[-1] == ("Task_sc_refusal", "system:notify.refusal")


def test_revoked_certificate_refuses_on_the_portal(sqlite_url: str) -> None:
    # mugedek_bala_uide_oqytu, portal route (003:676-682): 2-шарт checks the ЭЦҚ certificate
    ctx = context(sqlite_url, at("2016-02-01 10:00"))
    deploy(ctx, [MUGEDEK])
    data = {"iin": "770630300789", "certificate_serial": "SN-0003-REVOKED"}
    app = applications.start(ctx, "mugedek_bala_uide_oqytu", route="portal", data=data)
    work_through(ctx, app.application_id, {})
    t = application_timeline(ctx, app.application_id)
    assert (t.outcome, t.data["auth_valid"], t.data["signature_valid"]) == (
        "refused", True, False
    )
    assert t.data["certificate_status"] == "revoked"
    assert ("Task_portal_signature_refusal", "system:notify.cabinet") in systems(
        ctx, app.application_id
    )


class _Flaky:
    """ЖТ МДҚ that fails ``failures`` times, then answers from the fixtures."""

    def __init__(self, inner: Any, failures: int) -> None:
        self.inner = inner
        self.failures = failures
        self.calls = 0

    def person(self, iin: str) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            raise TimeoutError(f"ЭҮШ gateway timeout #{self.calls}")
        return self.inner.person(iin)


def _flaky(failures: int) -> tuple[Adapters, _Flaky]:
    local = local_adapters()
    gbdfl = _Flaky(local.gbdfl, failures)
    return replace(local, gbdfl=gbdfl), gbdfl


def _events(ctx: Any, app_id: int) -> list[str]:
    from sqlalchemy import select

    with ctx.transaction() as session:
        return list(
            session.scalars(
                select(Event.kind).where(Event.application_id == app_id).order_by(Event.id)
            )
        )


def test_handler_failing_twice_then_answering_completes_the_step_on_the_third_attempt(
    sqlite_url: str,
) -> None:
    ctx = context(sqlite_url, at("2016-02-01 10:00"))
    deploy(ctx, [SEMEY])
    adapters, gbdfl = _flaky(failures=2)
    config = HandlerConfig(default=RetryPolicy(attempts=3, base_delay=0.5, timeout=0))
    with override(adapters, config=config) as slept:
        app = applications.start(ctx, "semey_polygon_otemaqy", route="sc", data={"iin": FOUND})
        people = work_through(ctx, app.application_id, {"documents_valid": False})
    assert people[-2:] == ["Task_sc_documents_check", "Task_sc_issue_refusal"]
    assert gbdfl.calls == 3
    assert slept == [0.5, 1.0]  # backoff: base, then doubled (the sleep is injected: no wait)
    # Two failed attempts: two incidents, both resolved when the third attempt answered.
    incidents = sorted(list_incidents(ctx), key=lambda i: i.id)
    assert [(i.step_id, i.handler, i.status, i.attempts) for i in incidents] == [
        ("Task_sc_gbdfl_query", "gbdfl.lookup", "resolved", 1),
        ("Task_sc_gbdfl_query", "gbdfl.lookup", "resolved", 2),
    ]
    assert [i.errors for i in incidents] == [
        ["TimeoutError: ЭҮШ gateway timeout #1"],
        ["TimeoutError: ЭҮШ gateway timeout #2"],
    ]
    assert {i.resolved_by for i in incidents} == {"system:gbdfl.lookup"}
    t = application_timeline(ctx, app.application_id)
    assert [i.id for i in t.incidents] == [i.id for i in incidents]
    assert t.outcome == "refused"
    kinds = _events(ctx, app.application_id)
    assert kinds.count("incident_opened") == kinds.count("incident_resolved") == 2


def test_handler_that_always_fails_leaves_an_open_incident_and_the_step_waits(
    sqlite_url: str,
) -> None:
    ctx = context(sqlite_url, at("2016-02-01 10:00"))
    deploy(ctx, [SEMEY])
    adapters, _ = _flaky(failures=10**6)
    config = HandlerConfig(default=RetryPolicy(attempts=2, base_delay=0, timeout=0))
    with override(adapters, config=config):
        app = applications.start(ctx, "semey_polygon_otemaqy", route="sc", data={"iin": FOUND})
        rows = [r for r in task_list(ctx) if r.application_id == app.application_id]
        applications.complete(ctx, rows[0].id, "op")
        applications.complete(ctx, rows[0].id + 1, "op")
        result = applications.complete(ctx, rows[0].id + 2, "op")
    (incident,) = list_incidents(ctx, status="open")
    assert result.incidents == [incident.id]
    assert result.application_status == "running" and result.open_steps == []
    assert (incident.step_id, incident.attempts) == ("Task_sc_gbdfl_query", 2)
    assert task_list(ctx) == []  # a system step is nobody's task
    steps = application_timeline(ctx, app.application_id).steps
    step = next(s for s in steps if s.status == "incident")
    assert step.step_id == "Task_sc_gbdfl_query"
    assert "incident_opened" in _events(ctx, app.application_id)


def _fixtures(tmp_path: Path, unavailable: list[str]) -> Path:
    data = json.loads(FIXTURES.read_text(encoding="utf-8"))
    data["unavailable"] = unavailable
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_application_resumes_after_regflow_retry_once_the_system_answers(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixtures = _fixtures(tmp_path, unavailable=["gbdfl"])
    config = tmp_path / "handlers.toml"
    config.write_text(
        f'adapters = "local"\nfixtures = "{fixtures.name}"\n'
        "[retry]\nattempts = 2\nbase_delay = 0\ntimeout = 0\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("REGFLOW_HANDLERS", str(config))
    t0 = "2016-02-01T10:00"
    cli("deploy", str(SEMEY), at=t0)
    cli("start", "semey_polygon_otemaqy", "--route", "sc", "--set", f"iin={FOUND}", at=t0)
    cli("complete", "1", "--user", "op", at=t0)
    cli("complete", "2", "--user", "op", at=t0)
    out = cli("complete", "3", "--user", "op", at=t0).output
    assert "application 1 waits on incident 1" in out

    (row,) = json.loads(cli("incidents", "--status", "open", "--json", at=t0).output)
    assert (row["id"], row["step_id"], row["attempts"]) == (1, "Task_sc_gbdfl_query", 2)
    assert "SystemUnavailable: gbdfl does not answer" in row["error"]
    assert cli("complete", "4", "--user", "op", at=t0, expect=1).stderr.startswith(
        "error: task 4 is a system step waiting on an incident"
    )

    # Still down at 10:30: the retry fails again, the incident stays open with 4 attempts.
    failed = cli("retry", "1", at="2016-02-01T10:30", expect=1)
    assert "incident 1 still open after 4 attempt(s)" in failed.output

    _fixtures(tmp_path, unavailable=[])  # the system answers again
    ok = cli("retry", "1", "--user", "admin", at="2016-02-01T11:30").output
    assert "incident 1 resolved after 5 attempt(s)" in ok
    assert "next tasks: " in ok
    again = cli("retry", "1", at="2016-02-01T11:31", expect=1)  # already resolved: a clear error
    # resolved at 11:30 in Almaty (06:30 UTC, as stored): shown in the provider's time
    assert "already resolved by retry:admin at 2016-02-01 11:30" in again.stderr

    show = json.loads(cli("show", "1", "--json", at="2016-02-01T11:30").output)
    (incident,) = show["incidents"]
    assert (incident["status"], incident["resolved_by"]) == ("resolved", "retry:admin")
    query = next(s for s in show["steps"] if s["step_id"] == "Task_sc_gbdfl_query")
    # ready when the step first failed (10:00), completed when the system answered (11:30):
    # 90 working minutes of the State Corporation's 09:00-20:00 day (004:227), norm 2 minutes.
    assert (query["ready_at"], query["completed_at"]) == (
        "2016-02-01T10:00:00+06:00", "2016-02-01T11:30:00+06:00"
    )
    assert (query["working_minutes"], query["norm"], query["overdue"]) == (90, "2 minutes", True)
    assert show["data"]["data_found"] is True
    assert cli("incidents", "--status", "open", "--json", at=t0).output.strip() == "[]"
    # the application goes on: the operator's document check is the next task
    tasks = json.loads(cli("tasks", "--json", at="2016-02-01T11:30").output)
    assert [t["step_id"] for t in tasks] == ["Task_sc_documents_check"]
