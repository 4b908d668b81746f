"""What-if simulation on the real engine: hand-checked queueing, staffing effect, history, guards.

Calendar facts used below (``regflow calendar --month 2026-07``): the akimat works Mon–Fri
09:00–13:00 and 14:30–18:30 (480 minutes a day); Monday 2026-07-06 is Capital Day, a holiday.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from regflow.errors import NotFound, UsageError
from regflow.services import applications
from regflow.services.processes import deploy
from regflow.services.simulate import (
    Arrivals,
    Scenario,
    parse_arrivals,
    parse_staff,
    poisson_filings,
    simulate,
)
from regflow.store.db import unit_of_work
from regflow.store.models import StepRecord
from regflow.workflows.builder import ProcessBuilder
from tests.conftest import at, context


def queue_model(path: Path) -> Path:
    """clerk registers (30 min) → head decides (1 wd) → head signs (1 wd); deadline 4 wd."""
    b = ProcessBuilder(
        key="queue_demo",
        name="Кезек",
        properties={"routes": "provider", "deadline": "4 working days", "schedule": "akimat"},
    )
    clerk = b.lane("clerk", "Кеңсе қызметкері")
    head = b.lane("head", "Басшы")
    start = b.start(clerk, "Өтініш")
    register = b.user_task(clerk, "Тіркеу", norm="30 minutes", id="Task_register")
    decide = b.user_task(
        head, "Шешім", norm="1 working day", id="Task_decide", inputs="refuse:bool"
    )
    gw = b.gateway(head, "Бас тарту?", id="Gateway_refuse")
    sign = b.user_task(head, "Қол қою", norm="1 working day", id="Task_sign")
    issued = b.end(clerk, "Берілді", outcome="issued")
    refused = b.end(head, "Бас тартылды", outcome="refused")
    b.chain(start, register, decide, gw)
    b.flow(gw, refused, condition="refuse == True")
    b.flow(gw, sign, default=True)
    b.flow(sign, issued)
    b.write(path)
    return path


def officer_model(path: Path) -> Path:
    """clerk registers (30 min) → officer checks (2 wd) → head signs (30 min); deadline 5 wd."""
    b = ProcessBuilder(
        key="officer_demo",
        name="Орындаушы",
        properties={"routes": "provider", "deadline": "5 working days", "schedule": "akimat"},
    )
    clerk = b.lane("clerk", "Кеңсе қызметкері")
    officer = b.lane("officer", "Жауапты орындаушы")
    head = b.lane("head", "Басшы")
    start = b.start(clerk, "Өтініш")
    register = b.user_task(clerk, "Тіркеу", norm="30 minutes", id="Task_register")
    check = b.user_task(officer, "Тексеру", norm="2 working days", id="Task_check")
    sign = b.user_task(head, "Қол қою", norm="30 minutes", id="Task_sign")
    issued = b.end(clerk, "Берілді", outcome="issued")
    b.chain(start, register, check, sign, issued)
    b.write(path)
    return path


def test_second_application_queues_behind_the_first_at_the_one_head_across_capital_day(
    tmp_path: Path, sqlite_url: str
) -> None:
    model = queue_model(tmp_path / "queue_demo.bpmn")
    sim_url = f"sqlite:///{tmp_path / 'sim.db'}"
    scenario = Scenario(
        process=str(model),
        staff={"clerk": 1, "head": 1},
        start=date(2026, 7, 3),
        end=date(2026, 7, 3),
        horizon=date(2026, 7, 10),
        filings=(at("2026-07-03 16:00"), at("2026-07-03 16:00")),
        durations="norm",
    )
    r = simulate(context(sqlite_url, at("2026-07-03 08:00")), scenario, database_url=sim_url)
    # Both filed Fri 3 Jul 16:00, accepted at once. Work = the norm (480 min for 1 wd).
    # clerk: app1 register 16:00–16:30; app2 waits 30 min, 16:30–17:00.
    # head: app1 decide 16:30 → 480 working min = Fri 120 + (Mon holiday) + Tue 09:00–16:30 360
    #       → Tue 7 Jul 16:30. app2 decide, ready Fri 17:00 (due Tue 17:00), waited
    #       Fri 17:00–18:30 90 + Tue 09:00–16:30 360 = 450 min; it is due before app1's sign
    #       (ready Tue 16:30, due Wed 16:30), so the head takes it: Tue 16:30 → Wed 16:30.
    #       app1 sign waited Tue 16:30 → Wed 16:30 = 120 + 360 = 480; worked → Thu 16:30.
    #       app2 sign ready Wed 16:30, waited until Thu 16:30 = 480; worked → Fri 10 Jul 16:30.
    # deadline 4 wd counting Fri 3 as day 1: Fri 3, Tue 7, Wed 8, Thu 9 → Thu 9 Jul 18:30.
    # app1 finished Thu 16:30: met; app2 Fri 16:30: missed. Share 1 / 2.
    assert (r.filed, r.finished, r.with_deadline) == (2, 2, 2)
    assert (r.met, r.missed, r.unknown) == (1, 1, 0)
    assert r.compliance == 0.5
    by_step = {s.step_id: s for s in r.steps}
    register, decide, sign = (by_step[k] for k in ("Task_register", "Task_decide", "Task_sign"))
    # waits [0, 30]: median 15, p90 (nearest rank 2 of 2) 30
    assert (register.waiting_median, register.waiting_p90) == (15.0, 30)
    assert (register.working_median, register.working_p90) == (30.0, 30)
    assert (decide.waiting_median, decide.waiting_p90) == (225.0, 450)  # waits [0, 450]
    assert (sign.waiting_median, sign.waiting_p90) == (480.0, 480)
    assert decide.working_median == sign.working_median == 480.0
    # lead: app1 Fri 16:00–18:30 150 + Tue 480 + Wed 480 + Thu to 16:30 360 = 1470;
    # app2 one more working day, 1950; median 1710.
    assert r.lead_median == 1710.0
    # The run covers Fri 3 – Fri 10 Jul: 5 working days × 480 = 2400 minutes per person.
    roles = {x.role: x for x in r.roles}
    assert roles["head"].available_minutes == roles["clerk"].available_minutes == 2400
    assert roles["head"].busy_minutes == 4 * 480  # 1920 → 80%
    assert roles["head"].utilisation == pytest.approx(0.8)
    assert roles["clerk"].busy_minutes == 60  # 2.5%
    assert r.bottleneck == "head"
    # The engine itself recorded it: app2's decision was claimed on Tuesday at 16:30.
    with unit_of_work(sim_url) as session:
        rows = session.scalars(select(StepRecord).order_by(StepRecord.id)).all()
        claimed = {(x.application_id, x.step_id): x.claimed_at for x in rows}
        assert claimed[(2, "Task_decide")] == at("2026-07-07 16:30")
        assert claimed[(1, "Task_sign")] == at("2026-07-08 16:30")
        assert all(x.claimed_by in ("clerk-1", "head-1") for x in rows)


def test_fifo_takes_the_task_that_was_ready_first(tmp_path: Path, sqlite_url: str) -> None:
    model = queue_model(tmp_path / "queue_demo.bpmn")
    scenario = Scenario(
        process=str(model),
        staff={"clerk": 1, "head": 1},
        start=date(2026, 7, 3),
        end=date(2026, 7, 3),
        horizon=date(2026, 7, 10),
        filings=(at("2026-07-03 16:00"), at("2026-07-03 16:00")),
        policy="fifo",
    )
    r = simulate(context(sqlite_url, at("2026-07-03 08:00")), scenario)
    # At Tue 16:30 app2's decision (ready Fri 17:00) was ready before app1's sign (Tue 16:30):
    # FIFO picks the same order here, so the figures match the earliest-due run.
    assert (r.met, r.missed) == (1, 1)
    assert r.database_url is None  # the temporary database is gone


def _officers(tmp_path: Path, sqlite_url: str, officers: int) -> float:
    model = officer_model(tmp_path / "officer_demo.bpmn")
    scenario = Scenario(
        process=str(model),
        staff={"clerk": 1, "officer": officers, "head": 1},
        start=date(2026, 6, 1),
        end=date(2026, 6, 19),
        horizon=date(2026, 7, 17),
        arrivals=Arrivals(15, "week"),
        seed=11,
        durations="norm",
        work_share=0.25,  # an officer works a quarter of the 2 wd norm: 240 minutes
    )
    r = simulate(context(sqlite_url, at("2026-06-01 08:00")), scenario)
    assert r.filed > 30
    assert r.unknown == 0  # the horizon lets every application finish or pass its deadline
    assert r.compliance is not None
    return r.compliance


def test_adding_an_officer_to_an_overloaded_office_raises_deadline_compliance(
    tmp_path: Path, sqlite_url: str
) -> None:
    # 15 filings a week × 240 min = 3600 min of checking against 2400 working minutes of one
    # officer a week: the queue grows and deadlines are missed; two officers have 4800.
    one = _officers(tmp_path, sqlite_url, 1)
    two = _officers(tmp_path, sqlite_url, 2)
    assert one < 0.8
    assert two > one + 0.15


def test_history_durations_replay_the_recorded_working_time(
    tmp_path: Path, sqlite_url: str
) -> None:
    model = queue_model(tmp_path / "queue_demo.bpmn")
    source = context(sqlite_url, at("2026-07-01 09:00"))
    deploy(source, [model])
    app = applications.start(source, "queue_demo")
    # Recorded: register claimed 09:10, done 09:55 (45 min); decide claimed 10:00, done 11:40
    # (100 min); sign completed at 12:00 without a claim (ready 11:40: 20 min, the fallback).
    plan = [("09:10", "09:55"), ("10:00", "11:40"), (None, "12:00")]
    step_id = app.open_steps[0]
    for claim_at, done_at in plan:
        if claim_at:
            source.clock.set(at(f"2026-07-01 {claim_at}"))
            applications.claim(source, step_id, "aigul")
        source.clock.set(at(f"2026-07-01 {done_at}"))
        done = applications.complete(source, step_id, "aigul", {"refuse": False} if
                                     claim_at == "10:00" else {})
        step_id = done.open_steps[0] if done.open_steps else 0
    scenario = Scenario(
        process="queue_demo",
        staff={"clerk": 1, "head": 1},
        start=date(2026, 7, 7),
        end=date(2026, 7, 7),
        filings=(at("2026-07-07 09:00"),),
        durations="history",
    )
    r = simulate(context(sqlite_url, at("2026-07-07 08:00")), scenario)
    worked = {s.step_id: s.working_median for s in r.steps}
    assert worked == {"Task_register": 45.0, "Task_decide": 100.0, "Task_sign": 20.0}
    assert r.finished == 1


def test_refusal_share_one_refuses_every_application(tmp_path: Path, sqlite_url: str) -> None:
    model = queue_model(tmp_path / "queue_demo.bpmn")
    scenario = Scenario(
        process=str(model),
        staff={"clerk": 1, "head": 1},
        start=date(2026, 7, 7),
        end=date(2026, 7, 7),
        filings=(at("2026-07-07 09:00"), at("2026-07-07 09:05")),
        horizon=date(2026, 7, 10),
        refusal_share=1.0,
    )
    r = simulate(context(sqlite_url, at("2026-07-07 08:00")), scenario)
    assert (r.finished, r.refused) == (2, 2)
    assert "Task_sign" not in {s.step_id for s in r.steps}


def test_working_time_arrivals_fall_in_opening_hours_at_the_given_rate() -> None:
    import random

    from regflow.workflows.schedules import calendar_for

    cal = calendar_for("akimat")
    found = poisson_filings(
        Arrivals(40, "week"), cal, at("2026-09-07 00:00"), at("2026-12-07 00:00"),
        random.Random(5),
    )
    assert all(cal.is_working_time(f) for f in found)
    # 13 weeks with the 16-17 December holidays still ahead: about 40 × 13 = 520 (Poisson
    # standard deviation √520 ≈ 23)
    assert 450 < len(found) < 590


def test_the_live_database_is_never_the_simulated_one_unless_asked(
    tmp_path: Path, sqlite_url: str
) -> None:
    model = queue_model(tmp_path / "queue_demo.bpmn")
    scenario = Scenario(
        process=str(model),
        staff={"clerk": 1, "head": 1},
        start=date(2026, 7, 7),
        end=date(2026, 7, 7),
        filings=(at("2026-07-07 09:00"),),
    )
    with pytest.raises(UsageError, match="live database"):
        simulate(context(sqlite_url, at("2026-07-07 08:00")), scenario, database_url=sqlite_url)


@pytest.mark.parametrize(
    ("staff", "message"),
    [({"clerk": 1}, "no staff for role head"), ({"clerk": 1, "head": 1, "boss": 1}, "no role")],
)
def test_staff_must_cover_the_route_and_name_real_roles(
    tmp_path: Path, sqlite_url: str, staff: dict[str, int], message: str
) -> None:
    model = queue_model(tmp_path / "queue_demo.bpmn")
    scenario = Scenario(
        process=str(model),
        staff=staff,
        start=date(2026, 7, 7),
        end=date(2026, 7, 7),
        filings=(at("2026-07-07 09:00"),),
    )
    with pytest.raises(UsageError, match=message):
        simulate(context(sqlite_url, at("2026-07-07 08:00")), scenario)


def test_unknown_process_and_bad_options_are_one_line_errors(sqlite_url: str) -> None:
    scenario = Scenario(
        process="no_such_process",
        staff={"clerk": 1},
        start=date(2026, 7, 7),
        end=date(2026, 7, 7),
        arrivals=Arrivals(1, "day"),
    )
    with pytest.raises(NotFound, match="no_such_process"):
        simulate(context(sqlite_url, at("2026-07-07 08:00")), scenario)
    for bad in ("forty", "0/week", "3/month"):
        with pytest.raises(UsageError):
            parse_arrivals(bad)
    for bad in ("clerk", "clerk=0", "clerk=1,clerk=2", ""):
        with pytest.raises(UsageError):
            parse_staff(bad)
    assert parse_arrivals("8/day") == Arrivals(8, "day")
    assert parse_staff("clerk=2, head=1") == {"clerk": 2, "head": 1}
    assert parse_staff("clerk=1,applicant=inf") == {"clerk": 1, "applicant": 0}  # no queue
