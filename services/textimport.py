"""From regulation text to BPMN, and back: import a регламент as a draft model, and check a model
against its text.

``import_text`` reads one regulation of a text file (workflows/textread.py), draws it
(workflows/textdraft.py), validates the result with the same loader that ``regflow deploy`` uses
and writes it. ``check_model`` lists every difference between a model and its text: steps
missing from the model or not in the text, norms and lanes that differ, and routes whose step
norms add up to more than the service deadline. Steps are matched by the line their ``source``
property names, because that is the one thing a hand-made model and the text share.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from regflow.errors import ModelError, NormError, UsageError
from regflow.workflows.norms import Norm, NormUnit
from regflow.workflows.textread import (
    DraftRegulation,
    DraftText,
    TextWarning,
    read_text,
)

__all__ = ["Difference", "ImportResult", "check_model", "import_text", "text_steps"]

# A working day of the provider's schedule (akimat: 09:00-18:00 with an hour's lunch), used only
# to add minute norms to day norms when comparing a route's total with the deadline.
MINUTES_PER_WORKING_DAY = 8 * 60
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


@dataclass(frozen=True)
class ImportResult:
    path: Path
    key: str
    title: str
    regulation: int
    routes: list[str]
    steps: int
    warnings: list[TextWarning] = field(default_factory=list)


@dataclass(frozen=True)
class Difference:
    """One way a model differs from its text. ``kind``: missing | extra | norm | lane | deadline."""

    kind: str
    message: str
    line: int | None = None
    element: str | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class TextStep:
    """What the text says at one line: a step (or one case of it) with its norm and lane."""

    line: int
    label: str
    norm: Norm | None
    role: str | None


def _read(text_path: Path) -> DraftText:
    return read_text(text_path)


def import_text(
    path: Path, regulation: int | None = None, out: Path | None = None, key: str | None = None
) -> ImportResult:
    """Write regulation ``regulation`` of ``path`` as a draft BPMN file ``out``.

    The process key is ``key`` or the output file's stem (``processes/kreslo_arba_beru.bpmn`` →
    ``kreslo_arba_beru``). Warnings are returned, not raised: a draft with warnings is still a
    draft worth opening in a modeller."""
    from regflow.workflows.loader import load_process
    from regflow.workflows.textdraft import build_draft

    if out is None:
        raise UsageError("say where the draft goes: -o processes/NAME.bpmn")
    key = key or out.stem
    if not _KEY.match(key):
        raise UsageError(
            f"'{key}' is not a usable process key: name the file in Latin letters, digits and "
            "underscores (e.g. processes/kreslo_arba_beru.bpmn)"
        )
    doc = _read(path)
    reg = doc.regulation(regulation)
    if not reg.steps:
        raise UsageError(
            f"{path.name}: regulation {reg.number} ('{reg.title[:60]}') has no numbered steps to "
            "import"
        )
    builder, draw_warnings = build_draft(reg, path.name, key)
    data = builder.to_bytes()
    try:
        loaded = load_process(data, out.name)
    except ModelError as exc:  # a reader/drawer bug, but say what and where
        raise ModelError(
            f"the draft of regulation {reg.number} is not a valid model: {exc}"
        ) from None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None
    warnings = sorted(doc.warnings + reg.warnings + draw_warnings, key=lambda w: w.line)
    return ImportResult(
        path=out,
        key=key,
        title=reg.title,
        regulation=reg.number,
        routes=list(loaded.regulation.routes),
        steps=len(loaded.regulation.steps),
        warnings=warnings,
    )


def text_steps(reg: DraftRegulation) -> list[TextStep]:
    """Every step the text writes, one entry per case / conditional norm, by line."""
    from regflow.workflows.textdraft import item_role

    out: list[TextStep] = []
    for s in reg.steps:
        if s.cases:
            out += [TextStep(c.line, c.label, c.norm, s.role) for c in s.cases]
        else:
            out.append(TextStep(s.line, s.action, s.norm, s.role))
        out += [TextStep(c.line, c.label, c.norm, s.role) for c in s.conditions]
    for it in reg.items:
        out.append(TextStep(it.line, f"{it.label}: {it.text}", it.norm, item_role(it)[0]))
    return out


def _pick_regulation(doc: DraftText, props: dict[str, str], name: str) -> DraftRegulation:
    """The regulation a model is drawn from: by its ``source`` lines, else by its title."""
    if len(doc.regulations) == 1:
        return doc.regulations[0]
    m = re.search(r":(\d+)(?:-(\d+))?\s*$", props.get("source", ""))
    if m:
        first = int(m.group(1))
        for reg in doc.regulations:
            if reg.start_line <= first <= reg.end_line:
                return reg
    for reg in doc.regulations:
        if " ".join(reg.title.split()) == " ".join(name.split()):
            return reg
    raise UsageError(
        f"{doc.file} holds {len(doc.regulations)} regulations and the model names none of them "
        f"(by its 'source' lines or title): say which with --regulation 1..{len(doc.regulations)}"
    )


def _fmt(norm: Norm | None) -> str:
    return str(norm) if norm is not None else "no norm"


def check_model(
    model_path: Path, text_path: Path, regulation: int | None = None
) -> list[Difference]:
    """Every difference between the model and its regulation text (empty when they agree)."""
    from regflow.services.processes import read_model
    from regflow.workflows.routes import main_path, total_norm

    _, loaded = read_model(model_path)
    model = loaded.regulation
    doc = _read(text_path)
    reg = (
        doc.regulation(regulation)
        if regulation is not None
        else _pick_regulation(doc, model.properties, model.name)
    )
    expected: dict[int, list[TextStep]] = {}
    for ts in text_steps(reg):
        expected.setdefault(ts.line, []).append(ts)

    found: dict[int, list] = {}
    diffs: list[Difference] = []
    for step in sorted(model.steps.values(), key=lambda s: (s.source or "", s.id)):
        m = re.match(r"^(?P<file>.*?):(?P<line>\d+)$", (step.source or "").strip())
        if m is None:
            diffs.append(Difference(
                "extra", f"{step.id} ('{step.name[:60]}') names no source line in the text",
                None, step.id))
            continue
        if Path(m["file"]).name != text_path.name:
            diffs.append(Difference(
                "extra", f"{step.id} cites {m['file']}, not {text_path.name}", None, step.id))
            continue
        found.setdefault(int(m["line"]), []).append(step)

    for line in sorted(set(expected) | set(found)):
        texts = expected.get(line, [])
        steps = found.get(line, [])
        if not steps:
            for ts in texts:
                diffs.append(Difference(
                    "missing", f"missing step: '{ts.label[:70]}' ({_fmt(ts.norm)})", line))
            continue
        if not texts:
            for st in steps:
                diffs.append(Difference(
                    "extra", f"{st.id} ('{st.name[:60]}', {_fmt(st.norm)}) is not a step of "
                    "the text at this line", line, st.id))
            continue
        text_norms = {ts.norm for ts in texts}
        model_norms = {st.norm for st in steps}
        for st in steps:
            if st.norm not in text_norms:
                diffs.append(Difference(
                    "norm", f"{st.id}: norm {_fmt(st.norm)} in the model, the text says "
                    + " / ".join(_fmt(n) for n in sorted(text_norms, key=_fmt)),
                    line, st.id))
        for norm in sorted(text_norms - model_norms, key=_fmt):
            if any(st.norm not in text_norms for st in steps):
                continue  # already reported as a differing norm
            diffs.append(Difference(
                "missing", f"the text's norm {_fmt(norm)} is on no step of the model", line))
        roles = {ts.role for ts in texts if ts.role}
        for st in steps:
            if roles and st.role not in roles:
                diffs.append(Difference(
                    "lane", f"{st.id} is in lane '{st.role}', the text gives it to "
                    + " / ".join(sorted(roles)), line, st.id))

    for route in model.routes or (None,):
        totals = total_norm(main_path(model, route))
        deadline = _deadline(reg, route) or _model_deadline(model, route)
        if deadline is None:
            continue
        if _exceeds(totals, deadline):
            where = f"route via {route}" if route else "the process"
            diffs.append(Difference(
                "deadline", f"{where}: {_describe(totals)} of step norms exceed the "
                f"standard's {deadline}"))
    return diffs


def _describe(totals: Counter[NormUnit]) -> str:
    """"5 working days + 2 hours": the larger units first, as the texts write durations."""
    order = [NormUnit.CALENDAR_MONTHS, NormUnit.WORKING_DAYS, NormUnit.CALENDAR_DAYS,
             NormUnit.MINUTES]
    parts = [str(Norm(totals[u], u)) for u in order if totals.get(u)]
    return " + ".join(parts) if parts else "no norms"


def _deadline(reg: DraftRegulation, route: str | None) -> Norm | None:
    found = reg.deadlines.get(route or "") or reg.deadlines.get("")
    return found[0] if found else None


def _model_deadline(model, route: str | None) -> Norm | None:  # type: ignore[no-untyped-def]
    try:
        return model.deadline_for(route)
    except NormError:
        return None


def _exceeds(totals: Counter[NormUnit], deadline: Norm) -> bool:
    """Whether the step norms of a route add up to more than the deadline. Minutes and working
    days are added at :data:`MINUTES_PER_WORKING_DAY`; calendar units compare with their own."""
    work = totals.get(NormUnit.WORKING_DAYS, 0) * MINUTES_PER_WORKING_DAY + totals.get(
        NormUnit.MINUTES, 0
    )
    if deadline.unit is NormUnit.WORKING_DAYS:
        return work > deadline.amount * MINUTES_PER_WORKING_DAY
    if deadline.unit is NormUnit.MINUTES:
        return work > deadline.amount
    return totals.get(deadline.unit, 0) > deadline.amount
