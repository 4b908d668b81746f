"""Drawing BPMN files from their DI: every model draws, shapes sit at the DI coordinates, and
task text stays inside its box (by the width estimate and, in Chromium, by real glyphs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from regflow.errors import ModelError
from regflow.workflows.render import (
    SVG,
    TASKS,
    flow_node_bounds,
    render_svg,
    shapes_of,
    text_width,
    wrap_text,
)
from tests.conftest import MIWG, PROCESSES

MODELS = sorted(PROCESSES.glob("*.bpmn"))
REFERENCES = sorted(MIWG.glob("*.bpmn")) if MIWG.is_dir() else []
KRESLO = PROCESSES / "kreslo_arba_beru.bpmn"
NS = {"s": SVG}


def _svg(path: Path) -> etree._Element:
    return etree.fromstring(render_svg(path.read_bytes(), filename=path.name).encode("utf-8"))


@pytest.mark.parametrize("path", MODELS + REFERENCES, ids=lambda p: p.name)
def test_every_library_model_and_miwg_reference_renders(path: Path) -> None:
    root = _svg(path)
    assert root.tag == f"{{{SVG}}}svg"
    assert root.findall(".//s:g[@data-element-id]", NS)


def test_miwg_reference_suite_is_present() -> None:
    if not REFERENCES:
        pytest.skip(f"no MIWG reference files at {MIWG}")
    assert len(REFERENCES) >= 20  # 21 files in shared/bpmn-miwg/Reference


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.name)
def test_every_flow_node_is_drawn_at_its_di_bounds(path: Path) -> None:
    data = path.read_bytes()
    expected = flow_node_bounds(data)
    svg = render_svg(data)
    drawn = shapes_of(svg)
    assert expected, "a library model has DI for its flow nodes"
    for element_id, bounds in expected.items():
        assert drawn.get(element_id) == pytest.approx(bounds, abs=0.01), element_id
    root = etree.fromstring(svg.encode("utf-8"))
    for g in root.iterfind(".//s:g[@data-element-type]", NS):
        kind = g.get("data-element-type")
        if kind not in TASKS:
            continue
        x, y, w, h = expected[g.get("data-element-id")]
        rect = g.find("s:rect", NS)
        assert [float(rect.get(a)) for a in ("x", "y", "width", "height")] == pytest.approx(
            [x, y, w, h], abs=0.01
        )


def test_gateways_are_diamonds_and_events_circles_at_their_bounds() -> None:
    root = etree.fromstring(render_svg(KRESLO.read_bytes()).encode("utf-8"))
    expected = flow_node_bounds(KRESLO.read_bytes())
    for element_id, (x, y, w, h) in expected.items():
        (g,) = root.findall(f".//s:g[@data-element-id='{element_id}']", NS)
        kind = g.get("data-element-type")
        if kind.endswith("Event"):
            c = g.find("s:circle", NS)
            assert (float(c.get("cx")), float(c.get("cy"))) == pytest.approx((x + w / 2, y + h / 2))
            assert float(c.get("r")) == pytest.approx(w / 2)
        elif kind.endswith("Gateway"):
            d = g.find("s:path", NS).get("d")
            assert d.startswith(f"M{x + w / 2:g},{y:g}".replace(".0,", ","))


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.name)
def test_task_text_lines_fit_their_boxes_by_the_width_estimate(path: Path) -> None:
    root = _svg(path)
    checked = 0
    for g in root.iterfind(".//s:g[@data-element-type]", NS):
        if g.get("data-element-type") not in TASKS:
            continue
        _, _, box_w, _ = (float(v) for v in g.get("data-bounds").split())
        text = g.find("s:text", NS)
        size = float(text.get("font-size"))
        for span in text.iterfind("s:tspan", NS):
            assert text_width(span.text, size) <= box_w, (g.get("data-element-id"), span.text)
            checked += 1
    assert checked


def test_long_kazakh_names_shrink_then_ellipsize() -> None:
    name = "Көрсетілетін қызметті берушінің жауапты орындаушысы құжаттарды тексереді"
    lines, size = wrap_text(name, 90, 60)
    assert size < 12 and all(text_width(line, size) <= 90 for line in lines)
    assert " ".join(lines).replace("…", "") in name or lines[-1].endswith("…")
    lines, size = wrap_text("Өтінішхабарламатіркеужурналы", 40, 14)
    assert lines[0].endswith("…") and text_width(lines[0], size) <= 40
    assert wrap_text("Қол қою", 100, 60) == (["Қол қою"], 12.0)


def test_file_without_di_is_laid_out_on_a_grid(tmp_path: Path) -> None:
    data = KRESLO.read_bytes()
    root = etree.fromstring(data)
    for diagram in root.findall("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNDiagram"):
        root.remove(diagram)
    svg = etree.fromstring(render_svg(etree.tostring(root)).encode("utf-8"))
    assert svg.get("data-layout", "").startswith("grid")
    drawn = {g.get("data-element-id") for g in svg.iterfind(".//s:g[@data-element-id]", NS)}
    assert set(flow_node_bounds(data)) <= drawn


def test_unknown_elements_get_a_generic_box() -> None:
    data = b"""<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
      xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
      xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="d">
      <bpmn:process id="p"><bpmn:choreographyTask id="c" name="Strange"/></bpmn:process>
      <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="P" bpmnElement="p">
        <bpmndi:BPMNShape id="S" bpmnElement="c"><dc:Bounds x="10" y="20" width="100" height="80"/>
        </bpmndi:BPMNShape>
        <bpmndi:BPMNShape id="S2" bpmnElement="missing">
          <dc:Bounds x="200" y="20" width="50" height="x"/>
        </bpmndi:BPMNShape>
      </bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>"""
    svg = render_svg(data)
    assert shapes_of(svg) == {"c": (10.0, 20.0, 100.0, 80.0)}
    assert "choreographyTask" in svg


@pytest.mark.parametrize(
    "data, message",
    [
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', "DOCTYPE"),
        (b"<not-closed>", "not well-formed"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a BPMN 2.0 file"),
    ],
)
def test_unsafe_or_non_bpmn_input_is_refused_with_a_model_error(data: bytes, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        render_svg(data, filename="bad.bpmn")


def test_screenshot_in_chromium_has_every_shape_and_text_inside_task_boxes(browser) -> None:  # type: ignore[no-untyped-def]
    from regflow.workflows.render import html_page

    data = KRESLO.read_bytes()
    expected = flow_node_bounds(data)
    page = browser.new_page(viewport={"width": 1700, "height": 500})
    try:
        page.set_content(html_page(render_svg(data), "kreslo"))
        png = page.screenshot(full_page=False, timeout=30000)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
        result = page.evaluate(
            """() => {
              const out = {shapes: [], tasks: []};
              for (const g of document.querySelectorAll('g[data-element-id]')) {
                const shape = g.querySelector('rect, circle, path');
                const r = shape ? shape.getBoundingClientRect() : null;
                out.shapes.push([g.dataset.elementId, g.dataset.elementType, !!r && r.width > 0]);
                const rect = g.querySelector('rect.task-box');
                const text = g.querySelector('text.task-text');
                if (rect && text) {
                  const a = rect.getBoundingClientRect(), b = text.getBoundingClientRect();
                  out.tasks.push([g.dataset.elementId, [a.left, a.top, a.right, a.bottom],
                                  [b.left, b.top, b.right, b.bottom]]);
                }
              }
              return out;
            }"""
        )
    finally:
        page.close()
    visible = {element_id for element_id, _, shown in result["shapes"] if shown}
    assert set(expected) <= visible
    tasks = {t[0] for t in result["tasks"]}
    assert tasks == {i for i in expected if i.startswith("Task_")}  # 6 user tasks in the model
    for element_id, (l1, t1, r1, b1), (l2, t2, r2, b2) in result["tasks"]:
        assert l1 <= l2 and t1 <= t2 and r2 <= r1 and b2 <= b1, element_id
