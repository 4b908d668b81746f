"""What regflow knows about a regulation, in its own terms, read from the BPMN file.

The rest of regflow (store, services, CLI, reports) works with these small frozen objects and
never sees SpiffWorkflow's specs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from regflow.workflows.norms import Norm


class StepKind(StrEnum):
    USER = "user"  # a person does it: it appears in a task list
    SERVICE = "service"  # an information system does it: a handler runs it


@dataclass(frozen=True)
class Lane:
    role: str
    name: str
    schedule: str | None = None
    # the name in other languages (properties name_ru, name_en): language code → name
    names: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Input:
    """A decision the person makes when completing a step, read by the gateway after it."""

    name: str
    type: str = "str"  # bool | int | str


@dataclass(frozen=True)
class Step:
    """A task of the model: one numbered step (рәсім) of the regulation."""

    id: str
    name: str
    kind: StepKind
    role: str | None
    norm: Norm | None = None
    source: str | None = None
    result: str | None = None
    inputs: tuple[Input, ...] = ()
    outputs: tuple[Input, ...] = ()  # what a service step's handler answers
    handler: str | None = None
    line: int | None = None
    names: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # see Lane


@dataclass(frozen=True)
class Flow:
    target: str
    condition: str | None = None
    default: bool = False


@dataclass(frozen=True)
class Regulation:
    """One version of one process, as the modeller wrote it."""

    key: str
    name: str
    lanes: dict[str, Lane]
    steps: dict[str, Step]
    routes: tuple[str, ...]
    end_outcomes: dict[str, str]
    properties: dict[str, str] = field(default_factory=dict)
    step_order: tuple[str, ...] = ()
    flows: dict[str, tuple[Flow, ...]] = field(default_factory=dict)
    start_ids: tuple[str, ...] = ()
    names: dict[str, str] = field(default_factory=dict)  # see Lane

    @property
    def schedule(self) -> str:
        return self.properties.get("schedule", "akimat")

    def schedule_of(self, role: str | None) -> str:
        """Lanes of another organisation (rural akim, State Corporation, portal) keep own hours."""
        lane = self.lanes.get(role or "")
        return lane.schedule if lane and lane.schedule else self.schedule

    def deadline_for(self, route: str | None) -> Norm | None:
        text = self.properties.get(f"deadline.{route}") if route else None
        text = text or self.properties.get("deadline")
        return Norm.parse(text) if text else None

    def count_first_day(self, route: str | None = None) -> bool:
        """Whether the day of acceptance counts in the service deadline (004, point 11: not on
        the State Corporation route), per route where the model says so."""
        text = self.properties.get(f"count_first_day.{route}") if route else None
        text = text or self.properties.get("count_first_day", "true")
        return text.strip().lower() != "false"
