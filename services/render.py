"""Diagrams with live counts and a timing heatmap, read from the step rows.

``regflow render`` draws a deployed process (or a .bpmn file) with one overlay:

* ``open`` — open tasks per step now (status ready or claimed), like Camunda Cockpit's counts;
* ``overdue`` — share of completed steps finished after their due time, green (0 %) → red (100 %);
* ``median`` — median of (working time / norm) over completed steps, green (≤ 0.5) → red (≥ 1.5).

The norm of a row is measured in the same working time as the step: the working minutes of its
schedule between ``ready_at`` and ``due_at`` (so "1 working day" is the day length of that
schedule, and the ratio is exact for minute norms). ``--from``/``--to`` filter on ``ready_at``.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from statistics import median

from regflow.errors import ConfigError, ModelError, UsageError
from regflow.services.context import Context
from regflow.workflows.render import FONT, Badge, Legend, html_page, render_svg

OVERLAYS = ("open", "overdue", "median")
FORMATS = (".svg", ".html", ".png")


@dataclass(frozen=True)
class Source:
    """The BPMN text to draw and the process key its step rows are filed under."""

    data: bytes
    filename: str
    key: str | None
    title: str


def hsl(hue: float, saturation: float, lightness: float) -> str:
    """#rrggbb of an HSL colour (hex, because not every SVG converter reads hsl())."""
    import colorsys

    r, g, b = colorsys.hls_to_rgb(hue / 360, lightness, saturation)
    return "#" + "".join(f"{round(v * 255):02x}" for v in (r, g, b))


def heat(t: float) -> str:
    """Green (t = 0) → yellow → red (t = 1), light enough to read text on."""
    t = min(max(t, 0.0), 1.0)
    return hsl(120 * (1 - t), 0.75, 0.72)


def _process_key(data: bytes, filename: str) -> str | None:
    from regflow.workflows.loader import _safe_xml
    from regflow.workflows.render import BPMN

    root = _safe_xml(data, filename).getroot()
    for process in root.iter(f"{{{BPMN}}}process"):
        if process.get("isExecutable") != "false" and process.get("id"):
            return process.get("id")
    first = root.find(f"{{{BPMN}}}process")
    return first.get("id") if first is not None else None


def source_for(process: str, ctx: Context | None) -> Source:
    """A path to a .bpmn file (no database needed) or a deployed process key (latest version)."""
    path = Path(process)
    if process.lower().endswith((".bpmn", ".xml")) or path.is_file():
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read: {exc.strerror}", file=str(path)) from None
        return Source(data, path.name, _process_key(data, path.name), path.stem)
    if ctx is None:
        raise UsageError(f"{process!r} is not a .bpmn file; a process key needs the database")
    from regflow.services.processes import latest_definition

    with ctx.transaction() as session:
        definition = latest_definition(session, process)
        assert definition is not None
        return Source(
            definition.source.encode("utf-8"),
            definition.filename,
            definition.key,
            f"{definition.name} · {definition.key} v{definition.version}",
        )


def _rows(
    ctx: Context,
    key: str,
    statuses: tuple[str, ...],
    start: datetime | None,
    end: datetime | None,
    latest_only: bool,
) -> list:  # type: ignore[type-arg]
    from sqlalchemy import select

    from regflow.services.processes import latest_definition
    from regflow.store.models import StepRecord

    query = select(StepRecord).where(
        StepRecord.process_key == key, StepRecord.status.in_(statuses)
    )
    if start is not None:
        query = query.where(StepRecord.ready_at >= start)
    if end is not None:
        query = query.where(StepRecord.ready_at < end)
    with ctx.transaction() as session:
        if latest_only:
            latest = latest_definition(session, key, required=False)
            if latest is None:
                return []
            query = query.where(StepRecord.definition_id == latest.id)
        rows = session.scalars(query.order_by(StepRecord.id)).all()
        session.expunge_all()
        return list(rows)


def open_overlay(
    ctx: Context,
    key: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    latest_only: bool = False,
) -> tuple[dict[str, Badge], Legend]:
    """Open tasks (ready or claimed) per step id, now; fill darker where more are waiting."""
    from regflow.store.models import OPEN_STEP_STATUSES

    counts: dict[str, int] = defaultdict(int)
    claimed: dict[str, int] = defaultdict(int)
    for row in _rows(ctx, key, OPEN_STEP_STATUSES, start, end, latest_only):
        counts[row.step_id] += 1
        claimed[row.step_id] += row.status == "claimed"
    top = max(counts.values(), default=0)
    badges = {
        step: Badge(
            text=str(n),
            fill=hsl(213, 0.8, (90 - 30 * n / top) / 100),
            title=f"{n} open ({claimed[step]} claimed)",
        )
        for step, n in counts.items()
    }
    legend = Legend(
        f"Open tasks now: {sum(counts.values())}",
        ((hsl(213, 0.8, 0.88), "few open"), (hsl(213, 0.8, 0.6), f"most open ({top})")),
    )
    return badges, legend


def overdue_overlay(
    ctx: Context,
    key: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    latest_only: bool = False,
) -> tuple[dict[str, Badge], Legend]:
    """Share of completed steps (with a norm) that finished after their due time."""
    total: dict[str, int] = defaultdict(int)
    late: dict[str, int] = defaultdict(int)
    for row in _rows(ctx, key, ("completed",), start, end, latest_only):
        if row.due_at is None or row.completed_at is None:
            continue
        total[row.step_id] += 1
        late[row.step_id] += row.completed_at > row.due_at
    badges = {
        step: Badge(
            text=f"{late[step] / n:.0%}",
            fill=heat(late[step] / n),
            title=f"{late[step]} of {n} completed over norm",
        )
        for step, n in total.items()
    }
    legend = Legend(
        "Completed steps over norm",
        ((heat(0), "0 % over norm"), (heat(0.5), "50 %"), (heat(1), "100 % over norm")),
    )
    return badges, legend


def median_overlay(
    ctx: Context,
    key: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    latest_only: bool = False,
) -> tuple[dict[str, Badge], Legend]:
    """Median of working time / norm per step; the norm measured in the step's working time."""
    from regflow.services.processes import loaded_by_id

    ratios: dict[str, list[float]] = defaultdict(list)
    schedules: dict[int, object] = {}
    rows = _rows(ctx, key, ("completed",), start, end, latest_only)
    with ctx.transaction() as session:
        for row in rows:
            if row.due_at is None or row.working_minutes is None:
                continue
            if row.definition_id not in schedules:
                schedules[row.definition_id] = loaded_by_id(session, row.definition_id).regulation
            reg = schedules[row.definition_id]
            schedule = reg.schedule_of(row.role) if reg is not None else "akimat"  # type: ignore[attr-defined]
            norm_minutes = ctx.calendar(schedule).working_minutes(row.ready_at, row.due_at)
            if norm_minutes <= 0:
                continue
            ratios[row.step_id].append(row.working_minutes / norm_minutes)
    badges = {}
    for step, values in ratios.items():
        m = median(values)
        badges[step] = Badge(
            text=f"{m:.2f}×",
            fill=heat(m - 0.5),
            title=f"median working time / norm = {m:.2f} over {len(values)} completed",
        )
    legend = Legend(
        "Median working time / norm",
        ((heat(0), "≤ 0.5 × norm"), (heat(0.5), "1 × norm"), (heat(1), "≥ 1.5 × norm")),
    )
    return badges, legend


def overlay_for(
    ctx: Context,
    key: str,
    kind: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    latest_only: bool = False,
) -> tuple[dict[str, Badge], Legend]:
    """The badges and legend of one overlay, by name (see :data:`OVERLAYS`)."""
    makers = {"open": open_overlay, "overdue": overdue_overlay, "median": median_overlay}
    if kind not in makers:
        raise UsageError(f"unknown overlay {kind!r}: choose one of {', '.join(OVERLAYS)}")
    return makers[kind](ctx, key, start=start, end=end, latest_only=latest_only)


@dataclass(frozen=True)
class Rendered:
    svg: str
    title: str
    key: str | None
    notes: tuple[str, ...]


def render_process(
    process: str,
    ctx: Context | None,
    *,
    overlay: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    latest_only: bool = False,
) -> Rendered:
    """Draw PROCESS (file or deployed key), with an overlay from the step rows if asked."""
    src = source_for(process, ctx if overlay or not _looks_like_file(process) else None)
    badges: dict[str, Badge] | None = None
    legend: Legend | None = None
    notes: list[str] = []
    if overlay:
        if ctx is None:
            raise UsageError("an overlay needs the database")
        if src.key is None:
            raise ModelError("the file has no bpmn:process to count steps of", file=src.filename)
        badges, legend = overlay_for(
            ctx, src.key, overlay, start=start, end=end, latest_only=latest_only
        )
        span = f"ready {start:%Y-%m-%d %H:%M} … {end:%Y-%m-%d %H:%M}" if start and end else (
            f"ready from {start:%Y-%m-%d %H:%M}" if start else
            f"ready before {end:%Y-%m-%d %H:%M}" if end else "all time"
        )  # fmt: skip
        versions = "latest version" if latest_only else "all versions"
        notes.append(
            f"overlay {overlay}: {src.key}, {versions}, {span}; as of {ctx.now():%Y-%m-%d %H:%M}"
        )
        if legend is not None:
            legend = Legend(f"{legend.title} ({span})", legend.rows)
    svg = render_svg(src.data, badges, legend=legend, filename=src.filename, title=src.title)
    return Rendered(svg, src.title, src.key, tuple(notes))


def _looks_like_file(process: str) -> bool:
    return process.lower().endswith((".bpmn", ".xml")) or Path(process).is_file()


def write(rendered: Rendered, output: Path) -> Path:
    """Write .svg, .html (standalone page) or .png (cairosvg, else headless Chromium)."""
    suffix = output.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"cannot write {output.name}: use .svg, .html or .png")
    try:
        if suffix == ".svg":
            output.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + rendered.svg, "utf-8")
        elif suffix == ".html":
            output.write_text(html_page(rendered.svg, rendered.title, rendered.notes), "utf-8")
        else:
            output.write_bytes(png_of(rendered.svg))
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror}") from None
    return output


def png_of(svg: str) -> bytes:
    """PNG bytes of an SVG: headless Chromium when present (per-glyph font fallback, the same
    engine the layout tests check), else cairosvg (needs libcairo; its text uses DejaVu Sans
    Condensed, which has every Kazakh letter and about Liberation Sans' width)."""
    try:
        return _chromium_png(svg)
    except ConfigError as exc:
        reason = str(exc)
    except Exception as exc:  # Playwright refuses e.g. inside a running event loop
        reason = f"Chromium failed: {type(exc).__name__}"
    try:
        import cairosvg  # type: ignore[import-untyped]
    except (ImportError, OSError):
        raise ConfigError(
            "PNG needs Chromium with playwright (set REGFLOW_CHROMIUM) or cairosvg with libcairo "
            f"(pip install 'regflow[png]'); {reason}; write .svg or .html instead"
        ) from None
    svg = svg.replace(FONT, "'DejaVu Sans Condensed', 'DejaVu Sans', sans-serif")
    return bytes(cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=1.5))


def _chromium_png(svg: str) -> bytes:
    import os

    chromium = os.environ.get("REGFLOW_CHROMIUM") or shutil.which("chromium") or ""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None  # type: ignore[assignment]
    if not chromium or not Path(chromium).exists() or sync_playwright is None:
        raise ConfigError("no Chromium with playwright")
    from lxml import etree

    root = etree.fromstring(svg.encode("utf-8"))
    width = int(float(root.get("width", "800"))) + 1
    height = int(float(root.get("height", "600"))) + 1
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_content(f"<html><body style='margin:0'>{svg}</body></html>")
            return page.screenshot(timeout=30000)
        finally:
            browser.close()
