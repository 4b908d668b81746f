"""Timer events in working time: the ``timer`` property, and timers SpiffWorkflow cannot fire.

SpiffWorkflow's own timers read the wall clock and know only ISO-8601 calendar durations. A
regulation says "3 working days", "1 calendar month" or "no later than 3 working days before the
deadline", so regflow takes the timer out of Spiff's hands:

* the modeller writes the timer in the norm grammar as a property of the event,
  ``<camunda:property name="timer" value="3 working days"/>``; the ``timeDate`` /
  ``timeDuration`` text of the event definition is ignored (it may stay empty);
* the parser gives every timer event a :class:`RegflowTimer` definition that never looks at a
  clock: it fires only when regflow sets the task's ``event_fired`` flag (:func:`fire`);
* the services compute the due instant with the working-time calendar (:func:`due_at`), keep it
  in the ``timers`` table, and the worker fires the timer when the (possibly simulated) clock
  passes it.

Supported forms (``TimerRule.parse``):

* boundary and intermediate catch events: ``<norm>`` (counted from the moment the event starts
  waiting: the task became ready, or the flow reached the event) and ``<norm> before deadline``
  (counted back from the application's service deadline; working days are counted back over
  working days with :meth:`WorkCalendar.subtract`, calendar days/months by plain date
  arithmetic);
* timer start events: ``at <date-time>`` / an ISO date-time (one shot) or ``every <norm>``
  (the first run one period after the version was deployed, then one period after each run).
"""

from __future__ import annotations

import calendar as _stdcal
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.parser.event_parsers import (
    BoundaryEventParser,
    IntermediateCatchEventParser,
    StartEventParser,
)
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, IntermediateCatchEvent, StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import PendingBpmnEvent
from SpiffWorkflow.util.task import TaskState

from regflow.errors import NormError, StateError
from regflow.workflows.calendar import WorkCalendar
from regflow.workflows.norms import Norm, NormUnit

_BEFORE = re.compile(r"^(?P<norm>.+?)\s+(?:before|до|дейін)\s+(?:the\s+)?(?:service\s+)?"
                     r"(?:deadline|срока|мерзім\w*)$", re.IGNORECASE)
_EVERY = re.compile(r"^(?:every|әр|каждые)\s+(?P<norm>.+)$", re.IGNORECASE)
_AT = re.compile(r"^(?:at|once)\s+(?P<when>.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class TimerRule:
    """A timer as the modeller wrote it, read once when the model is loaded."""

    text: str
    norm: Norm | None = None
    before_deadline: bool = False
    every: bool = False
    at: datetime | None = None  # one-shot start timers; naive = provider's local time

    @classmethod
    def parse(cls, text: str, *, start: bool = False) -> TimerRule:
        """Read a ``timer`` property; raises :class:`NormError` with a one-line reason."""
        cleaned = " ".join((text or "").split())
        if not cleaned:
            raise NormError("a timer event needs a 'timer' property, e.g. '3 working days'")
        if start:
            match = _EVERY.match(cleaned)
            if match:
                norm = Norm.parse(match["norm"])
                if norm.amount == 0:
                    raise NormError(f"a repeating timer cannot repeat every {norm}: {text!r}")
                return cls(cleaned, norm=norm, every=True)
            when = (m["when"] if (m := _AT.match(cleaned)) else cleaned).replace(" ", "T", 1)
            try:
                return cls(cleaned, at=datetime.fromisoformat(when))
            except ValueError:
                raise NormError(
                    f"cannot read start timer {text!r}: write 'every 1 working day' or "
                    "'at 2026-07-10 09:00'"
                ) from None
        match = _BEFORE.match(cleaned)
        if match:
            norm = Norm.parse(match["norm"])
            if norm.unit is NormUnit.MINUTES:
                raise NormError(
                    f"count a timer before the deadline in working or calendar days: {text!r}"
                )
            return cls(cleaned, norm=norm, before_deadline=True)
        return cls(cleaned, norm=Norm.parse(cleaned))


def due_at(
    rule: TimerRule,
    calendar: WorkCalendar,
    *,
    waiting_since: datetime,
    deadline: datetime | None = None,
) -> datetime:
    """When a catch or boundary timer that started waiting at ``waiting_since`` is due.

    A timer "before deadline" on an application without a service deadline, or whose instant
    has already passed, is due at once (``waiting_since``): a late notice is still sent."""
    assert rule.norm is not None
    if not rule.before_deadline:
        return calendar.add(waiting_since, rule.norm)
    if deadline is None:
        return waiting_since
    if rule.norm.unit is NormUnit.WORKING_DAYS:
        when = calendar.subtract(deadline, rule.norm.amount)
    elif rule.norm.unit is NormUnit.CALENDAR_DAYS:
        when = deadline - timedelta(days=rule.norm.amount)
    else:
        local = deadline.astimezone(calendar.tz)
        index = local.year * 12 + local.month - 1 - rule.norm.amount
        year, month = divmod(index, 12)
        day = min(local.day, _stdcal.monthrange(year, month + 1)[1])
        when = local.replace(year=year, month=month + 1, day=day)
    return max(when, waiting_since)


def next_start(
    rule: TimerRule, calendar: WorkCalendar, *, after: datetime, tz: tzinfo
) -> datetime | None:
    """The next run of a timer start event after ``after`` (None when a one-shot is past)."""
    if rule.every:
        assert rule.norm is not None
        return calendar.add(after, rule.norm)
    assert rule.at is not None
    at = rule.at if rule.at.tzinfo else rule.at.replace(tzinfo=tz)
    return at if at > after else None


class RegflowTimer(TimerEventDefinition):
    """A timer that fires only when regflow says so (never on Spiff's wall clock).

    ``rule`` is the parsed ``timer`` property; a timer start event fires at once, because the
    worker starts such a process only when its time has come."""

    def __init__(
        self,
        name: str,
        rule_text: str,
        *,
        start: bool = False,
        properties: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, rule_text, **kwargs)
        self.start = start
        self.properties = dict(properties or {})
        self.rule = TimerRule.parse(rule_text, start=start) if rule_text else None

    def has_fired(self, my_task: Any) -> bool:
        if self.start:
            return True
        return bool(my_task._get_internal_data("event_fired", False))

    def details(self, my_task: Any) -> PendingBpmnEvent:
        return PendingBpmnEvent(self.name, "RegflowTimer", my_task._get_internal_data("due_at"))


class _TimerParsing:
    """Parser mixin: every timerEventDefinition becomes a :class:`RegflowTimer`."""

    node: Any

    def parse_timer_event(self, event: Any) -> RegflowTimer:
        from regflow.workflows.loader import properties_of

        props = properties_of(self.node)
        name = self.node.get("name", self.node.get("id"))
        start = self.node.tag == full_tag("startEvent")
        return RegflowTimer(name, props.get("timer", ""), start=start, properties=props,
                            description="Timer")


class _StartParser(_TimerParsing, StartEventParser):
    pass


class _CatchParser(_TimerParsing, IntermediateCatchEventParser):
    pass


class _BoundaryParser(_TimerParsing, BoundaryEventParser):
    pass


PARSER_CLASSES = {
    full_tag("startEvent"): (_StartParser, StartEvent),
    full_tag("intermediateCatchEvent"): (_CatchParser, IntermediateCatchEvent),
    full_tag("boundaryEvent"): (_BoundaryParser, BoundaryEvent),
}


@dataclass(frozen=True)
class WaitingTimer:
    """A timer event of one application that is waiting to fire."""

    task_id: str
    event_id: str  # the BPMN id of the timer event
    name: str
    rule: TimerRule
    attached_to: str | None  # the user task a boundary timer watches
    interrupting: bool


_TIMED: dict[int, tuple[Any, bool]] = {}  # id(spec) → (spec, has timer events)


def has_timer_events(spec: Any, subprocess_specs: dict[str, Any]) -> bool:
    """Whether a process version (its subprocesses included) has any timer event at all.

    A version without one can never have a waiting timer, so the services skip the timer rows
    of its applications altogether (one query less on every completion). Cached per spec."""
    cached = _TIMED.get(id(spec))
    if cached is not None and cached[0] is spec:
        return bool(cached[1])
    found = any(
        isinstance(getattr(task_spec, "event_definition", None), TimerEventDefinition)
        for process_spec in (spec, *subprocess_specs.values())
        for task_spec in process_spec.task_specs.values()
    )
    _TIMED[id(spec)] = (spec, found)
    return found


def waiting_timers(workflow: Any) -> list[WaitingTimer]:
    """The WAITING regflow timer events of a workflow (subprocesses included)."""
    found = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        spec = task.task_spec
        definition = getattr(spec, "event_definition", None)
        if not isinstance(definition, RegflowTimer) or definition.rule is None:
            continue
        host = None
        if isinstance(spec, BoundaryEvent) and task.parent is not None:
            host = task.parent.task_spec.name.removesuffix(".BoundaryEventSplit")
        found.append(
            WaitingTimer(
                task_id=str(task.id),
                event_id=spec.bpmn_id,
                name=spec.bpmn_name or spec.bpmn_id,
                rule=definition.rule,
                attached_to=host,
                interrupting=bool(getattr(spec, "cancel_activity", True)),
            )
        )
    return found


def fire(workflow: Any, task_id: str) -> dict[str, str]:
    """Fire one waiting timer: its branch becomes runnable on the next engine step.

    The caller runs the engine afterwards (``Instance.advance``); the extra ``do_engine_steps``
    here is the one Spiff needs because it refreshes timers only at the end of a pass. Returns
    the timer event's properties (``escalate`` names who is told)."""
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except Exception:
        raise StateError(f"timer task {task_id} is not in this application") from None
    if task.state != TaskState.WAITING:
        raise StateError(f"timer '{task.task_spec.bpmn_name or task.task_spec.bpmn_id}' is not "
                         "waiting")
    task._set_internal_data(event_fired=True)
    workflow.refresh_timers()
    workflow.do_engine_steps()
    return dict(task.task_spec.event_definition.properties)
