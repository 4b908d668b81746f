"""Running one application on SpiffWorkflow, and saving and restoring its state.

regflow keeps each process version's parsed spec once (cached per version by the caller) and
stores in an application's snapshot only its own task tree and data: restoring a snapshot
re-uses the cached spec object. Gateway conditions and scripts run in the safe evaluator of
:mod:`regflow.workflows.expressions`, never in Python's ``eval``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from regflow.errors import ExpressionError, HandlerError, RegflowError, StateError
from regflow.workflows import snapshot as codec
from regflow.workflows.expressions import Expression, Script
from regflow.workflows.loader import LoadedProcess
from regflow.workflows.model import Step, StepKind

SNAPSHOT_VERSION = codec.VERSION  # written; restore() also reads codec.V1_VERSION
MAX_SERVICE_ROUNDS = 1000

ServiceRunner = Callable[[Step, dict[str, Any]], dict[str, Any]]


class _SafeScriptEngine(PythonScriptEngine):
    """Replaces Spiff's eval/exec with the checked expression language."""

    def __init__(self) -> None:
        super().__init__()
        self._expressions: dict[str, Expression] = {}
        self._scripts: dict[str, Script] = {}

    def validate(self, expression: str) -> None:
        Expression(expression)

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        compiled = self._expressions.get(expression)
        if compiled is None:
            compiled = self._expressions[expression] = Expression(expression)
        return compiled.evaluate(task.data)

    def execute(self, task: Any, script: str, external_context: Any = None) -> bool:
        compiled = self._scripts.get(script)
        if compiled is None:
            compiled = self._scripts[script] = Script(script)
        compiled.execute(task.data)
        return True

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        raise StateError("service tasks are run by regflow's handlers, not by the script engine")


_SCRIPT_ENGINE = _SafeScriptEngine()


@dataclass(frozen=True)
class ReadyTask:
    """A user task waiting for a person: the engine-side identity of a step record."""

    task_id: str
    step: Step


@dataclass(frozen=True)
class ServiceRun:
    task_id: str
    step: Step
    result: dict[str, Any]


def _translate(exc: Exception) -> RegflowError:
    if isinstance(exc, RegflowError):
        return exc
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ExpressionError):
            return StateError(f"a gateway could not decide: {cause.message}")
        cause = cause.__cause__ or cause.__context__
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return StateError(f"the process cannot go on: {text}")


_READY = TaskState.READY
_FUTURE = TaskState.FUTURE
_SCAN_UP_TO = 900  # SpiffWorkflow's iterator stops going deeper at 1000 levels


def _ready_tasks(workflow: BpmnWorkflow) -> list[Any]:
    """``workflow.get_tasks(state=TaskState.READY)``, the same tasks in the same order, walked
    in a few lines instead of through SpiffWorkflow's general iterator (a filter object, a
    depth count and a subprocess lookup per task): every completion walks the tree twice or
    more. Like Spiff's walk it goes depth first and does not descend below predicted (MAYBE,
    LIKELY) tasks, where nothing is READY. A workflow with subprocesses, or a tree deep
    enough to meet Spiff's depth limit, takes Spiff's own walk
    (tests/workflows/test_engine.py compares the two at every step of every regulation)."""
    tasks = workflow.tasks
    if workflow.subprocesses or len(tasks) > _SCAN_UP_TO or workflow.task_tree is None:
        return list(workflow.get_tasks(state=TaskState.READY))
    found = []
    todo = [workflow.task_tree]
    while todo:
        task = todo.pop()
        state = task._state
        if state == _READY:
            found.append(task)
        if state >= _FUTURE and task._children:
            todo.extend([tasks.get(child) for child in reversed(task._children)])
    return found


_WAITING = TaskState.WAITING
_state_of = attrgetter("_state")


def _update_waiting_tasks(workflow: BpmnWorkflow) -> None:
    """SpiffWorkflow's ``update_waiting_tasks``, run only when some task is WAITING (a join
    waiting for its other paths, a timer or a message), and so with the same effect. Why:
    SpiffWorkflow calls it after every task that completes, and it walks the whole tree through
    its general iterator to find the WAITING tasks, of which a regulation's straight chain of
    steps has none: that walk was a fifth of regflow's engine work per completion
    (bench/instructions.py). Whether any task waits is one pass over the workflow's table of
    tasks, in C; if one does, SpiffWorkflow's own method runs as it would have
    (tests/workflows/test_engine.py runs every model both ways and compares every task's state
    after every step)."""
    if _WAITING in map(_state_of, workflow.tasks.values()):
        type(workflow).update_waiting_tasks(workflow)


class Instance:
    """One application's workflow, between a restore and a snapshot."""

    def __init__(
        self, process: LoadedProcess, workflow: BpmnWorkflow, key: Hashable | None = None
    ) -> None:
        self.process = process
        self.workflow = workflow
        # this workflow's own, in front of its class's: see _update_waiting_tasks (its
        # subprocesses, which SpiffWorkflow creates itself, keep SpiffWorkflow's)
        update = partial(_update_waiting_tasks, workflow)
        workflow.update_waiting_tasks = update  # type: ignore[method-assign]
        self.key = key  # see restore(): the live workflow is kept under it after a snapshot
        # The READY tasks as the last scan of the tree found them (advance() scans anyway):
        # every caller after it (step rows, data, the next completion) reads this list
        # instead of walking the tree again. Anything that moves the workflow clears it.
        self._ready: list[Any] | None = None

    @property
    def steps(self) -> dict[str, Step]:
        return self.process.regulation.steps

    def _ready_now(self) -> list[Any]:
        if self._ready is None:
            self._ready = _ready_tasks(self.workflow)
        return self._ready

    def ready_tasks(self) -> list[ReadyTask]:
        found = []
        for task in self._ready_now():
            if not task.task_spec.manual:
                continue
            step = self.steps.get(task.task_spec.bpmn_id)
            if step is not None and step.kind is StepKind.USER:
                found.append(ReadyTask(task_id=str(task.id), step=step))
        return found

    def open_task_ids(self) -> set[str]:
        return {t.task_id for t in self.ready_tasks()}

    def complete(self, task_id: str, data: dict[str, Any]) -> None:
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except Exception:
            raise StateError(f"task {task_id} is not in this application") from None
        if task.state != TaskState.READY:
            raise StateError(f"task '{task.task_spec.bpmn_name}' is not ready")
        task.data.update(data)
        self._ready = None
        try:
            task.run()
        except Exception as exc:
            raise _translate(exc) from exc

    def _engine_steps(self) -> None:
        """SpiffWorkflow's ``do_engine_steps`` (run every READY task that is not a person's or a
        system's until none is left, then refresh timers) with one walk of the task tree per
        round instead of two, the last walk kept as the READY list (see ``_ready``). Workflows
        with subprocesses, or waiting catch events, take Spiff's own loop: it steps the
        subprocesses' parents and its timer refresh may make tasks READY after the last walk."""
        workflow = self.workflow
        self._ready = None
        if self.process.subprocess_specs or workflow.subprocesses:
            workflow.do_engine_steps()
            return
        while True:
            ready = _ready_tasks(workflow)
            engine_tasks = [t for t in ready if not t.task_spec.manual]
            if not engine_tasks:
                break
            for task in engine_tasks:
                task.run()
        if workflow.event_manager.tasks:
            workflow.refresh_timers()
        else:
            self._ready = ready

    def advance(self, run_service: ServiceRunner) -> list[ServiceRun]:
        """Run gateways, scripts and service tasks until only people (or nothing) remain."""
        runs: list[ServiceRun] = []
        try:
            for _ in range(MAX_SERVICE_ROUNDS):
                self._engine_steps()
                pending = [
                    t
                    for t in self._ready_now()
                    if t.task_spec.manual
                    and (s := self.steps.get(t.task_spec.bpmn_id))
                    and s.kind is StepKind.SERVICE
                ]
                if not pending:
                    return runs
                self._ready = None
                for task in pending:
                    step = self.steps[task.task_spec.bpmn_id]
                    try:
                        result = run_service(step, dict(task.data))
                    except HandlerError as exc:
                        # The handler gave up: this task stays READY (not run) so the step is not
                        # lost; the caller keeps the runs completed before it and records an
                        # incident. The error carries both, whatever its concrete class.
                        exc.runs = runs  # type: ignore[attr-defined]
                        exc.task_id = str(task.id)  # type: ignore[attr-defined]
                        raise
                    task.data.update(result)
                    task.run()
                    runs.append(ServiceRun(task_id=str(task.id), step=step, result=result))
        except ExpressionError as exc:
            raise StateError(f"a gateway could not decide: {exc.message}") from None
        except RegflowError:
            raise
        except (SpiffWorkflowException, Exception) as exc:
            raise _translate(exc) from exc
        raise StateError("service tasks loop without end")

    @property
    def completed(self) -> bool:
        if self._ready:  # a READY task is not finished: no need to look for one
            return False
        return bool(self.workflow.is_completed())

    @property
    def outcome(self) -> str | None:
        if not self.completed:
            return None
        ends = self.process.regulation.end_outcomes
        finished = [
            t
            for t in self.workflow.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.bpmn_id in ends
        ]
        return ends[finished[-1].task_spec.bpmn_id] if finished else "issued"

    @property
    def data(self) -> dict[str, Any]:
        if self.completed:
            return dict(self.workflow.data)
        ready = self._ready_now()
        return dict(ready[0].data) if ready else dict(self.workflow.data)

    def snapshot(self) -> bytes:
        """The application's own state (no spec) in the compact regflow-2 format
        (workflows/snapshot.py): encoding and restoring it run on every step. A completed
        workflow's snapshot is kept as it is for years and is always compressed; an open
        application's is rewritten at its next step, so a small one is written plain (see the
        codec's ``lasting``)."""
        snapshot = codec.encode(self.workflow, lasting=self.workflow.completed)
        if self.key is not None:
            _keep(self.key, snapshot, self)
        return snapshot


def snapshot_dict(snapshot: bytes | str) -> dict[str, Any]:
    """The JSON document inside a stored snapshot, whatever its format: regflow-2 (its own
    layout, see workflows/snapshot.py), regflow-1 (SpiffWorkflow's dict, zlib) or plain text
    from before migration 0006. ``serializer_version`` names the format."""
    return codec.as_dict(snapshot)


def start(process: LoadedProcess, data: dict[str, Any]) -> Instance:
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=_SCRIPT_ENGINE)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    return Instance(process, workflow)


# Live instances by key (the caller's: database and application), each with the snapshot it
# was saved as. Restoring the same bytes again gives back the same state, so the next step of
# an application in this process skips rebuilding its task tree from JSON (and keeps the READY
# list its last advance() found); a snapshot changed by anyone else (another process, a
# rolled-back transaction) no longer matches, and is restored as usual. An entry is taken out
# when used: one owner at a time.
_LIVE: OrderedDict[Hashable, tuple[bytes, Instance]] = OrderedDict()
_LIVE_MAX = 256


def _keep(key: Hashable, snapshot: bytes, instance: Instance) -> None:
    _LIVE[key] = (snapshot, instance)
    _LIVE.move_to_end(key)
    while len(_LIVE) > _LIVE_MAX:
        _LIVE.popitem(last=False)


def keep(instance: Instance, key: Hashable, snapshot: bytes) -> None:
    """Keep a new application's live workflow, saved as ``snapshot``, for its next restore."""
    instance.key = key
    _keep(key, snapshot, instance)


def restore(
    process: LoadedProcess, snapshot: bytes | str, *, key: Hashable | None = None
) -> Instance:
    """The application's workflow from its stored snapshot. With ``key``, a workflow this
    process saved as exactly these bytes is reused, and the next snapshot is kept again."""
    if key is not None:
        live = _LIVE.pop(key, None)
        if live is not None and live[1].process is process and live[0] == snapshot:
            return live[1]
    workflow = codec.decode(
        snapshot, process.spec, process.subprocess_specs, script_engine=_SCRIPT_ENGINE
    )
    return Instance(process, workflow, key)


def run_plain(process: LoadedProcess, data: dict[str, Any]) -> int:
    """Run one application by SpiffWorkflow's own loop alone, as any SpiffWorkflow user would
    (``do_engine_steps``, the READY manual tasks, ``task.run()``), in memory, every person's
    task completed at once with no data: the ceiling bench/run.py measures regflow against.
    Same parsed spec and expression engine as regflow. Returns the tasks completed."""
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=_SCRIPT_ENGINE)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    workflow.do_engine_steps()
    done = 0
    while ready := workflow.get_tasks(state=TaskState.READY, manual=True):
        ready[0].run()
        workflow.do_engine_steps()
        done += 1
    return done
