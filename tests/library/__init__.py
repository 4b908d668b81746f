"""Tests of the generated process library (processes/*.bpmn) against the seed texts.

Helpers shared by the test modules: read a generated model with lxml and walk one route of it.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
}
TASKS = ("userTask", "serviceTask")


def load(key: str) -> etree._Element:
    """The bpmn:process of processes/<key>.bpmn."""
    root = etree.parse(str(PROCESSES / f"{key}.bpmn")).getroot()
    proc = root.find("bpmn:process", NS)
    assert proc is not None, key
    assert proc.get("id") == key
    return proc


def props(el: etree._Element) -> dict[str, str]:
    return {
        p.get("name"): p.get("value")
        for p in el.findall("bpmn:extensionElements/camunda:properties/camunda:property", NS)
    }


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _condition(flow: etree._Element) -> str | None:
    cond = flow.find("bpmn:conditionExpression", NS)
    return (cond.text or "").strip() if cond is not None else None


def walk(
    proc: etree._Element, route: str, take: dict[str, str] | None = None
) -> tuple[list[tuple[str, str | None, str | None]], etree._Element]:
    """Follow ``route`` from the start event to an end event.

    At a gateway listed in ``take`` the flow whose condition equals the given text is taken
    ("default" = the default flow); at a gateway branching on ``route`` the route's flow (or the
    default) is taken; elsewhere the default flow. Returns the tasks passed as
    (id, norm, source line) and the end event reached.
    """
    take = take or {}
    by_id = {el.get("id"): el for el in proc if el.get("id")}
    outgoing: dict[str, list[etree._Element]] = {}
    for fl in proc.findall("bpmn:sequenceFlow", NS):
        outgoing.setdefault(fl.get("sourceRef"), []).append(fl)
    node = proc.find("bpmn:startEvent", NS)
    steps: list[tuple[str, str | None, str | None]] = []
    for _ in range(200):
        kind = _local(node)
        if kind in TASKS:
            p = props(node)
            line = p["source"].rsplit(":", 1)[1] if p.get("source") else None
            steps.append((node.get("id"), p.get("norm"), line))
        if kind == "endEvent":
            return steps, node
        flows = outgoing[node.get("id")]
        if len(flows) == 1:
            nxt = flows[0]
        else:
            default = [f for f in flows if f.get("id") == node.get("default")]
            gid = node.get("id")
            if gid in take:
                want = take[gid]
                nxt = default[0] if want == "default" else next(
                    f for f in flows if _condition(f) == want
                )
            elif any("route ==" in (_condition(f) or "") for f in flows):
                mine = [f for f in flows if _condition(f) == f'route == "{route}"']
                nxt = mine[0] if mine else default[0]
            else:
                nxt = default[0]
        node = by_id[nxt.get("targetRef")]
    raise AssertionError("no end event reached")


def norms(steps: list[tuple[str, str | None, str | None]]) -> list[tuple[str | None, int | None]]:
    """(norm, source line) of the steps, the line as an int."""
    return [(n, int(line) if line else None) for _, n, line in steps]
