"""The report as one self-contained HTML file: tables and inline SVG charts, nothing fetched.

An auditor mails this file or opens it offline; it therefore carries its own CSS, draws its
charts as inline SVG (HTML parses ``<svg>`` without a namespace declaration), and contains no
script and no URL at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from sqlalchemy import select

from regflow.i18n import N_, _, get_language
from regflow.services.context import Context
from regflow.services.formatting import (
    WORKING_DAY_MINUTES,
    instant,
    label,
    norm,
    working,
)
from regflow.services.names import step_name
from regflow.services.report import (
    PersonStats,
    StepStats,
    people_view,
    regulations,
    steps_view,
)
from regflow.services.report_apps import (
    ApplicationStats,
    ApplicationTimeline,
    application_timeline,
    applications_view,
)
from regflow.services.report_filter import ReportFilter
from regflow.services.report_rows import TIMELINE_HEADERS, timeline_cells
from regflow.services.report_svg import gantt, heatmap, step_chart
from regflow.store.models import Application, StepRecord, StepStatus

GANTT_LIMIT = 20
APPLICATION_ROWS = 1000

CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
h3{font-size:14px;margin:18px 0 4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f2f4f7}td.n{text-align:right;white-space:nowrap}
.late{color:#c0392b;font-weight:600}.muted{color:#777}
.charts{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #e3e3e3;padding:6px 8px;border-radius:4px}
.card p{margin:0 0 4px;font-size:12px}
"""


@dataclass(frozen=True)
class HtmlReport:
    path: Path
    steps: int
    applications: int
    charts: int


def _table(headers: Sequence[str], rows: list[list[tuple[str, str]]]) -> str:
    """Rows of (text, css class) cells; the text is escaped here, the headers translated."""
    head = "".join(f"<th>{escape(_(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="{c}">{escape(t)}</td>' for t, c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _steps_section(steps: list[StepStats]) -> str:
    rows = [
        [
            (s.process_key, ""),
            (s.route or "—", ""),
            (s.name, ""),
            (s.role or "—", ""),
            (str(s.count), "n"),
            (working(round(s.median_minutes)), "n"),
            (working(s.p90_minutes), "n"),
            (working(s.max_minutes), "n"),
            (norm(s.norm), ""),
            (f"{s.over_norm_share:.0%}", "n late" if s.over_norm else "n"),
            (working(s.overdue_minutes), "n"),
        ]
        for s in steps
    ]
    headers = (
        N_("process"),
        N_("route"),
        N_("step"),
        N_("role"),
        "n",
        N_("median"),
        N_("p90"),
        N_("max"),
        N_("norm"),
        N_("over norm"),
        N_("overdue time"),
    )
    cards = "".join(
        f'<div class="card"><p><b>{escape(s.name[:70])}</b><br><span class="muted">'
        f"{escape(s.process_key)} · {escape(s.route or '—')} · n={s.count} · {escape(_('norm'))} "
        f"{escape(norm(s.norm))}</span></p>{step_chart(s)}</div>"
        for s in steps
    )
    return (
        f"<h2>{escape(_('Steps: working time against the norm'))}</h2>"
        + _table(headers, rows)
        + f"<h3>{escape(_('Working time per step'))}</h3>"
        + f'<div class="charts">{cards}</div>'
    )


def deadline_norm(text: str | None) -> str:
    return norm(text) if text else _("none")


def _applications_section(apps: list[ApplicationStats], ctx: Context) -> str:
    tz = ctx.clock.tz
    met = {True: (_("met"), "n"), False: (_("missed"), "n late"), None: ("—", "n")}
    rows = [
        [
            (str(a.application_id), "n"),
            (a.process_key, ""),
            (a.route or "—", ""),
            (label(a.status) + (f" ({label(a.outcome)})" if a.outcome else ""), ""),
            (instant(a.filed_at, tz), ""),
            (instant(a.finished_at, tz), ""),
            (working(a.working_minutes), "n"),
            (f"{instant(a.deadline_at, tz)} ({deadline_norm(a.deadline_norm)})", ""),
            met[a.deadline_met],
            (f"{a.worst_step} (+{working(a.worst_overdue_minutes)})" if a.worst_step else "—", ""),
        ]
        for a in apps
    ]
    headers = (
        N_("app"),
        N_("process"),
        N_("route"),
        N_("status"),
        N_("filed"),
        N_("finished"),
        N_("working time"),
        N_("service deadline"),
        N_("met"),
        N_("overran most"),
    )
    return f"<h2>{escape(_('Applications'))}</h2>" + _table(headers, rows)


def _people_section(people: list[PersonStats]) -> str:
    rows = [
        [
            (p.key, ""),
            (str(p.tasks_done), "n"),
            (working(round(p.median_minutes)), "n"),
            (f"{p.over_norm_share:.0%}", "n late" if p.over_norm else "n"),
            (str(p.open_now), "n"),
        ]
        for p in people
    ]
    headers = (N_("role"), N_("tasks done"), N_("median"), N_("over norm"), N_("open now"))
    return f"<h2>{escape(_('Roles'))}</h2>" + _table(headers, rows)


def _heatmap_section(ctx: Context, flt: ReportFilter) -> str:
    """Completions over norm per step and ISO week (of completion, in the provider's zone)."""
    tz = ctx.clock.tz
    query = (
        select(
            StepRecord.process_key,
            StepRecord.step_id,
            StepRecord.completed_at,
            StepRecord.due_at,
        )
        .join(Application, Application.id == StepRecord.application_id)
        .where(StepRecord.status == StepStatus.COMPLETED.value, StepRecord.kind == "user")
        .where(*flt.step_conditions())
    )
    cells: dict[tuple[tuple[str, str], str], list[int]] = defaultdict(lambda: [0, 0])
    with ctx.transaction() as session:
        for key, step_id, completed_at, due_at in session.execute(query):
            if completed_at is None:  # pragma: no cover - completed steps have it
                continue
            year, week, _weekday = completed_at.astimezone(tz).isocalendar()
            cell = cells[((key, step_id), f"{year}-W{week:02d}")]
            cell[0] += int(due_at is not None and completed_at > due_at)
            cell[1] += 1
        regs = regulations(session, {k for (k, _), _ in cells})
    if not cells:
        return (
            f"<h2>{escape(_('Overdue by week'))}</h2>"
            f"<p class='muted'>{escape(_('No completed steps.'))}</p>"
        )

    def order(step: tuple[str, str]) -> tuple[str, int]:
        reg = regs.get(step[0])
        steps = reg.step_order if reg else ()
        return step[0], steps.index(step[1]) if step[1] in steps else len(steps)

    def label(step: tuple[str, str]) -> str:
        reg = regs.get(step[0])
        name = step_name(reg, step[1], reg.steps[step[1]].name if reg and step[1] in reg.steps
                         else step[1])
        return f"{step[0]} · {name}"

    steps = sorted({s for s, _ in cells}, key=order)
    weeks = sorted({w for _, w in cells})
    labels = [label(s) for s in steps]
    flat = {(label(s), w): (v[0], v[1]) for (s, w), v in cells.items()}
    return (
        f"<h2>{escape(_('Overdue by week'))}</h2><p class='muted'>"
        + escape(_("Completed steps over norm / completed, per ISO week of completion."))
        + "</p>"
        + heatmap(labels, weeks, flat)
    )


GANTT_LEGEND = N_(
    "Calendar time; light: waiting, dark: in hand, red: over norm; black tick: step "
    "due; dashed red: service deadline; grey: days off."
)


def _gantt_section(ctx: Context, apps: list[ApplicationStats], limit: int) -> str:
    parts = [
        "<h2>"
        + escape(_("Timelines (first {count} applications)").format(count=min(limit, len(apps))))
        + "</h2>",
        "<p class='muted'>" + escape(_(GANTT_LEGEND)) + "</p>",
    ]
    now = ctx.now()
    for a in apps[:limit]:
        t = application_timeline(ctx, a.application_id)
        parts.append(
            f"<h3>{escape(_('Application'))} {a.application_id} · {escape(a.process_key)} · "
            f"{escape(a.route or '—')} · {escape(label(a.status))}</h3>"
            + gantt(t, ctx.calendar(t.schedule), now)
        )
    return "".join(parts)


# the CSS classes of a timeline row's cells (report_rows.timeline_cells), by whether the step
# is overdue: figures right-aligned, the overdue cell red
_TIMELINE_CELLS = ("n", "", "", "", "", "", "", "n", "n", "n", "n", "", "n")
_TIMELINE_CLASSES = {False: _TIMELINE_CELLS, True: (*_TIMELINE_CELLS[:-1], "n late")}


def _timeline_section(ctx: Context, t: ApplicationTimeline) -> str:
    """One application: the facts of `regflow show`, its Gantt chart, every step with its
    waiting, handling and overdue time (the columns of `regflow report --application`), and
    the incidents of its system steps."""
    tz = ctx.clock.tz
    status = label(t.status) + (f" ({label(t.outcome)})" if t.outcome else "")
    title = _("Application {id} · {process} · route {route} · {status}").format(
        id=t.application_id, process=f"{t.process_key} v{t.version}", route=t.route or "—",
        status=status,
    )
    missed = f"<span class='late'>{escape(_('missed'))}</span>"
    facts = escape(
        _(
            "filed {filed} · accepted {accepted} · deadline {deadline} ({norm}) {met} · "
            "working time {working}"
        )
    ).format(
        filed=escape(instant(t.filed_at, tz)),
        accepted=escape(instant(t.accepted_at, tz)),
        deadline=escape(instant(t.deadline_at, tz)),
        norm=escape(deadline_norm(t.deadline_norm)),
        met={True: escape(_("met")), False: missed, None: "—"}[t.deadline_met],
        working=escape(working(t.working_minutes)),
    )
    rows = [
        list(zip(timeline_cells(s, tz), _TIMELINE_CLASSES[s.overdue], strict=True))
        for s in t.steps
    ]
    parts = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{facts}</p>",
        "<p class='muted'>" + escape(_(GANTT_LEGEND)) + "</p>",
        gantt(t, ctx.calendar(t.schedule), ctx.now()),
        _table(TIMELINE_HEADERS, rows),
    ]
    if t.incidents:
        incidents = [
            [
                (str(i.id), "n"),
                (i.step_name or i.step_id, ""),
                (i.handler or "—", ""),
                (str(i.attempts), "n"),
                (instant(i.opened_at, tz), ""),
                (_("resolved {at}").format(at=instant(i.resolved_at, tz)), "")
                if i.resolved_at
                else (_("open"), "late"),
                (i.error, ""),
            ]
            for i in t.incidents
        ]
        columns = (N_("incident"), N_("step"), N_("handler"), N_("attempts"), N_("opened"),
                   N_("status"), N_("error"))
        parts.append(
            f"<h2>{escape(_('Incidents ({count})').format(count=len(incidents)))}</h2>"
            + _table(columns, incidents)
        )
    return "".join(parts)


def _document(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{get_language()}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{body}</body></html>"
    )


def write_timeline_html(ctx: Context, path: Path, application_id: int) -> HtmlReport:
    """One application's timeline as a page of its own: what an auditor attaches to a finding
    about that application, offline like the whole report."""
    t = application_timeline(ctx, application_id)
    document = _document(
        _("timeline of application {id}").format(id=t.application_id), _timeline_section(ctx, t)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document, encoding="utf-8")
    return HtmlReport(path=path, steps=len(t.steps), applications=1, charts=document.count("<svg"))


def write_html(
    ctx: Context,
    path: Path,
    flt: ReportFilter | None = None,
    *,
    gantt_limit: int = GANTT_LIMIT,
    title: str | None = None,
) -> HtmlReport:
    """Write the whole report (steps, applications, roles, charts) to one HTML file, in the
    interface's language."""
    flt = flt or ReportFilter()
    title = title or _("regflow: step timing report")
    steps = steps_view(ctx, flt)
    apps = applications_view(ctx, flt, limit=APPLICATION_ROWS)
    people = people_view(ctx, flt, by="role")
    generated: datetime = ctx.now()
    body = "".join(
        [
            f"<h1>{escape(title)}</h1>",
            "<p class='muted'>"
            + escape(
                _(
                    "As of {now} ({tz}). Durations are working time: {wd} = one working day of "
                    "the schedule (8 h for an akimat); a step is over norm when completed after "
                    "its due time."
                ).format(
                    now=instant(generated, ctx.clock.tz),
                    tz=ctx.clock.tz,
                    wd=working(WORKING_DAY_MINUTES),
                )
            )
            + "</p>",
            _steps_section(steps),
            _heatmap_section(ctx, flt),
            _applications_section(apps, ctx),
            _people_section(people),
            _gantt_section(ctx, apps, gantt_limit),
        ]
    )
    document = _document(title, body)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document, encoding="utf-8")
    return HtmlReport(
        path=path,
        steps=len(steps),
        applications=len(apps),
        charts=document.count("<svg"),
    )
