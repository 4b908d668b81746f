"""Running one application on SpiffWorkflow, and saving and restoring its state.

regflow keeps each process version's parsed spec once (cached per version by the caller) and
stores in an application's snapshot only its own task tree and data: restoring a snapshot
re-uses the cached spec object. Gateway conditions and scripts run in the safe evaluator of
:mod:`regflow.workflows.expressions`, never in Python's ``eval``.
"""

from __future__ import annotations

import json
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from regflow.errors import ExpressionError, HandlerError, RegflowError, StateError
from regflow.workflows.expressions import Expression, Script
from regflow.workflows.loader import LoadedProcess
from regflow.workflows.model import Step, StepKind

SNAPSHOT_VERSION = "regflow-1/spiff-1.5"
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


class Instance:
    """One application's workflow, between a restore and a snapshot."""

    def __init__(
        self, process: LoadedProcess, workflow: BpmnWorkflow, key: Hashable | None = None
    ) -> None:
        self.process = process
        self.workflow = workflow
        self.key = key  # see restore(): the live workflow is kept under it after a snapshot

    @property
    def steps(self) -> dict[str, Step]:
        return self.process.regulation.steps

    def ready_tasks(self) -> list[ReadyTask]:
        found = []
        for task in self.workflow.get_tasks(state=TaskState.READY, manual=True):
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
        try:
            task.run()
        except Exception as exc:
            raise _translate(exc) from exc

    def advance(self, run_service: ServiceRunner) -> list[ServiceRun]:
        """Run gateways, scripts and service tasks until only people (or nothing) remain."""
        runs: list[ServiceRun] = []
        try:
            for _ in range(MAX_SERVICE_ROUNDS):
                self.workflow.do_engine_steps()
                pending = [
                    t
                    for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)
                    if (s := self.steps.get(t.task_spec.bpmn_id)) and s.kind is StepKind.SERVICE
                ]
                if not pending:
                    return runs
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
        ready = self.workflow.get_tasks(state=TaskState.READY)
        return dict(ready[0].data) if ready else dict(self.workflow.data)

    def snapshot(self) -> bytes:
        """The application's own state (no spec), as zlib-compressed JSON: about a fifth of the
        plain text, which matters at a million stored applications."""
        _SERIALIZER.registry._encoder_mode = True
        try:
            dct = _SERIALIZER.to_dict(self.workflow)
        finally:
            _SERIALIZER.registry._encoder_mode = False
        dct["serializer_version"] = SNAPSHOT_VERSION
        text = json.dumps(dct, cls=_SERIALIZER._encoder_cls, ensure_ascii=False)
        snapshot = zlib.compress(text.encode("utf-8"), 1)
        if self.key is not None:
            _keep(self.key, snapshot, self.process, self.workflow)
        return snapshot


def snapshot_dict(snapshot: bytes | str) -> dict[str, Any]:
    """The JSON inside a stored snapshot (compressed bytes, or plain text from before 0006)."""
    if isinstance(snapshot, bytes | bytearray | memoryview):
        snapshot = zlib.decompress(bytes(snapshot)).decode("utf-8")
    result: dict[str, Any] = json.loads(snapshot)
    return result


def start(process: LoadedProcess, data: dict[str, Any]) -> Instance:
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=_SCRIPT_ENGINE)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    return Instance(process, workflow)


# Live workflows by key (the caller's: database and application), each with the snapshot it
# was saved as. Restoring the same bytes again gives back the same state, so the next step of
# an application in this process skips rebuilding its task tree from JSON; a snapshot changed
# by anyone else (another process, a rolled-back transaction) no longer matches, and is
# restored as usual. An entry is taken out when used: one owner at a time.
_LIVE: OrderedDict[Hashable, tuple[bytes, LoadedProcess, BpmnWorkflow]] = OrderedDict()
_LIVE_MAX = 256


def _keep(key: Hashable, snapshot: bytes, process: LoadedProcess, workflow: BpmnWorkflow) -> None:
    _LIVE[key] = (snapshot, process, workflow)
    _LIVE.move_to_end(key)
    while len(_LIVE) > _LIVE_MAX:
        _LIVE.popitem(last=False)


def keep(instance: Instance, key: Hashable, snapshot: bytes) -> None:
    """Keep a new application's live workflow, saved as ``snapshot``, for its next restore."""
    instance.key = key
    _keep(key, snapshot, instance.process, instance.workflow)


def restore(
    process: LoadedProcess, snapshot: bytes | str, *, key: Hashable | None = None
) -> Instance:
    """The application's workflow from its stored snapshot. With ``key``, a workflow this
    process saved as exactly these bytes is reused, and the next snapshot is kept again."""
    if key is not None:
        live = _LIVE.pop(key, None)
        if live is not None and live[1] is process and live[0] == snapshot:
            return Instance(process, live[2], key)
    dct = snapshot_dict(snapshot)
    version = dct.pop("serializer_version", None)
    if version != SNAPSHOT_VERSION:
        raise StateError(f"snapshot format {version!r} is not {SNAPSHOT_VERSION!r}")
    workflow = _SERIALIZER.registry.restore(
        dct, spec=process.spec, subprocess_specs=process.subprocess_specs
    )
    workflow.script_engine = _SCRIPT_ENGINE
    return Instance(process, workflow, key)
