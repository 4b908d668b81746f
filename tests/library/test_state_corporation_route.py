"""Seed 003, regulation 1 ("Семей ядролық сынақ полигоны ...", heading at line 58) through the
State Corporation (ХҚО), section 4, lines 134-158, with both refusal branches.

The ХҚО operator's lane runs on the State Corporation's hours (Mon–Sat 09:00–20:00, 004:227),
the provider's on the akimat's. Step norms of the ХҚО part, in working minutes:
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


@pytest.fixture
def ctx(sqlite_url: str):  # type: ignore[no-untyped-def]
    c = context(sqlite_url, at("2016-02-02 10:00"))
    deploy(c, [PROCESSES / f"{KEY}.bpmn"])
    return c


def _user_steps(t):  # type: ignore[no-untyped-def]
    return [(s.step_id, s.working_minutes) for s in t.steps if s.kind == "user"]


def test_no_data_in_the_state_database_ends_in_refusal(ctx) -> None:  # type: ignore[no-untyped-def]
    # 010101000000 is not in ЖТ МДҚ (handlers/fixtures/local.json, "not_found_iins"), so the
    # ЭҮШ query of 1-шарт (line 144) finds no data.
    t = work_at_norms(ctx, KEY, "sc", start_data={"iin": "010101000000"})
    assert t.outcome == "refused"
    steps = [s.step_id for s in t.steps]
    assert "Task_sc_no_data" in steps and "Task_register" not in steps
    # The operator's own steps before the check: 2 + 1 + 2 minutes (lines 136, 138, 140).
    assert sum(m for _, m in _user_steps(t)) <= 2 + 1 + 2 + 2


def test_documents_not_matching_end_in_refusal_after_registration(ctx) -> None:  # type: ignore[no-untyped-def]
    t = work_at_norms(
        ctx,
        KEY,
        "sc",
        start_data={"iin": "850101300123"},  # a person ЖТ МДҚ knows (fixture file)
        decisions={"Task_sc_documents_check": {"documents_valid": False}},
    )
    assert t.outcome == "refused"
    steps = [s.step_id for s in t.steps]
    assert "Task_sc_refusal" in steps and "Task_prepare_recognition" not in steps


def test_regular_case_reaches_the_provider_and_returns_to_the_state_corporation(ctx) -> None:  # type: ignore[no-untyped-def]
    t = work_at_norms(
        ctx,
        KEY,
        "sc",
        start_data={"iin": "850101300123"},  # a person ЖТ МДҚ knows (fixture file)
        decisions={"Task_assign": {"request_type": "recognition"}},
    )
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
