"""Social assistance to needy citizens (seed 003_2e4deee796d008ba.txt, regulation 7, heading at
line 557): all three routes, and the 20-working-day branch when documents are missing.

Akimat and rural akim schedules: Mon–Fri 09:00–13:00, 14:30–18:30 → 480 working minutes a day.
Every step is completed exactly when its norm runs out. The regulations of seed 003 were in
force from late 2015 until 30 May 2016, so applications are filed in February 2016.
"""

from __future__ import annotations

import pytest

from regflow.services.processes import deploy
from tests.conftest import PROCESSES, at, context
from tests.support import work_at_norms

KEY = "aleumettik_komek_mukhtazh"
DAY = 480


@pytest.fixture
def ctx(sqlite_url: str):  # type: ignore[no-untyped-def]
    c = context(sqlite_url, at("2016-02-02 09:00"))
    deploy(c, [PROCESSES / f"{KEY}.bpmn"])
    return c


def _minutes(timeline) -> list[int]:  # type: ignore[no-untyped-def]
    return [s.working_minutes for s in timeline.steps if s.kind == "user"]


def test_provider_route_takes_eight_working_days_and_45_minutes(ctx) -> None:  # type: ignore[no-untyped-def]
    t = work_at_norms(ctx, KEY, "provider")
    # line 586: 1) clerk registers – "30 (отыз) минут"; 590: head – 1 wd;
    # 594: officer – 6 wd; 600: head signs – 1 wd; 604: clerk issues – 15 min.
    assert _minutes(t) == [30, DAY, 6 * DAY, DAY, 15]
    assert sum(_minutes(t)) == 8 * DAY + 45 == 3885
    assert t.outcome == "issued"


def test_missing_documents_give_the_officer_twenty_working_days(ctx) -> None:  # type: ignore[no-untyped-def]
    # line 596: "құжаттар жетіспеген ... жағдайларда – 20 (жиырма) жұмыс күн".
    t = work_at_norms(
        ctx, KEY, "provider", decisions={"Task_assign": {"documents_complete": False}}
    )
    assert _minutes(t) == [30, DAY, 20 * DAY, DAY, 15]
    assert sum(_minutes(t)) == 22 * DAY + 45 == 10605


def test_rural_akim_route_hands_over_to_the_provider(ctx) -> None:  # type: ignore[no-untyped-def]
    t = work_at_norms(ctx, KEY, "akim")
    # 610: akim's specialist 30 min; 614: akim 1 wd; 618: akim's officer 1 wd (cover letter);
    # 622: akim signs 1 wd; 626: provider's clerk 15 min; 630: head 1 wd; 634: officer 2 wd;
    # 640: head signs 1 wd; 644: clerk sends 15 min; 648: akim's office issues 30 min.
    assert _minutes(t) == [30, DAY, DAY, DAY, 15, DAY, 2 * DAY, DAY, 15, 30]
    assert sum(_minutes(t)) == 7 * DAY + 90 == 3450


def test_rural_akim_route_with_missing_documents(ctx) -> None:  # type: ignore[no-untyped-def]
    # line 636: on the akim route too, 20 working days instead of 2 when documents are missing.
    t = work_at_norms(
        ctx, KEY, "akim", decisions={"Task_akim_provider_assign": {"documents_complete": False}}
    )
    assert _minutes(t)[6] == 20 * DAY
    assert sum(_minutes(t)) == 25 * DAY + 90


def test_portal_route_runs_system_steps_then_the_provider(ctx) -> None:  # type: ignore[no-untyped-def]
    t = work_at_norms(ctx, KEY, "portal")
    # Portal steps (lines 672-692) carry no norms; the provider's steps are those of 586-604.
    system = [s for s in t.steps if s.kind == "service"]
    assert {s.step_id for s in system} >= {"Task_portal_authorize", "Task_portal_signature"}
    assert [m for m in _minutes(t) if m] == [30, DAY, 6 * DAY, DAY, 15]
    assert t.outcome == "issued"


@pytest.mark.parametrize(
    ("start_data", "decisions", "refused_at"),
    [
        # line 676, 1-шарт: an IIN the portal cannot confirm (not in ЖТ МДҚ, fixture file)
        ({"iin": "990909999999"}, {}, "Task_portal_auth_refusal"),
        # line 682, 2-шарт: a revoked signing certificate (fixture file)
        (
            {"iin": "770630300789", "certificate_serial": "SN-0003-REVOKED"},
            {},
            "Task_portal_signature_refusal",
        ),
        (
            {},
            {"Task_portal_documents_check": {"documents_valid": False}},
            "Task_portal_documents_refusal",
        ),
    ],
)
def test_portal_refusal_branches(ctx, start_data, decisions, refused_at) -> None:  # type: ignore[no-untyped-def]
    t = work_at_norms(ctx, KEY, "portal", start_data=start_data, decisions=decisions)
    assert t.outcome == "refused"
    assert refused_at in [s.step_id for s in t.steps]
