"""Regulations in force: which version of a process an application must follow.

Camunda starts new instances on the latest deployed version; an akimat must start each
application on the version **in force on the day it was filed** (the filing instant's date in the
provider's zone, simulated time included), and an auditor must judge each step by the norm of that
version. A process *chain* is every deployed version of one key, plus the keys linked to it by the
``replaces`` property, ordered by ``in_force_from`` (not by deploy order). On a day, the version in
force is the last of the chain whose ``in_force_from`` has come; if that one is repealed by then,
nothing is in force. Versions without dates count as in force since always, so a process whose
versions carry no dates keeps the old rule: the latest version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from regflow.clock import zone
from regflow.errors import NotFound, StateError, UsageError
from regflow.i18n import _
from regflow.services.context import Context
from regflow.services.events import record as record_event
from regflow.services.names import process_name
from regflow.services.processes import definition_version, loaded
from regflow.store.db import Tx
from regflow.store.models import Application, ProcessDefinition, StepRecord, StepStatus
from regflow.store.records import derived_from_versions
from regflow.workflows.validity import Changes, Validity, diff_regulations, validity_of


@dataclass(frozen=True)
class Link:
    """One version in a chain, with its validity and the day a successor or repeal ends it."""

    definition: ProcessDefinition
    validity: Validity
    until: date | None  # first day it no longer applies: repeal or the next version's start

    @property
    def label(self) -> str:
        return f"{self.definition.key} v{self.definition.version}"


def validity_of_definition(definition: ProcessDefinition) -> Validity:
    return validity_of(definition.properties or {}, key=definition.key, file=definition.filename)


def filing_day(ctx: Context, instant: datetime | None = None) -> date:
    """The calendar date of an instant in the provider's zone: the day the law is read on."""
    return (instant or ctx.now()).astimezone(zone(ctx.settings.tz)).date()


def _order(link_def: tuple[ProcessDefinition, Validity]) -> tuple[date, datetime, int]:
    definition, validity = link_def
    return (validity.in_force_from or date.min, definition.deployed_at, definition.id)


def _chains(definitions: list[ProcessDefinition]) -> dict[str, list[Link]]:
    """Group all versions into chains (keys joined by ``replaces``), keyed by every member key."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    pairs = [(d, validity_of_definition(d)) for d in definitions]
    for d, v in pairs:
        root(d.key)
        if v.replaces:
            parent[root(v.replaces)] = root(d.key)
    groups: dict[str, list[tuple[ProcessDefinition, Validity]]] = {}
    for d, v in pairs:
        groups.setdefault(root(d.key), []).append((d, v))
    chains: dict[str, list[Link]] = {}
    for members in groups.values():
        members.sort(key=_order)
        links = []
        for i, (d, v) in enumerate(members):
            nxt = members[i + 1][1].in_force_from if i + 1 < len(members) else None
            ends = [x for x in (v.repealed_on, nxt) if x is not None]
            links.append(Link(d, v, min(ends) if ends else None))
        for link in links:
            chains[link.definition.key] = links
    return chains


def _all_chains(
    where: Session | Tx, versions: tuple[int, int] | None = None
) -> dict[str, list[Link]]:
    """Every chain, rebuilt only when a version is deployed (store/records.py); the cached
    versions are detached rows without their BPMN source (see processes.loaded()).
    ``versions``: the versions stamp, if this transaction has read it already."""
    tx = Tx.of(where)

    def build() -> dict[str, list[Link]]:
        versions = tx.session.scalars(
            select(ProcessDefinition).options(defer(ProcessDefinition.source))
        ).all()
        return _chains(list(versions))

    return derived_from_versions(tx.connection, "chains", build, stamp=versions)


def chain(
    where: Session | Tx, key: str, *, versions: tuple[int, int] | None = None
) -> list[Link]:
    """The versions of ``key`` and of the keys it replaces or is replaced by, in legal order."""
    found = _all_chains(where, versions)
    if key not in found:
        raise NotFound(
            _("no process '{key}' is deployed (see 'regflow processes')").format(key=key)
        )
    return found[key]


def _describe(link: Link) -> str:
    return f"{link.label} ({link.validity.act()})"


def in_force(links: list[Link], day: date, key: str) -> Link:
    """The version of the chain in force on ``day``, or a StateError saying why none is."""
    started = [link for link in links if link.validity.started_by(day)]
    if not started:
        first = links[0]
        raise StateError(
            _(
                "regulation {key} is not yet in force on {day}: its first version, {version}, "
                "comes into force on {start}"
            ).format(
                key=key, day=day, version=_describe(first), start=first.validity.in_force_from
            )
        )
    current = started[-1]
    v = current.validity
    if v.repealed_by_day(day):
        later = links[len(started) :]
        tail = (
            _("; the next version, {version}, comes into force on {start}").format(
                version=later[0].label, start=later[0].validity.in_force_from
            )
            if later
            else ""
        )
        by = _(" by {act}").format(act=v.repealed_by) if v.repealed_by else ""
        raise StateError(
            _(
                "regulation {version} was repealed on {day}{by}; no regulation in force "
                "replaces it on {on}{tail}"
            ).format(version=_describe(current), day=v.repealed_on, by=by, on=day, tail=tail)
        )
    return current


@dataclass
class Filing:
    """The version an application is filed on; an override is logged once the application
    exists (:meth:`log`), so the auditor finds it under the application."""

    definition: ProcessDefinition
    override: dict[str, Any] | None = None
    actor: str | None = None
    at: datetime | None = None

    def log(self, where: Session | Tx, application_id: int) -> None:
        if self.override is not None and self.at is not None:
            record_event(
                where, self.at, "version_override", self.actor,
                application_id=application_id, tracked=False, **self.override,
            )


def definition_for_filing(
    ctx: Context,
    tx: Tx,
    key: str,
    *,
    version: int | None = None,
    reason: str | None = None,
    actor: str | None = None,
    versions: tuple[int, int] | None = None,
) -> Filing:
    """Pick the version an application filed now must follow; ``version`` overrides the law
    only for a stated reason, which is logged as a ``version_override`` event. ``versions``:
    the versions stamp, if the caller has read it in this transaction (store/records.py)."""
    now = ctx.now()
    day = filing_day(ctx, now)
    reason = (reason or "").strip() or None
    if version is None:
        if reason:
            raise UsageError("--reason explains a --version override; give --version N too")
        return Filing(in_force(chain(tx, key, versions=versions), day, key).definition)
    if reason is None:
        raise UsageError(
            f"--version {version} overrides the regulation in force on {day}; "
            "say why with --reason TEXT (it is logged)"
        )
    definition = definition_version(tx.session, key, version)
    try:
        lawful: Link | None = in_force(chain(tx, key, versions=versions), day, key)
        why_not = None
    except StateError as exc:
        lawful, why_not = None, exc.message
    override = {
        "process": key,
        "version": version,
        "filed_on": day.isoformat(),
        "in_force": lawful.label if lawful else None,
        "reason": reason,
    }
    if why_not:
        override["in_force_error"] = why_not
    return Filing(definition, override, actor, now)


@dataclass(frozen=True)
class InForce:
    key: str
    version: int
    name: str
    routes: dict[str, str]
    deadline: str | None
    approved_by: str | None
    in_force_from: date | None
    repealed_on: date | None


def list_in_force(ctx: Context, day: date) -> list[InForce]:
    """What an akimat had to apply on ``day``: one version per chain, repealed ones left out."""
    from regflow.services.routes import route_totals

    result = []
    with ctx.transaction() as session:
        chains = _chains(list(session.scalars(select(ProcessDefinition))))
        seen: set[int] = set()
        for key in sorted(chains):
            links = chains[key]
            if id(links) in seen:
                continue
            seen.add(id(links))
            try:
                link = in_force(links, day, key)
            except StateError:
                continue
            reg = loaded(link.definition, session).regulation
            result.append(
                InForce(
                    key=link.definition.key,
                    version=link.definition.version,
                    name=process_name(reg),
                    routes=route_totals(reg),
                    deadline=reg.properties.get("deadline"),
                    approved_by=link.validity.act(),
                    in_force_from=link.validity.in_force_from,
                    repealed_on=link.validity.repealed_on,
                )
            )
    return sorted(result, key=lambda i: i.key)


@dataclass(frozen=True)
class VersionEntry:
    key: str
    version: int
    name: str
    filename: str
    approved_by: str
    in_force_from: date | None
    repealed_on: date | None
    repealed_by: str | None
    until: date | None
    deadline: str | None
    changes: Changes | None  # from the previous version of the chain; None for the first
    change_lines: list[str] = field(default_factory=list)


def history(ctx: Context, key: str) -> list[VersionEntry]:
    """The chain of versions with their acts and dates, and what changed between neighbours."""
    with ctx.transaction() as session:
        links = chain(session, key)
        entries = []
        previous = None
        for link in links:
            reg = loaded(link.definition, session).regulation
            changes: Changes | None = (
                diff_regulations(previous, reg) if previous is not None else None
            )
            entries.append(
                VersionEntry(
                    key=link.definition.key,
                    version=link.definition.version,
                    name=link.definition.name,
                    filename=link.definition.filename,
                    approved_by=link.validity.act(),
                    in_force_from=link.validity.in_force_from,
                    repealed_on=link.validity.repealed_on,
                    repealed_by=link.validity.repealed_by,
                    until=link.until,
                    deadline=reg.properties.get("deadline"),
                    changes=changes,
                    change_lines=changes.lines() if changes is not None else [],
                )
            )
            previous = reg
    return entries


@dataclass(frozen=True)
class StepComparison:
    step_id: str
    name: str
    role: str | None
    norm: str | None  # the norm of this version (what each step was judged by)
    count: int  # completed occurrences
    median_minutes: float | None  # working minutes
    over_norm: int  # completed after their due time (due_at from this version's norm)

    @property
    def over_norm_share(self) -> float | None:
        return self.over_norm / self.count if self.count else None


@dataclass(frozen=True)
class VersionComparison:
    key: str
    version: int
    definition_id: int
    approved_by: str
    in_force_from: date | None
    until: date | None
    deadline: str | None
    applications: int
    finished: int
    deadline_met: int  # finished applications with a deadline, finished by it
    with_deadline: int  # finished applications that had a service deadline
    steps: list[StepComparison]

    @property
    def deadline_met_share(self) -> float | None:
        return self.deadline_met / self.with_deadline if self.with_deadline else None


def version_comparison(ctx: Context, process_key: str) -> list[VersionComparison]:
    """Per version of the chain: applications, and per step the median working time, the norm
    of that version and the share completed over it, plus service-deadline compliance.

    Each application is judged by the version it ran on (``definition_id`` of its rows), so an
    auditor sees whether a new regulation made the service faster."""
    rows = []
    with ctx.transaction() as session:
        for link in chain(session, process_key):
            d = link.definition
            reg = loaded(d, session).regulation
            apps = session.execute(
                select(Application.status, Application.finished_at, Application.deadline_at).where(
                    Application.definition_id == d.id
                )
            ).all()
            finished = [a for a in apps if a.finished_at is not None]
            timed = [a for a in finished if a.deadline_at is not None]
            steps: dict[str, list[Any]] = {}
            for r in session.execute(
                select(
                    StepRecord.step_id,
                    StepRecord.working_minutes,
                    StepRecord.completed_at,
                    StepRecord.due_at,
                ).where(
                    StepRecord.definition_id == d.id,
                    StepRecord.status == StepStatus.COMPLETED.value,
                )
            ):
                steps.setdefault(r.step_id, []).append(r)
            order = list(reg.step_order) + [i for i in reg.steps if i not in reg.step_order]
            comparisons = []
            for step_id in order:
                step = reg.steps[step_id]
                done = steps.get(step_id, [])
                minutes = [r.working_minutes or 0 for r in done]
                comparisons.append(
                    StepComparison(
                        step_id=step_id,
                        name=step.name,
                        role=step.role,
                        norm=str(step.norm) if step.norm else None,
                        count=len(done),
                        median_minutes=float(median(minutes)) if minutes else None,
                        over_norm=sum(
                            1 for r in done if r.due_at is not None and r.completed_at > r.due_at
                        ),
                    )
                )
            rows.append(
                VersionComparison(
                    key=d.key,
                    version=d.version,
                    definition_id=d.id,
                    approved_by=link.validity.act(),
                    in_force_from=link.validity.in_force_from,
                    until=link.until,
                    deadline=reg.properties.get("deadline"),
                    applications=len(apps),
                    finished=len(finished),
                    deadline_met=sum(1 for a in timed if a.finished_at <= a.deadline_at),
                    with_deadline=len(timed),
                    steps=comparisons,
                )
            )
    return rows
