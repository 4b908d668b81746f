"""The snapshot codec (workflows/snapshot.py): what SpiffWorkflow's own converter would restore,
restored from a smaller, faster format; old snapshots still read; bad ones refused in one line.

"Faithful" here means three things, each checked against SpiffWorkflow itself: the restored
workflow's full Spiff serialization (the serializer registry's dict, spec left out) equals the
original's; what the serializer does not write (the event manager's waiting tasks, the order of
the subprocess map, the attributes of every Task object) is what SpiffWorkflow's own restore
gives; and the restored workflow goes on to the end exactly as the original does.
"""

from __future__ import annotations

import json
import zlib
from base64 import b64encode
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.specs.event_definitions import SignalEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from regflow.errors import StateError
from regflow.handlers.registry import runner_for
from regflow.workflows import engine, timers
from regflow.workflows import snapshot as codec
from regflow.workflows.loader import LoadedProcess, load_process
from tests.conftest import PROCESSES
from tests.support import (
    default_decisions,
    filing_answers,
    filing_instant,
    library_cases,
    library_process,
)
from tests.timer_support import (
    TIMER_MODEL_IDS,
    TIMER_MODELS,
    escalation_model,
    started,
    wait_model,
)

DATA = Path(__file__).resolve().parent.parent / "data"
CASES = library_cases()


def _event_tasks(workflow: Any) -> list[UUID]:
    return list(workflow.event_manager.tasks)


def _task_attributes(workflow: Any) -> list[list[str]]:
    everything = [workflow, *workflow.subprocesses.values()]
    return [sorted(vars(task)) for wf in everything for task in wf.tasks.values()]


def _links(workflow: Any) -> list[Any]:
    everything = [workflow, *workflow.subprocesses.values()]
    return [
        [(task_id, t._parent, t._children, t.thread_id) for task_id, t in wf.tasks.items()]
        for wf in everything
    ]


def _sharing(workflow: Any) -> list[Any]:
    """Which values a task shares with its parent (DeepMerge copies containers one level)."""
    found = []
    for wf in [workflow, *workflow.subprocesses.values()]:
        for task in wf.tasks.values():
            parent = wf.tasks.get(task._parent)
            if parent is not None:
                found.append([k for k, v in task.data.items() if v is parent.data.get(k)])
    return found


def assert_faithful(workflow: Any, spec: Any, subprocess_specs: dict[str, Any]) -> Any:
    """decode(encode(workflow)), checked against the original and against Spiff's own restore."""
    restored = codec.decode(codec.encode(workflow), spec, subprocess_specs)
    assert codec.spiff_dict(restored) == codec.spiff_dict(workflow)
    by_spiff = codec.decode(codec.encode_v1(workflow), spec, subprocess_specs)
    assert _event_tasks(restored) == _event_tasks(by_spiff)
    assert list(restored.subprocesses) == list(by_spiff.subprocesses)
    assert _task_attributes(restored) == _task_attributes(by_spiff)
    assert _links(restored) == _links(by_spiff)
    assert _sharing(restored) == _sharing(by_spiff)
    for wf in [restored, *restored.subprocesses.values()]:
        assert all(task.workflow is wf for task in wf.tasks.values())
    return restored


# --- every model, every route, every step -----------------------------------------------------


def _work(
    instance: engine.Instance, decide: Callable[[Any], dict[str, Any]], run: Any
) -> list[Any]:
    """Work an application to its end; what happened, step by step."""
    trace: list[Any] = []
    for _ in range(100):
        ready = instance.ready_tasks()
        trace.append((sorted(t.step.id for t in ready), instance.data))
        if not ready:
            break
        instance.complete(ready[0].task_id, decide(ready[0].step))
        instance.advance(run)
    tree = [(t.task_spec.name, t.state) for t in instance.workflow.get_tasks()]
    trace.append((instance.completed, instance.outcome, dict(instance.workflow.data), tree))
    return trace


@pytest.mark.parametrize(("path", "route"), CASES, ids=[f"{p.stem}-{r}" for p, r in CASES])
def test_snapshot_round_trip_is_faithful_at_every_step_of_every_route(
    path: Path, route: str | None
) -> None:
    process = library_process(path)
    reg = process.regulation
    answers = filing_answers(reg, route)
    run = runner_for("local", filing_instant(reg).date())  # the real handlers, on fixtures

    def decide(step: Any) -> dict[str, Any]:
        return default_decisions(reg, step.inputs, route)  # type: ignore[no-any-return]

    original = engine.start(process, answers)
    original.advance(run)
    copies = []
    for _ in range(100):
        restored = assert_faithful(original.workflow, process.spec, process.subprocess_specs)
        restored.script_engine = original.workflow.script_engine
        copies.append(engine.Instance(process, restored))
        ready = original.ready_tasks()
        if not ready:
            break
        original.complete(ready[0].task_id, decide(ready[0].step))
        original.advance(run)
    # the original, worked on from its first snapshot: each copy must end the same way from its
    # own step on
    fresh = engine.start(process, answers)
    fresh.advance(run)
    expected = _work(fresh, decide, run)
    assert expected[-1][0] is True
    for step, copy in enumerate(copies):
        assert _work(copy, decide, run) == expected[step:], step


# --- timers ------------------------------------------------------------------------------------


def _waiting(workflow: Any) -> list[Any]:
    return [(e.name, e.event_type, e.value) for e in workflow.waiting_events()]


def _fire_and_go_on(instance: engine.Instance, task_id: str) -> list[Any]:
    timers.fire(instance.workflow, task_id)
    instance.advance(lambda step, data: {})
    tasks = [(t.task_spec.name, t.state) for t in instance.workflow.get_tasks()]
    return [sorted(t.step.id for t in instance.ready_tasks()), tasks, instance.completed]


@pytest.mark.parametrize("make", TIMER_MODELS, ids=TIMER_MODEL_IDS)
def test_restored_waiting_timer_is_registered_and_still_fires(
    tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    process, instance, route = started(make, tmp_path)
    reg = process.regulation
    for _ in range(10):  # to the first step with a waiting timer
        if timers.waiting_timers(instance.workflow):
            break
        ready = instance.ready_tasks()
        instance.complete(ready[0].task_id, default_decisions(reg, ready[0].step.inputs, route))
        instance.advance(lambda step, data: {})
    waiting = timers.waiting_timers(instance.workflow)
    assert waiting
    stored = instance.snapshot()
    assert stored.startswith(b'{"serializer_version":"regflow-2",')  # open: written plain
    restored = engine.restore(process, stored)
    assert_faithful(instance.workflow, process.spec, process.subprocess_specs)
    # the event manager knows the timer (SpiffWorkflow refreshes timers through it) ...
    assert timers.waiting_timers(restored.workflow) == waiting
    assert _waiting(restored.workflow) == _waiting(instance.workflow)
    assert {str(t) for t in _event_tasks(restored.workflow)} >= {w.task_id for w in waiting}
    # ... and firing it moves the restored application on exactly as the original
    fired = _fire_and_go_on(restored, waiting[0].task_id)
    assert fired == _fire_and_go_on(instance, waiting[0].task_id)
    timer_task = restored.workflow.get_task_from_id(UUID(waiting[0].task_id))
    assert timer_task.state == TaskState.COMPLETED


# --- subprocesses and call activities ----------------------------------------------------------


def _step_on(workflow: BpmnWorkflow) -> bool:
    """One move of the subprocess model: a person completes the ready task, or the signal the
    catch event waits for is sent; False when nothing is left to do."""
    if ready := workflow.get_tasks(state=TaskState.READY, manual=True):
        ready[0].data["done_by"] = "Айгүл"
        ready[0].run()
    elif workflow.waiting_events():
        workflow.send_event(BpmnEvent(SignalEventDefinition("go")))
    else:
        return False
    return True


def test_subprocesses_and_call_activities_round_trip_in_spiffs_order() -> None:
    # No model in processes/ has one (the loader refuses bpmn:subProcess and bpmn:callActivity),
    # so SpiffWorkflow's own parser reads this one: an embedded subprocess waiting for a signal,
    # then a call activity whose process has a subprocess of its own.
    parser = BpmnParser()
    parser.add_bpmn_file(str(DATA / "snapshot_subprocesses.bpmn"))
    spec, subs = parser.get_spec("main"), parser.get_subprocess_specs("main")

    def go_on(workflow: Any) -> list[Any]:
        seen = []
        for _ in range(20):
            workflow.do_engine_steps()
            seen.append(sorted(t.task_spec.name for t in workflow.get_tasks(
                state=TaskState.READY | TaskState.WAITING)))
            if not _step_on(workflow):
                break
        return [seen, workflow.is_completed(), workflow.data]

    workflow = BpmnWorkflow(spec, subs)
    expected = go_on(BpmnWorkflow(spec, subs))
    seen_subprocesses = set()
    steps = 0
    for _ in range(20):
        workflow.do_engine_steps()
        restored = assert_faithful(workflow, spec, subs)
        seen_subprocesses.add(len(restored.subprocesses))
        if workflow.waiting_events():  # the signal catch event inside the subprocess
            assert _event_tasks(restored) == _event_tasks(workflow)
        assert go_on(restored)[0] == expected[0][steps:]
        steps += 1
        if not _step_on(workflow):
            break
    assert workflow.is_completed() and expected[1]
    assert seen_subprocesses == {1, 2, 3}  # the embedded one, the called one, and its own


def _structure(workflow: Any) -> list[Any]:
    return [
        (task_id, t.task_spec.name, t._parent, list(t._children), t.state, _typed(t.data))
        for task_id, t in workflow.tasks.items()
    ]


def test_unusual_task_trees_round_trip_as_spiff_restores_them(tmp_path: Path) -> None:
    # Trees SpiffWorkflow itself does not make, but its converter would store and restore:
    # children out of creation order, a child id with no task, a parent that is not in the
    # workflow, and tasks listed before their parents.
    path = escalation_model(tmp_path / "model.bpmn")
    process = load_process(path.read_bytes(), path.name)

    def fresh() -> Any:
        instance = engine.start(process, {"applicant": "Әлия", "items": [{"n": 1}]})
        instance.advance(lambda step, data: {})
        return instance.workflow

    reordered = fresh()
    split = next(t for t in reordered.get_tasks() if len(t._children) > 1)
    assert split.task_spec.name.endswith("BoundaryEventSplit")
    split._children.reverse()
    dangling = fresh()
    next(iter(dangling.tasks.values()))._children.append(UUID(int=7))
    orphan = fresh()
    list(orphan.tasks.values())[3]._parent = UUID(int=8)
    for workflow in (reordered, dangling, orphan):
        restored = assert_faithful(workflow, process.spec, {})
        by_spiff = codec.decode(codec.encode_v1(workflow), process.spec, {})
        assert _structure(restored) == _structure(by_spiff)
    assert "kids" in engine.snapshot_dict(codec.encode(reordered))["w"]

    backwards = fresh()  # SpiffWorkflow's restore would lose the data of these (it has no
    backwards.tasks = dict(reversed(backwards.tasks.items()))  # parent yet): kept here
    restored = codec.decode(codec.encode(backwards), process.spec, {})
    assert _structure(restored) == _structure(backwards)
    assert codec.spiff_dict(restored) == codec.spiff_dict(backwards)
    stored = engine.snapshot_dict(codec.encode(backwards))["w"]
    assert {"parent", "spec", "kids"} <= set(stored)


# --- data ---------------------------------------------------------------------------------------


def _typed(value: Any) -> Any:
    """A value with the type of every part spelled out: 1, 1.0 and True differ."""
    if isinstance(value, dict):
        return ("dict", [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    if isinstance(value, datetime):
        return ("datetime", value.isoformat(), value.tzinfo)
    return (type(value).__name__, value)


def _typed_data(workflow: Any) -> dict[str, Any]:
    return {str(t.id): _typed(t.data) for t in workflow.get_tasks()} | {"": _typed(workflow.data)}


def test_task_data_values_round_trip_exactly(tmp_path: Path) -> None:
    path = escalation_model(tmp_path / "model.bpmn")
    process = load_process(path.read_bytes(), path.name)
    start = {
        "applicant": "Әлия Серікқызы Нұрланова",  # Kazakh letters: ә, і, қ, ұ, ң, ө, ү, һ
        "address": {"oblys": "Түркістан облысы", "flat": None, "rooms": [1, 2.5, True, None]},
        "count": 1,
        "ratio": 1.0,
        "flag": True,
        "nothing": None,
        "empty": {},
        "nested": [[], [{}], [{"deep": [0, 0.0, False]}]],
        "typename": {"typename": "not a Spiff object"},  # Spiff's registry would take it for one
        "filed": datetime(2026, 7, 3, 18, 15, 30, 123456, tzinfo=UTC),
        "local": datetime(2026, 7, 3, 23, 15, tzinfo=timezone(timedelta(hours=5))),
        "naive": datetime(2026, 7, 3, 23, 15),
        "late_by": timedelta(days=2, seconds=3600),
        "ref": UUID("12345678-1234-5678-1234-567812345678"),
        "dates": [date(2026, 7, 3).isoformat(), datetime(2026, 1, 1, tzinfo=UTC)],
    }
    instance = engine.start(process, dict(start))
    instance.advance(lambda step, data: {})
    (ready,) = instance.ready_tasks()
    # a step changing types only: each new value compares equal to the old one
    instance.complete(ready.task_id, {"count": 1.0, "ratio": True, "flag": 1, "nested": [[], [{}], [
        {"deep": [False, 0, 0.0]}]]})
    restored = codec.decode(codec.encode(instance.workflow), process.spec, {})
    assert codec.spiff_dict(restored) == codec.spiff_dict(instance.workflow)
    assert _typed_data(restored) == _typed_data(instance.workflow)
    task = restored.get_task_from_id(UUID(ready.task_id))
    assert (type(task.data["count"]), type(task.data["ratio"]), type(task.data["flag"])) == (
        float, bool, int)
    assert task.data["nested"][2][0]["deep"] == [False, 0, 0.0]
    assert [type(v) for v in task.data["nested"][2][0]["deep"]] == [bool, int, float]
    assert task.data["filed"] == start["filed"] and task.data["filed"].tzinfo is UTC
    # Kazakh text is stored as UTF-8, readable, not as \u escapes
    text = zlib.decompress(codec.encode(instance.workflow)).decode("utf-8")
    assert "Әлия Серікқызы Нұрланова" in text and "Түркістан облысы" in text
    assert "\\u04d9" not in text


def test_data_without_special_values_is_plain_json(tmp_path: Path) -> None:
    path = wait_model(tmp_path / "wait.bpmn")
    process = load_process(path.read_bytes(), path.name)
    instance = engine.start(process, {"applicant": "Әлия", "fee": 0.0})
    dct = engine.snapshot_dict(instance.snapshot())
    assert dct["serializer_version"] == "regflow-2"
    assert "spec" not in dct and "subprocess_specs" not in dct
    assert dct["w"]["full"] == [[0, {"applicant": "Әлия", "fee": 0.0}]]
    assert dct["ids"] == [str(t) for t in instance.workflow.tasks]
    assert dct["time"] == [t.last_state_change for t in instance.workflow.tasks.values()]
    assert '"\\u0000"' not in json.dumps(dct)


def test_workflow_level_correlations_and_events_round_trip(tmp_path: Path) -> None:
    path = wait_model(tmp_path / "wait.bpmn")
    process = load_process(path.read_bytes(), path.name)
    workflow = engine.start(process, {}).workflow
    workflow.correlations = {"application": {"iin": "850101300123"}}
    workflow.data = {"final": "Берілді", "at": datetime(2026, 7, 3, tzinfo=UTC)}
    workflow.bpmn_events = [BpmnEvent(SignalEventDefinition("sent"), payload={"note": "Хабар"})]
    restored = assert_faithful(workflow, process.spec, {})
    assert restored.correlations == workflow.correlations
    assert restored.data == workflow.data
    (event,) = restored.bpmn_events
    assert (event.event_definition.name, event.payload) == ("sent", {"note": "Хабар"})


def test_snapshot_is_smaller_than_spiffs_even_with_much_data(tmp_path: Path) -> None:
    path = escalation_model(tmp_path / "model.bpmn")
    process = load_process(path.read_bytes(), path.name)
    note = " ".join(["мүгедектігі бар адамға кресло арба беру туралы өтініш"] * 400)
    items = [{"n": i, "name": f"құжат {i}", "pages": i * 1.5} for i in range(300)]
    instance = engine.start(process, {"note": note, "items": items})
    instance.advance(lambda step, data: {})
    sizes = [(len(codec.encode_v1(instance.workflow)), len(instance.snapshot()))]
    (ready,) = instance.ready_tasks()
    instance.complete(ready.task_id, {"items": items[:150], "answer": note[:5000]})
    instance.advance(lambda step, data: {})
    sizes.append((len(codec.encode_v1(instance.workflow)), len(instance.snapshot())))
    assert all(new < old for old, new in sizes), sizes


# --- old snapshots -------------------------------------------------------------------------------


def _three_steps() -> LoadedProcess:
    path = DATA / "snapshot_v1_three_steps.bpmn"
    return load_process(path.read_bytes(), path.name)


@pytest.mark.parametrize(
    "stored",
    [
        lambda: (DATA / "snapshot_v1_three_steps.zlib").read_bytes(),  # after migration 0006
        lambda: (DATA / "snapshot_v1_three_steps.json").read_text(encoding="utf-8"),  # before
        lambda: (DATA / "snapshot_v1_three_steps.json").read_bytes(),
    ],
    ids=["regflow-1-zlib", "plain-json-text", "plain-json-bytes"],
)
def test_stored_old_format_snapshot_restores_and_runs_on(stored: Callable[[], Any]) -> None:
    # Written by regflow before regflow-2 (the engine's old Spiff-based snapshot): three_steps
    # with Task_register completed, Task_decide ready.
    process = _three_steps()
    snapshot = stored()
    assert engine.snapshot_dict(snapshot)["serializer_version"] == "regflow-1/spiff-1.5"
    instance = engine.restore(process, snapshot)
    assert [t.step.id for t in instance.ready_tasks()] == ["Task_decide"]
    assert instance.data["applicant"] == "Әлия Серікқызы Нұрланова"
    assert instance.data["copies"] == [1, 2.5, None, True]
    assert_faithful(instance.workflow, process.spec, {})
    again = engine.restore(process, instance.snapshot())  # now written as regflow-2
    assert codec.spiff_dict(again.workflow) == codec.spiff_dict(instance.workflow)
    for current in (instance, again):
        (decide,) = current.ready_tasks()
        current.complete(decide.task_id, {"refuse": False})
        current.advance(lambda step, data: {})
        (sign,) = current.ready_tasks()
        assert sign.step.id == "Task_sign"
        current.complete(sign.task_id, {})
        current.advance(lambda step, data: {})
        assert (current.completed, current.outcome) == (True, "issued")
    assert instance.workflow.data == again.workflow.data


def test_old_format_written_at_each_step_restores_like_the_new_one() -> None:
    process = library_process(PROCESSES / "kreslo_arba_beru.bpmn")
    instance = engine.start(process, {"route": "provider"})
    instance.advance(lambda step, data: {})
    while True:
        old = engine.restore(process, codec.encode_v1(instance.workflow))
        new = engine.restore(process, instance.snapshot())
        assert codec.spiff_dict(old.workflow) == codec.spiff_dict(new.workflow)
        assert old.ready_tasks() == new.ready_tasks()
        if not (ready := instance.ready_tasks()):
            break
        instance.complete(ready[0].task_id, {})
        instance.advance(lambda step, data: {})


def test_an_open_applications_snapshot_is_plain_and_a_finished_ones_compressed() -> None:
    """Deflating is paid once, for the snapshot that is kept (the finished application's);
    every snapshot before it is rewritten at the next step and is stored as plain JSON. Both
    restore to the same workflow (the codec tells them apart by the first byte)."""
    process = library_process(PROCESSES / "kreslo_arba_beru.bpmn")
    instance = engine.start(process, {"route": "provider"})
    instance.advance(lambda step, data: {})
    while ready := instance.ready_tasks():
        stored = instance.snapshot()
        assert stored.startswith(b'{"serializer_version":"regflow-2",'), stored[:40]
        assert codec.spiff_dict(engine.restore(process, stored).workflow) == codec.spiff_dict(
            instance.workflow)
        instance.complete(ready[0].task_id, default_decisions(
            process.regulation, ready[0].step.inputs, "provider"))
        instance.advance(lambda step, data: {})
    assert instance.workflow.completed
    kept = instance.snapshot()
    text = zlib.decompress(kept)  # compressed: this one stays
    assert text.startswith(b'{"serializer_version":"regflow-2",') and len(kept) < len(text)
    assert codec.spiff_dict(engine.restore(process, kept).workflow) == codec.spiff_dict(
        instance.workflow)


def test_an_open_applications_big_snapshot_is_compressed_all_the_same(tmp_path: Path) -> None:
    """Plain only while small: an application carrying much data would otherwise write many
    more pages at every step than its deflated snapshot does."""
    path = escalation_model(tmp_path / "model.bpmn")
    process = load_process(path.read_bytes(), path.name)
    instance = engine.start(process, {"note": "құжат " * 2000})  # 12,000 characters of text
    instance.advance(lambda step, data: {})
    assert not instance.workflow.completed
    stored = instance.snapshot()
    assert not stored.startswith(b"{") and len(stored) < codec.PLAIN_UP_TO
    assert len(zlib.decompress(stored)) > codec.PLAIN_UP_TO
    assert engine.restore(process, stored).workflow.data == instance.workflow.data


# --- the live-workflow cache -------------------------------------------------------------------


def test_live_workflow_is_reused_for_its_own_snapshot_only() -> None:
    process = library_process(PROCESSES / "kreslo_arba_beru.bpmn")
    instance = engine.start(process, {"route": "provider"})
    instance.advance(lambda step, data: {})
    key = ("sqlite:///test_snapshot", 1)
    engine.keep(instance, key, instance.snapshot())
    stored = instance.snapshot()  # kept again under the key
    assert engine.restore(process, stored, key=key).workflow is instance.workflow
    assert engine.restore(process, stored, key=key).workflow is not instance.workflow  # taken


# --- bad snapshots ------------------------------------------------------------------------------


def _valid(*, lasting: bool = True) -> bytes:
    workflow = engine.start(_three_steps(), {"applicant": "Әлия"}).workflow
    return codec.encode(workflow, lasting=lasting)


def _edited(**changes: Any) -> bytes:
    """A valid regflow-2 snapshot with some of its document's fields changed."""
    doc = json.loads(zlib.decompress(_valid()))
    doc.update(changes)
    return zlib.compress(json.dumps(doc).encode("utf-8"))


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x40]) + data[at + 1 :]


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: b"", "corrupt"),
        (lambda: b"\x00\x01garbage", "corrupt"),
        (lambda: "not json", "corrupt"),
        (lambda: b"[1, 2]", "incorrect header check"),
        (lambda: "[1, 2]", "not a JSON object"),
        (lambda: zlib.compress(b'{"serializer_version": "regflow-9"}'), "'regflow-9' is not known"),
        (lambda: zlib.compress(b'{"serializer_version": "9.9", "tasks": {}}'), "'9.9' is not"),
        (lambda: zlib.compress(b'{"tasks": {}}'), "None is not known"),
        (lambda: zlib.compress(b'{"serializer_version": "regflow-1/spiff-1.5"}'), "no workflow"),
        (lambda: _valid()[:40], "corrupt"),
        (lambda: _valid()[:-7], "corrupt"),
        (lambda: _flip(_valid(), 20), "corrupt"),
        (lambda: _flip(snapshot := _valid(), len(snapshot) - 3), "corrupt"),  # its adler32
        (lambda: _valid(lasting=False)[:40], "corrupt"),
        (lambda: _valid(lasting=False).replace(b'"ids":"', b'"ids":"!'), "corrupt"),
        (lambda: _edited(ids="AAAA"), "do not match"),
        (lambda: _edited(time="not base64!"), "corrupt"),
        (lambda: _edited(ids=b64encode(bytes(16 * 2)).decode(), time=b64encode(bytes(16)).decode()),
         "do not match"),
        (lambda: _edited(w={"names": []}), "corrupt: KeyError"),
        (lambda: codec.encode(engine.start(library_process(PROCESSES / "kreslo_arba_beru.bpmn"),
                                           {}).workflow), "which process 'three_steps'"),
    ],
    ids=["empty", "garbage", "text", "json-list-bytes", "json-list-text", "unknown-new-version",
         "unknown-old-version", "no-version", "old-without-tasks", "cut-short", "truncated",
         "flipped-header", "flipped-stream", "plain-cut-short", "plain-ids-not-base64",
         "ids-cut", "times-not-base64", "ids-for-fewer-tasks",
         "workflow-cut", "other-process"],
)
def test_bad_snapshot_is_a_one_line_state_error(make: Callable[[], Any], says: str) -> None:
    process = _three_steps()
    with pytest.raises(StateError) as caught:
        engine.restore(process, make())
    message = str(caught.value)
    assert says in message and "\n" not in message and "Traceback" not in message


def test_snapshot_dict_of_a_bad_snapshot_is_a_state_error() -> None:
    with pytest.raises(StateError, match="corrupt"):
        engine.snapshot_dict(_valid()[:-7])
    with pytest.raises(StateError, match="regflow-7"):
        engine.snapshot_dict(zlib.compress(b'{"serializer_version": "regflow-7"}'))


def test_value_that_cannot_be_stored_is_a_state_error(tmp_path: Path) -> None:
    path = wait_model(tmp_path / "wait.bpmn")
    instance = engine.start(load_process(path.read_bytes(), path.name), {"blob": object()})
    with pytest.raises(StateError, match="cannot be saved"):
        instance.snapshot()


def test_restored_tasks_carry_what_spiffs_task_constructor_sets() -> None:
    # The codec builds Task objects without Task.__init__; a SpiffWorkflow upgrade that adds an
    # attribute there must show up here.
    process = library_process(PROCESSES / "kreslo_arba_beru.bpmn")
    workflow = engine.start(process, {"route": "provider"}).workflow
    restored = codec.decode(codec.encode(workflow), process.spec, {})
    made = Task(BpmnWorkflow(process.spec), process.spec.start)
    assert all(sorted(vars(t)) == sorted(vars(made)) for t in restored.tasks.values())
    for task in restored.tasks.values():
        assert task.id.is_safe == workflow.tasks[task.id].id.is_safe
        assert hash(task.id) == hash(UUID(str(task.id)))


def test_benchmark_measures_both_codecs_at_every_step_of_the_wheelchair_regulation() -> None:
    from bench.snapshot import run

    result = run(samples=3)
    steps = result["steps"]
    assert len(steps) == 6  # filed, then after each of its five user steps
    assert all(r["bytes_new"] < r["bytes_old"] for r in steps)
    assert all(r["bytes_new"] < r["bytes_new_uncompressed"] for r in steps)
    assert all(r[k] > 0 for r in steps for k in ("encode_ratio", "decode_ratio", "zlib_us"))
