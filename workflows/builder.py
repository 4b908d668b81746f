"""Write regflow BPMN 2.0 files from Python, with a full, automatic DI layout.

The builder knows regflow's modelling conventions (docs/MODELLING.md): one collaboration with one
pool, a lane per role (``Lane_<role>``), extension properties as ``camunda:properties``, the step's
result as ``bpmn:documentation``, conditions as ``tFormalExpression`` and the ``default`` attribute
on gateways. It uses lxml only (no SpiffWorkflow import), so tools can build models without the
engine.

Usage::

    b = ProcessBuilder(key="kreslo_arba_beru", name="Мүгедектерге кресло-арбалар беру",
                       properties={"routes": "provider"})
    clerk = b.lane("clerk", "Кеңсе маманы")
    start = b.start(clerk, "Өтініш берілді")
    t = b.user_task(clerk, "Тіркеу", norm="30 minutes", id="Task_register")
    end = b.end(clerk, "Нәтиже берілді", outcome="issued")
    b.chain(start, t, end)
    b.write("processes/kreslo_arba_beru.bpmn")

Layout: a node's column is its longest-path rank from the start events (back edges ignored);
each node sits in its lane's band; nodes of one lane and one column are stacked in rows (the lane
grows); lanes are stacked top to bottom inside the pool. Sequence flows are routed orthogonally,
through the free gaps between columns and rows when a straight route would cross a shape.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

__all__ = ["BPMN_NS", "CAMUNDA_NS", "Flow", "Lane", "Node", "ProcessBuilder"]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"

NSMAP = {
    "bpmn": BPMN_NS,
    "bpmndi": BPMNDI_NS,
    "dc": DC_NS,
    "di": DI_NS,
    "xsi": XSI_NS,
    "camunda": CAMUNDA_NS,
}

# Shape sizes (bpmn.io defaults).
SIZES = {
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "exclusiveGateway": (50, 50),
    "parallelGateway": (50, 50),
    "userTask": (100, 80),
    "serviceTask": (100, 80),
    "intermediateCatchEvent": (36, 36),
    "boundaryEvent": (36, 36),
}
TASK_KINDS = frozenset({"userTask", "serviceTask"})

# Layout constants (pixels).
POOL_X = 160
POOL_Y = 80
POOL_HEADER = 30  # the pool's name band on the left
LANE_HEADER = 30  # the lane's name band on the left (bpmn.io draws it inside the lane)
LEFT_PAD = 50  # from the lane header to the first column
RIGHT_PAD = 50
COL_GAP = 80  # free space between two columns (vertical flow segments run here)
ROW_PAD = 25  # free space above and below a row's tallest extent
MIN_LANE_HEIGHT = 130
LABEL_W = 100  # external labels of events and gateways
LABEL_LINE_H = 14
CHAR_W = 7.0  # average glyph width of bpmn.io's 12px font, Cyrillic included
TASK_LINE_H = 15

_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


@dataclass(eq=False)
class Lane:
    """A lane of the pool: a role (``Lane_<role>``) and its Kazakh name."""

    id: str
    role: str
    name: str
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(eq=False)
class Node:
    """A flow node: start/end event, exclusive gateway, user or service task."""

    id: str
    kind: str  # BPMN local tag name: startEvent, endEvent, exclusiveGateway, userTask, ...
    name: str | None
    lane: Lane
    properties: dict[str, str] = field(default_factory=dict)
    documentation: str | None = None
    incoming: list[Flow] = field(default_factory=list)
    outgoing: list[Flow] = field(default_factory=list)
    default: Flow | None = None  # gateways only
    timer: str | None = None  # timer events: the norm-grammar ``timer`` (workflows/timers.py)
    attached_to: Node | None = None  # boundary events: the user task they watch
    interrupting: bool = True  # boundary events: cancelActivity


@dataclass(eq=False)
class Flow:
    """A sequence flow."""

    id: str
    source: Node
    target: Node
    condition: str | None = None
    name: str | None = None


@dataclass
class _Box:
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

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


def _props(values: dict[str, Any] | None) -> dict[str, str]:
    """Drop ``None`` values, stringify the rest, keep the order."""
    return {k: str(v) for k, v in (values or {}).items() if v is not None}


def _text_lines(text: str, chars_per_line: int) -> int:
    """Lines a text takes when word-wrapped to ``chars_per_line`` characters."""
    if not text:
        return 0
    lines, cur = 1, 0
    for word in text.split():
        n = len(word)
        if cur == 0:
            cur = n
        elif cur + 1 + n <= chars_per_line:
            cur += 1 + n
        else:
            lines += 1
            cur = n
        while cur > chars_per_line:  # a word longer than the line breaks
            lines += 1
            cur -= chars_per_line
    return lines


class ProcessBuilder:
    """Build one regflow process (pool, lanes, nodes, flows) and write it as BPMN 2.0 with DI."""

    def __init__(
        self,
        key: str,
        name: str,
        properties: dict[str, Any] | None = None,
        documentation: str | None = None,
    ) -> None:
        if not _NCNAME.match(key):
            raise ValueError(f"process key {key!r} is not a valid XML id")
        self.key = key
        self.name = name
        self.properties = _props(properties)
        self.documentation = documentation
        self.lanes: list[Lane] = []
        self.nodes: list[Node] = []
        self.flows: list[Flow] = []
        self._ids: set[str] = {key, f"Participant_{key}", f"Collaboration_{key}"}
        self._counters: dict[str, int] = {}

    # ----------------------------------------------------------------- ids
    def _claim(self, ident: str) -> str:
        if not _NCNAME.match(ident):
            raise ValueError(f"{ident!r} is not a valid XML id")
        if ident in self._ids:
            raise ValueError(f"duplicate id {ident!r} in process {self.key!r}")
        self._ids.add(ident)
        return ident

    def _auto(self, prefix: str) -> str:
        while True:
            n = self._counters.get(prefix, 0) + 1
            self._counters[prefix] = n
            ident = f"{prefix}_{n}"
            if ident not in self._ids:
                return self._claim(ident)

    # --------------------------------------------------------------- lanes
    def lane(
        self,
        role: str,
        name: str,
        schedule: str | None = None,
        id: str | None = None,  # noqa: A002 - mirrors the BPMN attribute
        properties: dict[str, Any] | None = None,
    ) -> Lane:
        """Add a lane ``Lane_<role>`` named ``name``.

        The ``role`` property is written only when ``id`` is given and does not spell the role;
        ``schedule`` only when given.
        """
        lane_id = self._claim(id or f"Lane_{role}")
        props: dict[str, Any] = {}
        if lane_id != f"Lane_{role}":
            props["role"] = role
        props["schedule"] = schedule
        props.update(properties or {})
        lane = Lane(id=lane_id, role=role, name=name, properties=_props(props))
        self.lanes.append(lane)
        return lane

    # --------------------------------------------------------------- nodes
    def _node(
        self,
        kind: str,
        lane: Lane,
        name: str | None,
        id: str | None,  # noqa: A002
        prefix: str,
        properties: dict[str, Any] | None = None,
        documentation: str | None = None,
    ) -> Node:
        if lane not in self.lanes:
            raise ValueError(f"lane {getattr(lane, 'id', lane)!r} does not belong to this builder")
        node_id = self._claim(id) if id else self._auto(prefix)
        node = Node(
            id=node_id,
            kind=kind,
            name=name,
            lane=lane,
            properties=_props(properties),
            documentation=documentation,
        )
        self.nodes.append(node)
        return node

    def start(
        self,
        lane: Lane,
        name: str | None = None,
        id: str | None = None,  # noqa: A002
        properties: dict[str, Any] | None = None,
    ) -> Node:
        """A (none) start event."""
        return self._node("startEvent", lane, name, id, "StartEvent", properties)

    def end(
        self,
        lane: Lane,
        name: str | None = None,
        outcome: str | None = None,
        id: str | None = None,  # noqa: A002
        properties: dict[str, Any] | None = None,
        documentation: str | None = None,
    ) -> Node:
        """A (none) end event; ``outcome`` (issued/refused/...) becomes a property."""
        props = {"outcome": outcome, **(properties or {})}
        return self._node("endEvent", lane, name, id, "EndEvent", props, documentation)

    def gateway(
        self,
        lane: Lane,
        name: str | None = None,
        id: str | None = None,  # noqa: A002
        properties: dict[str, Any] | None = None,
    ) -> Node:
        """An exclusive gateway (split or merge)."""
        return self._node("exclusiveGateway", lane, name, id, "Gateway", properties)

    def parallel_gateway(
        self, lane: Lane, name: str | None = None, id: str | None = None  # noqa: A002
    ) -> Node:
        """A parallel gateway: as a split, every outgoing path at once; as a join, waits for
        them all."""
        return self._node("parallelGateway", lane, name, id, "Gateway", None)

    def user_task(
        self,
        lane: Lane,
        name: str,
        norm: str | None = None,
        source: str | None = None,
        result: str | None = None,
        inputs: str | None = None,
        id: str | None = None,  # noqa: A002
        properties: dict[str, Any] | None = None,
    ) -> Node:
        """A step a person does. ``result`` (the "Нәтижесі – ...") becomes the documentation."""
        props = {"norm": norm, "source": source, "inputs": inputs, **(properties or {})}
        return self._node("userTask", lane, name, id, "Task", props, result)

    def service_task(
        self,
        lane: Lane,
        name: str,
        handler: str,
        norm: str | None = None,
        source: str | None = None,
        result: str | None = None,
        id: str | None = None,  # noqa: A002
        properties: dict[str, Any] | None = None,
    ) -> Node:
        """A step an information system does, run through the handler registry."""
        props = {"handler": handler, "norm": norm, "source": source, **(properties or {})}
        return self._node("serviceTask", lane, name, id, "Task", props, result)

    def timer_start(
        self,
        lane: Lane,
        name: str | None,
        timer: str,
        id: str | None = None,  # noqa: A002
        properties: dict[str, Any] | None = None,
    ) -> Node:
        """A timer start event: the worker files an application when ``timer`` comes
        ("every 1 working day", "at 2026-07-10 09:00")."""
        node = self._node("startEvent", lane, name, id, "StartEvent", {"timer": timer,
                                                                       **(properties or {})})
        node.timer = timer
        return node

    def timer_event(
        self,
        lane: Lane,
        name: str | None,
        timer: str,
        id: str | None = None,  # noqa: A002
        properties: dict[str, Any] | None = None,
    ) -> Node:
        """An intermediate timer catch event: the flow waits ``timer`` ("1 calendar month",
        "3 working days before deadline")."""
        node = self._node("intermediateCatchEvent", lane, name, id, "Event",
                          {"timer": timer, **(properties or {})})
        node.timer = timer
        return node

    def boundary_timer(
        self,
        task: Node,
        name: str | None,
        timer: str,
        interrupting: bool = True,
        id: str | None = None,  # noqa: A002
        properties: dict[str, Any] | None = None,
    ) -> Node:
        """A timer on the border of a user task; a non-interrupting one leaves the task open
        (an escalation), an interrupting one cancels it and takes its own flow."""
        if task not in self.nodes or task.kind != "userTask":
            raise ValueError(f"a boundary timer goes on a user task of this builder, not {task!r}")
        node = self._node("boundaryEvent", task.lane, name, id, "Boundary",
                          {"timer": timer, **(properties or {})})
        node.timer, node.attached_to, node.interrupting = timer, task, interrupting
        return node

    # --------------------------------------------------------------- flows
    def flow(
        self,
        a: Node,
        c: Node,
        condition: str | None = None,
        default: bool = False,
        name: str | None = None,
        id: str | None = None,  # noqa: A002
    ) -> Flow:
        """A sequence flow ``a -> c``; ``default=True`` makes it the gateway's default flow."""
        for n in (a, c):
            if n not in self.nodes:
                raise ValueError(f"node {getattr(n, 'id', n)!r} does not belong to this builder")
        if a.kind == "endEvent":
            raise ValueError(f"end event {a.id!r} cannot have an outgoing flow")
        if c.kind == "startEvent":
            raise ValueError(f"start event {c.id!r} cannot have an incoming flow")
        if default and a.kind != "exclusiveGateway":
            raise ValueError(f"default flow from {a.id!r}: only gateways have a default flow")
        if default and a.default is not None:
            raise ValueError(f"gateway {a.id!r} already has a default flow")
        if default and condition:
            raise ValueError(f"default flow from {a.id!r} must not carry a condition")
        if id:
            flow_id = self._claim(id)
        else:
            base = f"Flow_{a.id}_{c.id}"
            flow_id = base
            suffix = 1
            while flow_id in self._ids:
                suffix += 1
                flow_id = f"{base}_{suffix}"
            self._claim(flow_id)
        fl = Flow(id=flow_id, source=a, target=c, condition=condition, name=name)
        a.outgoing.append(fl)
        c.incoming.append(fl)
        if default:
            a.default = fl
        self.flows.append(fl)
        return fl

    def chain(self, *nodes: Node) -> list[Flow]:
        """Sequential flows ``n0 -> n1 -> n2 ...``."""
        return [self.flow(a, c) for a, c in zip(nodes, nodes[1:], strict=False)]

    # -------------------------------------------------------------- output
    def to_bytes(self) -> bytes:
        """The BPMN document: UTF-8, pretty-printed, with DI."""
        root = self._semantic()
        self._diagram(root)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def write(self, path: str | Path) -> Path:
        """Write the document to ``path`` (parent directories are created)."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(self.to_bytes())
        return p

    # ------------------------------------------------------------ semantic
    @staticmethod
    def _extensions(parent: etree._Element, props: dict[str, str]) -> None:
        if not props:
            return
        ext = etree.SubElement(parent, _q(BPMN_NS, "extensionElements"))
        cps = etree.SubElement(ext, _q(CAMUNDA_NS, "properties"))
        for k, v in props.items():
            etree.SubElement(cps, _q(CAMUNDA_NS, "property"), name=k, value=v)

    @staticmethod
    def _documentation(parent: etree._Element, text: str | None) -> None:
        if text:
            etree.SubElement(parent, _q(BPMN_NS, "documentation")).text = text

    def _semantic(self) -> etree._Element:
        if not self.lanes:
            raise ValueError(f"process {self.key!r} has no lanes")
        root = etree.Element(
            _q(BPMN_NS, "definitions"),
            nsmap=NSMAP,
            id=f"Definitions_{self.key}",
            targetNamespace="http://bpmn.io/schema/bpmn",
            exporter="regflow.workflows.builder",
            exporterVersion="1.0",
        )
        collab = etree.SubElement(
            root, _q(BPMN_NS, "collaboration"), id=f"Collaboration_{self.key}"
        )
        etree.SubElement(
            collab,
            _q(BPMN_NS, "participant"),
            id=f"Participant_{self.key}",
            name=self.name,
            processRef=self.key,
        )
        proc = etree.SubElement(
            root, _q(BPMN_NS, "process"), id=self.key, name=self.name, isExecutable="true"
        )
        self._documentation(proc, self.documentation)
        self._extensions(proc, self.properties)

        lane_set = etree.SubElement(proc, _q(BPMN_NS, "laneSet"), id=f"LaneSet_{self.key}")
        for lane in self.lanes:
            le = etree.SubElement(lane_set, _q(BPMN_NS, "lane"), id=lane.id, name=lane.name)
            self._extensions(le, lane.properties)
            for n in self.nodes:
                if n.lane is lane:
                    etree.SubElement(le, _q(BPMN_NS, "flowNodeRef")).text = n.id

        for n in self.nodes:
            attrs = {"id": n.id}
            if n.name:
                attrs["name"] = n.name
            if n.default is not None:
                attrs["default"] = n.default.id
            if n.attached_to is not None:
                attrs["attachedToRef"] = n.attached_to.id
                attrs["cancelActivity"] = "true" if n.interrupting else "false"
            el = etree.SubElement(proc, _q(BPMN_NS, n.kind), **attrs)
            self._documentation(el, n.documentation)
            self._extensions(el, n.properties)
            for fl in n.incoming:
                etree.SubElement(el, _q(BPMN_NS, "incoming")).text = fl.id
            for fl in n.outgoing:
                etree.SubElement(el, _q(BPMN_NS, "outgoing")).text = fl.id
            if n.timer is not None:
                # the duration is regflow's ``timer`` property; this text is for other tools
                ted = etree.SubElement(el, _q(BPMN_NS, "timerEventDefinition"),
                                       id=f"TimerEventDefinition_{n.id}")
                tag = "timeDate" if n.kind == "startEvent" else "timeDuration"
                td = etree.SubElement(ted, _q(BPMN_NS, tag))
                td.set(_q(XSI_NS, "type"), "bpmn:tFormalExpression")
                td.text = n.timer

        for fl in self.flows:
            attrs = {"id": fl.id, "sourceRef": fl.source.id, "targetRef": fl.target.id}
            if fl.name:
                attrs["name"] = fl.name
            el = etree.SubElement(proc, _q(BPMN_NS, "sequenceFlow"), **attrs)
            if fl.condition:
                ce = etree.SubElement(el, _q(BPMN_NS, "conditionExpression"))
                ce.set(_q(XSI_NS, "type"), "bpmn:tFormalExpression")
                ce.text = fl.condition
        return root

    # -------------------------------------------------------------- layout
    def _ranks(self) -> dict[Node, int]:
        """Longest-path rank from the start events, back edges (found by DFS) ignored."""
        starts = [n for n in self.nodes if n.kind == "startEvent"] or [
            n for n in self.nodes if not n.incoming
        ]
        back: set[Flow] = set()
        attached: dict[Node, list[Node]] = {}
        for n in self.nodes:
            if n.attached_to is not None:
                attached.setdefault(n.attached_to, []).append(n)
        state: dict[Node, int] = {}  # 1 = on stack, 2 = done
        order: list[Node] = []  # post-order

        def dfs(root: Node) -> None:
            stack: list[tuple[Node, int]] = [(root, 0)]
            state[root] = 1
            while stack:
                node, i = stack[-1]
                if i < len(node.outgoing) + len(attached.get(node, [])):
                    stack[-1] = (node, i + 1)
                    if i >= len(node.outgoing):  # a boundary event rides on its task
                        b = attached[node][i - len(node.outgoing)]
                        if b not in state:
                            state[b] = 1
                            stack.append((b, 0))
                        continue
                    fl = node.outgoing[i]
                    t = fl.target
                    st = state.get(t)
                    if st == 1:
                        back.add(fl)
                    elif st is None:
                        state[t] = 1
                        stack.append((t, 0))
                else:
                    state[node] = 2
                    order.append(node)
                    stack.pop()

        for s in starts:
            if s not in state:
                dfs(s)
        for n in self.nodes:  # unreachable parts
            if n not in state:
                dfs(n)
        rank: dict[Node, int] = {n: 0 for n in self.nodes}
        for n in reversed(order):  # topological order of the forward graph
            if n.attached_to is not None:
                rank[n] = rank[n.attached_to]
            for fl in n.outgoing:
                if fl not in back:
                    rank[fl.target] = max(rank[fl.target], rank[n] + 1)
        self._back = back
        return rank

    def _size(self, n: Node) -> tuple[float, float]:
        w, h = SIZES[n.kind]
        if n.kind in TASK_KINDS and n.name:
            # grow the box until the wrapped name fits (bpmn.io wraps, it does not clip)
            while True:
                lines = _text_lines(n.name, max(1, int((w - 10) / CHAR_W)))
                if lines * TASK_LINE_H <= h - 10:
                    break
                if w < 160:
                    w += 20
                else:
                    h += 20
        return w, h

    @staticmethod
    def _label_h(n: Node) -> float:
        if n.kind in TASK_KINDS or not n.name:
            return 0.0
        return _text_lines(n.name, int(LABEL_W / CHAR_W)) * LABEL_LINE_H

    def _layout(self) -> tuple[dict[Any, _Box], dict[Node, _Box]]:
        rank = self._ranks()
        sizes = {n: self._size(n) for n in self.nodes}
        ncols = max(rank.values(), default=0) + 1

        col_w = [0.0] * ncols
        for n in self.nodes:
            col_w[rank[n]] = max(col_w[rank[n]], sizes[n][0], LABEL_W if self._label_h(n) else 0)
        col_w = [w or 36.0 for w in col_w]
        x0 = POOL_X + POOL_HEADER + LANE_HEADER + LEFT_PAD
        col_cx: list[float] = []
        x: float = x0
        for w in col_w:
            col_cx.append(x + w / 2)
            x += w + COL_GAP
        content_right = x - COL_GAP

        # rows: nodes of one lane and one column stack; every row of a lane gets one pitch
        cells: dict[tuple[Lane, int], list[Node]] = {}
        for n in self.nodes:
            if n.attached_to is not None:
                continue  # drawn on its task's border below
            cells.setdefault((n.lane, rank[n]), []).append(n)
        extent = {  # half height above the centre, extent below (label included)
            n: (
                sizes[n][1] / 2,
                sizes[n][1] / 2 + (5 + self._label_h(n) if self._label_h(n) else 0),
            )
            for n in self.nodes
        }
        lane_boxes: dict[Lane, _Box] = {}
        node_boxes: dict[Node, _Box] = {}
        labels: dict[Node, _Box] = {}
        pool_w = content_right + RIGHT_PAD - POOL_X
        y = float(POOL_Y)
        for lane in self.lanes:
            members = [n for n in self.nodes if n.lane is lane]
            nrows = max((len(v) for (ln, _), v in cells.items() if ln is lane), default=1)
            up = max((extent[n][0] for n in members), default=40.0)
            down = max((extent[n][1] for n in members), default=40.0)
            pitch = max(up + down + 2 * ROW_PAD, 100.0)
            height = max(MIN_LANE_HEIGHT, nrows * pitch)
            top_pad = (height - nrows * pitch) / 2
            lane_boxes[lane] = _Box(POOL_X + POOL_HEADER, y, pool_w - POOL_HEADER, height)
            for (ln, col), stacked in cells.items():
                if ln is not lane:
                    continue
                for i, n in enumerate(stacked):
                    w, h = sizes[n]
                    cy = y + top_pad + i * pitch + ROW_PAD + up
                    node_boxes[n] = _Box(col_cx[col] - w / 2, cy - h / 2, w, h)
                    if self._label_h(n):
                        labels[n] = _Box(
                            col_cx[col] - LABEL_W / 2, cy + h / 2 + 5, LABEL_W, self._label_h(n)
                        )
            y += height
        for n in self.nodes:
            if n.attached_to is not None:  # on the bottom border of its task, right-aligned
                host = node_boxes[n.attached_to]
                others = [m for m in self.nodes if m.attached_to is n.attached_to]
                x = host.right - 46 - 40 * others.index(n)
                node_boxes[n] = _Box(x, host.bottom - 18, 36, 36)
                if self._label_h(n):
                    labels[n] = _Box(x - 32, host.bottom + 20, LABEL_W, self._label_h(n))
        pool = _Box(POOL_X, POOL_Y, pool_w, y - POOL_Y)
        self._labels = labels
        self._rank = rank
        self._col_cx = col_cx
        self._col_w = col_w
        boxes: dict[Any, _Box] = {"pool": pool, **lane_boxes}
        return boxes, node_boxes

    # ------------------------------------------------------------- routing
    @staticmethod
    def _hits(seg: tuple[tuple[float, float], tuple[float, float]], box: _Box) -> bool:
        (x1, y1), (x2, y2) = seg
        lo_x, hi_x = min(x1, x2), max(x1, x2)
        lo_y, hi_y = min(y1, y2), max(y1, y2)
        m = 2.0
        return not (
            hi_x <= box.x + m
            or lo_x >= box.right - m
            or hi_y <= box.y + m
            or lo_y >= box.bottom - m
        )

    def _free(self, pts: list[tuple[float, float]], obstacles: list[_Box]) -> bool:
        return not any(
            self._hits((pts[i], pts[i + 1]), b) for i in range(len(pts) - 1) for b in obstacles
        )

    def _route(
        self, fl: Flow, nb: dict[Node, _Box], lanes: dict[Any, _Box]
    ) -> list[tuple[float, float]]:
        s, t = nb[fl.source], nb[fl.target]
        obstacles = [b for n, b in nb.items() if n is not fl.source and n is not fl.target]
        rs, rt = self._rank[fl.source], self._rank[fl.target]
        gap_after = lambda c: self._col_cx[c] + self._col_w[c] / 2 + COL_GAP / 2  # noqa: E731
        gap_before = lambda c: self._col_cx[c] - self._col_w[c] / 2 - COL_GAP / 2  # noqa: E731

        if rt <= rs:  # back edge: leave below, come back below
            below = max(s.bottom, t.bottom) + ROW_PAD
            return [(s.cx, s.bottom), (s.cx, below), (t.cx, below), (t.cx, t.bottom)]

        candidates: list[list[tuple[float, float]]] = []
        if abs(s.cy - t.cy) < 0.5:
            candidates.append([(s.right, s.cy), (t.x, t.cy)])
        else:
            xm = gap_after(rs)
            candidates.append([(s.right, s.cy), (xm, s.cy), (xm, t.cy), (t.x, t.cy)])
            xm = gap_before(rt)
            candidates.append([(s.right, s.cy), (xm, s.cy), (xm, t.cy), (t.x, t.cy)])
        for pts in candidates:
            if self._free(pts, obstacles):
                return pts
        # channel route: through the gap after the source column, along a free horizontal
        # channel between rows, down/up the gap before the target column
        x1, x2 = gap_after(rs), gap_before(rt)
        ys = sorted(
            {round(b.y + 8) for k, b in lanes.items() if k != "pool"}
            | {round(b.bottom - 8) for k, b in lanes.items() if k != "pool"}
            | {round(b.bottom + ROW_PAD / 2) for b in nb.values()}
            | {round(b.y - ROW_PAD / 2) for b in nb.values()}
        )
        ys.sort(key=lambda yc: abs(yc - s.cy) + abs(yc - t.cy))
        for yc in ys:
            pts = [(s.right, s.cy), (x1, s.cy), (x1, yc), (x2, yc), (x2, t.cy), (t.x, t.cy)]
            if self._free(pts, obstacles):
                return pts
        return candidates[-1] if candidates else [(s.right, s.cy), (t.x, t.cy)]

    # ------------------------------------------------------------------ DI
    def _diagram(self, root: etree._Element) -> None:
        boxes, nb = self._layout()
        diagram = etree.SubElement(root, _q(BPMNDI_NS, "BPMNDiagram"), id=f"BPMNDiagram_{self.key}")
        plane = etree.SubElement(
            diagram,
            _q(BPMNDI_NS, "BPMNPlane"),
            id=f"BPMNPlane_{self.key}",
            bpmnElement=f"Collaboration_{self.key}",
        )

        def bounds(parent: etree._Element, b: _Box) -> None:
            etree.SubElement(
                parent,
                _q(DC_NS, "Bounds"),
                x=_num(b.x),
                y=_num(b.y),
                width=_num(b.w),
                height=_num(b.h),
            )

        pool = etree.SubElement(
            plane,
            _q(BPMNDI_NS, "BPMNShape"),
            id=f"Participant_{self.key}_di",
            bpmnElement=f"Participant_{self.key}",
            isHorizontal="true",
        )
        bounds(pool, boxes["pool"])
        for lane in self.lanes:
            le = etree.SubElement(
                plane,
                _q(BPMNDI_NS, "BPMNShape"),
                id=f"{lane.id}_di",
                bpmnElement=lane.id,
                isHorizontal="true",
            )
            bounds(le, boxes[lane])
        for n in self.nodes:
            attrs = {"id": f"{n.id}_di", "bpmnElement": n.id}
            if n.kind == "exclusiveGateway":
                attrs["isMarkerVisible"] = "true"
            se = etree.SubElement(plane, _q(BPMNDI_NS, "BPMNShape"), **attrs)
            bounds(se, nb[n])
            if n in self._labels:
                lab = etree.SubElement(se, _q(BPMNDI_NS, "BPMNLabel"))
                bounds(lab, self._labels[n])
        for fl in self.flows:
            ee = etree.SubElement(
                plane, _q(BPMNDI_NS, "BPMNEdge"), id=f"{fl.id}_di", bpmnElement=fl.id
            )
            pts = self._route(fl, nb, boxes)
            for px, py in pts:
                etree.SubElement(ee, _q(DI_NS, "waypoint"), x=_num(px), y=_num(py))
            if fl.name:
                (ax, ay), (bx, by) = pts[0], pts[1]
                lw = min(90.0, max(30.0, len(fl.name) * CHAR_W))
                lh = _text_lines(fl.name, max(1, int(lw / CHAR_W))) * LABEL_LINE_H
                if abs(ay - by) < 0.5:  # horizontal first segment: label above it
                    lb = _Box(min(ax, bx) + 5, ay - lh - 3, lw, lh)
                else:  # vertical first segment: label right of it
                    lb = _Box(ax + 5, (ay + by) / 2 - lh / 2, lw, lh)
                lab = etree.SubElement(ee, _q(BPMNDI_NS, "BPMNLabel"))
                bounds(lab, lb)


def _num(v: float) -> str:
    """Integral pixel values without a trailing ``.0``."""
    r = round(v)
    return str(int(r)) if math.isclose(v, r, abs_tol=1e-6) else f"{v:.1f}"
