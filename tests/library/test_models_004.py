"""Seed 004 (special social services rules) as generated models.

Expected values are typed from 004_8f891f753962242d.txt; comments cite its lines.
"""

from __future__ import annotations

from regflow.workflows.loader import load_process
from tests.library import NS, PROCESSES, load, norms, props, walk

SEED = "004_8f891f753962242d.txt"
SERVICE = "arnauly_aleumettik_qyzmet_quzhattaryn_resimdeu"
COMPLAINT = "arnauly_aleumettik_qyzmet_shagym"

# the provider's common part after acceptance (points 12, 13, 14)
ASSESS = [("10 working days", 38), ("3 working days", 41)]  # 004:38, 004:41
NOTIFY = [("2 working days", 42)]  # 004:42


def test_rules004_service_properties() -> None:
    p = props(load(SERVICE))
    assert p["routes"] == "sc, provider, portal"  # 004:9-11 (and 201-203)
    assert p["deadline"] == "17 working days"  # 004:19 point 5, 004:207
    assert p["deadline_source"] == f"{SEED}:19"
    assert p["deadline.sc"] == "17 working days"  # 004:208
    assert p["count_first_day.sc"] == "false"  # 004:37 point 11
    assert p["schedule"] == "akimat"  # 004:229


def test_rules004_acceptance_day_not_counted_on_the_sc_acceptance() -> None:
    task = load(SERVICE).find("bpmn:userTask[@id='Task_sc_accept']", NS)
    assert props(task)["count_first_day"] == "false"  # 004:37
    assert props(task)["count_first_day_source"] == f"{SEED}:37"


def test_rules004_sc_route_norms_in_order() -> None:
    steps, end = walk(load(SERVICE), "sc")
    assert norms(steps) == [
        ("15 minutes", 209),  # waiting at the State Corporation
        ("15 minutes", 210),  # service at the State Corporation
        (None, 33),  # data passed to "Е-Собес" automatically
        *ASSESS,
        *NOTIFY,
        (None, 37),  # result to the State Corporation one day before the term ends
        (None, 26),  # issue on presenting the ID document
    ]
    assert props(end)["outcome"] == "issued"


def test_rules004_provider_route_norms_in_order() -> None:
    steps, end = walk(load(SERVICE), "provider")
    assert norms(steps) == [
        ("30 minutes", 209),  # waiting at the provider
        ("30 minutes", 210),  # service at the provider
        (None, 32),  # the specialist enters the data into "Е-Собес"
        *ASSESS,
        *NOTIFY,
        (None, 10),  # result issued by the provider
    ]
    assert props(end)["outcome"] == "issued"


def test_rules004_portal_route_norms_in_order() -> None:
    steps, end = walk(load(SERVICE), "portal")
    assert norms(steps) == [
        (None, 23),  # status "accepted" in the personal cabinet
        (None, 33),  # data passed to "Е-Собес" automatically
        (None, 29),  # the provider checks the set of documents
        *ASSESS,
        *NOTIFY,
        (None, 219),  # result signed with the official's EDS to the personal cabinet
    ]
    assert props(end)["outcome"] == "issued"


def test_rules004_incomplete_documents_refused_on_every_route() -> None:
    proc = load(SERVICE)
    for route, gateway, refusal_line in (
        ("sc", "Gateway_sc_documents", 28),  # 004:28 refusal receipt (annex 4)
        ("provider", "Gateway_provider_documents", 28),
        ("portal", "Gateway_portal_documents", 29),  # 004:29 refusal to the cabinet
    ):
        steps, end = walk(proc, route, take={gateway: "documents_complete == False"})
        assert props(end)["outcome"] == "refused", route
        assert norms(steps)[-1] == (None, refusal_line)


def test_rules004_grounds_lead_through_the_hearing_to_a_refusal() -> None:
    proc = load(SERVICE)
    for route in ("sc", "provider", "portal"):
        steps, end = walk(
            proc,
            route,
            take={"Gateway_grounds": "grounds_found == True",
                  "Gateway_hearing": "refusal_confirmed == True"},
        )
        assert props(end)["outcome"] == "refused", route
        assert norms(steps)[-5:] == [
            *ASSESS,
            ("1 working day", 50),  # notice ≥ 3 working days before the 17-day term ends
            ("2 working days", 50),  # hearing within 2 working days of the notice
            (None, 51),  # reasoned refusal after the hearing
        ]
    notice = proc.find("bpmn:userTask[@id='Task_hearing_notice']", NS)
    assert props(notice)["before_deadline"] == "3 working days"  # 004:50


def test_rules004_hearing_may_end_in_the_permit() -> None:
    steps, end = walk(
        load(SERVICE), "provider", take={"Gateway_grounds": "grounds_found == True"}
    )
    assert props(end)["outcome"] == "issued"
    assert ("2 working days", 50) in norms(steps) and norms(steps)[-2:] == [*NOTIFY, (None, 10)]


def test_rules004_unclaimed_result_kept_a_month_then_returned() -> None:
    steps, end = walk(load(SERVICE), "sc", take={"Gateway_sc_came": "applicant_came == False"})
    assert props(end)["outcome"] == "returned"
    assert norms(steps)[-2:] == [("1 calendar month", 27), (None, 27)]  # 004:27


def test_rules004_every_refused_end_is_reachable_by_a_gateway() -> None:
    proc = load(SERVICE)
    ends = proc.findall("bpmn:endEvent", NS)
    refused = {e.get("id") for e in ends if props(e).get("outcome") == "refused"}
    assert refused == {
        "End_sc_refused_acceptance",
        "End_provider_refused_acceptance",
        "End_portal_refused_acceptance",
        "End_refused",
    }


def test_rules004_complaint_properties() -> None:
    p = props(load(COMPLAINT))
    assert p["routes"] == "provider, sc, authorized_body"  # 004:53, 004:60
    assert p["deadline"] == "5 working days"  # 004:59
    assert p["deadline_source"] == f"{SEED}:59"
    assert p["deadline.authorized_body"] == "15 working days"  # 004:60


def test_rules004_complaint_forwarded_in_3_answered_in_5() -> None:
    proc = load(COMPLAINT)
    for route in ("provider", "sc"):
        steps, end = walk(proc, route)
        assert norms(steps) == [
            (None, 55),  # registration: stamp, number, date
            ("3 working days", 57),  # forwarded (or satisfied, 004:58) within 3 working days
            ("5 working days", 59),  # examined within 5 working days of registration
        ]
        assert props(end)["outcome"] == "rejected"
        steps, end = walk(proc, route, take={f"Gateway_{route}_satisfied": "satisfied == True"})
        assert props(end)["outcome"] == "satisfied"  # 004:58
    steps, end = walk(proc, "authorized_body")
    assert norms(steps) == [(None, 55), ("15 working days", 60)]  # 004:60


def test_rules004_models_load() -> None:
    for key in (SERVICE, COMPLAINT):
        loaded = load_process((PROCESSES / f"{key}.bpmn").read_bytes(), f"{key}.bpmn")
        assert loaded.regulation.key == key
