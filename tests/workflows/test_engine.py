"""The engine's own walk of the task tree (workflows/engine.py ``_ready_tasks``) finds exactly
what SpiffWorkflow's ``get_tasks(state=READY)`` finds, in the same order, at every step: every
model of processes/ on every route, a parallel split and join, a long rework loop, and timers
waiting and firing. The order matters: it decides which engine task runs first and
in which order new steps get their rows. Likewise the engine's gate in front of SpiffWorkflow's
``update_waiting_tasks`` (``_update_waiting_tasks``) leaves every task in the state
SpiffWorkflow's own method leaves it, in the same models."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.util.task import TaskState

from regflow.handlers.registry import runner_for
from regflow.workflows import engine, timers
from tests.support import (
    default_decisions,
    filing_answers,
    filing_instant,
    library_cases,
    library_process,
)
from tests.timer_support import TIMER_MODEL_IDS, TIMER_MODELS, started

CASES = library_cases()


def _assert_same_walk(workflow: BpmnWorkflow) -> None:
    spiffs = workflow.get_tasks(state=TaskState.READY)
    ours = engine._ready_tasks(workflow)
    assert [t.id for t in ours] == [t.id for t in spiffs]


def _filed(path: Path, route: str | None) -> tuple[engine.Instance, Any]:
    """A new application of the model on the route, run on to its first person's step (the
    walks compared before and after), and the handler runner on the fixtures."""
    process = library_process(path)
    reg = process.regulation
    answers = filing_answers(reg, route)
    run = runner_for("local", filing_instant(reg).date())
    instance = engine.start(process, answers)
    _assert_same_walk(instance.workflow)
    instance.advance(run)
    return instance, run


@pytest.mark.parametrize(("path", "route"), CASES, ids=[f"{p.stem}-{r}" for p, r in CASES])
def test_ready_walk_matches_spiffs_at_every_step_of_every_route(
    path: Path, route: str | None
) -> None:
    instance, run = _filed(path, route)
    reg = instance.process.regulation
    steps = 0
    while ready := instance.ready_tasks():
        _assert_same_walk(instance.workflow)
        # Instance.completed answers from the READY list; SpiffWorkflow walks the tree
        assert not instance.completed and not instance.workflow.is_completed()
        instance.complete(ready[0].task_id, default_decisions(reg, ready[0].step.inputs, route))
        _assert_same_walk(instance.workflow)  # mid-step: the completed task's children wait
        instance.advance(run)
        steps += 1
        assert steps < 100
    _assert_same_walk(instance.workflow)
    # every route ends (the portal's without a person's step), and both say so
    assert instance.completed and instance.workflow.is_completed()


def _bpmn(process_id: str, body: str) -> bytes:
    """A BPMN file of one process whose flow elements are ``body``."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
        'targetNamespace="http://regflow/test">\n'
        f'  <process id="{process_id}" isExecutable="true">{body}  </process>\n'
        "</definitions>"
    ).encode()


_PARALLEL = _bpmn("parallel", """
    <startEvent id="start"/>
    <sequenceFlow id="f0" sourceRef="start" targetRef="split"/>
    <parallelGateway id="split"/>
    <sequenceFlow id="f1" sourceRef="split" targetRef="a"/>
    <sequenceFlow id="f2" sourceRef="split" targetRef="b"/>
    <sequenceFlow id="f3" sourceRef="split" targetRef="c"/>
    <userTask id="a"/>
    <userTask id="b"/>
    <userTask id="c"/>
    <sequenceFlow id="f4" sourceRef="a" targetRef="join"/>
    <sequenceFlow id="f5" sourceRef="b" targetRef="join"/>
    <sequenceFlow id="f6" sourceRef="c" targetRef="b2"/>
    <userTask id="b2"/>
    <sequenceFlow id="f7" sourceRef="b2" targetRef="join"/>
    <parallelGateway id="join"/>
    <sequenceFlow id="f8" sourceRef="join" targetRef="last"/>
    <userTask id="last"/>
    <sequenceFlow id="f9" sourceRef="last" targetRef="end"/>
    <endEvent id="end"/>
""")


def _spiff_workflow(bpmn: bytes, name: str, process_id: str | None = None) -> BpmnWorkflow:
    from lxml import etree

    parser = BpmnParser()
    parser.add_bpmn_xml(etree.fromstring(bpmn), filename=name)
    process_id = process_id or parser.get_process_ids()[0]
    spec = parser.get_spec(process_id)
    return BpmnWorkflow(spec, parser.get_subprocess_specs(process_id))


def _run_through(workflow: BpmnWorkflow, pick: int) -> int:
    """Run engine tasks and complete a person's task (the ``pick``-th of those ready, counted
    round) until none is left, comparing the walks before every move. Returns the moves."""
    moves = 0
    while moves < 200:
        _assert_same_walk(workflow)
        ready = workflow.get_tasks(state=TaskState.READY)
        engine_tasks = [t for t in ready if not t.task_spec.manual]
        if engine_tasks:
            engine_tasks[0].run()
        else:
            manual = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not manual:
                break
            manual[pick % len(manual)].run()
        moves += 1
    return moves


@pytest.mark.parametrize("pick", [0, 1, 2])
def test_ready_walk_matches_spiffs_through_a_parallel_split_and_join(pick: int) -> None:
    workflow = _spiff_workflow(_PARALLEL, "parallel.bpmn")
    workflow.do_engine_steps()
    assert sorted(t.task_spec.name for t in engine._ready_tasks(workflow)) == ["a", "b", "c"]
    # start, split, a, b, c, b2, join, last, end: nine tasks, each run once
    assert _run_through(workflow, pick) == 9
    assert workflow.is_completed()


_LOOP = _bpmn("loop", """
    <startEvent id="start"/>
    <sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
    <userTask id="work"/>
    <sequenceFlow id="f1" sourceRef="work" targetRef="again"/>
    <exclusiveGateway id="again" default="f3"/>
    <sequenceFlow id="f2" sourceRef="again" targetRef="work">
      <conditionExpression>rounds &lt; 40</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="f3" sourceRef="again" targetRef="end"/>
    <endEvent id="end"/>
""")


def test_ready_walk_matches_spiffs_down_a_long_rework_loop() -> None:
    """Each round of a loop hangs the next one below it: the tree grows one level per round,
    so the walk goes deep (here 40 rounds)."""
    workflow = _spiff_workflow(_LOOP, "loop.bpmn")
    workflow.do_engine_steps()
    rounds = 0
    while ready := workflow.get_tasks(state=TaskState.READY, manual=True):
        _assert_same_walk(workflow)
        rounds += 1
        ready[0].data["rounds"] = rounds
        ready[0].run()
        workflow.do_engine_steps()
    _assert_same_walk(workflow)
    assert rounds == 40  # the condition lets rounds 1..39 go back, the 40th goes on
    assert len(workflow.tasks) >= 2 * 40  # a work task and a gateway per round


@pytest.mark.parametrize("make", TIMER_MODELS, ids=TIMER_MODEL_IDS)
def test_ready_walk_matches_spiffs_while_timers_wait_and_fire(
    tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    process, instance, route = started(make, tmp_path)
    reg = process.regulation
    fired = 0
    for _ in range(30):
        _assert_same_walk(instance.workflow)
        waiting = timers.waiting_timers(instance.workflow)
        if waiting:
            timers.fire(instance.workflow, waiting[0].task_id)
            fired += 1
        elif ready := instance.ready_tasks():
            step = ready[0].step
            instance.complete(ready[0].task_id, default_decisions(reg, step.inputs, route))
        else:
            break
        instance.advance(lambda step, data: {})
    _assert_same_walk(instance.workflow)
    assert fired >= 1


# --- the gate in front of SpiffWorkflow's update_waiting_tasks ----------------------------------


def _states(workflow: BpmnWorkflow) -> list[tuple[str, str]]:
    """Every task's spec and state: what two runs of one model must agree on (their task ids
    are random)."""
    return sorted(
        (t.task_spec.name, TaskState.get_name(t.state)) for t in workflow.tasks.values()
    )


def _spiffs_own(instance: engine.Instance) -> engine.Instance:
    """The instance with SpiffWorkflow's own update_waiting_tasks, its class's, again."""
    del instance.workflow.update_waiting_tasks
    assert "update_waiting_tasks" not in vars(instance.workflow)
    return instance


@pytest.mark.parametrize(("path", "route"), CASES, ids=[f"{p.stem}-{r}" for p, r in CASES])
def test_waiting_gate_leaves_every_task_as_spiff_would_at_every_step_of_every_route(
    path: Path, route: str | None
) -> None:
    process = library_process(path)
    reg = process.regulation
    answers = filing_answers(reg, route)
    run = runner_for("local", filing_instant(reg).date())
    gated, plain = engine.start(process, answers), _spiffs_own(engine.start(process, answers))
    for instance in (gated, plain):
        instance.advance(run)
    steps = 0
    while ready := gated.ready_tasks():
        assert [r.step.id for r in plain.ready_tasks()] == [r.step.id for r in ready]
        decisions = default_decisions(reg, ready[0].step.inputs, route)
        gated.complete(ready[0].task_id, decisions)
        plain.complete(plain.ready_tasks()[0].task_id, decisions)
        assert _states(gated.workflow) == _states(plain.workflow)
        for instance in (gated, plain):
            instance.advance(run)
        assert _states(gated.workflow) == _states(plain.workflow)
        steps += 1
        assert steps < 100
    assert plain.ready_tasks() == [] and gated.completed and plain.completed


def _gated(workflow: BpmnWorkflow) -> BpmnWorkflow:
    from functools import partial

    workflow.update_waiting_tasks = partial(  # type: ignore[method-assign]
        engine._update_waiting_tasks, workflow
    )
    return workflow


@pytest.mark.parametrize("pick", [0, 1, 2])
def test_waiting_gate_leaves_a_parallel_join_as_spiff_would(pick: int) -> None:
    gated = _gated(_spiff_workflow(_PARALLEL, "parallel.bpmn"))
    plain = _spiff_workflow(_PARALLEL, "parallel.bpmn")
    moves = 0
    while True:
        for workflow in (gated, plain):
            workflow.do_engine_steps()
        assert _states(gated) == _states(plain)
        ready = [w.get_tasks(state=TaskState.READY, manual=True) for w in (gated, plain)]
        if not ready[0]:
            break
        names = [[t.task_spec.name for t in r] for r in ready]
        assert names[0] == names[1]
        for tasks in ready:
            tasks[pick % len(tasks)].run()
        moves += 1
    # a, b, c, b2 and last: five people's tasks; the join waited for the last of its paths
    assert moves == 5 and gated.is_completed() and plain.is_completed()


@pytest.mark.parametrize("make", TIMER_MODELS, ids=TIMER_MODEL_IDS)
def test_waiting_gate_leaves_timers_as_spiff_would(
    tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    _, gated, route = started(make, tmp_path)
    process, plain, _ = started(make, tmp_path)
    _spiffs_own(plain)
    reg = process.regulation
    fired = 0
    for _ in range(30):
        assert _states(gated.workflow) == _states(plain.workflow)
        waiting = [timers.waiting_timers(i.workflow) for i in (gated, plain)]
        assert [w.event_id for w in waiting[0]] == [w.event_id for w in waiting[1]]
        if waiting[0]:
            for instance, found in zip((gated, plain), waiting, strict=True):
                timers.fire(instance.workflow, found[0].task_id)
            fired += 1
        elif ready := gated.ready_tasks():
            decisions = default_decisions(reg, ready[0].step.inputs, route)
            gated.complete(ready[0].task_id, decisions)
            plain.complete(plain.ready_tasks()[0].task_id, decisions)
        else:
            break
        for instance in (gated, plain):
            instance.advance(lambda step, data: {})
    assert _states(gated.workflow) == _states(plain.workflow) and fired >= 1


def test_spiffs_walk_for_waiting_tasks_runs_only_while_a_task_waits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    walks: list[int] = []
    own = BpmnWorkflow.update_waiting_tasks

    def counted(workflow: BpmnWorkflow) -> None:
        walks.append(sum(t.state == TaskState.WAITING for t in workflow.tasks.values()))
        own(workflow)

    monkeypatch.setattr(BpmnWorkflow, "update_waiting_tasks", counted)
    straight = _gated(_spiff_workflow(_LOOP, "loop.bpmn"))  # no join, no timer: nothing waits
    straight.do_engine_steps()
    for rounds in (1, 40):
        task = straight.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data["rounds"] = rounds
        task.run()
        straight.do_engine_steps()
    assert straight.is_completed() and walks == []
    joined = _gated(_spiff_workflow(_PARALLEL, "parallel.bpmn"))
    joined.do_engine_steps()
    while ready := joined.get_tasks(state=TaskState.READY, manual=True):
        ready[0].run()
        joined.do_engine_steps()
    assert joined.is_completed()
    assert walks and all(n >= 1 for n in walks)  # each walk found the waiting join
