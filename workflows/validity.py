"""The legal validity of one process version, read from its process properties.

Regulations change by law, not by deployment: a version applies from the day its act comes into
force (``in_force_from``) until the day it is repealed (``repealed_on``, the first day it no
longer applies). ``approved_by`` names the act (number and date); ``replaces`` names the process
key of the predecessor when the new regulation got a new key. Dates are ISO (``2015-11-06``); a
malformed one is refused at validate/deploy time with the file, line and element, so that a typo
never silently changes which regulation an akimat applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from regflow.errors import ModelError
from regflow.workflows.model import Regulation, Step

DATE_PROPERTIES = ("approved_on", "in_force_from", "repealed_on")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


@dataclass(frozen=True)
class Validity:
    """When a version applies. ``None`` dates are open ends: no ``in_force_from`` = in force
    since before anything else of its chain; no ``repealed_on`` = not repealed."""

    approved_by: str | None = None
    approved_on: date | None = None
    in_force_from: date | None = None
    repealed_on: date | None = None
    repealed_by: str | None = None
    replaces: str | None = None

    @property
    def dated(self) -> bool:
        return self.in_force_from is not None or self.repealed_on is not None

    def started_by(self, day: date) -> bool:
        return self.in_force_from is None or self.in_force_from <= day

    def repealed_by_day(self, day: date) -> bool:
        return self.repealed_on is not None and self.repealed_on <= day

    def in_force_on(self, day: date) -> bool:
        """On its own (ignoring successors): ``in_force_from <= day < repealed_on``."""
        return self.started_by(day) and not self.repealed_by_day(day)

    def act(self) -> str:
        """The approving act for messages, or a dash."""
        if self.approved_by and self.approved_on and str(self.approved_on) not in self.approved_by:
            return f"{self.approved_by} ({self.approved_on})"
        return self.approved_by or (f"act of {self.approved_on}" if self.approved_on else "—")


def _line_of(source: bytes | None, name: str) -> int | None:
    if not source:
        return None
    needle = f'name="{name}"'.encode()
    pos = source.find(needle)
    return source.count(b"\n", 0, pos) + 1 if pos >= 0 else None


def _date(
    properties: Mapping[str, str],
    name: str,
    *,
    file: str | None,
    element: str | None,
    source: bytes | None,
) -> date | None:
    text = (properties.get(name) or "").strip()
    if not text:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ModelError(
            f"property '{name}' must be an ISO date like 2015-11-06, got {text!r}",
            file=file,
            line=_line_of(source, name),
            element=element,
        ) from None


def validity_of(
    properties: Mapping[str, str],
    *,
    key: str | None = None,
    file: str | None = None,
    source: bytes | None = None,
) -> Validity:
    """Read and check the validity properties of a process (``key`` names the element)."""
    dates = {
        n: _date(properties, n, file=file, element=key, source=source) for n in DATE_PROPERTIES
    }
    start, end = dates["in_force_from"], dates["repealed_on"]
    if start and end and end <= start:
        raise ModelError(
            f"'repealed_on' {end} is not after 'in_force_from' {start}",
            file=file,
            line=_line_of(source, "repealed_on"),
            element=key,
        )
    replaces = (properties.get("replaces") or "").strip() or None
    if replaces is not None and (not _KEY.match(replaces) or replaces == key):
        raise ModelError(
            f"property 'replaces' must name another process key, got {replaces!r}",
            file=file,
            line=_line_of(source, "replaces"),
            element=key,
        )
    return Validity(
        approved_by=(properties.get("approved_by") or "").strip() or None,
        approved_on=dates["approved_on"],
        in_force_from=start,
        repealed_on=end,
        repealed_by=(properties.get("repealed_by") or "").strip() or None,
        replaces=replaces,
    )


@dataclass(frozen=True)
class Changes:
    """What changed from one version of a regulation to the next, in the auditor's terms."""

    steps_added: tuple[str, ...] = ()  # "Task_x (name)"
    steps_removed: tuple[str, ...] = ()
    lanes_added: tuple[str, ...] = ()  # roles
    lanes_removed: tuple[str, ...] = ()
    lanes_renamed: tuple[tuple[str, str, str], ...] = ()  # role, old name, new name
    norms_changed: tuple[tuple[str, str, str, str], ...] = ()  # step id, name, old, new
    deadline_changed: tuple[tuple[str, str, str], ...] = ()  # property, old, new
    other_changed: tuple[tuple[str, str, str], ...] = ()  # routes, schedule: property, old, new

    @property
    def empty(self) -> bool:
        return not any(getattr(self, f) for f in self.__dataclass_fields__)

    def lines(self) -> list[str]:
        """One human line per change, for ``regflow history``."""
        out = [f"step added: {s}" for s in self.steps_added]
        out += [f"step removed: {s}" for s in self.steps_removed]
        out += [f"lane added: {r}" for r in self.lanes_added]
        out += [f"lane removed: {r}" for r in self.lanes_removed]
        out += [f"lane {r} renamed: {a} → {b}" for r, a, b in self.lanes_renamed]
        out += [f"norm of {i} ({n}): {a} → {b}" for i, n, a, b in self.norms_changed]
        out += [f"{p}: {a} → {b}" for p, a, b in self.deadline_changed]
        out += [f"{p}: {a} → {b}" for p, a, b in self.other_changed]
        return out or ["no change in steps, lanes, norms or deadline"]


def _norm_text(step: Step | None) -> str:
    return str(step.norm) if step is not None and step.norm is not None else "—"


def diff_regulations(old: Regulation, new: Regulation) -> Changes:
    """Steps are matched by id, then (for ids the modeller renamed) by name."""
    pairs: list[tuple[Step, Step]] = []
    removed = [s for i, s in old.steps.items() if i not in new.steps]
    added = [s for i, s in new.steps.items() if i not in old.steps]
    pairs += [(s, new.steps[i]) for i, s in old.steps.items() if i in new.steps]
    by_name = {s.name: s for s in added}
    for s in list(removed):
        twin = by_name.pop(s.name, None)
        if twin is not None:
            pairs.append((s, twin))
            removed.remove(s)
            added.remove(twin)
    norms = tuple(
        (b.id, b.name, _norm_text(a), _norm_text(b))
        for a, b in pairs
        if _norm_text(a) != _norm_text(b)
    )

    def prop_changes(names: list[str]) -> tuple[tuple[str, str, str], ...]:
        return tuple(
            (n, old.properties.get(n) or "—", new.properties.get(n) or "—")
            for n in names
            if (old.properties.get(n) or "—") != (new.properties.get(n) or "—")
        )

    deadline_names = sorted(
        {n for r in (old, new) for n in r.properties if n.split(".")[0] == "deadline"}
    )
    return Changes(
        steps_added=tuple(f"{s.id} ({s.name})" for s in added),
        steps_removed=tuple(f"{s.id} ({s.name})" for s in removed),
        lanes_added=tuple(r for r in new.lanes if r not in old.lanes),
        lanes_removed=tuple(r for r in old.lanes if r not in new.lanes),
        lanes_renamed=tuple(
            (r, old.lanes[r].name, new.lanes[r].name)
            for r in new.lanes
            if r in old.lanes and old.lanes[r].name != new.lanes[r].name
        ),
        norms_changed=norms,
        deadline_changed=prop_changes(deadline_names),
        other_changed=prop_changes(["routes", "schedule"]),
    )
