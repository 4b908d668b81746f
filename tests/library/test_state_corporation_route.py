"""Seed 003, regulation 1 ("Семей ядролық сынақ полигоны ...", heading at line 58) through the
State Corporation (ХҚО), section 4, lines 134-158, with both refusal branches.

The ХҚО operator's lane runs on the State Corporation's hours, the provider's on the akimat's.
Step norms of the ХҚО part, in working minutes:
136 receive 2, 138 login 1, 140 request form 2, 142 ЖТ МДҚ/БНАЖ query 2,
144 1-шарт check 1 (system), 146 no-data notice 1 (system), 148 send to ЭҮАШ АЖО 1 (system),
152 register in ЭҮАШ АЖО 1, 154 2-шарт documents check 1, 156 refusal notice 1,
158 issue at the ХҚО 2.
"""

from __future__ import annotations

import pytest

from regflow.services.processes import deploy
from tests.conftest import PROCESSES, at, context
from tests.support import work_at_norms

KEY = "semey_polygon_otemaqy"
KNOWN_IIN = "850101300123"  # a person ЖТ МДҚ knows (handlers/fixtures/local.json)
UNKNOWN_IIN = "010101000000"  # not in ЖТ МДҚ (local.json, "not_found_iins")


@pytest.fixture
def ctx(sqlite_url: str):  # type: ignore[no-untyped-def]
    c = context(sqlite_url, at("2016-02-02 10:00"))
    deploy(c, [PROCESSES / f"{KEY}.bpmn"])
    return c


def _via_state_corporation(ctx, iin, decisions=None):  # type: ignore[no-untyped-def]
    return work_at_norms(ctx, KEY, "sc", start_data={"iin": iin}, decisions=decisions)


def _user_steps(t):  # type: ignore[no-untyped-def]
    return [(s.step_id, s.working_minutes) for s in t.steps if s.kind == "user"]


def test_no_data_in_the_state_database_ends_in_refusal_with_every_step_on_time(ctx) -> None:  # type: ignore[no-untyped-def]
    # Filed at the State Corporation on Saturday 2016-02-06 at 19:56 (regulation in force
    # 2015-11-06 to 2016-05-30, processes/NOTES.md; no public holiday 6-8 February 2016).
    # Its hours (004_8f891f753962242d.txt:227, schedule state_corporation in
    # workflows/schedules.toml, the sc_operator lane): Monday to Saturday 09:00-20:00 without
    # lunch, Sunday and holidays off. So Saturday's hours end at 20:00 and the next working
    # minute after them is Monday 2016-02-08 09:00.
    ctx.clock.set(at("2016-02-06 19:56"))
    t = _via_state_corporation(ctx, UNKNOWN_IIN)  # the ЭҮШ query of 1-шарт finds no data (144)
    assert t.outcome == "refused"
    # Each step is completed at its due instant (a system step at once, when the system
    # answers: 0 working minutes); the due instant is ready + the norm in the SC's hours.
    # Norms from 003_2e4deee796d008ba.txt, by line:
    saturday, monday = "2016-02-06", "2016-02-08"
    assert [(s.step_id, s.ready_at, s.due_at, s.working_minutes) for s in t.steps] == [
        # 136: "2 (екі) минут ішінде": 19:56 + 2 = 19:58
        ("Task_sc_receive", at(f"{saturday} 19:56"), at(f"{saturday} 19:58"), 2),
        # 138: "1 (бір) минут ішінде": 19:58 + 1 = 19:59
        ("Task_sc_login", at(f"{saturday} 19:58"), at(f"{saturday} 19:59"), 1),
        # 140: "2 (екі) минут ішінде": 19:59-20:00 is 1 minute, Sunday is off, the second
        # minute is Monday 09:00-09:01
        ("Task_sc_request_form", at(f"{saturday} 19:59"), at(f"{monday} 09:01"), 1 + 1),
        # 142: "2 (екі) минут ішінде" (ЭҮШ query): 09:01 + 2 = 09:03
        ("Task_sc_gbdfl_query", at(f"{monday} 09:01"), at(f"{monday} 09:03"), 0),
        # 144: "1 (бір) минут ішінде" (1-шарт, ЖТ МДҚ check): 09:01 + 1 = 09:02
        ("Task_sc_gbdfl_check", at(f"{monday} 09:01"), at(f"{monday} 09:02"), 0),
        # 146: "1 (бір) минут ішінде" (4-процесс, the no-data notice): 09:01 + 1 = 09:02
        ("Task_sc_no_data", at(f"{monday} 09:01"), at(f"{monday} 09:02"), 0),
    ]
    assert all(s.completed_at is not None and not s.overdue for s in t.steps)


def test_documents_not_matching_end_in_refusal_after_registration(ctx) -> None:  # type: ignore[no-untyped-def]
    t = _via_state_corporation(
        ctx, KNOWN_IIN, {"Task_sc_documents_check": {"documents_valid": False}}
    )
    assert t.outcome == "refused"
    steps = [s.step_id for s in t.steps]
    assert "Task_sc_refusal" in steps and "Task_prepare_recognition" not in steps


def test_regular_case_reaches_the_provider_and_returns_to_the_state_corporation(ctx) -> None:  # type: ignore[no-untyped-def]
    t = _via_state_corporation(ctx, KNOWN_IIN, {"Task_assign": {"request_type": "recognition"}})
    assert t.outcome == "issued"
    by_step = dict(_user_steps(t))
    # Provider: 30 min (line 94), 1 wd (98), 17 wd (104), 1 wd (112), 30 min (116); 480 min/day.
    assert [
        by_step[s]
        for s in (
            "Task_register",
            "Task_assign",
            "Task_prepare_recognition",
            "Task_sign",
            "Task_issue",
        )
    ] == [30, 480, 17 * 480, 480, 30]
    assert by_step["Task_sc_issue"] == 2  # line 158
