"""Reading a modeller's BPMN file: safe XML, regflow's checks, then SpiffWorkflow's parser.

A file from bpmn.io or Camunda Modeler loads as it is. Everything regflow refuses is refused
here, before anything is deployed, with one message naming the file, the line and the element.
The XML is parsed once, with entity expansion, DTDs and network access off; the same tree feeds
both regflow's own reading (:class:`~regflow.workflows.model.Regulation`) and SpiffWorkflow.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from regflow.errors import ExpressionError, ModelError, NormError
from regflow.i18n import _
from regflow.workflows.expressions import Expression, Script
from regflow.workflows.model import Flow, Input, Lane, Regulation, Step, StepKind
from regflow.workflows.norms import Norm
from regflow.workflows.schedules import load_schedules
from regflow.workflows.timers import PARSER_CLASSES as TIMER_PARSERS
from regflow.workflows.timers import TimerRule

MAX_FILE_BYTES = 5 * 1024 * 1024

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "camunda": CAMUNDA, "spiffworkflow": SPIFF}

USER_TAGS = {"userTask", "manualTask", "task"}  # bpmn.io draws a plain task by default
SERVICE_TAGS = {"serviceTask"}
SUPPORTED_NODES = (
    USER_TAGS
    | SERVICE_TAGS
    | {
        "startEvent",
        "endEvent",
        "task",
        "scriptTask",
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "intermediateCatchEvent",  # timers only (workflows/timers.py)
        "boundaryEvent",  # timers only, on user tasks
    }
)
IGNORED = {
    "sequenceFlow",
    "laneSet",
    "extensionElements",
    "documentation",
    "textAnnotation",
    "association",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "ioSpecification",
    "property",
}


@dataclass(frozen=True)
class LoadedProcess:
    """A parsed process version: regflow's view and SpiffWorkflow's spec, kept together."""

    regulation: Regulation
    spec: Any
    subprocess_specs: dict[str, Any]


class _Parser(BpmnParser):
    """Service tasks wait for regflow's handler runner instead of running inside Spiff."""

    OVERRIDE_PARSER_CLASSES = {
        full_tag("serviceTask"): (TaskParser, UserTask),
        full_tag("task"): (TaskParser, UserTask),
        **TIMER_PARSERS,
    }


def _safe_xml(data: bytes, filename: str) -> etree._ElementTree:
    if len(data) > MAX_FILE_BYTES:
        raise ModelError(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", file=filename)
    upper = data.upper()
    if b"<!DOCTYPE" in upper[:4096] or b"<!ENTITY" in upper:
        at = min(i for i in (upper.find(b"<!DOCTYPE"), upper.find(b"<!ENTITY")) if i >= 0)
        raise ModelError(
            "DOCTYPE and entity declarations are not allowed (XXE, external DTDs, entity "
            "expansion)",
            file=filename,
            line=data[:at].count(b"\n") + 1,
            element="DOCTYPE" if upper.startswith(b"<!DOCTYPE", at) else "ENTITY",
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
    )
    try:
        return etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as exc:
        raise ModelError(
            _("not well-formed XML: {error}").format(error=exc.msg),
            file=filename,
            line=exc.lineno,
        ) from None


def properties_of(element: etree._Element) -> dict[str, str]:
    """camunda:properties and spiffworkflow:properties of one element, as name → value."""
    found: dict[str, str] = {}
    for prop in element.iterfind("bpmn:extensionElements/camunda:properties/camunda:property", NS):
        if prop.get("name"):
            found[prop.get("name", "")] = (prop.get("value") or "").strip()
    for prop in element.iterfind(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS
    ):
        if prop.get("name"):
            found[prop.get("name", "")] = (prop.get("value") or "").strip()
    return found


def names_of(props: dict[str, str]) -> dict[str, str]:
    """Translated names from properties ``name_ru``, ``name_en``...: language code → name. The
    element's own ``name`` stays the model's language (Kazakh in the library)."""
    return {
        k.removeprefix("name_"): v
        for k, v in props.items()
        if k.startswith("name_") and len(k) == 7 and k[5:].isalpha() and v
    }


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _pick_process(root: etree._Element, filename: str) -> etree._Element:
    processes = root.findall("bpmn:process", NS)
    with_nodes = [p for p in processes if any(_local(c.tag) in SUPPORTED_NODES for c in p)]
    executable = [p for p in with_nodes if p.get("isExecutable", "true").lower() == "true"]
    candidates = executable or with_nodes
    if not processes:
        raise ModelError(_("the file holds no bpmn:process"), file=filename)
    if len(candidates) != 1:
        raise ModelError(
            f"the file holds {len(candidates)} executable processes; regflow runs one process "
            "per file (one pool)",
            file=filename,
        )
    return candidates[0]


def _lanes(process: etree._Element, filename: str) -> tuple[dict[str, Lane], dict[str, str]]:
    lanes: dict[str, Lane] = {}
    node_role: dict[str, str] = {}
    for lane in process.iterfind(".//bpmn:lane", NS):
        if lane.find("bpmn:childLaneSet", NS) is not None:
            continue  # a parent lane: its children carry the roles
        props = properties_of(lane)
        lane_id = lane.get("id", "")
        role = props.get("role") or lane_id.removeprefix("Lane_")
        if not role:
            raise ModelError(
                "a lane has neither an id nor a role", file=filename, line=lane.sourceline
            )
        lanes[role] = Lane(
            role=role,
            name=lane.get("name") or role,
            schedule=props.get("schedule"),
            names=names_of(props),
        )
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            node_role[(ref.text or "").strip()] = role
    return lanes, node_role


def _norm(text: str | None, element: etree._Element, filename: str) -> Norm | None:
    if not text:
        return None
    try:
        return Norm.parse(text)
    except NormError as exc:
        raise ModelError(
            _("task '{name}' has an unreadable norm: {error}").format(
                name=element.get("name") or element.get("id"), error=exc.message
            ),
            file=filename,
            line=element.sourceline,
            element=element.get("id"),
        ) from None


def _check_flows(process: etree._Element, filename: str) -> dict[str, list[etree._Element]]:
    ids = {el.get("id") for el in process.iter() if el.get("id")}
    outgoing: dict[str, list[etree._Element]] = {}
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        for end in ("sourceRef", "targetRef"):
            if flow.get(end) not in ids:
                raise ModelError(
                    f"sequence flow points at a missing element '{flow.get(end)}'",
                    file=filename,
                    line=flow.sourceline,
                    element=flow.get("id"),
                )
        outgoing.setdefault(flow.get("sourceRef", ""), []).append(flow)
        cond = flow.find("bpmn:conditionExpression", NS)
        if cond is not None and (cond.text or "").strip():
            try:
                Expression(cond.text or "")
            except ExpressionError as exc:
                raise ModelError(
                    _("condition refused: {error}").format(error=exc.message),
                    file=filename,
                    line=cond.sourceline,
                    element=flow.get("id"),
                ) from None
    return outgoing


def _check_gateways(
    process: etree._Element, outgoing: dict[str, list[etree._Element]], filename: str
) -> None:
    for gw in process.iter(f"{{{BPMN}}}exclusiveGateway", f"{{{BPMN}}}inclusiveGateway"):
        flows = outgoing.get(gw.get("id", ""), [])
        if len(flows) < 2:
            continue
        default = gw.get("default")
        for flow in flows:
            cond = flow.find("bpmn:conditionExpression", NS)
            has_condition = cond is not None and bool((cond.text or "").strip())
            if flow.get("id") != default and not has_condition:
                raise ModelError(
                    _("gateway '{name}' has an outgoing flow '{flow}' with neither a condition "
                      "nor the default mark").format(
                        name=gw.get("name") or gw.get("id"), flow=flow.get("id")
                    ),
                    file=filename,
                    line=gw.sourceline,
                    element=gw.get("id"),
                )


def _reachability(
    process: etree._Element, outgoing: dict[str, list[etree._Element]], filename: str
) -> list[str]:
    """Breadth-first order of flow nodes from the start; every end event must be reachable."""
    starts = [e.get("id", "") for e in process.iterfind("bpmn:startEvent", NS)]
    if not starts:
        raise ModelError(
            _("the process has no start event"), file=filename, line=process.sourceline
        )
    seen: list[str] = []
    queue = deque(starts)
    while queue:
        node = queue.popleft()
        if node in seen:
            continue
        seen.append(node)
        queue.extend(f.get("targetRef", "") for f in outgoing.get(node, []))
    for end in process.iterfind(".//bpmn:endEvent", NS):
        if end.get("id") not in seen:
            raise ModelError(
                _("end event cannot be reached from the start"),
                file=filename,
                line=end.sourceline,
                element=end.get("id"),
            )
    return seen


def _inputs(text: str) -> tuple[Input, ...]:
    """``documents_complete:bool, permit_type:str`` → typed decision names."""
    return tuple(
        Input(name.strip(), kind.strip() or "str")
        for name, _, kind in (part.partition(":") for part in text.split(","))
        if name.strip()
    )


def _check_condition_names(
    process: etree._Element, steps: dict[str, Step], props: dict[str, str], filename: str
) -> None:
    """A condition may only read what someone sets: a step's inputs or outputs, the route,
    the process's declared start data, or a script's assignment."""
    declared = {"route"} | {i.name for i in _inputs(props.get("inputs", ""))}
    for step in steps.values():
        declared |= {i.name for i in step.inputs + step.outputs}
    for script in process.iterfind(".//bpmn:scriptTask/bpmn:script", NS):
        lines = (script.text or "").splitlines()
        declared |= {line.split("=", 1)[0].strip() for line in lines if "=" in line}
    for cond in process.iterfind(".//bpmn:sequenceFlow/bpmn:conditionExpression", NS):
        if not (cond.text or "").strip():
            continue
        unknown = sorted(Expression(cond.text or "").names() - declared)
        if unknown:
            flow = cond.getparent()
            raise ModelError(
                f"condition reads {', '.join(unknown)}, which no step declares as an input or "
                "output (properties 'inputs' / 'outputs')",
                file=filename,
                line=cond.sourceline,
                element=flow.get("id") if flow is not None else None,
            )


def _check_schedules(
    process: etree._Element, props: dict[str, str], lanes: dict[str, Lane], filename: str
) -> None:
    known = load_schedules()
    used = [("process", props.get("schedule"))] + [
        (f"lane {r}", ln.schedule) for r, ln in lanes.items()
    ]
    for where, name in used:
        if name and name not in known:
            raise ModelError(
                f"{where} names an unknown schedule '{name}' (known: {', '.join(sorted(known))})",
                file=filename,
                line=process.sourceline,
                element=process.get("id"),
            )


def _check_timers(process: etree._Element, filename: str) -> None:
    """Timer events are read by regflow (workflows/timers.py): each needs a readable ``timer``
    property; boundary events go on user tasks; only timers are supported as catch events."""
    tasks = {el.get("id"): _local(el.tag) for el in process}
    props = properties_of(process)
    has_deadline = any(k == "deadline" or k.startswith("deadline.") for k in props)
    for el in process:
        tag = _local(el.tag)
        if tag not in ("startEvent", "intermediateCatchEvent", "boundaryEvent"):
            continue
        definitions = [c for c in el if _local(c.tag).endswith("EventDefinition")]
        timer = [c for c in definitions if _local(c.tag) == "timerEventDefinition"]
        where = {"file": filename, "line": el.sourceline, "element": el.get("id")}
        if tag == "startEvent" and not timer:
            continue
        if len(definitions) != 1 or not timer:
            raise ModelError(f"bpmn:{tag} is supported by regflow only as a timer event", **where)
        if tag == "boundaryEvent" and tasks.get(el.get("attachedToRef")) not in USER_TAGS:
            raise ModelError(
                "a boundary timer must be attached to a user task "
                f"(attachedToRef '{el.get('attachedToRef')}')",
                **where,
            )
        try:
            rule = TimerRule.parse(properties_of(el).get("timer", ""), start=tag == "startEvent")
        except NormError as exc:
            raise ModelError(f"timer '{el.get('name') or el.get('id')}': {exc.message}",
                             **where) from None
        if rule.before_deadline and not has_deadline:
            raise ModelError(
                f"timer '{el.get('name') or el.get('id')}' counts back from the deadline, but the "
                "process has no 'deadline' property",
                **where,
            )


def _check_shapes(root: etree._Element, process: etree._Element, filename: str) -> None:
    """Every flow node needs its diagram shape: a model people cannot see, they cannot review.

    ``isExecutable="false"`` (bpmn.io's default for a new diagram) is accepted: regflow executes
    the one process a file holds whatever that flag says."""
    shown = {s.get("bpmnElement") for s in root.iter(f"{{{BPMNDI}}}BPMNShape")}
    for el in process:
        if _local(el.tag) in SUPPORTED_NODES and el.get("id") not in shown:
            raise ModelError(
                f"bpmn:{_local(el.tag)} '{el.get('name') or el.get('id')}' has no diagram shape "
                "(bpmndi:BPMNShape); draw it in the modeller",
                file=filename,
                line=el.sourceline,
                element=el.get("id"),
            )


def load_process(data: bytes, filename: str = "<bpmn>") -> LoadedProcess:
    tree = _safe_xml(data, filename)
    root = tree.getroot()
    if root.tag != f"{{{BPMN}}}definitions":
        raise ModelError(
            _("not a BPMN 2.0 file (root is <{root}>, not bpmn:definitions)").format(
                root=etree.QName(root).localname
            ),
            file=filename,
            line=root.sourceline,
            element=root.get("id") or etree.QName(root).localname,
        )
    process = _pick_process(root, filename)
    key = process.get("id", "")
    for el in process:
        name = _local(el.tag)
        if name and name not in SUPPORTED_NODES and name not in IGNORED:
            raise ModelError(
                _("bpmn:{name} is not supported by regflow").format(name=name),
                file=filename,
                line=el.sourceline,
                element=el.get("id"),
            )
    _check_timers(process, filename)
    for el in process.iter(f"{{{BPMN}}}startEvent", f"{{{BPMN}}}endEvent"):
        for child in el:
            if _local(child.tag).endswith("EventDefinition") and not (
                _local(el.tag) == "startEvent" and _local(child.tag) == "timerEventDefinition"
            ):
                raise ModelError(
                    _("bpmn:{name} on a {parent} is not supported by regflow").format(
                        name=_local(child.tag), parent=_local(el.tag)
                    ),
                    file=filename,
                    line=child.sourceline,
                    element=el.get("id"),
                )
    lanes, node_role = _lanes(process, filename)
    outgoing = _check_flows(process, filename)
    _check_gateways(process, outgoing, filename)
    walk = dict(outgoing)
    for boundary in process.iterfind("bpmn:boundaryEvent", NS):
        # a boundary event is reached with the task it is attached to
        host = boundary.get("attachedToRef", "")
        walk[host] = [*walk.get(host, []), etree.Element("edge", targetRef=boundary.get("id", ""))]
    order = _reachability(process, walk, filename)

    steps: dict[str, Step] = {}
    end_outcomes: dict[str, str] = {}
    for el in process:
        tag = _local(el.tag)
        el_id = el.get("id", "")
        if tag in USER_TAGS | SERVICE_TAGS:
            props = properties_of(el)
            if lanes and el_id not in node_role:
                raise ModelError(
                    _("task '{name}' is outside every lane").format(name=el.get("name") or el_id),
                    file=filename,
                    line=el.sourceline,
                    element=el_id,
                )
            kind = StepKind.SERVICE if tag in SERVICE_TAGS else StepKind.USER
            doc = el.find("bpmn:documentation", NS)
            inputs = _inputs(props.get("inputs", ""))
            steps[el_id] = Step(
                id=el_id,
                name=(el.get("name") or el_id).strip(),
                kind=kind,
                role=node_role.get(el_id),
                norm=_norm(props.get("norm"), el, filename),
                source=props.get("source"),
                result=(doc.text or "").strip() if doc is not None and doc.text else None,
                inputs=inputs,
                outputs=_inputs(props.get("outputs", "")),
                handler=props.get("handler") if kind is StepKind.SERVICE else None,
                line=el.sourceline,
                names=names_of(props),
            )
        elif tag == "scriptTask":
            script = el.find("bpmn:script", NS)
            try:
                Script(script.text or "" if script is not None else "")
            except ExpressionError as exc:
                raise ModelError(
                    _("script refused: {error}").format(error=exc.message),
                    file=filename,
                    line=el.sourceline,
                    element=el_id,
                ) from None
        elif tag == "endEvent":
            end_outcomes[el_id] = properties_of(el).get("outcome", "issued")

    props = properties_of(process)
    routes = tuple(r.strip() for r in props.get("routes", "").split(",") if r.strip())
    for name in [k for k in props if k == "deadline" or k.startswith("deadline.")]:
        _norm(props[name], process, filename)
    _check_schedules(process, props, lanes, filename)
    _check_condition_names(process, steps, props, filename)
    flows: dict[str, tuple[Flow, ...]] = {}
    for source, out in outgoing.items():
        default = next(
            (
                g.get("default")
                for g in process.iter()
                if g.get("id") == source and g.get("default")
            ),
            None,
        )
        flows[source] = tuple(
            Flow(
                target=f.get("targetRef", ""),
                condition=(c.text or "").strip() or None
                if (c := f.find("bpmn:conditionExpression", NS)) is not None
                else None,
                default=f.get("id") == default,
            )
            for f in out
        )
    regulation = Regulation(
        key=key,
        name=(process.get("name") or key).strip(),
        lanes=lanes,
        steps=steps,
        routes=routes,
        end_outcomes=end_outcomes,
        properties=props,
        step_order=tuple(n for n in order if n in steps),
        flows=flows,
        start_ids=tuple(e.get("id", "") for e in process.iterfind("bpmn:startEvent", NS)),
        names=names_of(props),
    )

    _check_shapes(root, process, filename)
    # bpmn.io writes isExecutable="false" on a new diagram; SpiffWorkflow refuses such a process.
    process.set("isExecutable", "true")
    parser = _Parser()
    try:
        parser.add_bpmn_xml(tree, filename=filename)
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as exc:
        raise ModelError(
            str(exc).splitlines()[0],
            file=filename,
            line=exc.line_number or None,
            element=exc.id or None,
        ) from None
    except SpiffWorkflowException as exc:
        raise ModelError(str(exc).splitlines()[0], file=filename) from None
    return LoadedProcess(regulation=regulation, spec=spec, subprocess_specs=subprocess_specs)
