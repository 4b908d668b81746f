"""The BPMN writer: valid BPMN 2.0, parsed by SpiffWorkflow, a tidy DI layout."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator

from regflow.workflows.builder import ProcessBuilder

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
}
FLOW_NODES = (
    "startEvent", "endEvent", "exclusiveGateway", "userTask", "serviceTask",
    "intermediateCatchEvent", "boundaryEvent",
)
PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def wheelchair() -> ProcessBuilder:
    """The wheelchair regulation (003:406) plus an akim route and a refusal branch."""
    b = ProcessBuilder(
        key="kreslo_arba_beru",
        name="Мүгедектерге кресло-арбалар беру",
        properties={
            "routes": "provider, akim",
            "source": "003_2e4deee796d008ba.txt:406-475",
            "schedule": "akimat",
            "deadline": None,
        },
    )
    clerk = b.lane("clerk", "Көрсетілетін қызметті берушінің кеңсе маманы")
    head = b.lane("head", "Көрсетілетін қызметті берушінің басшысы")
    officer = b.lane("officer", "Көрсетілетін қызметті берушінің жауапты орындаушысы")
    akim = b.lane("akim", "Ауылдық округ әкімі", schedule="rural_akim")
    start = b.start(clerk, "Өтініш берілді")
    gw = b.gateway(clerk, "Жүгіну тәсілі?", id="Gateway_route")
    a1 = b.user_task(akim, "Құжаттарды қабылдау және тіркеу", norm="30 minutes")
    a2 = b.user_task(akim, "Ілеспе хатқа қол қою", norm="1 working day")
    reg = b.user_task(
        clerk,
        "Құжаттарды қабылдау және тіркеу журналына тіркеу",
        norm="30 minutes",
        source="003_2e4deee796d008ba.txt:426",
        id="Task_register",
        result="Нәтижесі – тіркеу журналына жазу",
        inputs="documents_complete:bool",
    )
    assign = b.user_task(
        head,
        "Құжаттарды қарау, жауапты орындаушыны белгілеу",
        norm="1 working day",
        id="Task_assign",
    )
    check = b.gateway(head, "Құжаттар толық па?")
    lookup = b.service_task(officer, "ЖТ МДҚ сұрау", handler="gbdfl.lookup", norm="1 minute")
    refused = b.end(officer, "Дәлелді бас тарту", outcome="refused")
    prepare = b.user_task(
        officer,
        "Құжаттарды тексеру, хабарламаны дайындау " * 3,
        norm="8 working days",
        id="Task_prepare",
    )
    sign = b.user_task(head, "Хабарламаға қол қою", norm="1 working day", id="Task_sign")
    issue = b.user_task(clerk, "Нәтижені беру", norm="30 minutes", id="Task_issue")
    end = b.end(clerk, "Нәтиже берілді", outcome="issued")
    b.flow(start, gw)
    b.flow(gw, reg, default=True, name="беруші")
    b.flow(gw, a1, condition='route == "akim"', name="әкім")
    b.chain(a1, a2, reg, assign, check)
    b.flow(check, lookup, condition="documents_complete == False", name="жоқ")
    b.chain(lookup, refused)
    b.flow(check, prepare, default=True)
    b.chain(prepare, sign, issue, end)
    return b


def bounds(shape: etree._Element) -> tuple[float, float, float, float]:
    bb = shape.find("dc:Bounds", NS)
    return tuple(float(bb.get(k)) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


def check_layout(root: etree._Element) -> None:
    """Every flow node has one shape inside its lane's shape; no two node shapes overlap; every
    sequence flow has an edge with >= 2 waypoints, orthogonal, from its source to its target."""
    shapes: dict[str, list[etree._Element]] = {}
    for s in root.iterfind(".//bpmndi:BPMNShape", NS):
        shapes.setdefault(s.get("bpmnElement"), []).append(s)
    lane_of = {
        ref.text: lane.get("id")
        for lane in root.iterfind(".//bpmn:lane", NS)
        for ref in lane.iterfind("bpmn:flowNodeRef", NS)
    }
    node_ids = [
        el.get("id")
        for tag in FLOW_NODES
        for el in root.iterfind(f".//bpmn:process/bpmn:{tag}", NS)
    ]
    assert node_ids
    boxes = {}
    for nid in node_ids:
        assert len(shapes.get(nid, [])) == 1, f"{nid}: {len(shapes.get(nid, []))} shapes"
        assert nid in lane_of, f"{nid} is in no lane"
        x, y, w, h = bounds(shapes[nid][0])
        lx, ly, lw, lh = bounds(shapes[lane_of[nid]][0])
        assert lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh, (
            f"{nid} {x, y, w, h} outside {lane_of[nid]} {lx, ly, lw, lh}"
        )
        boxes[nid] = (x, y, w, h)
    attached = {  # a boundary event sits on its task's border (BPMN convention)
        (el.get("id"), el.get("attachedToRef"))
        for el in root.iterfind(".//bpmn:process/bpmn:boundaryEvent", NS)
    }
    for (a, (ax, ay, aw, ah)), (c, (cx, cy, cw, ch)) in combinations(boxes.items(), 2):
        if (a, c) in attached or (c, a) in attached:
            continue
        assert ax + aw <= cx or cx + cw <= ax or ay + ah <= cy or cy + ch <= ay, f"{a} overlaps {c}"
    # lanes tile the pool without overlapping
    pool = root.find(".//bpmn:participant", NS).get("id")
    px, py, pw, ph = bounds(shapes[pool][0])
    lanes = sorted(bounds(shapes[ln.get("id")][0]) for ln in root.iterfind(".//bpmn:lane", NS))
    lanes.sort(key=lambda b: b[1])
    assert lanes[0][1] == py and lanes[-1][1] + lanes[-1][3] == py + ph
    for (_, y1, _, h1), (_, y2, _, _) in zip(lanes, lanes[1:], strict=False):
        assert y1 + h1 == y2
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    for fl in root.iterfind(".//bpmn:sequenceFlow", NS):
        e = edges.get(fl.get("id"))
        assert e is not None, f"no edge for {fl.get('id')}"
        pts = [(float(p.get("x")), float(p.get("y"))) for p in e.iterfind("di:waypoint", NS)]
        assert len(pts) >= 2
        for (x1, y1), (x2, y2) in zip(pts, pts[1:], strict=False):
            assert x1 == x2 or y1 == y2, f"{fl.get('id')} has a diagonal segment"

        def touches(pt: tuple[float, float], nid: str) -> bool:
            x, y, w, h = boxes[nid]
            return x - 0.5 <= pt[0] <= x + w + 0.5 and y - 0.5 <= pt[1] <= y + h + 0.5

        assert touches(pts[0], fl.get("sourceRef")) and touches(pts[-1], fl.get("targetRef"))


def test_builder_output_validates_against_bpmn_xsd() -> None:
    root = etree.fromstring(wheelchair().to_bytes())
    BpmnValidator().validate(root)


def test_builder_output_parses_with_spiffworkflow_lanes_and_flows() -> None:
    parser = BpmnParser(validator=BpmnValidator())
    parser.add_bpmn_str(wheelchair().to_bytes())
    spec = parser.get_spec("kreslo_arba_beru")
    specs = spec.task_specs
    assert specs["Task_register"].lane == "Көрсетілетін қызметті берушінің кеңсе маманы"
    assert specs["Task_assign"].lane == "Көрсетілетін қызметті берушінің басшысы"
    assert specs["Task_1"].lane == "Ауылдық округ әкімі"
    assert specs["Task_register"].documentation == "Нәтижесі – тіркеу журналына жазу"
    assert [s.name for s in specs["Task_prepare"].outputs] == ["Task_sign"]
    assert spec.name == "kreslo_arba_beru"


def test_builder_writes_camunda_properties_conditions_and_defaults() -> None:
    root = etree.fromstring(wheelchair().to_bytes())
    proc = root.find("bpmn:process", NS)
    assert proc.get("isExecutable") == "true"
    props = {
        p.get("name"): p.get("value")
        for p in proc.find("bpmn:extensionElements", NS).iter(f"{{{NS['camunda']}}}property")
    }
    assert props == {
        "routes": "provider, akim",
        "source": "003_2e4deee796d008ba.txt:406-475",
        "schedule": "akimat",
    }  # None values are dropped
    lanes = {ln.get("id"): ln for ln in proc.iterfind("bpmn:laneSet/bpmn:lane", NS)}
    assert list(lanes) == ["Lane_clerk", "Lane_head", "Lane_officer", "Lane_akim"]
    assert lanes["Lane_clerk"].find("bpmn:extensionElements", NS) is None
    assert lanes["Lane_akim"].find(".//camunda:property", NS).attrib == {
        "name": "schedule",
        "value": "rural_akim",
    }
    reg = proc.find("bpmn:userTask[@id='Task_register']", NS)
    assert [c.tag.split("}")[1] for c in reg] == [
        "documentation",
        "extensionElements",
        "incoming",
        "incoming",
        "outgoing",
    ]
    assert {p.get("name"): p.get("value") for p in reg.iter(f"{{{NS['camunda']}}}property")} == {
        "norm": "30 minutes",
        "source": "003_2e4deee796d008ba.txt:426",
        "inputs": "documents_complete:bool",
    }
    svc = proc.find("bpmn:serviceTask", NS)
    assert svc.find(".//camunda:property[@name='handler']", NS).get("value") == "gbdfl.lookup"
    end = proc.find("bpmn:endEvent[@name='Дәлелді бас тарту']", NS)
    assert end.find(".//camunda:property", NS).attrib == {"name": "outcome", "value": "refused"}
    gw = proc.find("bpmn:exclusiveGateway[@id='Gateway_route']", NS)
    default = proc.find(f"bpmn:sequenceFlow[@id='{gw.get('default')}']", NS)
    assert default.get("targetRef") == "Task_register"
    assert default.find("bpmn:conditionExpression", NS) is None
    cond = proc.find("bpmn:sequenceFlow[@targetRef='Task_1']/bpmn:conditionExpression", NS)
    assert cond.text == 'route == "akim"'
    assert cond.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "bpmn:tFormalExpression"
    collab = root.find("bpmn:collaboration", NS)
    assert collab.find("bpmn:participant", NS).get("processRef") == "kreslo_arba_beru"
    plane = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert plane.get("bpmnElement") == collab.get("id")


def test_builder_layout_is_tidy() -> None:
    root = etree.fromstring(wheelchair().to_bytes())
    check_layout(root)
    shapes = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    assert bounds(shapes["Task_sign"])[2:] == (100, 80)
    assert bounds(shapes["Gateway_route"])[2:] == (50, 50)
    assert bounds(shapes["StartEvent_1"])[2:] == (36, 36)
    assert shapes["Gateway_route"].find("bpmndi:BPMNLabel", NS) is not None
    prepare = bounds(shapes["Task_prepare"])  # a long name grows the box
    assert prepare[2] * prepare[3] > 100 * 80
    # columns follow the longest path: the provider's register comes after the akim's steps
    assert bounds(shapes["Task_register"])[0] > bounds(shapes["Task_2"])[0]
    # the refusal branch and the main path share a column in different lanes or rows
    assert bounds(shapes["Task_prepare"])[0] == pytest.approx(bounds(shapes["Task_3"])[0], abs=40)


def test_builder_stacks_nodes_of_one_lane_and_column() -> None:
    b = ProcessBuilder(key="stack", name="stack")
    lane = b.lane("clerk", "Кеңсе")
    s = b.start(lane)
    g = b.gateway(lane)
    t1 = b.user_task(lane, "a")
    t2 = b.user_task(lane, "b")
    t3 = b.user_task(lane, "c")
    e = b.end(lane)
    b.flow(s, g)
    b.flow(g, t1, default=True)
    b.flow(g, t2, condition="x == 1")
    b.flow(g, t3, condition="x == 2")
    for t in (t1, t2, t3):
        b.flow(t, e)
    root = etree.fromstring(b.to_bytes())
    check_layout(root)
    lane_h = bounds(root.find(".//bpmndi:BPMNShape[@bpmnElement='Lane_clerk']", NS))[3]
    assert lane_h >= 3 * 80


def test_builder_rejects_duplicate_ids_and_bad_defaults() -> None:
    b = ProcessBuilder(key="dup", name="dup")
    lane = b.lane("clerk", "Кеңсе")
    t = b.user_task(lane, "a", id="Task_a")
    with pytest.raises(ValueError, match="duplicate"):
        b.user_task(lane, "b", id="Task_a")
    with pytest.raises(ValueError, match="only gateways"):
        b.flow(t, b.end(lane), default=True)
    with pytest.raises(ValueError, match="duplicate"):
        b.lane("clerk", "again")


def test_builder_auto_ids_and_back_edges() -> None:
    b = ProcessBuilder(key="loop", name="loop")
    lane = b.lane("officer", "Орындаушы")
    s = b.start(lane)
    t1 = b.user_task(lane, "a")
    g = b.gateway(lane)
    e = b.end(lane)
    assert (s.id, t1.id, g.id, e.id) == ("StartEvent_1", "Task_1", "Gateway_1", "EndEvent_1")
    b.chain(s, t1, g)
    b.flow(g, t1, condition="again == True")  # back edge: ignored by the ranking
    b.flow(g, e, default=True)
    root = etree.fromstring(b.to_bytes())
    BpmnValidator().validate(root)
    check_layout(root)


def _library_files() -> list[Path]:
    return sorted(
        p
        for p in PROCESSES.glob("*.bpmn")
        if b'exporter="regflow.workflows.builder"' in p.read_bytes()[:2000]
    )


@pytest.mark.parametrize("path", _library_files(), ids=lambda p: p.stem)
def test_builder_library_files_are_valid_and_tidy(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    BpmnValidator().validate(root)
    check_layout(root)
