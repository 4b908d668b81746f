"""The report's rows as flat records with stable column names, for CSV, JSON and tables.

Scripts and spreadsheets read these names; changing or reordering one breaks them, so they are
fixed here, in one place, per view. Durations are integer working minutes (``*_minutes``);
instants are ISO 8601 with the provider zone's offset; shares are fractions 0..1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from regflow.i18n import N_
from regflow.services.formatting import span
from regflow.services.report import PersonStats, StepStats
from regflow.services.report_apps import ApplicationStats, ApplicationTimeline, TimelineStep

STEP_COLUMNS = (
    "process",
    "route",
    "step_id",
    "step",
    "role",
    "norm",
    "count",
    "median_minutes",
    "p90_minutes",
    "max_minutes",
    "over_norm",
    "over_norm_share",
    "overdue_minutes",
)
APPLICATION_COLUMNS = (
    "application_id",
    "process",
    "version",
    "route",
    "status",
    "outcome",
    "filed_at",
    "accepted_at",
    "finished_at",
    "working_minutes",
    "deadline",
    "deadline_at",
    "deadline_met",
    "worst_step_id",
    "worst_step",
    "worst_overdue_minutes",
)
PEOPLE_COLUMNS = (
    "by",
    "who",
    "tasks_done",
    "median_minutes",
    "over_norm",
    "over_norm_share",
    "open_now",
)
BY_LABELS = {"role": N_("role"), "user": N_("user")}
TIMELINE_COLUMNS = (
    "application_id",
    "task_id",
    "step_id",
    "step",
    "kind",
    "role",
    "status",
    "actor",
    "ready_at",
    "claimed_at",
    "completed_at",
    "norm",
    "due_at",
    "waiting_minutes",
    "handling_minutes",
    "working_minutes",
    "calendar_minutes",
    "overdue",
    "overdue_minutes",
)



# The columns of an application's timeline, in every format (report_html.py uses them too).
TIMELINE_HEADERS = (
    N_("task"), N_("step"), N_("role"), N_("actor"), N_("ready"), N_("claimed"),
    N_("completed"), N_("waiting"), N_("handling"), N_("working"), N_("calendar"), N_("norm"),
    N_("overdue"),
)

def _iso(value: datetime | None, tz: tzinfo) -> str | None:
    return value.astimezone(tz).isoformat() if value else None


def step_record(s: StepStats) -> dict[str, Any]:
    values = (
        s.process_key,
        s.route,
        s.step_id,
        s.name,
        s.role,
        s.norm,
        s.count,
        s.median_minutes,
        s.p90_minutes,
        s.max_minutes,
        s.over_norm,
        round(s.over_norm_share, 4),
        s.overdue_minutes,
    )
    return dict(zip(STEP_COLUMNS, values, strict=True))


def application_record(a: ApplicationStats, tz: tzinfo) -> dict[str, Any]:
    values = (
        a.application_id,
        a.process_key,
        a.version,
        a.route,
        a.status,
        a.outcome,
        _iso(a.filed_at, tz),
        _iso(a.accepted_at, tz),
        _iso(a.finished_at, tz),
        a.working_minutes,
        a.deadline_norm,
        _iso(a.deadline_at, tz),
        a.deadline_met,
        a.worst_step_id,
        a.worst_step,
        a.worst_overdue_minutes,
    )
    return dict(zip(APPLICATION_COLUMNS, values, strict=True))


def person_record(p: PersonStats) -> dict[str, Any]:
    values = (
        p.by,
        p.key,
        p.tasks_done,
        p.median_minutes,
        p.over_norm,
        round(p.over_norm_share, 4),
        p.open_now,
    )
    return dict(zip(PEOPLE_COLUMNS, values, strict=True))


def timeline_record(application_id: int, s: TimelineStep, tz: tzinfo) -> dict[str, Any]:
    values = (
        application_id,
        s.id,
        s.step_id,
        s.name,
        s.kind,
        s.role,
        s.status,
        s.actor,
        _iso(s.ready_at, tz),
        _iso(s.claimed_at, tz),
        _iso(s.completed_at, tz),
        s.norm,
        _iso(s.due_at, tz),
        s.waiting_minutes,
        s.handling_minutes,
        s.working_minutes,
        s.calendar_minutes,
        s.overdue,
        s.overdue_minutes,
    )
    return dict(zip(TIMELINE_COLUMNS, values, strict=True))


def records(view: str, result: Any, tz: tzinfo) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """The columns and records of a view's result."""
    if view == "steps":
        return STEP_COLUMNS, [step_record(s) for s in result]
    if view == "applications":
        return APPLICATION_COLUMNS, [application_record(a, tz) for a in result]
    if view == "people":
        return PEOPLE_COLUMNS, [person_record(p) for p in result]
    if view == "timeline":
        t: ApplicationTimeline = result
        return TIMELINE_COLUMNS, [timeline_record(t.application_id, s, tz) for s in t.steps]
    raise ValueError(view)


def to_csv(columns: Sequence[str], rows: list[dict[str, Any]]) -> str:
    """CSV with a header row; empty cells for missing values, true/false for flags."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def to_json_value(view: str, result: Any, tz: tzinfo) -> Any:
    """JSON: a list of records; the timeline view adds the application it belongs to."""
    _, rows = records(view, result, tz)
    if view == "timeline":
        return {"application": application_record(result, tz), "steps": rows}
    return rows


def table(view: str, result: Any, tz: tzinfo) -> tuple[str, list[str], list[list[str]]]:
    """A view for people at a terminal: title, headers and text cells (durations as
    ``1 wd 3 h 20 min``, instants in the provider's zone). ``[red]`` marks what is late."""
    from regflow.i18n import _
    from regflow.services.formatting import instant, label, norm, working

    late = "[red]{}[/red]".format
    if view == "steps":
        headers = [
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
            N_("overdue"),
        ]
        rows = [
            [
                s.process_key,
                s.route or "—",
                s.name,
                s.role or "—",
                str(s.count),
                working(round(s.median_minutes)),
                working(s.p90_minutes),
                working(s.max_minutes),
                norm(s.norm),
                (late if s.over_norm else str)(f"{s.over_norm_share:.0%}"),
                working(s.overdue_minutes),
            ]
            for s in result
        ]
        title = _("Steps: working time against the norm (completed steps)")
        return title, [_(h) for h in headers], rows
    if view == "applications":
        met = {True: _("met"), False: late(_("missed")), None: "—"}
        headers = [
            N_("app"),
            N_("process"),
            N_("route"),
            N_("status"),
            N_("filed"),
            N_("finished"),
            N_("working"),
            N_("deadline"),
            N_("met"),
            N_("overran most"),
        ]
        rows = [
            [
                str(a.application_id),
                a.process_key,
                a.route or "—",
                label(a.status) + (f" ({label(a.outcome)})" if a.outcome else ""),
                instant(a.filed_at, tz),
                instant(a.finished_at, tz),
                working(a.working_minutes),
                instant(a.deadline_at, tz),
                met[a.deadline_met],
                f"{a.worst_step} (+{working(a.worst_overdue_minutes)})" if a.worst_step else "—",
            ]
            for a in result
        ]
        return _("Applications ({count})").format(count=len(rows)), [_(h) for h in headers], rows
    if view == "people":
        by = result[0].by if result else "role"
        headers = [BY_LABELS.get(by, by), N_("tasks done"), N_("median"), N_("over norm"),
                   N_("open now")]
        rows = [
            [
                p.key,
                str(p.tasks_done),
                working(round(p.median_minutes)),
                (late if p.over_norm else str)(f"{p.over_norm_share:.0%}"),
                str(p.open_now),
            ]
            for p in result
        ]
        title = _("People by role") if by == "role" else _("People by user")
        return title, [_(h) for h in headers], rows
    t: ApplicationTimeline = result
    verdict = {True: _("met"), False: late(_("missed")), None: "—"}[t.deadline_met]
    title = _(
        "Application {id} · {process} v{version} · route {route} · {status} · working {working} · "
        "deadline {deadline} {verdict}"
    ).format(
        id=t.application_id,
        process=t.process_key,
        version=t.version,
        route=t.route or "—",
        status=label(t.status) + (f" ({label(t.outcome)})" if t.outcome else ""),
        working=working(t.working_minutes),
        deadline=instant(t.deadline_at, tz),
        verdict=verdict,
    )
    rows = []
    for s in t.steps:
        cells = timeline_cells(s, tz)
        cells[-1] = late(cells[-1]) if s.overdue else cells[-1]
        rows.append(cells)
    return title, [_(h) for h in TIMELINE_HEADERS], rows


def timeline_cells(s: TimelineStep, tz: tzinfo) -> list[str]:
    """One step's cells under :data:`TIMELINE_HEADERS`, as the terminal and the HTML page show
    them (each marks the overdue cell its own way)."""
    from regflow.services.formatting import instant, label, norm, working

    return [
        str(s.id),
        s.name,
        s.role or "—",
        s.actor or "—",
        instant(s.ready_at, tz),
        instant(s.claimed_at, tz),
        instant(s.completed_at, tz) if s.completed_at else label(s.status),
        working(s.waiting_minutes),
        working(s.handling_minutes),
        working(s.working_minutes),
        span(s.calendar_minutes),
        norm(s.norm),
        "+" + working(s.overdue_minutes) if s.overdue else "",
    ]
