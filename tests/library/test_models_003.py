"""The ten models of seed 003 (processes/*.bpmn), checked against the text.

Expected values are typed from 003_2e4deee796d008ba.txt (line numbers in the comments). A path is
walked from the start event with the given data; a step is (task id, norm or None).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
}
SEED = "003_2e4deee796d008ba.txt"
LEGAL = {
    "approved_by": "№ 55/05 of 2015-09-22",  # line 9
    "in_force_from": "2015-11-06",  # line 38: publication + 10 calendar days (date assumed)
    "repealed_on": "2016-05-30",  # line 9
}


class Model:
    def __init__(self, key: str) -> None:
        self.root = etree.parse(str(PROCESSES / f"{key}.bpmn")).getroot()
        self.proc = self.root.find("bpmn:process", NS)
        self.nodes = {
            el.get("id"): el
            for el in self.proc
            if el.get("id") and el.tag != f"{{{NS['bpmn']}}}laneSet"
        }
        self.out: dict[str, list[etree._Element]] = {}
        for fl in self.proc.iterfind("bpmn:sequenceFlow", NS):
            self.out.setdefault(fl.get("sourceRef"), []).append(fl)

    def props(self, el: etree._Element) -> dict[str, str]:
        ext = el.find("bpmn:extensionElements", NS)
        if ext is None:
            return {}
        return {p.get("name"): p.get("value") for p in ext.iter(f"{{{NS['camunda']}}}property")}

    @property
    def lanes(self) -> list[str]:
        return [ln.get("id") for ln in self.proc.iterfind("bpmn:laneSet/bpmn:lane", NS)]

    def walk(self, **data: Any) -> tuple[list[tuple[str, str | None]], str]:
        """Steps (task id, norm) from the start to an end event, and the end's outcome."""
        (start,) = [n for n in self.nodes.values() if n.tag.endswith("startEvent")]
        node, path = start, []
        for _ in range(200):
            kind = etree.QName(node).localname
            if kind in ("userTask", "serviceTask"):
                path.append((node.get("id"), self.props(node).get("norm")))
            if kind == "endEvent":
                return path, self.props(node).get("outcome", "issued")
            flows = self.out[node.get("id")]
            chosen = None
            for fl in flows:
                cond = fl.find("bpmn:conditionExpression", NS)
                if cond is not None and eval(cond.text, {}, dict(data)):  # noqa: S307 - test data
                    chosen = fl
                    break
            if chosen is None:
                default = node.get("default")
                chosen = next(f for f in flows if f.get("id") == default) if default else flows[0]
                assert default or len(flows) == 1, f"{node.get('id')}: no default"
            node = self.nodes[chosen.get("targetRef")]
        raise AssertionError("no end reached")

    def norms(self, **data: Any) -> list[str | None]:
        return [n for _, n in self.walk(**data)[0]]

    def ids(self, **data: Any) -> list[str]:
        return [i for i, _ in self.walk(**data)[0]]


def check_common(m: Model, key: str, name: str, routes: str, lines: str) -> None:
    assert m.proc.get("id") == key
    assert m.proc.get("name") == name
    assert m.proc.get("isExecutable") == "true"
    p = m.props(m.proc)
    assert p["routes"] == routes
    assert p["source"] == f"{SEED}:{lines}"
    for k, v in LEGAL.items():
        assert p[k] == v
    assert "deadline" not in p  # 003 states no service deadline
    for el in m.nodes.values():  # every step says where it is written
        if etree.QName(el).localname in ("userTask", "serviceTask"):
            assert m.props(el)["source"].startswith(f"{SEED}:")
        if etree.QName(el).localname == "serviceTask":
            assert m.props(el)["handler"]
    gw = m.nodes["Gateway_route"]
    first = routes.split(", ")[0]
    default = m.proc.find(f"bpmn:sequenceFlow[@id='{gw.get('default')}']", NS)
    assert default.get("id") == f"Flow_route_{first}"
    conds = sorted(
        c.text
        for c in m.proc.iterfind(
            "bpmn:sequenceFlow[@sourceRef='Gateway_route']/bpmn:conditionExpression", NS
        )
    )
    assert conds == sorted(f'route == "{r}"' for r in routes.split(", ")[1:])


# ---------------------------------------------------------------- five-step regulations 2-6

FIVE = [
    # key, title, source lines, line of step 1
    (
        "protez_ortoped_komek",
        "Мүгедектерге протездік-ортопедиялық көмек ұсыну үшін оларға құжаттарды ресімдеу",
        "190-258",
        210,
    ),
    (
        "surdo_tiflo_gigiena",
        "Мүгедектерді сурдо-тифлотехникалық және міндетті гигиеналық құралдармен қамтамасыз ету",
        "261-329",
        281,
    ),
    (
        "jeke_komekshi_ymdau",
        "Жүріп-тұруы қиын бірінші топтағы мүгедектерге жеке көмекшінің және есту кемістігі бар "
        "мүгедектерге ымдау тілі маманының қызметтерін ұсыну үшін мүгедектерге құжаттарды ресімдеу",
        "332-403",
        352,
    ),
    ("kreslo_arba_beru", "Мүгедектерге кресло-арбалар беру", "406-473", 426),
    (
        "sanatoriy_kurort",
        "Мүгедектерді санаторий-курорттық емдеумен қамтамасыз ету",
        "476-553",
        496,
    ),
]


@pytest.mark.parametrize(("key", "title", "lines", "first"), FIVE, ids=[f[0] for f in FIVE])
def test_models_003_five_step_regulations(key: str, title: str, lines: str, first: int) -> None:
    m = Model(key)
    check_common(m, key, title, "provider", lines)
    # lanes: the participants of section 3 (e.g. 448-454): clerk, head, officer
    assert m.lanes == ["Lane_clerk", "Lane_head", "Lane_officer"]
    path, outcome = m.walk(route="provider")
    # e.g. kreslo: 426 (30 минут), 430 (1 жұмыс күні), 434 (8 жұмыс күні), 438 (1 жұмыс күні),
    # 442 (30 минут); the same five steps in 210-226, 281-297, 352-368, 496-512
    assert path == [
        ("Task_register", "30 minutes"),
        ("Task_assign", "1 working day"),
        ("Task_prepare", "8 working days"),
        ("Task_sign", "1 working day"),
        ("Task_issue", "30 minutes"),
    ]
    assert outcome == "issued"
    sources = [m.props(m.nodes[i])["source"] for i, _ in path]
    assert sources == [f"{SEED}:{first + 4 * i}" for i in range(5)]
    docs = [m.nodes[i].findtext("bpmn:documentation", namespaces=NS) for i, _ in path]
    assert all(d and d.startswith("Нәтижесі") for d in docs)


def test_models_003_wheelchair_results() -> None:
    m = Model("kreslo_arba_beru")
    doc = {i: m.nodes[i].findtext("bpmn:documentation", namespaces=NS) for i in m.nodes}
    # 428, 432, 436, 440, 444
    assert doc["Task_register"] == (
        "Нәтижесі – тіркеу журналына жазу және көрсетілетін қызметті берушінің басшысына "
        "қарауға жолдайды"
    )
    assert doc["Task_assign"] == "Нәтижесі – жауапты орындаушыны белгілеу"
    assert (
        doc["Task_sign"]
        == "Нәтижесі – хабарламаны көрсетілетін қызмет берушінің кеңсесіне жібереді"
    )
    assert doc["Task_issue"].startswith("Нәтижесі - тіркеу журналына тіркейді")


# -------------------------------------------------------------------------- regulation 1


SC_INTAKE_2015 = [  # 136-148: 2, 1, 2, 2, 1 minutes; the 4-процесс (146) 1 minute; 148: 1 minute
    ("Task_sc_receive", "2 minutes"),
    ("Task_sc_login", "1 minute"),
    ("Task_sc_request_form", "2 minutes"),
    ("Task_sc_gbdfl_query", "2 minutes"),
    ("Task_sc_gbdfl_check", "1 minute"),
]


# The portal procedure of the 2015 texts (672-688, 810-826, 943-959): registration, 1-процесс,
# 1-шарт, 3-процесс, 2-шарт, 5-процесс, then the provider's 3-шарт; no norms.
PORTAL_INTAKE_2015 = [
    "Task_portal_register",
    "Task_portal_login",
    "Task_portal_authorize",
    "Task_portal_request",
    "Task_portal_signature",
    "Task_portal_send",
    "Task_portal_documents_check",
]


def test_models_003_semey() -> None:
    m = Model("semey_polygon_otemaqy")
    check_common(
        m,
        "semey_polygon_otemaqy",
        "Семей ядролық сынақ полигонында ядролық сынақтардың салдарынан зардап шеккен азаматтарды "
        "тіркеу, біржолғы мемлекеттік ақшалай өтемақы төлеу, куәлік беру",
        "provider, sc",
        "58-187",
    )
    # 124-130: clerk, head, officer, ЗТМО; section 4: ХҚО
    assert m.lanes == [
        "Lane_clerk",
        "Lane_head",
        "Lane_officer",
        "Lane_pension_centre",
        "Lane_sc_operator",
    ]
    provider_tail = [
        ("Task_sign", "1 working day"),  # 112
        ("Task_issue", "30 minutes"),  # 116
    ]
    # 94: 30 минут, 98: 1 жұмыс күн, 104: 17 жұмыс күні (recognition decision)
    path, outcome = m.walk(route="provider", request_type="recognition")
    assert path == [
        ("Task_register", "30 minutes"),
        ("Task_assign", "1 working day"),
        ("Task_prepare_recognition", "17 working days"),
        *provider_tail,
        ("Task_pay_compensation", None),
    ]  # 118: ЗТМО pays, no norm
    assert outcome == "issued"
    # 106: 3 жұмыс күні (certificate or duplicate); 108: compensation, no norm
    assert m.norms(route="provider", request_type="certificate")[2] == "3 working days"
    assert m.ids(route="provider", request_type="compensation")[2] == "Task_prepare_compensation"
    assert m.norms(route="provider", request_type="compensation")[2] is None
    # ХҚО: 136-148, then 152 (1 min), 154 (1 min), provider steps, 158 (2 min)
    path, outcome = m.walk(
        route="sc", request_type="recognition", data_found=True, documents_valid=True
    )
    assert path == [
        *SC_INTAKE_2015,
        ("Task_sc_send", "1 minute"),
        ("Task_sc_egov_register", "1 minute"),
        ("Task_sc_documents_check", "1 minute"),
        ("Task_register", "30 minutes"),
        ("Task_assign", "1 working day"),
        ("Task_prepare_recognition", "17 working days"),
        *provider_tail,
        ("Task_sc_issue", "2 minutes"),
        ("Task_pay_compensation", None),
    ]
    assert outcome == "issued"
    # 1-шарт fails -> 4-процесс (146: 1 minute)
    path, outcome = m.walk(route="sc", data_found=False)
    assert path == [*SC_INTAKE_2015, ("Task_sc_no_data", "1 minute")]
    assert outcome == "refused"
    # 2-шарт fails -> 7-процесс (156: 1 minute) -> 8-процесс (158: 2 minutes)
    path, outcome = m.walk(route="sc", data_found=True, documents_valid=False)
    assert path[-2:] == [("Task_sc_refusal", "1 minute"), ("Task_sc_issue_refusal", "2 minutes")]
    assert outcome == "refused"


# -------------------------------------------------------------------------- regulation 7


def test_models_003_social_aid() -> None:
    m = Model("aleumettik_komek_mukhtazh")
    check_common(
        m,
        "aleumettik_komek_mukhtazh",
        "Жергілікті өкілді органдардың шешімдері бойынша мұқтаж азаматтардың жекелеген санаттарына "
        "әлеуметтік көмек тағайындау",
        "provider, akim, portal",
        "556-717",
    )
    # 656-666 and the portal section 670-692
    assert m.lanes == [
        "Lane_clerk",
        "Lane_head",
        "Lane_officer",
        "Lane_akim_specialist",
        "Lane_akim",
        "Lane_akim_officer",
        "Lane_portal",
        "Lane_applicant",
    ]
    # provider: 586 (30 минут), 590 (1 жұмыс күн), 594 (6 жұмыс күн) / 596 (20 жұмыс күн when
    # documents are missing), 600 (1 жұмыс күн), 604 (15 минут)
    assert m.norms(route="provider", documents_complete=True) == [
        "30 minutes",
        "1 working day",
        "6 working days",
        "1 working day",
        "15 minutes",
    ]
    assert m.norms(route="provider", documents_complete=False) == [
        "30 minutes",
        "1 working day",
        "20 working days",
        "1 working day",
        "15 minutes",
    ]
    assert m.props(m.nodes["Task_assign"])["inputs"] == "documents_complete:bool"
    # akim: 610 (30), 614 (1 wd), 618 (1 wd), 622 (1 wd), 626 (15 min), 630 (1 wd),
    # 634 (2 wd) / 636 (20 wd), 640 (1 wd), 644 (15 min), 648 (30 min)
    akim = [
        "30 minutes",
        "1 working day",
        "1 working day",
        "1 working day",
        "15 minutes",
        "1 working day",
        "2 working days",
        "1 working day",
        "15 minutes",
        "30 minutes",
    ]
    path, outcome = m.walk(route="akim", documents_complete=True)
    assert [n for _, n in path] == akim
    assert [i for i, _ in path][0] == "Task_akim_register" and outcome == "issued"
    akim[6] = "20 working days"
    assert m.norms(route="akim", documents_complete=False) == akim
    assert m.props(m.nodes["Task_akim_provider_assign"])["inputs"] == "documents_complete:bool"
    # portal (672-692): no norms in the text; the provider's work = the provider route
    path, outcome = m.walk(
        route="portal",
        auth_valid=True,
        signature_valid=True,
        documents_valid=True,
        documents_complete=True,
    )
    assert [i for i, _ in path] == [
        *PORTAL_INTAKE_2015,
        "Task_register",
        "Task_assign",
        "Task_prepare",
        "Task_sign",
        "Task_issue",
        "Task_portal_result",
    ]
    assert [n for _, n in path][:7] == [None] * 7
    assert outcome == "issued"
    for data, last in [
        ({"auth_valid": False}, "Task_portal_auth_refusal"),
        ({"auth_valid": True, "signature_valid": False}, "Task_portal_signature_refusal"),
        (
            {"auth_valid": True, "signature_valid": True, "documents_valid": False},
            "Task_portal_documents_refusal",
        ),
    ]:
        path, outcome = m.walk(route="portal", **data)
        assert path[-1][0] == last and outcome == "refused"


# -------------------------------------------------------------------------- regulation 8


def test_models_003_home_schooling() -> None:
    m = Model("mugedek_bala_uide_oqytu")
    check_common(
        m,
        "mugedek_bala_uide_oqytu",
        "Мүгедек балаларды үйде оқытуға жұмсалған шығындарды өтеу",
        "provider, sc, portal",
        "720-862",
    )
    assert m.lanes == [
        "Lane_clerk",
        "Lane_head",
        "Lane_officer",
        "Lane_sc_operator",
        "Lane_portal",
        "Lane_applicant",
    ]
    # 748 (30 минут), 752 (1 жұмыс күн), 756 (8 жұмыс күн), 760 (1 жұмыс күн), 764 (15 минут)
    provider = ["30 minutes", "1 working day", "8 working days", "1 working day", "15 minutes"]
    assert m.norms(route="provider") == provider
    # ХҚО: 782-794 (2, 1, 2, 2, 1 min, then 794: 1 min), 798 (1), 800 (1), ..., 804 (2)
    assert m.norms(route="sc", data_found=True, documents_valid=True) == [
        "2 minutes",
        "1 minute",
        "2 minutes",
        "2 minutes",
        "1 minute",
        "1 minute",
        "1 minute",
        "1 minute",
        *provider,
        "2 minutes",
    ]
    assert m.walk(route="sc", data_found=False) == (
        [*SC_INTAKE_2015, ("Task_sc_no_data", "1 minute")],
        "refused",
    )  # 792
    path, outcome = m.walk(
        route="portal", auth_valid=True, signature_valid=True, documents_valid=True
    )
    assert path[-1] == ("Task_portal_result", None) and outcome == "issued"  # 830
    assert [n for _, n in path][7:12] == provider


# -------------------------------------------------------------------------- regulation 9


def test_models_003_foreign_labour() -> None:
    m = Model("shetel_jumys_kushi_ruqsat")
    check_common(
        m,
        "shetel_jumys_kushi_ruqsat",
        "Шетелдік қызметкерге жұмысқа орналасуға және жұмыс берушілерге тиісті "
        "әкімшілік-аумақтық бірлік аумағында еңбек қызметін жүзеге асыру үшін шетелдік жұмыс "
        "күшін тартуға рұқсат беру және ұзарту",
        "provider, portal",
        "865-1002",
    )
    # 927-935: clerk, head, officer, commission; the applicant (919) and the portal (941-969)
    assert m.lanes == [
        "Lane_clerk",
        "Lane_head",
        "Lane_officer",
        "Lane_commission",
        "Lane_applicant",
        "Lane_portal",
    ]
    # employer, permit: 897 (20 минут), 899 (20 минут), 905 (5 жұмыс күні), 911 (15 жұмыс
    # күні), 917 (3 жұмыс күні), 919 (20 жұмыс күні), 921 (3 жұмыс күні)
    path, outcome = m.walk(
        route="provider", applicant_type="employer", request_type="issue", permit_granted=True
    )
    assert path == [
        ("Task_register", "20 minutes"),
        ("Task_assign", "20 minutes"),
        ("Task_review", "5 working days"),
        ("Task_commission_employer_issue", "15 working days"),
        ("Task_notify", "3 working days"),
        ("Task_guarantee", "20 working days"),
        ("Task_issue_permit", "3 working days"),
    ]
    assert outcome == "issued"
    # employer, extension: 911 (5 жұмыс күні); 921: given when the applicant applies (no norm)
    assert m.norms(
        route="provider", applicant_type="employer", request_type="extend", permit_granted=True
    ) == ["20 minutes", "20 minutes", "5 working days", "5 working days", "3 working days", None]
    # worker, permit: 915 (5 жұмыс күні)
    assert (
        m.ids(route="provider", applicant_type="worker", request_type="issue", permit_granted=True)[
            3
        ]
        == "Task_commission_worker"
    )
    # worker, re-issue: 903 (3 жұмыс күні), no commission
    assert m.walk(route="provider", applicant_type="worker", request_type="reissue") == (
        [
            ("Task_register", "20 minutes"),
            ("Task_assign", "20 minutes"),
            ("Task_reissue", "3 working days"),
        ],
        "issued",
    )
    # refusal by the commission (907)
    path, outcome = m.walk(
        route="provider", applicant_type="employer", request_type="issue", permit_granted=False
    )
    assert path[-1] == ("Task_notify", "3 working days") and outcome == "refused"
    # portal 943-969: no norms
    path, outcome = m.walk(
        route="portal",
        auth_valid=True,
        signature_valid=True,
        documents_valid=True,
        request_type="issue",
        applicant_type="employer",
    )
    assert [i for i, _ in path] == [
        *PORTAL_INTAKE_2015,
        "Task_portal_accepted",
        "Task_portal_form_result",
        "Task_portal_sign",
        "Task_portal_guarantee",
        "Task_portal_send_result",
    ]
    assert {n for _, n in path} == {None} and outcome == "issued"


# ------------------------------------------------------------------------- regulation 10


def test_models_003_oralman() -> None:
    m = Model("oralman_martebesi")
    check_common(m, "oralman_martebesi", "Оралман мәртебесін беру", "provider, sc", "1005-1126")
    # 1079-1085: clerk, head, dept head, officer; 1093-1115: ХҚО
    assert m.lanes == [
        "Lane_clerk",
        "Lane_head",
        "Lane_dept_head",
        "Lane_officer",
        "Lane_sc_operator",
    ]
    # 1027 (no norm), 1035 (30 минут), 1039 (1 жұмыс күні), 1043 (1 сағат), 1047 (2 жұмыс
    # күні), 1051 (1 сағат), 1055 (2 сағат), 1059 (2 сағат), 1063 (1 сағат), 1067 (1 жұмыс
    # күні), 1071 (30 минут)
    provider = [
        None,
        "30 minutes",
        "1 working day",
        "1 hour",
        "2 working days",
        "1 hour",
        "2 hours",
        "2 hours",
        "1 hour",
        "1 working day",
        "30 minutes",
    ]
    assert m.norms(route="provider", registered_elsewhere=False) == provider
    # 1031: registered in another region -> no registration
    assert m.walk(route="provider", registered_elsewhere=True) == (
        [("Task_check_registry", None)],
        "refused",
    )
    # ХҚО 1093-1105: 2, 2, 2, 2, 1 min, 1105: 2 min; 1109: 1, 1111: 2, ... 1115: 2
    assert m.norms(
        route="sc", data_found=True, documents_valid=True, registered_elsewhere=False
    ) == [
        "2 minutes",
        "2 minutes",
        "2 minutes",
        "2 minutes",
        "1 minute",
        "2 minutes",
        "1 minute",
        "2 minutes",
        *provider,
        "2 minutes",
    ]
    assert m.norms(route="sc", data_found=False)[-1] == "2 minutes"  # 1103
    assert m.walk(route="sc", data_found=True, documents_valid=False)[0][-2:] == [
        ("Task_sc_refusal", "2 minutes"),
        ("Task_sc_issue_refusal", "2 minutes"),
    ]  # 1113, 1115


def test_models_003_all_ten_present_with_unique_ids() -> None:
    keys = [f[0] for f in FIVE] + [
        "semey_polygon_otemaqy",
        "aleumettik_komek_mukhtazh",
        "mugedek_bala_uide_oqytu",
        "shetel_jumys_kushi_ruqsat",
        "oralman_martebesi",
    ]
    for key in keys:
        root = etree.parse(str(PROCESSES / f"{key}.bpmn")).getroot()
        ids = [el.get("id") for el in root.iter() if el.get("id")]
        assert len(ids) == len(set(ids)), key
        for end in root.iterfind(".//bpmn:endEvent", NS):
            outcome = end.find(".//camunda:property[@name='outcome']", NS)
            assert outcome is not None and outcome.get("value") in ("issued", "refused"), key
