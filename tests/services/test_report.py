"""The auditor's report checked figure by figure against hand arithmetic on a known history.

Model: tests/support.three_step_model — clerk registers (30 minutes) → head decides (1 working
day; refuse or not) → head signs (1 working day); service deadline 5 working days, counting the
day of acceptance.

Schedule "akimat": Mon–Fri 09:00–13:00 and 14:30–18:30 = 480 working minutes a day.
July 2026: Thu 02, Fri 03, weekend 04–05, Mon 06 = Capital Day (public holiday), Tue 07 …

History (all Almaty time), built by :func:`build_history`:

A1 filed Thu 07-02 17:45 (accepted at once). Deadline: Thu(1) Fri(2) Tue(3) Wed(4) Thu 07-09(5)
   → Thu 07-09 18:30.
   register: ready Thu 17:45, due 18:15; aigul claims 17:50, completes 18:15.
             working 30 (waiting 5 + handling 25); not over (18:15 is not after 18:15).
   decide:   ready Thu 18:15, due Fri 18:15; bolat claims Fri 09:30, completes Fri 17:00.
             working Thu 15 + Fri 240 + 150 = 405; waiting Thu 15 + Fri 30 = 45, handling
             Fri 09:30–13:00 210 + 14:30–17:00 150 = 360.
   sign:     ready Fri 17:00, due Tue 07-07 17:00 (Sat, Sun, Capital Day skipped); bolat
             completes Wed 07-08 10:00 without claiming. working Fri 90 + Tue 480 + Wed 60 = 630,
             all of it waiting (claimed at completion). Over norm by Tue 17:00–18:30 90 + Wed 60
             = 150 (= 630 − 480). Calendar time Fri 17:00 → Wed 10:00 = 4 d 17 h = 6780 min.
   finished Wed 07-08 10:00: working Thu 45 + Fri 480 + Tue 480 + Wed 60 = 1065; deadline met.
A2 filed Mon 07-06 10:00 (holiday) → accepted Tue 07-07 09:00. Deadline: Tue(1) Wed(2) Thu(3)
   Fri(4) Mon 07-13(5) → Mon 07-13 18:30.
   register: ready Mon 10:00 (holiday), due Tue 09:30; aigul claims Tue 09:50, completes 10:00.
             working 60 (waiting 50 + handling 10); over norm by 30 (Tue 09:30–10:00).
   decide:   ready Tue 10:00, due Wed 10:00; bolat claims Tue 14:00, completes 16:00, refuses.
             working 180 + 90 = 270 (waiting 180: lunch is 13:00–14:30; handling 90).
   finished Tue 16:00 (refused): working 240 + 90 = 330 = 60 + 270; deadline met.
A3 filed Tue 07-07 09:00, accepted at once; deadline Mon 07-13 18:30. Still running at NOW.
   register: ready Tue 09:00, due 09:30; aigul completes 11:00 unclaimed. working 120, over 90.
   decide:   ready Tue 11:00, due Wed 11:00; erlan claims Wed 09:00, completes Thu 07-09 12:00.
             working Tue 120 + 240 + Wed 480 + Thu 180 = 1020 (waiting 360, handling 660);
             over by Wed 11:00–13:00 120 + 240 + Thu 180 = 540 (= 1020 − 480).
   sign:     ready Thu 12:00, due Fri 07-10 12:00; bolat claims Fri 10:00; open at NOW.
NOW = Tue 07-14 10:00. A3 so far: Tue, Wed, Thu, Fri, Mon × 480 + Tue 60 = 2460; its deadline
(Mon 07-13 18:30) has passed: missed. Its open sign is over norm by Fri 12:00–13:00 60 + 240 +
Mon 480 + Tue 60 = 840, more than decide's 540: the step that overran most.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from regflow.errors import NotFound, UsageError
from regflow.services import applications
from regflow.services.processes import deploy
from regflow.services.report import people_view, steps_view
from regflow.services.report_apps import application_timeline, applications_view
from regflow.services.report_filter import ReportFilter, parse_bound
from tests.conftest import ALMATY, at, context
from tests.support import query_plan, steps_selects, three_step_model

NOW = "2026-07-14 10:00"


def build_history(url: str, folder: Path):  # type: ignore[no-untyped-def]
    """The three applications of the module docstring; returns (context at NOW, app ids)."""
    ctx = context(url, at("2026-07-01 09:00"))
    deploy(ctx, [three_step_model(folder / "three_steps.bpmn")])

    def step(app: int, step_id: str) -> int:
        from sqlalchemy import select

        from regflow.store.models import StepRecord

        with ctx.transaction() as s:
            return s.scalars(
                select(StepRecord.id).where(
                    StepRecord.application_id == app, StepRecord.step_id == step_id
                )
            ).one()

    def claim(app: int, step_id: str, user: str, when: str) -> None:
        ctx.clock.set(at(when))
        applications.claim(ctx, step(app, step_id), user)

    def done(app: int, step_id: str, user: str, when: str, **data: object) -> None:
        ctx.clock.set(at(when))
        applications.complete(ctx, step(app, step_id), user, data)

    ctx.clock.set(at("2026-07-02 17:45"))
    a1 = applications.start(ctx, "three_steps").application_id
    claim(a1, "Task_register", "aigul", "2026-07-02 17:50")
    done(a1, "Task_register", "aigul", "2026-07-02 18:15")
    claim(a1, "Task_decide", "bolat", "2026-07-03 09:30")
    done(a1, "Task_decide", "bolat", "2026-07-03 17:00", refuse=False)
    ctx.clock.set(at("2026-07-06 10:00"))
    a2 = applications.start(ctx, "three_steps").application_id
    ctx.clock.set(at("2026-07-07 09:00"))
    a3 = applications.start(ctx, "three_steps").application_id
    claim(a2, "Task_register", "aigul", "2026-07-07 09:50")
    done(a2, "Task_register", "aigul", "2026-07-07 10:00")
    done(a3, "Task_register", "aigul", "2026-07-07 11:00")
    claim(a2, "Task_decide", "bolat", "2026-07-07 14:00")
    done(a2, "Task_decide", "bolat", "2026-07-07 16:00", refuse=True)
    done(a1, "Task_sign", "bolat", "2026-07-08 10:00")
    claim(a3, "Task_decide", "erlan", "2026-07-08 09:00")
    done(a3, "Task_decide", "erlan", "2026-07-09 12:00", refuse=False)
    claim(a3, "Task_sign", "bolat", "2026-07-10 10:00")
    ctx.clock.set(at(NOW))
    return ctx, (a1, a2, a3)


@pytest.fixture
def history(sqlite_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    return build_history(sqlite_url, tmp_path)


def test_steps_view_gives_count_median_p90_max_and_overdue_per_step_in_process_order(
    db_url: str, tmp_path: Path
) -> None:
    ctx, _ = build_history(db_url, tmp_path)
    rows = steps_view(ctx)
    assert [(r.process_key, r.route, r.step_id) for r in rows] == [
        ("three_steps", "provider", "Task_register"),
        ("three_steps", "provider", "Task_decide"),
        ("three_steps", "provider", "Task_sign"),
    ]
    register, decide, sign = rows
    # register: A1 30, A2 60, A3 120 → median 60; p90 = rank ceil(0.9·3) = 3 → 120.
    # Over norm: A2 (+30) and A3 (+90) → 2 of 3, 120 working minutes overdue.
    assert (register.count, register.median_minutes, register.p90_minutes) == (3, 60.0, 120)
    assert (register.max_minutes, register.over_norm, register.overdue_minutes) == (120, 2, 120)
    assert register.norm == "30 minutes" and register.norm_minutes == 30
    assert register.role == "clerk" and register.name == "Тіркеу"
    assert register.over_norm_share == pytest.approx(2 / 3)
    # decide: 270 (A2), 405 (A1), 1020 (A3) → median 405, p90 1020; only A3 over, by 540.
    assert (decide.count, decide.median_minutes, decide.p90_minutes) == (3, 405.0, 1020)
    assert (decide.max_minutes, decide.over_norm, decide.overdue_minutes) == (1020, 1, 540)
    assert decide.norm == "1 working day" and decide.norm_minutes == 480
    # sign: only A1 is done: 630, over by 150 (the working-day norm goes through the calendar).
    assert (sign.count, sign.median_minutes, sign.p90_minutes, sign.max_minutes) == (
        1,
        630.0,
        630,
        630,
    )
    assert (sign.over_norm, sign.overdue_minutes) == (1, 150)
    assert sign.histogram == ((630, 1),)
    assert decide.histogram == ((270, 1), (405, 1), (1020, 1))


def test_applications_view_gives_working_time_deadline_and_the_step_that_overran_most(
    history,  # type: ignore[no-untyped-def]
) -> None:
    ctx, (a1, a2, a3) = history
    rows = {r.application_id: r for r in applications_view(ctx)}
    assert list(rows) == [a1, a2, a3]  # filing order
    one, two, three = rows[a1], rows[a2], rows[a3]
    assert (one.route, one.status, one.outcome, one.version) == (
        "provider",
        "completed",
        "issued",
        1,
    )
    assert (one.filed_at, one.finished_at) == (at("2026-07-02 17:45"), at("2026-07-08 10:00"))
    assert one.working_minutes == 1065  # Thu 45 + Fri 480 + Tue 480 + Wed 60
    assert (one.deadline_at, one.deadline_norm, one.deadline_met) == (
        at("2026-07-09 18:30"),
        "5 working days",
        True,
    )
    assert (one.worst_step_id, one.worst_overdue_minutes) == ("Task_sign", 150)
    # A2: filed on the holiday, accepted Tue 09:00; refused Tue 16:00 after 240 + 90 minutes.
    assert (two.accepted_at, two.outcome, two.working_minutes) == (
        at("2026-07-07 09:00"),
        "refused",
        330,
    )
    assert (two.deadline_at, two.deadline_met) == (at("2026-07-13 18:30"), True)
    assert (two.worst_step, two.worst_overdue_minutes) == ("Тіркеу", 30)
    # A3: running; 5 × 480 + 60 = 2460 so far; deadline Mon 18:30 passed; open sign +840.
    assert (three.status, three.finished_at, three.working_minutes) == ("running", None, 2460)
    assert three.deadline_met is False
    assert (three.worst_step_id, three.worst_overdue_minutes) == ("Task_sign", 840)


def test_timeline_splits_each_step_into_waiting_and_handling_working_time(history) -> None:  # type: ignore[no-untyped-def]
    ctx, (a1, _, a3) = history
    t = application_timeline(ctx, a1)
    assert t.working_minutes == 1065
    got = [
        (
            s.step_id,
            s.actor,
            s.waiting_minutes,
            s.handling_minutes,
            s.working_minutes,
            s.calendar_minutes,
            s.overdue,
            s.overdue_minutes,
        )
        for s in t.steps
    ]
    assert got == [
        # 17:45 → 18:15: 30 calendar minutes
        ("Task_register", "aigul", 5, 25, 30, 30, False, None),
        # Thu 18:15 → Fri 17:00: 22 h 45 min = 1365 calendar minutes
        ("Task_decide", "bolat", 45, 360, 405, 1365, False, None),
        # Fri 17:00 → Wed 10:00: 4 d 17 h = 6780
        ("Task_sign", "bolat", 630, 0, 630, 6780, True, 150),
    ]
    sign = t.steps[2]
    assert (sign.ready_at, sign.claimed_at, sign.completed_at, sign.due_at) == (
        at("2026-07-03 17:00"),
        at("2026-07-08 10:00"),
        at("2026-07-08 10:00"),
        at("2026-07-07 17:00"),
    )
    assert sign.norm == "1 working day" and sign.role == "head"
    # A3's open sign, measured up to NOW (Tue 07-14 10:00):
    # waiting Thu 12:00 → Fri 10:00 = 60 + 240 + 60 = 360; handling Fri 10:00 → Tue 10:00 =
    # 180 + 240 + Mon 480 + Tue 60 = 960; calendar Thu 12:00 → Tue 10:00 = 4 d 22 h = 7080.
    open_sign = application_timeline(ctx, a3).steps[-1]
    assert (open_sign.status, open_sign.completed_at) == ("claimed", None)
    assert (open_sign.waiting_minutes, open_sign.handling_minutes) == (360, 960)
    assert (open_sign.working_minutes, open_sign.calendar_minutes) == (1320, 7080)
    assert (open_sign.overdue, open_sign.overdue_minutes) == (True, 840)
    with pytest.raises(NotFound):
        application_timeline(ctx, 999)


def test_people_view_by_role_and_by_user(history) -> None:  # type: ignore[no-untyped-def]
    ctx, _ = history
    by_role = {p.key: p for p in people_view(ctx, by="role")}
    # clerk: 30, 60, 120 → median 60; over: A2, A3 register.
    clerk = by_role["clerk"]
    assert (clerk.tasks_done, clerk.median_minutes, clerk.over_norm, clerk.open_now) == (
        3,
        60.0,
        2,
        0,
    )
    # head: 270, 405, 630, 1020 → median (405 + 630) / 2 = 517.5; over: A3 decide, A1 sign;
    # open now: A3's sign.
    head = by_role["head"]
    assert (head.tasks_done, head.median_minutes, head.over_norm, head.open_now) == (
        4,
        517.5,
        2,
        1,
    )
    assert head.over_norm_share == 0.5
    by_user = {p.key: p for p in people_view(ctx, by="user")}
    assert sorted(by_user) == ["aigul", "bolat", "erlan"]
    # bolat: 270, 405, 630 → median 405; over: A1 sign; holds A3's sign.
    bolat = by_user["bolat"]
    assert (bolat.tasks_done, bolat.median_minutes, bolat.over_norm, bolat.open_now) == (
        3,
        405.0,
        1,
        1,
    )
    assert (by_user["erlan"].tasks_done, by_user["erlan"].over_norm) == (1, 1)


def test_filters_narrow_every_view(history) -> None:  # type: ignore[no-untyped-def]
    ctx, (a1, a2, a3) = history
    # Steps ready from Tue 07-07 00:00: A2 register (ready Mon) and A1 decide/sign drop out.
    since = parse_bound("2026-07-07", ALMATY, end=False)
    rows = steps_view(ctx, ReportFilter(since=since))
    assert [(r.step_id, r.count) for r in rows] == [
        ("Task_register", 1),  # A3
        ("Task_decide", 2),  # A2, A3
    ]
    # Applications finished up to and including 07-07: only A2 (Tue 16:00).
    until = parse_bound("2026-07-07", ALMATY, end=True)
    assert until == at("2026-07-08 00:00")
    flt = ReportFilter(until=until, by="end")
    assert [a.application_id for a in applications_view(ctx, flt)] == [a2]
    assert [a.application_id for a in applications_view(ctx, ReportFilter(status="running"))] == [
        a3
    ]
    # erlan worked only on A3.
    assert [a.application_id for a in applications_view(ctx, ReportFilter(user="erlan"))] == [a3]
    head_only = steps_view(ctx, ReportFilter(role="head", process="three_steps", version=1))
    assert [r.step_id for r in head_only] == ["Task_decide", "Task_sign"]
    assert steps_view(ctx, ReportFilter(route="akim")) == []
    assert steps_view(ctx, ReportFilter(user="aigul"))[0].count == 3
    assert applications_view(ctx, limit=2)[-1].application_id == a2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"version": 2}, "--version needs --process"),
        ({"status": "lost"}, "unknown application status"),
        ({"by": "middle"}, "dates apply by"),
        ({"since": at("2026-07-02 00:00"), "until": at("2026-07-01 00:00")}, "range is empty"),
    ],
)
def test_bad_filters_are_usage_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        ReportFilter(**kwargs)
    with pytest.raises(UsageError, match="not a date"):
        parse_bound("July", ALMATY, end=False)


def test_the_reports_read_completed_steps_from_their_index_never_from_the_table(
    history, sqlite_url: str  # type: ignore[no-untyped-def]
) -> None:
    """Migration 0011: the steps view and the people views, unfiltered and with the filters
    that touch step columns (dates by start and by end, role, user, version), walk
    ix_steps_done, and the bytecode SQLite runs for them reads no column of the table itself:
    the index carries all they need. Planned as sent, with the bound parameters; a query that
    stops saying is_done_by_people() falls back to reading the table."""
    from regflow.store.db import engine_for

    ctx, _ = history
    july = {"since": at("2026-07-01 00:00"), "until": at("2026-08-01 00:00")}
    filters = [
        ReportFilter(),
        ReportFilter(**july),
        ReportFilter(**july, by="end"),
        ReportFilter(role="head", process="three_steps", version=1),
        ReportFilter(user="aigul"),
    ]

    def reports() -> None:
        for flt in filters:
            steps_view(ctx, flt)
            people_view(ctx, flt, by="role")
            people_view(ctx, flt, by="user")

    done_reads = [
        (sql, p) for sql, p in steps_selects(sqlite_url, reports)
        if "steps.status = 'completed'" in sql
    ]
    assert len(done_reads) == 3 * len(filters), done_reads  # one per view and filter
    with engine_for(sqlite_url).connect() as connection:
        table_root = connection.exec_driver_sql(
            "SELECT rootpage FROM sqlite_schema WHERE name = 'steps'"
        ).scalar_one()
        for sql, parameters in done_reads:
            plan = query_plan(connection, sql, parameters)
            assert re.search(r"(SCAN|SEARCH) steps USING (COVERING )?INDEX ix_steps_done", plan)
            assert not re.search(r"SCAN steps(?! USING)", plan), (sql, plan)
            if "GROUP BY steps.process_key, steps.step_id" in sql:  # the steps view: in order
                assert "TEMP B-TREE" not in plan, (sql, plan)
            program = connection.exec_driver_sql(f"EXPLAIN {sql}", parameters).all()
            # columns: addr, opcode, p1, p2, ...: the cursor opened on the table's root page
            table_cursors = {r[2] for r in program if r[1] == "OpenRead" and r[3] == table_root}
            read = [r for r in program if r[1] == "Column" and r[2] in table_cursors]
            assert read == [], (sql, read)


def test_epoch_minutes_of_unixepoch_and_of_strftime_agree(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite 3.38 and later count epoch minutes with unixepoch(), older ones with strftime():
    both drop the seconds' fraction, as the calendar's whole minutes do (SQLite keeps instants
    to the millisecond, rounded, in either). 2026-07-02 12:44:59.999 UTC is 1,782,996,299 s
    after 1970 (20,636 days × 86,400 + 12 h 44 min 59 s), so minute 29,716,604 (floor of
    ÷ 60), as is 12:44:59.9994; 12:45:00 is 29,716,605."""
    import sqlite3

    from sqlalchemy import literal, select

    from regflow.services import report_overdue
    from regflow.store.db import engine_for

    instants = ["2026-07-02 12:44:59.999", "2026-07-02 12:44:59.9994", "2026-07-02 12:45:00"]
    expected = [29_716_604, 29_716_604, 29_716_605]
    assert (20_636 * 86_400 + 12 * 3600 + 44 * 60 + 59) // 60 == expected[0]

    def minutes() -> list[int]:  # the expression is built per call, for the version set
        with engine_for(sqlite_url).connect() as connection:
            return [
                connection.execute(
                    select(report_overdue.epoch_minutes(literal(i), "sqlite"))
                ).scalar_one()
                for i in instants
            ]

    assert minutes() == expected  # this SQLite's own way
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 37, 2))  # strftime's
    assert minutes() == expected


def test_the_steps_view_is_the_same_on_an_sqlite_without_unixepoch(
    history, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    import sqlite3

    ctx, _ = history
    with_unixepoch = steps_view(ctx)
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 37, 2))
    assert steps_view(ctx) == with_unixepoch
    assert sum(r.overdue_minutes for r in with_unixepoch) == 120 + 540 + 150  # the module's
