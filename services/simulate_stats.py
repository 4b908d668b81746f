"""The figures of a simulated run, read back from the simulated database's rows.

Conventions (the README's "What-if simulation" repeats them):

* **Deadline compliance** counts the applications filed in the run that have a service deadline
  (``Application.deadline_at``). One is *met* if it finished (``finished_at``) by its deadline,
  *missed* if it finished later or is still running when the run ends (the end of the horizon)
  with its deadline already past, and *unknown* if it is still running with its deadline still
  ahead. The share is met / (met + missed); unknown ones are reported, not guessed.
* **Waiting** of a step is the working time (of the role's schedule) from ready to claimed;
  **working** from claimed to completed. Both in working minutes, over the steps that got that far
  by the end of the run; the median of an even count is the mean of the two middle values and
  the 90th percentile is the nearest-rank value (as in ``regflow report``).
* **Utilisation** of a role is the working time its people spent on claimed tasks within the run
  divided by N people × the working minutes of the role's schedule over the run.
* The **bottleneck** is the role with the highest utilisation (ties: the longer 90th-percentile
  waiting).

The result keeps its sentences (arrivals, durations, notes) as :class:`Text`, an English message
with its fields: ``regflow simulate`` prints them in the interface's language, ``--json`` writes
them in English (and the step names as the model has them) whatever the language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from regflow.i18n import N_, translations
from regflow.services.context import Context
from regflow.store.models import Application, StepRecord, StepStatus
from regflow.workflows.model import Regulation, StepKind

if TYPE_CHECKING:
    from regflow.services.simulate import Scenario


def median(values: list[int]) -> float | None:
    if not values:
        return None
    v = sorted(values)
    n = len(v)
    return float(v[n // 2]) if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def p90(values: list[int]) -> int | None:
    if not values:
        return None
    v = sorted(values)
    return v[max(0, math.ceil(0.9 * len(v)) - 1)]


@dataclass(frozen=True)
class Text:
    """A sentence shown to people, kept as its English message (a catalogue msgid marked with
    ``N_``) and the values of its fields, so that it can be written in any language later."""

    message: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, message: str, **fields: Any) -> Text:
        return cls(message, fields)

    def __str__(self) -> str:  # English: --json, logs
        return self.message.format(**self.fields)

    def translated(self, lang: str | None = None) -> str:
        """In ``lang`` (default: the interface's language)."""
        return translations(lang).gettext(self.message).format(**self.fields)


@dataclass(frozen=True)
class StepFigures:
    step_id: str
    name: str  # the model's own name
    role: str
    norm: str | None
    completed: int
    waiting_median: float | None
    waiting_p90: int | None
    working_median: float | None
    working_p90: int | None
    open_at_end: int
    names: Mapping[str, str] = field(default_factory=dict)  # name_ru / name_en of the model


@dataclass(frozen=True)
class RoleFigures:
    role: str
    people: int
    schedule: str
    tasks_done: int
    busy_minutes: int
    available_minutes: int
    utilisation: float
    waiting_median: float | None
    waiting_p90: int | None
    open_at_end: int


@dataclass(frozen=True)
class SimulationResult:
    process_key: str
    version: int
    name: str
    route: str | None
    staff: dict[str, int]
    arrivals: Text
    durations: Text
    policy: str
    seed: int
    start: datetime
    horizon: datetime
    filed: int
    finished: int
    refused: int
    with_deadline: int
    met: int
    missed: int
    unknown: int
    compliance: float | None
    lead_median: float | None  # working minutes, filing-acceptance to finish, finished ones
    steps: list[StepFigures]
    roles: list[RoleFigures]
    bottleneck: str | None
    notes: list[Text] = field(default_factory=list)
    database_url: str | None = None
    html: str | None = None


def collect(
    ctx: Context,
    reg: Regulation,
    scenario: Scenario,
    *,
    route: str | None,
    application_ids: list[int],
    start: datetime,
    horizon: datetime,
    version: int,
    database_url: str | None,
    notes: list[Text],
) -> SimulationResult:
    """Read the run's applications and step rows and compute the figures."""
    ids = set(application_ids)
    with ctx.transaction() as session:
        apps = [
            a
            for a in session.execute(
                select(
                    Application.id,
                    Application.accepted_at,
                    Application.deadline_at,
                    Application.finished_at,
                    Application.outcome,
                ).where(Application.process_key == reg.key)
            ).all()
            if a[0] in ids
        ]
        steps = [
            s
            for s in session.execute(
                select(
                    StepRecord.application_id,
                    StepRecord.step_id,
                    StepRecord.role,
                    StepRecord.status,
                    StepRecord.ready_at,
                    StepRecord.claimed_at,
                    StepRecord.completed_at,
                ).where(
                    StepRecord.process_key == reg.key, StepRecord.kind == StepKind.USER.value
                )
            ).all()
            if s[0] in ids
        ]
    main_cal = ctx.calendar(reg.schedule)
    met = missed = unknown = finished = refused = 0
    with_deadline = 0
    leads = []
    for _, accepted, deadline, done, outcome in apps:
        if done is not None:
            finished += 1
            refused += outcome == "refused"
            leads.append(main_cal.working_minutes(accepted, done))
        if deadline is None:
            continue
        with_deadline += 1
        if done is not None:
            if done <= deadline:
                met += 1
            else:
                missed += 1
        elif deadline < horizon:
            missed += 1
        else:
            unknown += 1

    calendars = {role: ctx.calendar(reg.schedule_of(role)) for role in scenario.staff}
    waiting: dict[str, list[int]] = {}
    working: dict[str, list[int]] = {}
    open_steps: dict[str, int] = {}
    busy: dict[str, int] = dict.fromkeys(scenario.staff, 0)
    role_wait: dict[str, list[int]] = {r: [] for r in scenario.staff}
    role_done: dict[str, int] = dict.fromkeys(scenario.staff, 0)
    role_open: dict[str, int] = dict.fromkeys(scenario.staff, 0)
    for _, step_id, role, status, ready, claimed, completed in steps:
        role = role or ""
        cal = calendars[role]
        if status in (StepStatus.READY.value, StepStatus.CLAIMED.value):
            open_steps[step_id] = open_steps.get(step_id, 0) + 1
            role_open[role] += 1
        if claimed is not None:
            w = cal.working_minutes(ready, claimed)
            waiting.setdefault(step_id, []).append(w)
            role_wait[role].append(w)
            end = min(completed, horizon) if completed is not None else horizon
            busy[role] += cal.working_minutes(max(claimed, start), end)
        if status == StepStatus.COMPLETED.value and claimed is not None and completed is not None:
            working.setdefault(step_id, []).append(cal.working_minutes(claimed, completed))
            role_done[role] += 1

    step_rows = []
    for step_id in reg.step_order or tuple(reg.steps):
        step = reg.steps.get(step_id)
        if step is None or step.kind is not StepKind.USER:
            continue
        if step_id not in waiting and step_id not in open_steps:
            continue
        worked = working.get(step_id, [])
        step_rows.append(
            StepFigures(
                step_id=step_id,
                name=step.name,
                role=step.role or "",
                norm=str(step.norm) if step.norm else None,
                completed=len(worked),
                waiting_median=median(waiting.get(step_id, [])),
                waiting_p90=p90(waiting.get(step_id, [])),
                working_median=median(worked),
                working_p90=p90(worked),
                open_at_end=open_steps.get(step_id, 0),
                names=dict(step.names),
            )
        )
    role_rows = []
    for role, people in sorted(scenario.staff.items()):
        if people == 0:  # unlimited (the applicant): no queue, no utilisation
            continue
        cal = calendars[role]
        available = people * cal.working_minutes(start, horizon)
        role_rows.append(
            RoleFigures(
                role=role,
                people=people,
                schedule=reg.schedule_of(role),
                tasks_done=role_done[role],
                busy_minutes=busy[role],
                available_minutes=available,
                utilisation=busy[role] / available if available else 0.0,
                waiting_median=median(role_wait[role]),
                waiting_p90=p90(role_wait[role]),
                open_at_end=role_open[role],
            )
        )
    used = [r for r in role_rows if r.busy_minutes or r.open_at_end]
    bottleneck = (
        max(used, key=lambda r: (round(r.utilisation, 6), r.waiting_p90 or 0)).role
        if used
        else None
    )
    return SimulationResult(
        process_key=reg.key,
        version=version,
        name=reg.name,
        route=route,
        staff={r: n for r, n in sorted(scenario.staff.items()) if n},
        arrivals=_arrivals_text(scenario),
        durations=_durations_text(scenario),
        policy=scenario.policy,
        seed=scenario.seed,
        start=start,
        horizon=horizon,
        filed=len(apps),
        finished=finished,
        refused=refused,
        with_deadline=with_deadline,
        met=met,
        missed=missed,
        unknown=unknown,
        compliance=met / (met + missed) if met + missed else None,
        lead_median=median(leads),
        steps=step_rows,
        roles=role_rows,
        bottleneck=bottleneck,
        notes=list(notes),
        database_url=database_url,
    )


ARRIVALS = {
    ("week", "working"): N_("{n}/week (working time)"),
    ("day", "working"): N_("{n}/day (working time)"),
    ("week", "calendar"): N_("{n}/week (calendar time)"),
    ("day", "calendar"): N_("{n}/day (calendar time)"),
}


def _arrivals_text(scenario: Scenario) -> Text:
    if scenario.filings is not None:
        return Text.of(N_("{n} given filings"), n=len(scenario.filings))
    assert scenario.arrivals is not None
    rate = scenario.arrivals
    return Text.of(ARRIVALS[rate.unit, scenario.arrivals_in], n=f"{rate.per:g}")


def _durations_text(scenario: Scenario) -> Text:
    share = scenario.work_share
    if scenario.durations == "norm":
        if share in (None, 1.0):
            return Text.of(N_("norm"))
        return Text.of(N_("norm × {share}"), share=f"{share:g}")
    if scenario.durations == "lognormal":
        return Text.of(
            N_("lognormal (median norm × {share}, sigma {sigma})"),
            share=f"{share or 0.5:g}", sigma=f"{scenario.sigma:g}",
        )
    return Text.of(N_("history"))


def as_json(result: SimulationResult, tz: Any) -> dict[str, Any]:
    """A plain dict for ``--json``: instants in the provider's zone, minutes as numbers, the
    same English keys and texts in every interface language."""
    from dataclasses import asdict

    data = asdict(result)
    data["start"] = result.start.astimezone(tz).isoformat()
    data["horizon"] = result.horizon.astimezone(tz).isoformat()
    data["arrivals"] = str(result.arrivals)
    data["durations"] = str(result.durations)
    data["notes"] = [str(note) for note in result.notes]
    for step in data["steps"]:
        del step["names"]
    return data
