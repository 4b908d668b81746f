"""Drawing a BPMN file from its diagram interchange (DI) as SVG, with optional overlays.

Auditors and heads would rather look than read: this draws what the modeller drew (pools, lanes,
tasks, gateways, events, flows, labels, data objects, annotations) at the DI coordinates, so the
picture matches the modelling tool's. Overlays (open counts, overdue shares, timing ratios) are
passed in as :class:`Badge` per element id; this module knows nothing about the database.

Only lxml is used (no SpiffWorkflow): any BPMN 2.0 file draws, including constructs regflow does
not execute (multiple pools, subprocesses, boundary events, message flows). The XML is read with
the loader's safe parser (no DTD, no entities, no network). Unknown elements get a generic box; a
file without DI gets a simple grid layout rather than an error.

Every drawn element is one ``<g data-element-id=… data-bounds="x y w h">`` group so that tests and
the HTML report can find shapes again; task text is wrapped with an estimated glyph width
(:func:`text_width`) and each line is guaranteed to fit its box by that estimate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lxml import etree

from regflow.errors import ModelError
from regflow.workflows.loader import _safe_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SVG = "http://www.w3.org/2000/svg"

FONT = "'Liberation Sans', Arial, 'DejaVu Sans', sans-serif"
FONT_SIZE = 12.0
MIN_FONT_SIZE = 8.0
LINE_HEIGHT = 1.2
CHAR_WIDTH = 0.55  # average glyph width / font size, the estimate every wrap decision uses
TASK_PADDING = 6.0
BAND = 30.0  # the name band of pools and lanes
STROKE = "#22242a"

TASKS = {
    "task", "userTask", "serviceTask", "scriptTask", "manualTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity",
}  # fmt: skip
SUBPROCESSES = {"subProcess", "transaction", "adHocSubProcess"}
GATEWAYS = {
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
    "complexGateway",
}  # fmt: skip
EVENTS = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
}  # fmt: skip
FLOW_NODES = TASKS | SUBPROCESSES | GATEWAYS | EVENTS
DATA = {"dataObjectReference", "dataObject", "dataStoreReference", "dataInput", "dataOutput"}

# narrow and wide glyphs, so that the estimate stays near real fonts without measuring
_NARROW = set(" .,;:!|'ilIjtfrі()[]-ı")
_WIDE = set("mwMWШЩЖМЮФЫшщжмюфы@%")


@dataclass(frozen=True)
class Badge:
    """What an overlay draws on one element: a short text in a bubble and/or a fill colour."""

    text: str | None = None
    fill: str | None = None
    title: str | None = None  # tooltip, e.g. "3 open tasks"


@dataclass(frozen=True)
class Legend:
    """The overlay's key, drawn above the diagram: a title and (colour, meaning) rows."""

    title: str
    rows: Sequence[tuple[str, str]] = field(default_factory=tuple)


def text_width(text: str, size: float) -> float:
    """Estimated width of ``text`` at ``size``: ~0.55 × size per glyph (narrow/wide adjusted)."""
    total = 0.0
    for ch in text:
        if ch in _NARROW:
            total += 0.32
        elif ch in _WIDE or ch.isupper():
            total += 0.72
        else:
            total += CHAR_WIDTH
    return total * size


def _ellipsize(text: str, width: float, size: float) -> str:
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…" if text.strip() else ""


def _greedy(words: list[str], width: float, size: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def wrap_text(
    text: str,
    width: float,
    height: float,
    *,
    size: float = FONT_SIZE,
    min_size: float = MIN_FONT_SIZE,
) -> tuple[list[str], float]:
    """Break ``text`` on spaces into lines that fit ``width`` × ``height``.

    The font shrinks down to ``min_size`` first; if the text still does not fit, long words and
    the last line are cut with an ellipsis. Every returned line fits ``width`` by
    :func:`text_width`, and the lines fit ``height`` (at least one line is always returned when
    there is text, cut to the width)."""
    words = text.split()
    if not words or width <= 0:
        return [], size
    s = size
    while s >= min_size:
        lines = _greedy(words, width, s)
        if (
            all(text_width(line, s) <= width for line in lines)
            and len(lines) * s * LINE_HEIGHT <= height
        ):
            return lines, s
        s -= 1.0
    s = min_size
    max_lines = max(1, int(height // (s * LINE_HEIGHT)))
    lines = _greedy(words, width, s)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _ellipsize(lines[-1] + " …", width, s)
    return [_ellipsize(line, width, s) for line in lines], s


# ----------------------------------------------------------------------------------------------
# reading the model


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _ns(tag: object) -> str:
    return etree.QName(tag).namespace or "" if isinstance(tag, str) else ""


def _num(value: str | None) -> float | None:
    try:
        result = float(value) if value is not None else None
    except ValueError:
        return None
    return result if result is not None and math.isfinite(result) else None


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


def _bounds(el: etree._Element | None) -> Box | None:
    if el is None:
        return None
    b = el.find(f"{{{DC}}}Bounds")
    if b is None:
        return None
    vals = [_num(b.get(k)) for k in ("x", "y", "width", "height")]
    if any(v is None for v in vals):
        return None
    x, y, w, h = (float(v) for v in vals)  # type: ignore[arg-type]
    return Box(x, y, max(w, 0.0), max(h, 0.0))


@dataclass
class _Shape:
    element_id: str
    kind: str
    semantic: etree._Element | None
    box: Box
    di: etree._Element | None = None
    label: Box | None = None


@dataclass
class _Edge:
    element_id: str
    kind: str
    semantic: etree._Element | None
    points: list[tuple[float, float]]
    label: Box | None = None


def _name(el: etree._Element | None) -> str:
    if el is None:
        return ""
    if _local(el.tag) == "textAnnotation":
        t = el.find(f"{{{BPMN}}}text")
        return " ".join((t.text or "").split()) if t is not None else ""
    return " ".join((el.get("name") or "").split())


class _Model:
    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.by_id: dict[str, etree._Element] = {}
        for el in root.iter():
            if _ns(el.tag) == BPMN and el.get("id"):
                self.by_id.setdefault(el.get("id", ""), el)
        self.shapes: list[_Shape] = []
        self.edges: list[_Edge] = []
        self.has_di = False
        diagram = root.find(f"{{{BPMNDI}}}BPMNDiagram")
        plane = diagram.find(f"{{{BPMNDI}}}BPMNPlane") if diagram is not None else None
        if plane is not None:
            self._read_plane(plane)
        if not self.shapes and not self.edges:
            self._grid_layout()
        else:
            self.has_di = True

    def _read_plane(self, plane: etree._Element) -> None:
        for di in plane:
            kind_tag = _local(di.tag)
            ref = di.get("bpmnElement") or di.get("id") or ""
            sem = self.by_id.get(ref)
            kind = _local(sem.tag) if sem is not None else "unknown"
            label = _bounds(di.find(f"{{{BPMNDI}}}BPMNLabel"))
            if kind_tag == "BPMNShape":
                box = _bounds(di)
                if box is not None:
                    self.shapes.append(_Shape(ref, kind, sem, box, di, label))
            elif kind_tag == "BPMNEdge":
                points = []
                for wp in di.findall(f"{{{DI}}}waypoint"):
                    x, y = _num(wp.get("x")), _num(wp.get("y"))
                    if x is not None and y is not None:
                        points.append((x, y))
                if len(points) >= 2:
                    self.edges.append(_Edge(ref, kind, sem, points, label))

    def _grid_layout(self) -> None:
        """No DI: each process's flow nodes in document order on a grid, flows straight."""
        sizes = {"task": (100.0, 80.0), "gateway": (50.0, 50.0), "event": (36.0, 36.0)}
        row = 0
        centres: dict[str, tuple[float, float]] = {}
        for process in self.root.iter(f"{{{BPMN}}}process", f"{{{BPMN}}}subProcess"):
            nodes = [el for el in process if _local(el.tag) in FLOW_NODES | DATA]
            for i, el in enumerate(nodes):
                kind = _local(el.tag)
                group = "gateway" if kind in GATEWAYS else "event" if kind in EVENTS else "task"
                w, h = sizes[group]
                cx, cy = 100 + (i % 6) * 160, 80 + (row + i // 6) * 130
                centres[el.get("id", "")] = (cx, cy)
                self.shapes.append(
                    _Shape(el.get("id", ""), kind, el, Box(cx - w / 2, cy - h / 2, w, h))
                )
            row += max(1, math.ceil(len(nodes) / 6))
        for flow in self.root.iter(f"{{{BPMN}}}sequenceFlow", f"{{{BPMN}}}messageFlow"):
            a, b = centres.get(flow.get("sourceRef", "")), centres.get(flow.get("targetRef", ""))
            if a and b:
                self.edges.append(_Edge(flow.get("id", ""), _local(flow.tag), flow, [a, b]))


# ----------------------------------------------------------------------------------------------
# drawing


def _f(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


class _Canvas:
    def __init__(self) -> None:
        self.svg = etree.Element(f"{{{SVG}}}svg", nsmap={None: SVG})
        self.defs = etree.SubElement(self.svg, f"{{{SVG}}}defs")
        style = etree.SubElement(self.svg, f"{{{SVG}}}style")
        style.text = (
            f"text{{font-family:{FONT};fill:{STROKE}}} .shape{{stroke:{STROKE};fill:#fff}} "
            ".edge{fill:none;stroke:#22242a;stroke-width:1.5} "
            ".marker{fill:none;stroke:#22242a;stroke-width:1.2} "
            ".badge rect{stroke:#fff;stroke-width:1} .badge text{fill:#fff;font-weight:bold}"
        )
        for mid, fill in (("arrow", STROKE), ("open-arrow", "#fff")):
            m = self.sub(
                self.defs, "marker", id=mid, viewBox="0 0 10 10", refX="10", refY="5",
                markerWidth="9", markerHeight="9", orient="auto-start-reverse",
                markerUnits="userSpaceOnUse",
            )  # fmt: skip
            self.sub(m, "path", d="M0,0 L10,5 L0,10 z", fill=fill, stroke=STROKE)
        m = self.sub(
            self.defs, "marker", id="msg-start", viewBox="0 0 10 10", refX="5", refY="5",
            markerWidth="8", markerHeight="8", markerUnits="userSpaceOnUse",
        )  # fmt: skip
        self.sub(m, "circle", cx="5", cy="5", r="4", fill="#fff", stroke=STROKE)
        self.layers = {
            name: self.sub(self.svg, "g", **{"class": f"layer-{name}"})
            for name in ("containers", "data", "edges", "nodes", "boundary", "labels", "overlay")
        }
        self.extent: list[float] = [math.inf, math.inf, -math.inf, -math.inf]

    @staticmethod
    def sub(
        parent: etree._Element, tag: str, text: str | None = None, **attrs: str
    ) -> etree._Element:
        el = etree.SubElement(parent, f"{{{SVG}}}{tag}")
        for k, v in attrs.items():
            el.set(k.rstrip("_").replace("_", "-") if k not in ("viewBox",) else k, v)
        if text is not None:
            el.text = text
        return el

    def grow(self, x: float, y: float, w: float = 0, h: float = 0) -> None:
        e = self.extent
        e[0], e[1] = min(e[0], x), min(e[1], y)
        e[2], e[3] = max(e[2], x + w), max(e[3], y + h)

    def group(self, layer: str, element_id: str, kind: str, box: Box | None) -> etree._Element:
        attrs = {"class": f"bpmn {kind}", "data-element-id": element_id, "data-element-type": kind}
        if box is not None:
            attrs["data-bounds"] = " ".join(_f(v) for v in (box.x, box.y, box.w, box.h))
            self.grow(box.x, box.y, box.w, box.h)
        return self.sub(self.layers[layer], "g", **attrs)

    def text_block(
        self,
        parent: etree._Element,
        text: str,
        box: Box,
        *,
        size: float = FONT_SIZE,
        anchor: str = "middle",
        valign: str = "middle",
        padding: float = 2.0,
        cls: str = "label",
    ) -> etree._Element | None:
        inner_w, inner_h = box.w - 2 * padding, box.h - 2 * padding
        lines, s = wrap_text(text, inner_w, inner_h, size=size)
        if not lines:
            return None
        lh = s * LINE_HEIGHT
        total = lh * len(lines)
        if valign == "top":
            top = box.y + padding
        else:
            top = box.cy - total / 2
        x = {"start": box.x + padding, "middle": box.cx}.get(anchor, box.cx)
        t = self.sub(
            parent, "text", x=_f(x), y=_f(top), font_size=_f(s), text_anchor=anchor,
            **{"class": cls},
        )  # fmt: skip
        for i, line in enumerate(lines):
            # baseline of line i: its top plus ~0.8 em (ascent), so the block stays in its box
            span = self.sub(t, "tspan", line, x=_f(x), y=_f(top + i * lh + s * 0.95))
            span.set("data-width", _f(text_width(line, s)))
        t.set("data-box", " ".join(_f(v) for v in (box.x, box.y, box.w, box.h)))
        return t


def _event_definitions(el: etree._Element | None) -> list[str]:
    if el is None:
        return []
    return [_local(c.tag) for c in el if _local(c.tag).endswith("EventDefinition")]


def _draw_task_marker(c: _Canvas, g: etree._Element, kind: str, box: Box) -> None:
    x, y = box.x + 6, box.y + 6
    if kind == "userTask":
        c.sub(g, "circle", cx=_f(x + 6), cy=_f(y + 4), r="3", **{"class": "marker"})
        c.sub(g, "path", d=f"M{_f(x)},{_f(y + 14)} a6,6 0 0 1 12,0 z", **{"class": "marker"})
    elif kind == "serviceTask":
        c.sub(g, "circle", cx=_f(x + 6), cy=_f(y + 6), r="5", stroke_dasharray="2 1.5",
              stroke_width="3", fill="none", stroke=STROKE)  # fmt: skip
        c.sub(g, "circle", cx=_f(x + 6), cy=_f(y + 6), r="2", **{"class": "marker"})
    elif kind == "scriptTask":
        c.sub(g, "path", d=f"M{_f(x)},{_f(y)} h10 v14 h-10 z M{_f(x + 2)},{_f(y + 4)} h6 "
              f"M{_f(x + 2)},{_f(y + 7)} h6 M{_f(x + 2)},{_f(y + 10)} h6", **{"class": "marker"})
    elif kind == "manualTask":
        c.sub(g, "path", d=f"M{_f(x)},{_f(y + 6)} h9 M{_f(x)},{_f(y + 9)} h11 "
              f"M{_f(x)},{_f(y + 12)} h9 M{_f(x)},{_f(y + 4)} v10", **{"class": "marker"})
    elif kind in ("sendTask", "receiveTask"):
        fill = STROKE if kind == "sendTask" else "#fff"
        c.sub(g, "rect", x=_f(x), y=_f(y + 2), width="14", height="10", fill=fill, stroke=STROKE)
        c.sub(g, "path", d=f"M{_f(x)},{_f(y + 2)} l7,5 l7,-5",
              stroke="#fff" if kind == "sendTask" else STROKE, fill="none")  # fmt: skip
    elif kind == "businessRuleTask":
        c.sub(g, "rect", x=_f(x), y=_f(y), width="14", height="10", **{"class": "marker"})
        c.sub(g, "path", d=f"M{_f(x)},{_f(y + 3)} h14 M{_f(x + 4)},{_f(y)} v10",
              **{"class": "marker"})


def _draw_event_marker(c: _Canvas, g: etree._Element, defs: list[str], box: Box, end: bool) -> None:
    cx, cy, r = box.cx, box.cy, min(box.w, box.h) / 2
    k = r / 18  # markers designed for a 36 px event
    fill = STROKE if end else "none"
    for d in defs[:1]:
        if d == "timerEventDefinition":
            c.sub(g, "circle", cx=_f(cx), cy=_f(cy), r=_f(11 * k), **{"class": "marker"})
            c.sub(g, "path", d=f"M{_f(cx)},{_f(cy)} v{_f(-8 * k)} M{_f(cx)},{_f(cy)} "
                  f"l{_f(5 * k)},{_f(2 * k)}", **{"class": "marker"})  # fmt: skip
        elif d == "messageEventDefinition":
            w, h = 16 * k, 11 * k
            c.sub(g, "rect", x=_f(cx - w / 2), y=_f(cy - h / 2), width=_f(w), height=_f(h),
                  fill=STROKE if end else "#fff", stroke=STROKE)  # fmt: skip
            c.sub(g, "path", d=f"M{_f(cx - w / 2)},{_f(cy - h / 2)} l{_f(w / 2)},{_f(h / 2)} "
                  f"l{_f(w / 2)},{_f(-h / 2)}", fill="none",
                  stroke="#fff" if end else STROKE)  # fmt: skip
        elif d == "signalEventDefinition":
            c.sub(g, "path", d=f"M{_f(cx)},{_f(cy - 9 * k)} l{_f(8 * k)},{_f(15 * k)} "
                  f"h{_f(-16 * k)} z", fill=fill, stroke=STROKE)  # fmt: skip
        elif d == "terminateEventDefinition":
            c.sub(g, "circle", cx=_f(cx), cy=_f(cy), r=_f(10 * k), fill=STROKE)
        elif d == "errorEventDefinition":
            c.sub(g, "path", d=f"M{_f(cx - 8 * k)},{_f(cy + 8 * k)} l{_f(4 * k)},{_f(-15 * k)} "
                  f"l{_f(5 * k)},{_f(8 * k)} l{_f(6 * k)},{_f(-9 * k)} l{_f(-3 * k)},"
                  f"{_f(15 * k)} l{_f(-5 * k)},{_f(-8 * k)} z", fill=fill, stroke=STROKE)
        elif d == "conditionalEventDefinition":
            c.sub(g, "rect", x=_f(cx - 7 * k), y=_f(cy - 9 * k), width=_f(14 * k),
                  height=_f(18 * k), **{"class": "marker"})  # fmt: skip
            for i in range(4):
                yy = cy - 6 * k + i * 4 * k
                c.sub(g, "path", d=f"M{_f(cx - 5 * k)},{_f(yy)} h{_f(10 * k)}",
                      **{"class": "marker"})
        elif d == "escalationEventDefinition":
            c.sub(g, "path", d=f"M{_f(cx)},{_f(cy - 9 * k)} l{_f(7 * k)},{_f(17 * k)} "
                  f"l{_f(-7 * k)},{_f(-7 * k)} l{_f(-7 * k)},{_f(7 * k)} z",
                  fill=fill, stroke=STROKE)  # fmt: skip
        elif d == "linkEventDefinition":
            c.sub(g, "path", d=f"M{_f(cx - 8 * k)},{_f(cy - 3 * k)} h{_f(9 * k)} v{_f(-5 * k)} "
                  f"l{_f(7 * k)},{_f(8 * k)} l{_f(-7 * k)},{_f(8 * k)} v{_f(-5 * k)} "
                  f"h{_f(-9 * k)} z", fill=fill, stroke=STROKE)  # fmt: skip
        elif d == "cancelEventDefinition":
            c.sub(g, "path", d=f"M{_f(cx - 6 * k)},{_f(cy - 6 * k)} l{_f(12 * k)},{_f(12 * k)} "
                  f"M{_f(cx + 6 * k)},{_f(cy - 6 * k)} l{_f(-12 * k)},{_f(12 * k)}",
                  stroke=STROKE, stroke_width="3")  # fmt: skip
        elif d == "compensateEventDefinition":
            c.sub(g, "path", d=f"M{_f(cx - 9 * k)},{_f(cy)} l{_f(8 * k)},{_f(-6 * k)} v{_f(12 * k)}"
                  f" z M{_f(cx - 1 * k)},{_f(cy)} l{_f(8 * k)},{_f(-6 * k)} v{_f(12 * k)} z",
                  fill=fill, stroke=STROKE)  # fmt: skip


def _draw_shape(c: _Canvas, s: _Shape, overlay: dict[str, Badge]) -> None:
    kind, box, sem = s.kind, s.box, s.semantic
    badge = overlay.get(s.element_id)
    fill = badge.fill if badge and badge.fill else None
    name = _name(sem)
    if kind == "participant" or kind == "lane":
        g = c.group("containers", s.element_id, kind, box)
        horizontal = (s.di.get("isHorizontal") if s.di is not None else None) != "false"
        c.sub(g, "rect", x=_f(box.x), y=_f(box.y), width=_f(box.w), height=_f(box.h),
              fill="none" if kind == "lane" else "#fff", stroke=STROKE,
              **{"class": "frame"})  # fmt: skip
        is_black_box = kind == "participant" and (sem is None or not sem.get("processRef"))
        if name and is_black_box:
            c.text_block(g, name, box, cls="pool-name")
            return
        if horizontal:
            c.sub(g, "path", d=f"M{_f(box.x + BAND)},{_f(box.y)} v{_f(box.h)}", stroke=STROKE)
            if name:
                # lay the name out in an unrotated box (band length × band width), then rotate
                band = Box(-box.h / 2, -BAND / 2, box.h, BAND)
                holder = c.sub(
                    g, "g", transform=f"translate({_f(box.x + BAND / 2)},{_f(box.cy)}) rotate(-90)"
                )
                c.text_block(holder, name, band, cls="pool-name" if kind == "participant" else
                             "lane-name")  # fmt: skip
        else:
            c.sub(g, "path", d=f"M{_f(box.x)},{_f(box.y + BAND)} h{_f(box.w)}", stroke=STROKE)
            if name:
                c.text_block(g, name, Box(box.x, box.y, box.w, BAND), cls="lane-name")
        return
    if kind in TASKS or kind in SUBPROCESSES:
        expanded = (s.di.get("isExpanded") if s.di is not None else None) == "true"
        container = expanded and (kind in SUBPROCESSES or kind == "callActivity")
        layer = "containers" if container else "nodes"
        g = c.group(layer, s.element_id, kind, box)
        rect = c.sub(g, "rect", x=_f(box.x), y=_f(box.y), width=_f(box.w), height=_f(box.h),
                     rx="10", ry="10", **{"class": "shape task-box"})  # fmt: skip
        if fill:
            rect.set("style", f"fill:{fill}")
        if kind == "callActivity":
            rect.set("stroke-width", "4")
        if kind == "transaction":
            c.sub(g, "rect", x=_f(box.x + 3), y=_f(box.y + 3), width=_f(max(box.w - 6, 0)),
                  height=_f(max(box.h - 6, 0)), rx="8", fill="none", stroke=STROKE)  # fmt: skip
        if sem is not None and sem.get("triggeredByEvent") == "true":
            rect.set("stroke-dasharray", "2 2")
        _draw_task_marker(c, g, kind, box)
        if kind in SUBPROCESSES and not expanded:
            mx, my = box.cx, box.y + box.h - 9
            c.sub(g, "rect", x=_f(mx - 6), y=_f(my - 6), width="12", height="12",
                  **{"class": "marker"})  # fmt: skip
            c.sub(g, "path", d=f"M{_f(mx - 4)},{_f(my)} h8 M{_f(mx)},{_f(my - 4)} v8",
                  **{"class": "marker"})  # fmt: skip
        if name:
            if container:
                c.text_block(g, name, Box(box.x + 4, box.y + 2, box.w - 8, 32), anchor="start",
                             valign="top", cls="task-text")  # fmt: skip
            else:
                # keep clear of the marker row (top 20 px) only when the box is tall enough
                top = 18.0 if box.h >= 60 else 0.0
                bottom = 12.0 if kind in SUBPROCESSES and box.h >= 60 else 0.0
                inner = Box(box.x + TASK_PADDING / 2, box.y + top, box.w - TASK_PADDING,
                            box.h - top - bottom)  # fmt: skip
                c.text_block(g, name, inner, padding=2.0, cls="task-text")
    elif kind in GATEWAYS:
        g = c.group("nodes", s.element_id, kind, box)
        d = (f"M{_f(box.cx)},{_f(box.y)} L{_f(box.x + box.w)},{_f(box.cy)} "
             f"L{_f(box.cx)},{_f(box.y + box.h)} L{_f(box.x)},{_f(box.cy)} z")  # fmt: skip
        poly = c.sub(g, "path", d=d, **{"class": "shape"})
        if fill:
            poly.set("style", f"fill:{fill}")
        r = min(box.w, box.h) / 4
        cx, cy = box.cx, box.cy
        marker_visible = (s.di.get("isMarkerVisible") if s.di is not None else None) != "false"
        if kind == "exclusiveGateway" and marker_visible:
            c.sub(g, "path", d=f"M{_f(cx - r * .8)},{_f(cy - r)} L{_f(cx + r * .8)},{_f(cy + r)} "
                  f"M{_f(cx + r * .8)},{_f(cy - r)} L{_f(cx - r * .8)},{_f(cy + r)}",
                  stroke=STROKE, stroke_width="3.5")  # fmt: skip
        elif kind == "parallelGateway":
            c.sub(g, "path", d=f"M{_f(cx)},{_f(cy - r * 1.2)} v{_f(r * 2.4)} "
                  f"M{_f(cx - r * 1.2)},{_f(cy)} h{_f(r * 2.4)}",
                  stroke=STROKE, stroke_width="3.5")  # fmt: skip
        elif kind == "inclusiveGateway":
            c.sub(g, "circle", cx=_f(cx), cy=_f(cy), r=_f(r * 1.1), fill="none", stroke=STROKE,
                  stroke_width="2.5")  # fmt: skip
        elif kind == "eventBasedGateway":
            c.sub(g, "circle", cx=_f(cx), cy=_f(cy), r=_f(r * 1.3), **{"class": "marker"})
            c.sub(g, "circle", cx=_f(cx), cy=_f(cy), r=_f(r * 1.1), **{"class": "marker"})
        elif kind == "complexGateway":
            c.sub(g, "path", d=f"M{_f(cx)},{_f(cy - r)} v{_f(2 * r)} M{_f(cx - r)},{_f(cy)} "
                  f"h{_f(2 * r)} M{_f(cx - r * .7)},{_f(cy - r * .7)} l{_f(r * 1.4)},{_f(r * 1.4)} "
                  f"M{_f(cx + r * .7)},{_f(cy - r * .7)} l{_f(-r * 1.4)},{_f(r * 1.4)}",
                  stroke=STROKE, stroke_width="3")  # fmt: skip
        _outside_label(c, s, name)
    elif kind in EVENTS:
        g = c.group("boundary" if kind == "boundaryEvent" else "nodes", s.element_id, kind, box)
        r = min(box.w, box.h) / 2
        circle = c.sub(g, "circle", cx=_f(box.cx), cy=_f(box.cy), r=_f(r), **{"class": "shape"})
        if fill:
            circle.set("style", f"fill:{fill}")
        if kind == "endEvent":
            circle.set("stroke-width", "4")
        elif kind == "startEvent":
            circle.set("stroke-width", "1.5")
        else:
            if kind == "boundaryEvent" and sem is not None and sem.get("cancelActivity") == "false":
                circle.set("stroke-dasharray", "4 2")
            c.sub(g, "circle", cx=_f(box.cx), cy=_f(box.cy), r=_f(max(r - 3, 1)),
                  fill="none", stroke=STROKE)  # fmt: skip
        defs = _event_definitions(sem)
        throwing = kind in ("endEvent", "intermediateThrowEvent")
        _draw_event_marker(c, g, defs, box, throwing)
        _outside_label(c, s, name)
    elif kind in DATA:
        g = c.group("data", s.element_id, kind, box)
        if kind == "dataStoreReference":
            ry = min(box.h / 6, 8)
            c.sub(g, "path", d=f"M{_f(box.x)},{_f(box.y + ry)} a{_f(box.w / 2)},{_f(ry)} 0 0 0 "
                  f"{_f(box.w)},0 a{_f(box.w / 2)},{_f(ry)} 0 0 0 {_f(-box.w)},0 "
                  f"v{_f(box.h - 2 * ry)} a{_f(box.w / 2)},{_f(ry)} 0 0 0 {_f(box.w)},0 "
                  f"v{_f(-(box.h - 2 * ry))}", **{"class": "shape"})  # fmt: skip
        else:
            fold = min(box.w, box.h) / 3
            c.sub(g, "path", d=f"M{_f(box.x)},{_f(box.y)} h{_f(box.w - fold)} l{_f(fold)},"
                  f"{_f(fold)} v{_f(box.h - fold)} h{_f(-box.w)} z M{_f(box.x + box.w - fold)},"
                  f"{_f(box.y)} v{_f(fold)} h{_f(fold)}", **{"class": "shape"})  # fmt: skip
        _outside_label(c, s, name)
    elif kind == "textAnnotation":
        g = c.group("data", s.element_id, kind, box)
        c.sub(g, "path", d=f"M{_f(box.x + 10)},{_f(box.y)} h-10 v{_f(box.h)} h10",
              fill="none", stroke=STROKE)  # fmt: skip
        if name:
            c.text_block(g, name, box, anchor="start", valign="top", size=11, cls="annotation")
    elif kind == "group":
        g = c.group("containers", s.element_id, kind, box)
        c.sub(g, "rect", x=_f(box.x), y=_f(box.y), width=_f(box.w), height=_f(box.h), rx="10",
              fill="none", stroke=STROKE, stroke_dasharray="8 3 1 3")  # fmt: skip
    else:  # anything else the file draws: a generic box with its type and name
        g = c.group("nodes", s.element_id, kind, box)
        c.sub(g, "rect", x=_f(box.x), y=_f(box.y), width=_f(box.w), height=_f(box.h),
              stroke_dasharray="3 2", **{"class": "shape generic"})  # fmt: skip
        text = f"{name} ({kind})" if name else kind
        c.text_block(g, text, box, size=10, cls="generic-text")
    if badge is not None:
        _draw_badge(c, s, badge)


def _outside_label(c: _Canvas, s: _Shape, name: str) -> None:
    if not name:
        return
    box = s.label or Box(s.box.cx - 50, s.box.y + s.box.h + 4, 100, 40)
    g = c.group("labels", s.element_id + "__label", "label", box)
    c.text_block(g, name, Box(box.x - 2, box.y - 2, box.w + 4, box.h + 4), size=11,
                 valign="top", cls="label")  # fmt: skip


def _draw_badge(c: _Canvas, s: _Shape, badge: Badge) -> None:
    g = c.sub(c.layers["overlay"], "g", **{"class": "badge", "data-badge-for": s.element_id})
    if badge.title:
        c.sub(g, "title", badge.title)
    if not badge.text:
        return
    size = 11.0
    w = text_width(badge.text, size) + 10
    h = size + 6
    x, y = s.box.x + s.box.w - w + 6, s.box.y - h / 2
    c.grow(x, y, w, h)
    c.sub(g, "rect", x=_f(x), y=_f(y), width=_f(w), height=_f(h), rx=_f(h / 2),
          fill=_badge_colour(badge))  # fmt: skip
    c.sub(g, "text", badge.text, x=_f(x + w / 2), y=_f(y + h - 4.5), font_size=_f(size),
          text_anchor="middle")  # fmt: skip


def _badge_colour(badge: Badge) -> str:
    return "#1f5fbf" if not badge.fill else "#333a45"


def _draw_edge(c: _Canvas, e: _Edge, by_id: dict[str, etree._Element]) -> None:
    g = c.group("edges", e.element_id, e.kind, None)
    for x, y in e.points:
        c.grow(x, y)
    d = "M" + " L".join(f"{_f(x)},{_f(y)}" for x, y in e.points)
    path = c.sub(g, "path", d=d, **{"class": "edge"})
    sem = e.semantic
    if e.kind == "messageFlow":
        path.set("stroke-dasharray", "6 4")
        path.set("marker-start", "url(#msg-start)")
        path.set("marker-end", "url(#open-arrow)")
    elif e.kind == "association" or e.kind.startswith("data"):
        path.set("stroke-dasharray", "2 3")
        direction = sem.get("associationDirection") if sem is not None else None
        if e.kind.startswith("data") or direction in ("One", "Both"):
            path.set("marker-end", "url(#open-arrow)")
    else:
        path.set("marker-end", "url(#arrow)")
        if sem is not None and e.kind == "sequenceFlow":
            source = by_id.get(sem.get("sourceRef", ""))
            if source is not None and source.get("default") == e.element_id:
                (x0, y0), (x1, y1) = e.points[0], e.points[1]
                length = math.hypot(x1 - x0, y1 - y0) or 1.0
                ux, uy = (x1 - x0) / length, (y1 - y0) / length
                mx, my = x0 + ux * 10, y0 + uy * 10
                c.sub(g, "path", d=f"M{_f(mx - 5 * ux - 4 * uy)},{_f(my - 5 * uy + 4 * ux)} "
                      f"l{_f(10 * ux + 8 * uy)},{_f(10 * uy - 8 * ux)}", stroke=STROKE)
    name = _name(sem)
    if name:
        if e.label is not None:
            box = e.label
        else:
            i = max(0, (len(e.points) - 1) // 2)
            (x0, y0), (x1, y1) = e.points[i], e.points[i + 1]
            box = Box((x0 + x1) / 2 - 45, (y0 + y1) / 2 - 18, 90, 16)
        lg = c.group("labels", e.element_id + "__label", "label", box)
        c.text_block(lg, name, Box(box.x - 2, box.y - 2, box.w + 4, box.h + 4), size=11,
                     valign="top", cls="label")  # fmt: skip


def _draw_legend(c: _Canvas, legend: Legend) -> None:
    x0, y0 = c.extent[0], c.extent[1]
    rows = list(legend.rows)
    h = 22 + 18 * len(rows)
    y = y0 - h - 10
    g = c.sub(c.layers["overlay"], "g", **{"class": "legend"})
    c.sub(g, "text", legend.title, x=_f(x0), y=_f(y + 12), font_size="13", font_weight="bold")
    width = text_width(legend.title, 13)
    for i, (colour, meaning) in enumerate(rows):
        ry = y + 20 + i * 18
        c.sub(g, "rect", x=_f(x0), y=_f(ry), width="22", height="12", fill=colour, stroke=STROKE)
        c.sub(g, "text", meaning, x=_f(x0 + 28), y=_f(ry + 10), font_size="11")
        width = max(width, 28 + text_width(meaning, 11))
    c.grow(x0, y, width, h)


def render_svg(
    bpmn_bytes: bytes,
    overlay: dict[str, Badge] | None = None,
    *,
    legend: Legend | None = None,
    filename: str = "diagram.bpmn",
    title: str | None = None,
) -> str:
    """The diagram of a BPMN file as an SVG document (text), with badges per element id.

    Raises :class:`~regflow.errors.ModelError` only for input that is not BPMN XML at all (not
    well-formed, a DOCTYPE, not ``bpmn:definitions``); anything drawable is drawn."""
    root = _safe_xml(bpmn_bytes, filename).getroot()
    if _local(root.tag) != "definitions" or _ns(root.tag) != BPMN:
        raise ModelError("not a BPMN 2.0 file (root is not bpmn:definitions)", file=filename)
    model = _Model(root)
    overlay = overlay or {}
    c = _Canvas()
    if title is None:
        names = [_name(p) for p in root.iter(f"{{{BPMN}}}process", f"{{{BPMN}}}participant")]
        title = next((n for n in names if n), filename)
    c.sub(c.svg, "title", title).getparent().insert(0, c.svg[-1])
    shapes = sorted(
        model.shapes,
        key=lambda s: (s.kind not in ("participant", "lane"), -(s.box.w * s.box.h))
        if s.kind in ("participant", "lane") or s.kind in SUBPROCESSES or s.kind == "group"
        else (True, 0.0),
    )
    for s in shapes:
        _draw_shape(c, s, overlay)
    for e in model.edges:
        _draw_edge(c, e, model.by_id)
    if not model.has_di:
        c.svg.set("data-layout", "grid (the file has no diagram information)")
    if not math.isfinite(c.extent[0]):
        c.grow(0, 0, 200, 60)
        c.sub(c.layers["labels"], "text", "(empty diagram)", x="10", y="30", font_size="14")
    if legend is not None:
        _draw_legend(c, legend)
    x0, y0, x1, y1 = c.extent
    pad = 20.0
    x0, y0, w, h = x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    c.svg.set("viewBox", " ".join(_f(v) for v in (x0, y0, w, h)))
    c.svg.set("width", _f(w))
    c.svg.set("height", _f(h))
    bg = etree.Element(f"{{{SVG}}}rect", x=_f(x0), y=_f(y0), width=_f(w), height=_f(h),
                       fill="#fff")  # fmt: skip
    bg.set("class", "background")
    c.svg.insert(2, bg)
    return etree.tostring(c.svg, encoding="unicode")


def shapes_of(svg: str) -> dict[str, tuple[float, float, float, float]]:
    """element id → drawn bounds, read back from an SVG made by :func:`render_svg`."""
    root = etree.fromstring(svg.encode("utf-8"), etree.XMLParser(resolve_entities=False))
    found = {}
    for g in root.iter(f"{{{SVG}}}g"):
        kind = g.get("data-element-type")
        if g.get("data-element-id") and g.get("data-bounds") and kind != "label":
            x, y, w, h = (float(v) for v in g.get("data-bounds", "").split())
            found[g.get("data-element-id", "")] = (x, y, w, h)
    return found


def flow_node_bounds(bpmn_bytes: bytes) -> dict[str, tuple[float, float, float, float]]:
    """element id → BPMNShape bounds, for every flow node the first diagram draws."""
    model = _Model(_safe_xml(bpmn_bytes, "diagram.bpmn").getroot())
    return {
        s.element_id: (s.box.x, s.box.y, s.box.w, s.box.h)
        for s in model.shapes
        if s.kind in FLOW_NODES
    }


def html_page(svg: str, title: str, notes: Iterable[str] = ()) -> str:
    """A standalone page embedding the SVG inline (no scripts, no network)."""
    from html import escape

    items = "".join(f"<p>{escape(n)}</p>" for n in notes)
    return (
        "<!DOCTYPE html>\n<html lang=\"kk\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>body{{font-family:{FONT};margin:16px}}"
        "svg{max-width:100%;height:auto}</style></head><body>"
        f"<h1>{escape(title)}</h1>{items}<div class=\"diagram\">{svg}</div></body></html>\n"
    )
