"""The standards of seeds 000, 001, 002 as generated models (processes/<key>.bpmn).

Expected values are typed from the seed texts; the comment after each cites the seed line.
Per route the norms of the steps are listed in order along the path that issues the result:
office routes = [applicant's waiting (if the text gives it)], clerk's acceptance, officer's
work; portal routes = portal's acceptance, the work, sending the result to the cabinet.
A step the text gives no norm for is (None, None).
"""

from __future__ import annotations

import pytest

from regflow.workflows.loader import load_process
from tests.library import NS, PROCESSES, load, norms, props, walk

S0 = "000_9107e73e90ac5f5e.txt"
S1 = "001_9ad660aaef9edd8c.txt"
S2 = "002_c5e1c9b19b85b767.txt"
NONE = (None, None)
M10, M30 = "10 minutes", "30 minutes"
WD1 = "1 working day"

# key: seed, routes, deadline, {route: deadline.<route>}, deadline line, schedule,
#      {route: [(norm, line), ...]}, has refusal grounds
EXPECTED = {
    "biliktilik_arttyru_quzhattaryn_beru_standart": (
        S0, "provider, portal", WD1, {}, 8, "health",  # 000:8 deadline, 000:14 schedule
        {
            "provider": [(M30, 8), (M30, 8), (WD1, 8)],  # 000:8 waiting 30, service 30, 1 day
            "portal": [NONE, NONE, NONE],  # 000:8 gives no portal deadline
        },
        True,  # 000:16
    ),
    "biliktilik_arttyru_quzhattaryn_beru_dsm303": (
        S1, "provider, portal", "3 hours", {"portal": M30}, 39, "education",  # 001:39, 001:45
        {
            "provider": [(M30, 39), (M30, 39), ("3 hours", 39)],  # 001:39
            "portal": [NONE, (M30, 39), NONE],  # 001:39 "портал арқылы ... 30 минуттан"
        },
        True,  # 001:47
    ),
    "biliktilik_qaita_dayarlau_quzhattaryn_beru": (
        S2, "provider, portal", WD1, {}, 850, "primary_care",  # 002:850, 002:870
        {
            "provider": [(M30, 851), (M30, 852), (WD1, 850)],
            "portal": [NONE, NONE, NONE],  # 002:849 deadline only "берушіге жүгінген кезде"
        },
        True,  # 002:882
    ),
    "shetelge_emdeluge_zhiberu": (
        S2, "provider", "2 working days", {}, 12, "akimat",  # 002:12, 002:29
        {"provider": [(M30, 13), ("2 working days", 12)]},  # 002:13 submission 30 min
        True,  # 002:39-41
    ),
    "msak_uiymyna_bekitu": (
        S2, "provider, portal", WD1, {"portal": WD1}, 64, "primary_care",  # 002:64, 002:83
        {
            "provider": [(M30, 65), (M30, 66), (WD1, 64)],
            "portal": [NONE, (WD1, 64), NONE],  # 002:64 "сондай-ақ ЭҮП арқылы"
        },
        True,  # 002:103-106
    ),
    "darigerdin_qabyldauyna_zhazylu": (
        S2, "provider, portal", M10, {"portal": M30}, 127, "primary_care",  # 002:127, 131, 148
        {
            "provider": [(M10, 128), (M10, 129), (M10, 127)],
            "portal": [NONE, (M30, 131), NONE],
        },
        True,  # 002:160-161
    ),
    "darigerdi_uige_shaqyru": (
        S2, "provider, portal", M10, {"portal": M30}, 186, "primary_care",  # 002:186, 190, 209
        {
            "provider": [(M10, 187), (M10, 188), (M10, 186)],
            "portal": [NONE, (M30, 190), NONE],
        },
        True,  # 002:221-222
    ),
    "msak_anyqtama_beru": (
        S2, "provider, portal", M30, {"portal": M30}, 248, "primary_care_weekdays",  # 002:268
        {
            "provider": [(M30, 249), NONE, (M30, 248)],  # no counter time in 002:247-250
            "portal": [NONE, (M30, 248), NONE],
        },
        True,  # 002:281-282
    ),
    "enbekke_zharamsyzdyq_paragyn_beru": (
        S2, "provider, portal", M30, {"portal": M30}, 308, "primary_care",  # 002:308, 324
        {"provider": [NONE, (M30, 308)], "portal": [NONE, (M30, 308), NONE]},
        True,  # 002:334-335
    ),
    "enbekke_zharamsyzdyq_anyqtamasyn_beru": (
        S2, "provider, portal", M30, {"portal": M30}, 359, "primary_care",  # 002:359, 375
        {"provider": [NONE, (M30, 359)], "portal": [NONE, (M30, 359), NONE]},
        True,  # 002:385-386
    ),
    "stasionarga_zhatqyzu_zholdamasy_tmkkk": (
        S2, "provider, portal", WD1, {}, 410, "hospital_0800_1700",  # 002:410, 427
        {
            "provider": [(M30, 408), ("60 minutes", 409), (WD1, 410)],
            "portal": [NONE, NONE, NONE],  # 002:407-410 give no portal term
        },
        False,  # 002:438 "-"
    ),
    "sanatoriilik_kurorttyq_qorytyndy_beru": (
        S2, "provider", WD1, {}, 460, "akimat",  # 002:460, 478
        {"provider": [(M30, 461), (WD1, 460)]},
        True,  # 002:488-489
    ),
    "stasionarga_zhatqyzu_zholdamasy_beru": (
        S2, "provider, portal", WD1, {"portal": WD1}, 510, "primary_care",  # 002:510, 527
        {"provider": [(M30, 511), (WD1, 510)], "portal": [NONE, (WD1, 510), NONE]},
        True,  # 002:539-540
    ),
    "donorlyqqa_kelisimdi_tirkeu": (
        S2, "provider, portal", WD1, {"portal": M30}, 562, "primary_care",  # 002:562, 564, 582
        {
            "provider": [(WD1, 565), (WD1, 562)],  # 002:565 service time 1 working day
            "portal": [("15 minutes", 563), (M30, 564), NONE],
        },
        True,  # 002:596-597
    ),
    "zhedel_medisinalyq_komek_shaqyrtu": (
        S2, "provider, mobile", "60 minutes", {"mobile": "60 minutes"}, 619,
        "round_the_clock",  # 002:619, 002:635 "Тәулік бойы"
        {
            "provider": [("5 minutes", 619), ("60 minutes", 619)],  # dispatcher 5, brigade ≤60
            "mobile": [("5 minutes", 619), ("60 minutes", 619)],
        },
        False,  # 002:646 "Көзделмеген"
    ),
    "kolik_basqaruga_ruqsat_anyqtamasy": (
        S2, "provider, portal", WD1, {"portal": M30}, 671, "medical_0900_1830_sat",  # 002:690
        {
            "provider": [("5 minutes", 672), (WD1, 673), (WD1, 671)],
            "portal": [NONE, (M30, 674), NONE],
        },
        True,  # 002:706-708
    ),
    "aldyn_ala_medisinalyq_qarap_tekseru": (
        S2, "provider, portal", WD1, {}, 734, "health",  # 002:734, 002:751 (no hours)
        {"provider": [NONE, (WD1, 734)], "portal": [NONE, NONE, NONE]},
        True,  # 002:764-766
    ),
    "darilik_zattardy_beru": (
        S2, "provider, portal", "3 hours", {"portal": M30}, 787, "akimat",  # 002:787, 790, 812
        {
            "provider": [(M30, 788), (M30, 789), ("3 hours", 787)],
            "portal": [NONE, (M30, 790), NONE],
        },
        True,  # 002:824-825
    ),
    "ftiziatriya_malimetter_usynu": (
        S2, "portal", M30, {}, 908, "portal",  # 002:904, 908, 924
        {"portal": [NONE, (M30, 908), NONE]},
        True,  # 002:932
    ),
    "psikhiatriya_malimetter_usynu": (
        S2, "portal", M30, {}, 960, "portal",  # 002:956, 960, 976
        {"portal": [NONE, (M30, 960), NONE]},
        True,  # 002:984
    ),
    "narkologiya_malimetter_usynu": (
        S2, "portal", M30, {}, 1012, "portal",  # 002:1008, 1012, 1028
        {"portal": [NONE, (M30, 1012), NONE]},
        True,  # 002:1036
    ),
}


def test_library_standards_every_standard_has_a_model() -> None:
    # 000 and 001 hold one standard each, 002 nineteen (lines 1, 51, 114, 173, 236, 295, 346,
    # 395, 448, 497, 548, 608, 656, 721, 774, 837, 892, 944, 996)
    assert len(EXPECTED) == 21
    for key in EXPECTED:
        assert (PROCESSES / f"{key}.bpmn").exists(), key


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_library_standards_process_properties(key: str) -> None:
    seed, routes, deadline, per_route, line, schedule, _, _ = EXPECTED[key]
    p = props(load(key))
    assert p["routes"] == routes
    assert p["deadline"] == deadline
    assert p["deadline_source"] == f"{seed}:{line}"
    assert {k.removeprefix("deadline."): v for k, v in p.items() if k.startswith("deadline.")} == (
        per_route
    )
    # a schedule not yet in workflows/schedules.toml is kept as `schedule_wanted`
    assert p.get("schedule_wanted", p["schedule"]) == schedule
    assert p["source"].startswith(f"{seed}:")


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_library_standards_route_norms_in_order(key: str) -> None:
    seed, routes, *_, expected, has_refusal = EXPECTED[key]
    proc = load(key)
    for route in routes.split(", "):
        steps, end = walk(proc, route)
        assert norms(steps) == expected[route], route
        assert props(end).get("outcome") == "issued"
        for _, _, line in steps:  # every source cites the seed the model comes from
            assert line is None or int(line) > 0
        for task in proc.findall("bpmn:*[@id]", NS):
            src = props(task).get("source")
            assert src is None or src.startswith(f"{seed}:")


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_library_standards_refusal_branch_ends_refused(key: str) -> None:
    *_, routes_expected, has_refusal = EXPECTED[key]
    proc = load(key)
    ends = proc.findall("bpmn:endEvent", NS)
    refused = [e for e in ends if props(e).get("outcome") == "refused"]
    if not has_refusal:
        assert refused == []
        return
    for route in routes_expected:
        steps, end = walk(proc, route, take={f"Gateway_{route}_grounds": "grounds_found == True"})
        assert props(end)["outcome"] == "refused", route
        # the refusal is decided after the same steps, with the same norms, as the issue
        assert norms(steps) == routes_expected[route], route
        work = proc.find(f"*[@id='Task_{route}_work']")
        decides = props(work).get("inputs") or props(work).get("outputs")
        assert decides == "grounds_found:bool"
    assert len(refused) == len(routes_expected)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_library_standards_model_loads(key: str) -> None:
    loaded = load_process((PROCESSES / f"{key}.bpmn").read_bytes(), f"{key}.bpmn")
    assert loaded.regulation.routes == tuple(EXPECTED[key][1].split(", "))
