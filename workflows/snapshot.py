"""An application's workflow state as bytes, and back, against the process version's cached spec.

Every completed step stores the application's snapshot, so this codec runs once per step in each
direction. SpiffWorkflow's own serializer (a ten-key dict per task, every UUID written as text
three times, a recursive registry walk over every value) cost about as much as SpiffWorkflow's
own work for the step; this format writes only what SpiffWorkflow's converters restore, in
columns, and restores it the way they do (bench/snapshot.py measures both).

Layout of a ``regflow-2`` snapshot:

* zlib (level 1, a window just big enough for the text) of UTF-8 JSON, as the snapshots before
  it, for a finished application's snapshot, which is kept as it is: zlib makes it about 30 %
  smaller (some 300 MB at a million stored applications) for about a quarter of the encoding
  time, some 20 µs. An open application's snapshot, rewritten at its next step, is the plain
  UTF-8 JSON while it is small (``encode(lasting=False)``, up to :data:`PLAIN_UP_TO` bytes):
  there the 20 µs bought nothing that lasts, and a row that size is rewritten in one page
  either way; a bigger one is deflated all the same. A plain snapshot starts with ``{``, which
  zlib's header never does, so :func:`decode` tells them apart; migration 0006 converts
  snapshots between zlib and JSON text both ways;
* the document: ``{"serializer_version": "regflow-2", "ids": ..., "time": ..., "w": <the
  workflow>, "sub": [[<parent task id hex>, <workflow>], ...], "events": <bpmn_events in
  SpiffWorkflow's registry form>}``, the format tag first, where it is read before the rest;
* ``ids``: every task id of all the workflows, 16 bytes each (``UUID.bytes``), and ``time``:
  every ``last_state_change``, 8-byte big-endian doubles (exact), both base64: converted in C
  in one call each, where SpiffWorkflow writes each id as text three times (task, parent,
  children) and each time as a decimal float;
* a workflow: its tasks in the order of ``workflow.tasks`` (a parent always comes before its
  children there), taking the next ids and times, as parallel lists: ``state``, ``parent`` (an
  index into the workflow's tasks, -1 for none; left out when the tasks form one chain) and
  ``spec`` (an index into ``names``, the task spec names used; left out when each task has a
  spec of its own, in the order of ``names``); sparse lists for what is usually empty:
  ``triggered`` (indices), ``internal`` (``[index, internal_data]``), ``full`` (``[index,
  data]``: the root's data) and ``delta`` (``[index, updates, deletions]`` against the parent's
  data, the way SpiffWorkflow 3.2 stores task data); ``kids`` (``[index, [child index or hex
  id, ...]]``) only where a task's children are not simply its child tasks in order; then
  ``root``, ``data``, ``corr`` (correlations), ``last`` (last task), ``ok`` (success) and
  ``done`` (completed);
* values are written as JSON directly; a value JSON cannot hold (datetime, timedelta, UUID,
  anything registered with SpiffWorkflow's registry) is written as ``{"\\u0000": <its registry
  form>}`` and restored by the registry, so only a snapshot holding such a value pays for a hook
  when it is read. (A task-data dict whose only key is ``"\\x00"`` would be taken for one.)

Unlike SpiffWorkflow's delta, a value that changed type but compares equal (``1`` → ``1.0`` or
``True``) counts as changed, so it comes back as it was written.

:func:`decode` also reads the two formats stored before this one: ``regflow-1/spiff-1.5``
(SpiffWorkflow's serializer output without the spec, zlib-compressed JSON, migration 0006) and
the same JSON as plain text from before 0006. :func:`encode_v1` still writes that format, for
tests and the benchmark.
"""

from __future__ import annotations

import json
import struct
import zlib
from base64 import b64decode, b64encode
from collections.abc import Sequence
from copy import copy
from operator import is_, ne
from types import ModuleType
from typing import Any
from uuid import UUID, SafeUUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from regflow.errors import StateError

VERSION = "regflow-2"
V1_VERSION = "regflow-1/spiff-1.5"
ZLIB_LEVEL = 1
PLAIN_UP_TO = 2048  # bytes: an open application's snapshot up to half a 4 KB page stays plain

_OBJECT = "\x00"  # the key of the one-key dict that wraps a value JSON cannot hold
_OBJECT_MARK = '{"\\u0000":'  # how json writes that key (quotes inside strings are escaped)
_WAITING = TaskState.WAITING
_MUTABLE = (dict, list, set)  # what SpiffWorkflow's DeepMerge copies when a task inherits data


class _SnapshotConverter(BpmnWorkflowConverter):
    """Spiff's workflow converter, minus the spec: the spec is stored once per version."""

    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], **kwargs: Any) -> Any:
        workflow = self.target_class(kwargs["spec"], kwargs["subprocess_specs"], deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_CONFIG = dict(DEFAULT_CONFIG)
_CONFIG[BpmnWorkflow] = _SnapshotConverter
_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))
_REGISTRY = _SERIALIZER.registry


# ---------------------------------------------------------------------------------------------
# writing


def _object(value: Any) -> Any:
    """json's hook for a value it cannot write: the registry's form, wrapped."""
    if _REGISTRY.typenames.get(type(value)) is not None:
        return {_OBJECT: _REGISTRY.convert(value)}
    if callable(value) or isinstance(value, ModuleType):
        return None  # what SpiffWorkflow's JSON encoder writes for them
    if isinstance(value, set | frozenset):
        return list(value)  # as SpiffWorkflow's JSON encoder
    raise TypeError(f"a {type(value).__name__} value cannot be stored")


_DUMPS = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), default=_object, check_circular=False
).encode


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (``1 == 1.0 == True`` is not enough: the
    restored child would get the parent's value)."""
    if a is b:
        return True
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is dict:
        if len(a) != len(b):
            return False
        for key, value in a.items():
            if key not in b:
                return False
            other = b[key]
            if value is not other and not _same(value, other):
                return False
        return True
    if kind is list or kind is tuple:
        return len(a) == len(b) and all(x is y or _same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """SpiffWorkflow leaves callables and modules out of workflow and internal data."""
    for value in data.values():
        if callable(value) or isinstance(value, ModuleType):
            return {
                k: v for k, v in data.items() if not callable(v) and not isinstance(v, ModuleType)
            }
    return data


def _write_workflow(workflow: Any, ids: list[bytes], times: list[float]) -> dict[str, Any]:
    tasks = workflow.tasks
    todo = list(tasks.values())
    # Task id → position, by object identity first: a live task's parent and children hold the
    # very UUID objects that are its tasks' ids, and id() hashes in C where UUID.__hash__ runs
    # Python; by value for a tree SpiffWorkflow's own converter rebuilt.
    find = {id(task_id): i for i, task_id in enumerate(tasks)}.get
    by_value: dict[UUID, int] = {}

    def position(task_id: UUID) -> int | None:
        found = find(id(task_id))
        if found is None:
            if not by_value:
                by_value.update((task_id, i) for i, task_id in enumerate(tasks))
            found = by_value.get(task_id)
        return found

    ids.extend([task.id.int.to_bytes(16, "big") for task in todo])
    times.extend([task.last_state_change for task in todo])
    names: dict[str, int] = {}
    specs: list[int] = []
    for task in todo:
        name = task.task_spec.name
        spec = names.get(name)
        if spec is None:
            spec = names[name] = len(names)
        specs.append(spec)
    datas = [task.data for task in todo]
    parents: list[int] = []
    full: list[list[Any]] = []
    delta: list[list[Any]] = []
    kids: list[list[UUID]] = [[] for _ in todo]
    late: set[int] = set()
    for i, task in enumerate(todo):
        data = datas[i]
        parent_id = task._parent
        parent = None if parent_id is None else find(id(parent_id))
        if parent is None and parent_id is not None:
            parent = position(parent_id)
        if parent is None:  # as SpiffWorkflow: a parent not in the workflow is no parent
            parents.append(-1)
            full.append([i, data])
            continue
        parents.append(parent)
        kids[parent].append(task.id)
        if parent > i:  # never so in SpiffWorkflow: the parent's data is not restored yet,
            late.add(parent)  # so this task's data is stored whole, its parent's children too
            full.append([i, data])
            continue
        before = datas[parent]
        if len(data) == len(before) and (
            not data
            or (all(map(is_, data.values(), before.values())) and all(map(is_, data, before)))
        ):
            continue  # inherited as it was: the common case, checked in C
        updates = {
            k: v
            for k, v in data.items()
            if k not in before or (v is not before[k] and not _same(v, before[k]))
        }
        deletions = [] if before.keys() <= data.keys() else [k for k in before if k not in data]
        if updates or deletions:
            delta.append([i, updates, deletions])
    count = len(todo)
    doc: dict[str, Any] = {"names": list(names), "state": [task._state for task in todo]}
    if parents != list(range(-1, count - 1)):  # not one chain, each task the next one's parent
        doc["parent"] = parents
    if specs != list(range(count)):  # not every task of its own spec, in the order of names
        doc["spec"] = specs
    if triggered := [i for i, task in enumerate(todo) if task.triggered]:
        doc["triggered"] = triggered
    if internal := [[i, _clean(task.internal_data)] for i, task in enumerate(todo)
                    if task.internal_data]:
        doc["internal"] = internal
    doc["full"] = full
    if delta:
        doc["delta"] = delta
    if late or any(map(ne, [task._children for task in todo], kids)):
        doc["kids"] = [
            [i, [c.hex if (at := position(c)) is None else at for c in task._children]]
            for i, task in enumerate(todo)
            if task._children != kids[i] or i in late
        ]
    root, last = workflow.task_tree, workflow.last_task
    doc["root"] = None if root is None else position(root.id)
    doc["data"] = _clean(workflow.data)
    if workflow.correlations:
        doc["corr"] = workflow.correlations
    doc["last"] = None if last is None else position(last.id)
    doc["ok"] = workflow.success
    doc["done"] = workflow.completed
    return doc


def _deflate(data: bytes) -> bytes:
    # A window just big enough for the text compresses as well as zlib's default 32 KB one,
    # without allocating (and the allocator trimming) a quarter megabyte for a 1 KB snapshot.
    wbits = min(15, max(11, (len(data) - 1).bit_length()))
    packer = zlib.compressobj(ZLIB_LEVEL, zlib.DEFLATED, wbits, max(4, min(8, wbits - 7)))
    return packer.compress(data) + packer.flush()


def encode(workflow: BpmnWorkflow, *, lasting: bool = True) -> bytes:
    """A workflow's own state (no spec) in the regflow-2 format. ``lasting=False``: the snapshot
    lives only until the application's next step, so it is written as plain UTF-8 JSON if it
    is small (up to :data:`PLAIN_UP_TO` bytes): deflating a snapshot of 1 KB costs some 6 % of
    a completion's instructions (bench/instructions.py) to save about 250 bytes that the next
    step rewrites anyway. A bigger one (an application carrying much data) is deflated all the
    same: there zlib saves pages written at every step."""
    ids: list[bytes] = []
    times: list[float] = []
    doc: dict[str, Any] = {"serializer_version": VERSION, "ids": "", "time": ""}
    doc["w"] = _write_workflow(workflow, ids, times)
    if workflow.subprocesses:
        doc["sub"] = [
            [task_id.hex, _write_workflow(sub, ids, times)]
            for task_id, sub in workflow.subprocesses.items()
        ]
    if workflow.bpmn_events:
        doc["events"] = _REGISTRY.convert(workflow.bpmn_events)
    doc["ids"] = b64encode(b"".join(ids)).decode("ascii")
    doc["time"] = b64encode(struct.pack(f">{len(times)}d", *times)).decode("ascii")
    try:
        text = _DUMPS(doc)
    except (TypeError, ValueError, RecursionError) as exc:
        raise StateError(f"the application's data cannot be saved: {exc}") from None
    data = text.encode("utf-8")
    return data if not lasting and len(data) <= PLAIN_UP_TO else _deflate(data)


def encode_v1(workflow: BpmnWorkflow) -> bytes:
    """The regflow-1/spiff-1.5 format, exactly as regflow wrote it before regflow-2: tests show
    old snapshots still restore, and the benchmark measures against it."""
    _REGISTRY._encoder_mode = True
    try:
        dct = _SERIALIZER.to_dict(workflow)
    finally:
        _REGISTRY._encoder_mode = False
    dct["serializer_version"] = V1_VERSION
    text = json.dumps(dct, cls=_SERIALIZER._encoder_cls, ensure_ascii=False)
    return zlib.compress(text.encode("utf-8"), ZLIB_LEVEL)


def spiff_dict(workflow: BpmnWorkflow) -> dict[str, Any]:
    """SpiffWorkflow's own dict of a workflow (its serializer registry, spec left out): what a
    faithful restore must reproduce."""
    result: dict[str, Any] = _REGISTRY.convert(workflow)
    return result


# ---------------------------------------------------------------------------------------------
# reading


def _columns(doc: dict[str, Any]) -> tuple[list[UUID], tuple[float, ...]]:
    """The task ids and times of a regflow-2 document."""
    ids, times = b64decode(doc["ids"], validate=True), b64decode(doc["time"], validate=True)
    count = len(ids) // 16
    if len(ids) != 16 * count or len(times) != 8 * count:
        raise StateError("the snapshot is corrupt: its task ids and times do not match")
    # UUID(int=...) runs a Python __init__ of a dozen checks; these two slots are all it sets
    new, put, unknown, number = UUID.__new__, object.__setattr__, SafeUUID.unknown, int.from_bytes
    uuids = []
    for at in range(0, 16 * count, 16):
        task_id = new(UUID)
        put(task_id, "int", number(ids[at : at + 16], "big"))
        put(task_id, "is_safe", unknown)
        uuids.append(task_id)
    return uuids, struct.unpack(f">{count}d", times)


def _read_workflow(
    doc: dict[str, Any],
    workflow: Any,
    top: Any,
    uuids: list[UUID],
    times: tuple[float, ...],
    start: int,
) -> int:
    """Rebuild one workflow's tasks as SpiffWorkflow's TaskConverter.from_dict does (WAITING
    catching events registered with the top workflow's event manager, a child's data a shallow
    per-key copy of its parent's with the delta applied); returns where the next one starts."""
    task_specs = workflow.spec.task_specs
    try:
        specs = [task_specs[name] for name in doc["names"]]
    except KeyError as exc:
        raise StateError(
            f"the snapshot names task {exc.args[0]!r}, which process "
            f"'{workflow.spec.name}' does not have"
        ) from None
    catching = [isinstance(spec, CatchingEvent) for spec in specs]
    states: list[int] = doc["state"]
    count = len(states)
    parents: Sequence[int] = doc.get("parent") or range(-1, count - 1)
    if start + count > len(uuids):
        raise StateError("the snapshot is corrupt: its task ids and tasks do not match")
    ids = uuids[start : start + count]
    full = {i: data for i, data in doc["full"]}
    delta = {entry[0]: entry for entry in doc.get("delta", ())}
    add_waiting = top.event_manager.add_task
    new, pool = Task.__new__, Task.thread_id_pool
    tasks: dict[UUID, Any] = {}
    made: list[Any] = []
    kids: list[list[UUID]] = []
    datas: list[dict[str, Any]] = []
    mutable: list[bool] = []  # whether a task's data holds a value DeepMerge would copy
    for i, (task_id, parent, spec, state, when) in enumerate(
        zip(
            ids,
            parents,
            doc.get("spec") or range(count),
            states,
            times[start : start + count],
            strict=True,
        )
    ):
        data = full.get(i)
        if data is not None:
            copies = any(isinstance(v, _MUTABLE) for v in data.values())
        else:
            before = datas[parent]
            copies = mutable[parent]
            if copies:  # as DeepMerge.merge({}, parent.data): a shallow copy of each container
                data = {k: copy(v) if isinstance(v, _MUTABLE) else v for k, v in before.items()}
            else:
                data = dict(before)
            change = delta.get(i)
            if change is not None:
                data.update(change[1])
                for key in change[2]:
                    data.pop(key, None)
                if not copies:
                    copies = any(isinstance(v, _MUTABLE) for v in change[1].values())
        datas.append(data)
        mutable.append(copies)
        children: list[UUID] = []
        kids.append(children)
        if parent >= 0:
            if parent < i:
                kids[parent].append(task_id)
            parent_id: UUID | None = ids[parent]
        else:
            parent_id = None
        # Task.__init__'s attributes, without its clock read and parent look-up (from_dict
        # overwrites them); thread_id as a fresh Task gets it, for it is not stored.
        task = new(Task)
        task.__dict__ = {
            "id": task_id,
            "workflow": workflow,
            "_parent": parent_id,
            "_children": children,
            "_state": state,
            "triggered": False,
            "task_spec": specs[spec],
            "thread_id": pool,
            "data": data,
            "internal_data": {},
            "last_state_change": when,
        }
        tasks[task_id] = task
        made.append(task)
        if catching[spec] and state & _WAITING:
            add_waiting(task)
    for i in doc.get("triggered", ()):
        made[i].triggered = True
    for i, internal in doc.get("internal", ()):
        made[i].internal_data = internal
    for i, listed in doc.get("kids", ()):
        made[i]._children = [UUID(hex=c) if isinstance(c, str) else ids[c] for c in listed]
    workflow.tasks = tasks
    root, last = doc["root"], doc["last"]
    workflow.task_tree = None if root is None else made[root]
    workflow.success = doc["ok"]
    workflow.completed = doc["done"]
    workflow.correlations = doc.get("corr", {})
    workflow.last_task = None if last is None else made[last]
    workflow.data = doc["data"]
    return start + count


def _read_subprocesses(
    pending: dict[UUID, tuple[dict[str, Any], int]],
    workflow: Any,
    top: Any,
    uuids: list[UUID],
    times: tuple[float, ...],
) -> None:
    # SpiffWorkflow's order: each workflow's subprocess tasks in task order, depth first, so a
    # subprocess is made after the workflow holding its task, and the subprocess map and the
    # event manager fill in the same order as in SpiffWorkflow's restore.
    for task in list(workflow.tasks.values()):
        if isinstance(task.task_spec, SubWorkflowTask) and task.id in pending:
            doc, start = pending.pop(task.id)
            spec = top.subprocess_specs.get(task.task_spec.spec)
            sub = BpmnSubWorkflow(spec, task.id, top, deserializing=True)
            _read_workflow(doc, sub, top, uuids, times, start)
            top.subprocesses[task.id] = sub
            sub.completed_event.connect(task.task_spec._on_subworkflow_completed, task)
            _read_subprocesses(pending, sub, top, uuids, times)


def _decode_v2(
    doc: dict[str, Any], spec: Any, subprocess_specs: dict[str, Any], engine: Any
) -> Any:
    uuids, times = _columns(doc)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=engine, deserializing=True)
    start = _read_workflow(doc["w"], workflow, workflow, uuids, times, 0)
    if "sub" in doc:
        pending = {}
        for parent_id, sub in doc["sub"]:
            pending[UUID(hex=parent_id)] = (sub, start)
            start += len(sub["state"])
        _read_subprocesses(pending, workflow, workflow, uuids, times)
    if start != len(uuids):
        raise StateError("the snapshot is corrupt: its task ids and tasks do not match")
    if "events" in doc:
        workflow.bpmn_events = _REGISTRY.restore(doc["events"])
    return workflow


def _restore_object(dct: dict[str, Any]) -> Any:
    if len(dct) == 1 and _OBJECT in dct:
        return _REGISTRY.restore(dct[_OBJECT])
    return dct


def _document(snapshot: bytes | bytearray | memoryview | str, *, objects: bool) -> dict[str, Any]:
    """The JSON document of a stored snapshot: zlib-compressed, or plain text from before
    migration 0006 (or after its downgrade). With ``objects``, regflow-2's wrapped values are
    restored."""
    try:
        if isinstance(snapshot, str):
            text = snapshot
        else:
            raw = bytes(snapshot)
            plain = raw.lstrip()[:1] == b"{"
            text = (raw if plain else zlib.decompress(raw)).decode("utf-8")
        hooked = objects and _OBJECT_MARK in text
        doc = json.loads(text, object_hook=_restore_object) if hooked else json.loads(text)
        if hooked and not (isinstance(doc, dict) and doc.get("serializer_version") == VERSION):
            doc = json.loads(text)  # only regflow-2 wraps values; a regflow-1 dict is as it is
    except StateError:
        raise
    except Exception as exc:
        raise StateError(f"the snapshot is corrupt: {_line(exc)}") from None
    if not isinstance(doc, dict):
        raise StateError("the snapshot is corrupt: not a JSON object")
    return doc


def _unknown(found: Any) -> StateError:
    return StateError(
        f"snapshot format {found!r} is not known here (this regflow reads {VERSION!r} and "
        f"{V1_VERSION!r})"
    )


def as_dict(snapshot: bytes | str) -> dict[str, Any]:
    """The JSON document inside a stored snapshot, of either format, with its format under
    ``serializer_version``; in a regflow-2 one, ``ids`` and ``time`` come as lists (ids as
    text). For tests and tools that look inside."""
    doc = _document(snapshot, objects=False)
    if doc.get("serializer_version") == VERSION:
        try:
            uuids, times = _columns(doc)
        except StateError:
            raise
        except Exception as exc:
            raise StateError(f"the snapshot is corrupt: {_line(exc)}") from None
        doc["ids"], doc["time"] = [str(task_id) for task_id in uuids], list(times)
    elif doc.get("serializer_version") != V1_VERSION:
        raise _unknown(doc.get("serializer_version"))
    return doc


def decode(
    snapshot: bytes | str,
    spec: Any,
    subprocess_specs: dict[str, Any],
    *,
    script_engine: Any = None,
) -> BpmnWorkflow:
    """The workflow of a stored snapshot (regflow-2 or regflow-1, compressed or plain JSON),
    rebuilt on the process version's cached spec; anything unreadable is a one-line
    StateError."""
    doc = _document(snapshot, objects=True)
    found = doc.pop("serializer_version", None)
    try:
        if found == VERSION:
            workflow = _decode_v2(doc, spec, subprocess_specs, script_engine)
        elif found == V1_VERSION:
            workflow = _REGISTRY.restore(doc, spec=spec, subprocess_specs=subprocess_specs)
            if not isinstance(workflow, BpmnWorkflow):
                raise StateError("the snapshot is corrupt: it holds no workflow")
            if script_engine is not None:
                workflow.script_engine = script_engine
        else:
            raise _unknown(found)
    except StateError:
        raise
    except Exception as exc:
        raise StateError(f"the snapshot is corrupt: {_line(exc)}") from None
    return workflow  # type: ignore[no-any-return]


def _line(exc: BaseException) -> str:
    """An exception in one line; zlib's and json's own words are clear enough alone."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    if text and isinstance(exc, zlib.error | ValueError):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
