"""``regflow simulate``: what-if runs of one regulation under given staffing and arrivals.

An akimat head asks whether two clerks and one officer keep the service deadline with 40
applications a week in March, with Nauryz. This module answers with the *real* engine: every
filing is :func:`services.applications.start`, every step is claimed and completed through
:func:`~services.applications.claim` / :func:`~services.applications.complete` on a
:class:`~regflow.clock.SimulatedClock`, into a database of its own (a temporary SQLite file unless
one is given; never the live database unless asked). Nothing about the regulation is modelled
twice: gateways, deadlines and due instants are the engine's and the calendar's.

What is simulated (the choices, stated once):

* **People are resources.** Each role (lane) has N people. A person works only in the hours of
  the lane's schedule (``regulation.schedule_of(role)``, with holidays); when free in working time
  they take the open task of their role that is due first (``earliest-due``, ties by readiness) or
  that became ready first (``fifo``), and are busy for its duration in *working* time: the
  completion instant is ``calendar.add(claimed_at, N minutes)``. A task becoming ready outside
  hours waits for the next opening.
* **Durations** (working minutes of actual work): ``norm`` — the step's norm itself (the maximum
  the regulation allows) times ``work_share`` (default 1); ``lognormal`` — median = norm ×
  ``work_share`` (default 0.5), log-standard deviation ``sigma``; ``history`` — a recorded duration
  of that step drawn at random from a source database (steps without history fall back to
  ``lognormal``, with a note). A norm is converted to working minutes from the instant the step
  starts (1 working day = one ordinary day's minutes, 480 at an akimat); a step without a norm
  takes 60 minutes.
* **Arrivals** are a Poisson process, by default in the *working* time of the lane that accepts
  filings (``40/week`` = 40 per ordinary working week: a week with a holiday gets fewer), or in
  calendar time (``arrivals_in="calendar"``: filings at any hour, accepted at the next opening
  as ``applications.start`` does). Filings are taken from the ``start`` date to the end of the
  ``end`` date; work goes on until the end of the ``horizon`` date (default: ``end``).
* **Decisions** keep the regular path (documents complete, no grounds for refusal); with
  ``refusal_share`` p, each application independently, with probability p, gets the other answer
  at its first decision that changes the path.

The figures (deadline compliance, waiting and working time per step, utilisation per role, the
bottleneck) are read back from the simulated database's step rows: see
:mod:`regflow.services.simulate_stats`.
"""

from __future__ import annotations

import heapq
import math
import random
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from regflow.clock import SimulatedClock, zone
from regflow.errors import NotFound, StateError, UsageError
from regflow.i18n import N_, _
from regflow.services import applications
from regflow.services.context import Context
from regflow.services.simulate_stats import SimulationResult, Text, collect
from regflow.workflows.calendar import WorkCalendar
from regflow.workflows.model import Input, Regulation, StepKind
from regflow.workflows.norms import Norm, NormUnit

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
DURATIONS = ("norm", "lognormal", "history")
POLICIES = ("earliest-due", "fifo")
NO_NORM_MINUTES = 60
SIM_REASON = "what-if simulation (regflow simulate)"
UNLIMITED = 0  # a role's head count meaning "everyone acts for themselves" (the applicant)
APPLICANT_ROLES = frozenset({"applicant"})
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(week|day|wk|d)\s*$", re.I)


# ------------------------------------------------------------------------------ the scenario
@dataclass(frozen=True)
class Arrivals:
    """A Poisson rate: ``per`` applications per ``unit`` ("week" or "day")."""

    per: float
    unit: str

    def __str__(self) -> str:
        return f"{self.per:g}/{self.unit}"


def parse_arrivals(text: str) -> Arrivals:
    """Read ``"40/week"`` or ``"8/day"``."""
    match = _RATE.match(text or "")
    if match is None:
        raise UsageError(
            _("cannot read arrivals {text}: use e.g. 40/week or 8/day").format(text=repr(text))
        )
    per = float(match.group(1))
    if per <= 0:
        raise UsageError(_("arrivals must be a positive rate"))
    return Arrivals(per, "week" if match.group(2).lower().startswith("w") else "day")


def parse_day(text: str, option: str = "date") -> date:
    """Read ``2026-03-01`` (a day in the provider's zone)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            _("{option}: not a date: {text} (expected e.g. 2026-03-01)").format(
                option=option, text=repr(text)
            )
        ) from None


def parse_staff(text: str) -> dict[str, int]:
    """Read ``"clerk=2,head=1,officer=1"``: people per role (lane id without ``Lane_``);
    ``role=inf`` means no queue at all (each applicant acts for themselves)."""
    staff: dict[str, int] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        role, sep, count = part.partition("=")
        role, count = role.strip(), count.strip().lower()
        if count == "inf":
            count = str(UNLIMITED)
        elif sep and count.isdigit() and int(count) < 1:
            raise UsageError(_("role '{role}' needs at least one person").format(role=role))
        if not sep or not role or not count.isdigit():
            raise UsageError(
                _("cannot read staff {text}: use role=N (or role=inf), e.g. clerk=2").format(
                    text=repr(part.strip())
                )
            )
        if role in staff:
            raise UsageError(_("role '{role}' is given twice in --staff").format(role=role))
        staff[role] = int(count)
    if not staff:
        raise UsageError(_("say who works: --staff clerk=2,head=1"))
    return staff


@dataclass(frozen=True)
class Scenario:
    """One what-if question. ``start``/``end``/``horizon`` are dates in the provider's zone;
    ``filings`` (instants) replaces the random arrivals when given (tests, replays)."""

    process: str
    staff: dict[str, int]
    start: date
    end: date
    route: str | None = None
    arrivals: Arrivals | None = None
    filings: tuple[datetime, ...] | None = None
    horizon: date | None = None
    seed: int = 0
    durations: str = "norm"
    work_share: float | None = None
    sigma: float = 0.5
    policy: str = "earliest-due"
    refusal_share: float = 0.0
    arrivals_in: str = "working"

    def check(self) -> None:
        if self.end < self.start:
            raise UsageError(
                _("--to {end} is before --from {start}").format(end=self.end, start=self.start)
            )
        if self.horizon is not None and self.horizon < self.end:
            raise UsageError(
                _("--horizon {horizon} is before --to {end}").format(
                    horizon=self.horizon, end=self.end
                )
            )
        if self.durations not in DURATIONS:
            raise UsageError(
                _("--durations is one of {choices}").format(choices=", ".join(DURATIONS))
            )
        if self.policy not in POLICIES:
            raise UsageError(_("--policy is one of {choices}").format(choices=", ".join(POLICIES)))
        if self.arrivals_in not in ("working", "calendar"):
            raise UsageError(_("--arrivals-in is 'working' or 'calendar'"))
        if not 0 <= self.refusal_share <= 1:
            raise UsageError(_("--refusal-share is a share between 0 and 1"))
        if self.work_share is not None and self.work_share <= 0:
            raise UsageError(_("--work-share must be positive"))
        if self.sigma < 0:
            raise UsageError(_("--sigma cannot be negative"))
        if self.filings is None and self.arrivals is None:
            raise UsageError(_("give --arrivals, e.g. 40/week"))


# ------------------------------------------------------------------------------ decisions
def _conditions(reg: Regulation) -> list[Any]:
    from regflow.workflows.expressions import Expression

    return [Expression(f.condition) for flows in reg.flows.values() for f in flows if f.condition]


def decisions(
    reg: Regulation, items: tuple[Input, ...], route: str | None, *, regular: bool = True
) -> dict[str, Any]:
    """Answers to a step's decisions. ``regular``: a value for which no condition reading only
    this decision (and the route) is true, so every gateway takes its default flow (documents
    complete, no refusal); otherwise the value that makes such a condition true."""
    from regflow.errors import ExpressionError

    conditions = _conditions(reg)
    data: dict[str, Any] = {}
    for item in items:
        if item.type == "bool":
            candidates: list[Any] = [True, False]
        elif item.type == "int":
            candidates = [1, 0]
        else:
            found = {
                m.group(1)
                for c in conditions
                for m in re.finditer(rf"{item.name}\s*==\s*[\"']([^\"']+)", c.source)
            }
            candidates = ["regular", *sorted(found)]
        relevant = [
            c for c in conditions if item.name in c.names() and c.names() <= {item.name, "route"}
        ]

        def fires(value: Any, relevant: list[Any] = relevant, name: str = item.name) -> int:
            hits = 0
            for c in relevant:
                try:
                    hits += bool(c.evaluate({name: value, "route": route}))
                except ExpressionError:
                    pass
            return hits

        data[item.name] = (min if regular else max)(candidates, key=fires)
    return data


# ------------------------------------------------------------------------------ durations
def norm_minutes(norm: Norm | None, calendar: WorkCalendar, at: datetime) -> int:
    """A norm as working minutes of work, for a step starting at ``at``."""
    if norm is None:
        return NO_NORM_MINUTES
    if norm.unit is NormUnit.MINUTES:
        return norm.amount
    return calendar.working_minutes(calendar.next_opening(at), calendar.add(at, norm))


class Durations:
    """How long a person works on a step (working minutes), drawn from one seeded generator."""

    def __init__(
        self,
        mode: str,
        rng: random.Random,
        *,
        work_share: float | None,
        sigma: float,
        history: dict[str, list[int]] | None = None,
    ) -> None:
        self.mode = mode
        self.rng = rng
        self.sigma = sigma
        self.share = work_share if work_share is not None else (1.0 if mode == "norm" else 0.5)
        self.history = history or {}
        self.fallbacks: set[str] = set()

    def draw(self, step_id: str, norm: Norm | None, calendar: WorkCalendar, at: datetime) -> int:
        if self.mode == "history":
            recorded = self.history.get(step_id)
            if recorded:
                return recorded[self.rng.randrange(len(recorded))]
            self.fallbacks.add(step_id)
        base = norm_minutes(norm, calendar, at) * self.share
        if self.mode == "norm":
            return max(0, round(base))
        return max(1, round(base * math.exp(self.sigma * self.rng.gauss(0.0, 1.0))))


def load_history(
    source_url: str, process_key: str, calendar: Callable[[str], WorkCalendar]
) -> dict[str, list[int]]:
    """Recorded working minutes of each user step of a process, from a source database.

    A step claimed before it was completed counts the working time claimed → completed (on the
    schedule of its lane, ``calendar(name)``); a step completed without a separate claim
    (``claimed_at`` = ``completed_at``) counts its recorded ``working_minutes`` (ready →
    completed), which includes any waiting: an upper bound. Service steps are not people's work
    and are left out. Read only."""
    from sqlalchemy import select

    from regflow.services.processes import latest_definition, loaded
    from regflow.store.db import unit_of_work
    from regflow.store.models import StepRecord, is_done_by_people

    _require_existing(source_url)
    with unit_of_work(source_url) as session:
        definition = latest_definition(session, process_key, required=False)
        reg = loaded(definition).regulation if definition is not None else None
        rows = session.execute(
            select(
                StepRecord.step_id,
                StepRecord.role,
                StepRecord.claimed_at,
                StepRecord.completed_at,
                StepRecord.working_minutes,
            )
            .where(
                StepRecord.process_key == process_key,
                is_done_by_people(StepRecord.status, StepRecord.kind),  # ix_steps_done's term
            )
            .order_by(StepRecord.id)
        ).all()
    found: dict[str, list[int]] = {}
    for step_id, role, claimed, completed, minutes in rows:
        if claimed is not None and completed is not None and claimed < completed:
            name = reg.schedule_of(role) if reg is not None else "akimat"
            value = calendar(name).working_minutes(claimed, completed)
        elif minutes is not None:
            value = minutes
        else:
            continue
        found.setdefault(step_id, []).append(int(value))
    return found


# ------------------------------------------------------------------------------ where it runs
def _sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite") and ":///" in url:
        path = url.split(":///", 1)[1]
        return Path(path) if path and path != ":memory:" else None
    return None


def _require_existing(url: str) -> None:
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        raise NotFound(
            _("no database at {path} to read history from (give --source-db)").format(path=path)
        )


def _same_database(a: str, b: str) -> bool:
    pa, pb = _sqlite_path(a), _sqlite_path(b)
    if pa is not None and pb is not None:
        return pa.resolve() == pb.resolve()
    return a == b


def _model_file(ctx: Context, process: str, folder: Path) -> Path:
    """The BPMN to simulate: a file, else the key's newest version deployed in the live (source)
    database, else the library's ``processes/<key>.bpmn``."""
    candidate = Path(process)
    if candidate.suffix == ".bpmn":
        if not candidate.is_file():
            raise NotFound(_("no model file {path}").format(path=process))
        return candidate
    url = ctx.settings.database_url
    path = _sqlite_path(url)
    if path is None or path.exists():
        from regflow.errors import RegflowError
        from regflow.services.processes import latest_definition

        try:
            with ctx.transaction() as session:
                definition = latest_definition(session, process, required=False)
                if definition is not None:
                    target = folder / definition.filename
                    target.write_text(definition.source, encoding="utf-8")
                    return target
        except RegflowError:
            pass  # no usable live database: fall back to the library
    library = PROCESSES / f"{process}.bpmn"
    if library.is_file():
        return library
    raise NotFound(
        _("no process '{key}': not deployed and not in the library ({folder})").format(
            key=process, folder=PROCESSES
        )
    )


# ------------------------------------------------------------------------------ the run
@dataclass
class _Task:
    record_id: int
    application_id: int
    step_id: str
    role: str
    ready_at: datetime
    due_at: datetime | None
    seq: int


@dataclass
class _Pool:
    """The people of one role: who is free, and the role's open tasks in order of choice."""

    role: str
    calendar: WorkCalendar
    free: list[int]
    unlimited: bool = False
    queue: list[tuple[Any, ...]] = field(default_factory=list)
    wake_at: datetime | None = None


FAR = datetime.max.replace(tzinfo=zone("UTC"))


class _Driver:
    """Feeds timed events to the real services on a simulated clock, in time order."""

    def __init__(
        self,
        ctx: Context,
        reg: Regulation,
        scenario: Scenario,
        route: str | None,
        durations: Durations,
        rng: random.Random,
        override: bool,
        version: int,
    ) -> None:
        self.ctx = ctx
        self.clock: SimulatedClock = ctx.clock  # type: ignore[assignment]
        self.reg = reg
        self.scenario = scenario
        self.route = route
        self.durations = durations
        self.rng = rng
        self.version = version if override else None
        self.reason = SIM_REASON if override else None
        self.events: list[tuple[datetime, int, str, Any]] = []
        self.seq = 0
        self.pools: dict[str, _Pool] = {}
        for role, count in sorted(scenario.staff.items()):
            cal = ctx.calendar(reg.schedule_of(role))
            self.pools[role] = _Pool(
                role, cal, list(range(1, max(count, 1) + 1)), unlimited=count == UNLIMITED
            )
        self.tasks: dict[int, _Task] = {}
        self.irregular: set[int] = set()  # applications still to take the other path
        self.application_ids: list[int] = []
        answers = tuple(o for s in reg.steps.values() for o in s.outputs)
        self.answers = decisions(reg, answers, route)
        self._regular: dict[str, dict[str, Any]] = {}
        self._other: dict[str, dict[str, Any]] = {}

    def push(self, when: datetime, kind: str, payload: Any) -> None:
        self.seq += 1
        heapq.heappush(self.events, (when, self.seq, kind, payload))

    def run(self, filings: list[datetime], stop: datetime) -> None:
        for when in filings:
            self.push(when, "file", None)
        while self.events and self.events[0][0] < stop:
            now = self.events[0][0]
            self.clock.set(now)
            while self.events and self.events[0][0] == now:
                _, _, kind, payload = heapq.heappop(self.events)
                if kind == "file":
                    self._file()
                elif kind == "done":
                    self._complete(*payload)
                # "wake": a role's hours begin; the dispatch below does the rest
            self._dispatch(now)
        self.clock.set(stop)

    def _file(self) -> None:
        started = applications.start(
            self.ctx,
            self.reg.key,
            route=self.route,
            data=dict(self.answers),
            applicant=f"sim-{len(self.application_ids) + 1}",
            version=self.version,
            reason=self.reason,
            actor="simulation",
        )
        self.application_ids.append(started.application_id)
        if self.scenario.refusal_share and self.rng.random() < self.scenario.refusal_share:
            self.irregular.add(started.application_id)
        self._enqueue(started.open_steps)

    def _enqueue(self, record_ids: list[int]) -> None:
        if not record_ids:
            return
        from sqlalchemy import select

        from regflow.store.models import StepRecord

        with self.ctx.transaction() as session:
            rows = session.execute(
                select(
                    StepRecord.id,
                    StepRecord.application_id,
                    StepRecord.step_id,
                    StepRecord.role,
                    StepRecord.ready_at,
                    StepRecord.due_at,
                )
                .where(StepRecord.id.in_(record_ids))
                .order_by(StepRecord.id)
            ).all()
        for rid, app_id, step_id, role, ready_at, due_at in rows:
            role = role or ""
            pool = self.pools.get(role)
            if pool is None:
                raise UsageError(
                    _("step '{step}' needs role '{role}', which has no staff: add {hint} to "
                      "--staff").format(step=step_id, role=role, hint=f"{role or 'ROLE'}=N")
                )
            self.seq += 1
            task = _Task(rid, app_id, step_id, role, ready_at, due_at, self.seq)
            self.tasks[rid] = task
            if self.scenario.policy == "fifo":
                key: tuple[Any, ...] = (ready_at, self.seq, rid)
            else:
                key = (due_at or FAR, ready_at, self.seq, rid)
            heapq.heappush(pool.queue, key)

    def _dispatch(self, now: datetime) -> None:
        for pool in self.pools.values():
            if not pool.queue or not pool.free:
                continue
            if not pool.calendar.is_working_time(now):
                opening = pool.calendar.next_opening(now)
                if pool.wake_at != opening:
                    pool.wake_at = opening
                    self.push(opening, "wake", pool.role)
                continue
            while pool.queue and pool.free:
                rid = heapq.heappop(pool.queue)[-1]
                person = rid if pool.unlimited else heapq.heappop(pool.free)
                task = self.tasks[rid]
                user = f"{pool.role}-{person}"
                applications.claim(self.ctx, rid, user)
                step = self.reg.steps[task.step_id]
                minutes = self.durations.draw(task.step_id, step.norm, pool.calendar, now)
                done = pool.calendar.add(now, Norm(amount=minutes, unit=NormUnit.MINUTES, text=""))
                self.push(done, "done", (rid, person))

    def _complete(self, rid: int, person: int) -> None:
        task = self.tasks.pop(rid)
        pool = self.pools[task.role]
        if not pool.unlimited:
            heapq.heappush(pool.free, person)
        step = self.reg.steps[task.step_id]
        data: dict[str, Any] = {}
        if step.inputs:
            regular = self._regular.get(step.id)
            if regular is None:
                regular = self._regular[step.id] = decisions(self.reg, step.inputs, self.route)
                self._other[step.id] = decisions(
                    self.reg, step.inputs, self.route, regular=False
                )
            data = dict(regular)
            if task.application_id in self.irregular and self._other[step.id] != regular:
                data = dict(self._other[step.id])
                self.irregular.discard(task.application_id)
        result = applications.complete(self.ctx, rid, f"{task.role}-{person}", data)
        self._enqueue(result.open_steps)


# ------------------------------------------------------------------------------ arrivals
def _day_start(d: date, tz: Any) -> datetime:
    return datetime.combine(d, time(), tz)


def poisson_filings(
    arrivals: Arrivals,
    calendar: WorkCalendar,
    start: datetime,
    stop: datetime,
    rng: random.Random,
    *,
    in_working_time: bool = True,
) -> list[datetime]:
    """Filing instants of a Poisson process between ``start`` and ``stop``.

    In working time the rate is per ordinary week (the schedule's weekly minutes) or per ordinary
    day (its usual day), and the gaps are counted in working minutes of ``calendar``; in calendar
    time per 7 × 24 h or 24 h."""
    found: list[datetime] = []
    if in_working_time:
        week = sum(e - s for day in calendar.schedule.weekdays for s, e in day)
        day = sum(e - s for s, e in calendar.schedule.normal_day)
        per_minute = arrivals.per / (week if arrivals.unit == "week" else day)
        total = calendar.working_minutes(start, stop)
        offset = 0.0
        while True:
            offset += rng.expovariate(per_minute)
            if offset >= total:
                return found
            whole = int(offset)
            instant = calendar.add(start, Norm(amount=whole, unit=NormUnit.MINUTES, text=""))
            found.append(instant)
    per_minute = arrivals.per / (7 * 1440 if arrivals.unit == "week" else 1440)
    instant = start
    while True:
        instant = instant + timedelta(minutes=rng.expovariate(per_minute))
        if instant >= stop:
            return found
        found.append(instant.replace(second=0, microsecond=0))


# ------------------------------------------------------------------------------ entry point
def simulate(
    ctx: Context,
    scenario: Scenario,
    *,
    database_url: str | None = None,
    source_url: str | None = None,
    into_live: bool = False,
    html: Path | None = None,
) -> SimulationResult:
    """Run ``scenario`` on the real engine in its own database and measure it.

    ``ctx`` is the live context: its database is where the model (and, for ``history``, the
    recorded durations unless ``source_url``) come from; it is written to only with
    ``into_live``. ``database_url`` keeps the simulated run there; otherwise it goes to a
    temporary SQLite file that is removed afterwards."""
    scenario.check()
    live = ctx.settings.database_url
    if into_live:
        database_url = live
    elif database_url is not None and _same_database(database_url, live):
        raise UsageError(
            _("the simulated run would go into the live database; give another --db or say "
              "--into-live")
        )
    tz = zone(ctx.settings.tz)
    workdir = Path(tempfile.mkdtemp(prefix="regflow-sim-"))
    try:
        keep = database_url is not None
        url = database_url or f"sqlite:///{workdir / 'simulation.db'}"
        model = _model_file(ctx, scenario.process, workdir)
        history = None
        if scenario.durations == "history":
            key = _key_of(model)
            history = load_history(source_url or live, key, ctx.calendar)
        return _run(ctx, scenario, url, model, history, tz, html, keep)
    finally:
        if not keep:
            from regflow.store.db import dispose

            dispose(url)
        shutil.rmtree(workdir, ignore_errors=True)


def _key_of(model: Path) -> str:
    from regflow.services.processes import read_model

    return read_model(model)[1].regulation.key


def _run(
    live: Context,
    scenario: Scenario,
    url: str,
    model: Path,
    history: dict[str, list[int]] | None,
    tz: Any,
    html: Path | None,
    keep: bool,
) -> SimulationResult:
    from regflow.services.processes import deploy, latest_definition, loaded
    from regflow.services.validity import chain, in_force
    from regflow.store.db import without_fsync
    from regflow.store.migrate import upgrade

    if not keep:
        without_fsync(url)  # a throw-away database: a quarter-year run several times faster
    upgrade(url)
    start = _day_start(scenario.start, tz)
    stop_filing = _day_start(scenario.end + timedelta(days=1), tz)
    horizon = _day_start((scenario.horizon or scenario.end) + timedelta(days=1), tz)
    clock = SimulatedClock(start)
    ctx = Context(replace(live.settings, database_url=url, now=None), clock)
    deployed = deploy(ctx, [model])[0]
    with ctx.transaction() as session:
        definition = latest_definition(session, deployed.key)
        assert definition is not None
        reg = loaded(definition).regulation
        override = False
        for day in (scenario.start, scenario.end):
            try:
                if in_force(chain(session, reg.key), day, reg.key).definition.id != definition.id:
                    override = True
            except StateError:
                override = True
    route = _route(reg, scenario.route)
    staff, notes = _check_staff(reg, scenario.staff, route)
    scenario = replace(scenario, staff=staff)
    rng = random.Random(scenario.seed)
    durations = Durations(
        scenario.durations,
        random.Random(rng.getrandbits(64)),
        work_share=scenario.work_share,
        sigma=scenario.sigma,
        history=history,
    )
    decide_rng = random.Random(rng.getrandbits(64))
    if scenario.filings is not None:
        filings = sorted(f.astimezone(tz) for f in scenario.filings)
    else:
        assert scenario.arrivals is not None
        first = next((s.role for s in _main_steps(reg, route)), None)
        filings = poisson_filings(
            scenario.arrivals,
            ctx.calendar(reg.schedule_of(first)),
            start,
            stop_filing,
            random.Random(rng.getrandbits(64)),
            in_working_time=scenario.arrivals_in == "working",
        )
    driver = _Driver(ctx, reg, scenario, route, durations, decide_rng, override, definition.version)
    driver.run(filings, horizon)
    if override:
        notes.append(
            Text.of(
                N_("{key} v{version} is not in force on every simulated day; applications were "
                   "filed on it anyway (logged as version overrides)"),
                key=reg.key, version=definition.version,
            )
        )
    if durations.fallbacks:
        notes.append(
            Text.of(
                N_("no recorded history for {steps}: lognormal durations used for them"),
                steps=", ".join(sorted(durations.fallbacks)),
            )
        )
    result = collect(
        ctx,
        reg,
        scenario,
        route=route,
        application_ids=driver.application_ids,
        start=start,
        horizon=horizon,
        version=definition.version,
        database_url=url if keep else None,
        notes=notes,
    )
    if html is not None:
        result = _write_html(ctx, result, html)
    return result


def _write_html(ctx: Context, result: SimulationResult, path: Path) -> SimulationResult:
    """The same HTML report as ``regflow report``, on the simulated database (its clock at the
    end of the run), if this build has the report's HTML writer; otherwise a note says so."""
    try:
        from regflow.services.report_filter import ReportFilter
        from regflow.services.report_html import write_html
    except ImportError:
        skipped = Text.of(N_("no HTML report writer in this build: --html skipped"))
        return replace(result, notes=[*result.notes, skipped])
    staff = ", ".join(f"{r}={n}" for r, n in result.staff.items())
    title = _("regflow simulate: {key} ({staff}; {arrivals})").format(
        key=result.process_key, staff=staff, arrivals=result.arrivals.translated()
    )
    write_html(ctx, path, ReportFilter(process=result.process_key), title=title)
    return replace(result, html=str(path))


def _route(reg: Regulation, route: str | None) -> str | None:
    if reg.routes:
        route = route or reg.routes[0]
        if route not in reg.routes:
            raise UsageError(
                _("process '{key}' has no route '{route}' (routes: {routes})").format(
                    key=reg.key, route=route, routes=", ".join(reg.routes)
                )
            )
        return route
    if route:
        raise UsageError(
            _("process '{key}' has no routes to choose from").format(key=reg.key)
        )
    return None


def _main_steps(reg: Regulation, route: str | None) -> list[Any]:
    from regflow.workflows.routes import main_path

    return [s for s in main_path(reg, route) if s.kind is StepKind.USER]


def _check_staff(
    reg: Regulation, staff: dict[str, int], route: str | None
) -> tuple[dict[str, int], list[Text]]:
    """Every role on the route's regular path needs staff; other roles (refusal branches, other
    routes' lanes) get one person when not given; the applicant's lane never queues."""
    roles = {s.role or "" for s in reg.steps.values() if s.kind is StepKind.USER}
    unknown = sorted(set(staff) - roles)
    if unknown:
        raise UsageError(
            _("process '{key}' has no role {roles} (roles: {known})").format(
                key=reg.key, roles=", ".join(unknown),
                known=", ".join(sorted(r for r in roles if r)),
            )
        )
    staff = {r: UNLIMITED for r in sorted(roles & APPLICANT_ROLES - set(staff))} | staff
    needed = {s.role or "" for s in _main_steps(reg, route)}
    missing = sorted(needed - set(staff))
    if missing:
        raise UsageError(
            _("no staff for role {roles}: add {hint} to --staff").format(
                roles=", ".join(missing), hint=",".join(f"{r}=N" for r in missing)
            )
        )
    assumed = {r: 1 for r in sorted(roles - set(staff))}
    return {**staff, **assumed}, (
        [
            Text.of(
                N_("one person assumed for {roles} (off the route's regular path)"),
                roles=", ".join(assumed),
            )
        ]
        if assumed
        else []
    )
