"""The report's charts as inline SVG strings, drawn in Python: no script, no library, no network.

Three pictures: per step a histogram of working time with its box (quartiles, whiskers to min
and max) and the norm as a red dashed line; per application a Gantt-style bar per step (waiting
light, handling dark, red when over norm, days off shaded); and a heatmap of steps × ISO weeks
coloured by the share of completions over norm.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from html import escape

from regflow.i18n import _
from regflow.services.formatting import working
from regflow.services.report import Histogram, StepStats, percentile
from regflow.services.report_apps import ApplicationTimeline
from regflow.workflows.calendar import WorkCalendar

FONT = "font-family:sans-serif;font-size:11px"
WAITING, HANDLING, LATE, NORM = "#c9d6e8", "#3b6ea8", "#c0392b", "#c0392b"
LATE_WAITING = "#f0b9b2"


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'style="{FONT}">' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = "#333") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, title: str = "") -> str:
    tip = f"<title>{escape(title)}</title>" if title else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 1.0):.1f}" height="{h:.1f}" '
        f'fill="{fill}">{tip}</rect>'
    )


def step_chart(s: StepStats, width: int = 440, height: int = 120) -> str:
    """Histogram of the step's working times, its box plot above, the norm as a line."""
    left, right, top, bottom = 10, 10, 34, 20
    top_value = max(s.max_minutes, s.norm_minutes or 0, 1)
    scale = (width - left - right) / (top_value * 1.05)

    def x(v: float) -> float:
        return left + v * scale

    bins = min(30, max(1, len(s.histogram)))
    size = max(1, math.ceil((s.max_minutes + 1) / bins))
    counts: dict[int, int] = {}
    for value, count in s.histogram:
        counts[value // size] = counts.get(value // size, 0) + count
    tallest = max(counts.values(), default=1)
    plot_h = height - top - bottom
    body = [_rect(left, top + plot_h, width - left - right, 1, "#999")]
    for b, count in sorted(counts.items()):
        h = plot_h * count / tallest
        span = f"{working(b * size)} – {working((b + 1) * size - 1)}"
        body.append(
            _rect(x(b * size), top + plot_h - h, size * scale - 1, h, HANDLING, f"{span}: {count}")
        )
    body.extend(_box(s.histogram, x, 14, s))
    if s.norm_minutes is not None:
        nx = x(s.norm_minutes)
        body.append(
            f'<line x1="{nx:.1f}" y1="4" x2="{nx:.1f}" y2="{top + plot_h:.1f}" stroke="{NORM}" '
            f'stroke-width="2" stroke-dasharray="5,3"><title>norm {escape(s.norm or "")}'
            "</title></line>"
        )
        body.append(_text(min(nx + 3, width - 60), 10, "norm", fill=NORM))
    body.append(_text(left, height - 5, "0"))
    body.append(_text(width - right, height - 5, working(round(top_value * 1.05)), "end"))
    return _svg(width, height, body, _("working time of {step}").format(step=s.name))


def _box(hist: Histogram, x: Callable[[float], float], y: float, s: StepStats) -> list[str]:
    q1, q3 = percentile(hist, 0.25), percentile(hist, 0.75)
    lo, hi = hist[0][0], hist[-1][0]
    mid = s.median_minutes
    tip = (
        f"{_('min')} {working(lo)} · Q1 {working(q1)} · {_('median')} {working(round(mid))} · "
        f"Q3 {working(q3)} · p90 {working(s.p90_minutes)} · {_('max')} {working(hi)}"
    )
    return [
        f'<line x1="{x(lo):.1f}" y1="{y:.1f}" x2="{x(hi):.1f}" y2="{y:.1f}" stroke="#555"/>',
        _rect(x(q1), y - 7, x(q3) - x(q1), 14, WAITING, tip),
        f'<line x1="{x(mid):.1f}" y1="{y - 7:.1f}" x2="{x(mid):.1f}" y2="{y + 7:.1f}" '
        'stroke="#000" stroke-width="2"/>',
        f'<line x1="{x(s.p90_minutes):.1f}" y1="{y - 4:.1f}" x2="{x(s.p90_minutes):.1f}" '
        f'y2="{y + 4:.1f}" stroke="#555"><title>p90 {working(s.p90_minutes)}</title></line>',
    ]


def gantt(t: ApplicationTimeline, calendar: WorkCalendar, now: datetime, width: int = 900) -> str:
    """One application's steps on calendar time: waiting light, handling dark, overdue red."""
    steps = [s for s in t.steps if s.status != "cancelled"]
    label_w, row_h, top = 260, 18, 22
    height = top + row_h * max(1, len(steps)) + 8
    start = t.filed_at
    end = max([s.completed_at or now for s in steps] + [t.finished_at or now])
    if t.deadline_at:
        end = max(end, t.deadline_at)
    total = max((end - start).total_seconds(), 60.0)
    span = width - label_w - 10

    def x(when: datetime) -> float:
        return label_w + span * (when - start).total_seconds() / total

    body = []
    day = start.astimezone(calendar.tz).date()
    while day <= end.astimezone(calendar.tz).date():
        midnight = datetime.combine(day, datetime.min.time(), calendar.tz)
        a, b = max(midnight, start), min(midnight + timedelta(days=1), end)
        if not calendar.is_working_day(day) and b > a:
            reason = calendar.day_off_reason(day) or _("day off")
            body.append(_rect(x(a), top - 4, x(b) - x(a), height - top, "#eeeeee", reason))
        if midnight >= start:
            body.append(_text(x(midnight) + 2, 12, f"{day:%d.%m}", fill="#888"))
        day += timedelta(days=1)
    for i, s in enumerate(steps):
        y = top + i * row_h
        body.append(_text(4, y + 12, s.name[:40]))
        done = s.completed_at or now
        claimed = s.claimed_at or done
        late = s.overdue
        body.append(
            _rect(
                x(s.ready_at),
                y + 2,
                x(claimed) - x(s.ready_at),
                row_h - 5,
                LATE_WAITING if late else WAITING,
                f"{s.name}: {_('waiting')} {working(s.waiting_minutes)}",
            )
        )
        body.append(
            _rect(
                x(claimed),
                y + 2,
                x(done) - x(claimed),
                row_h - 5,
                LATE if late else HANDLING,
                f"{s.name}: {_('handling')} {working(s.handling_minutes)}"
                + (f", {_('overdue')} {working(s.overdue_minutes)}" if late else ""),
            )
        )
        if s.due_at is not None and s.due_at <= end:
            dx = x(s.due_at)
            body.append(
                f'<line x1="{dx:.1f}" y1="{y:.1f}" x2="{dx:.1f}" y2="{y + row_h - 1:.1f}" '
                f'stroke="#000" stroke-width="2"><title>{escape(_("due"))}</title></line>'
            )
    if t.deadline_at is not None:
        dx = x(t.deadline_at)
        body.append(
            f'<line x1="{dx:.1f}" y1="14" x2="{dx:.1f}" y2="{height:.1f}" stroke="{NORM}" '
            f'stroke-dasharray="4,3"><title>{escape(_("service deadline"))}</title></line>'
        )
    return _svg(
        width,
        height,
        body,
        _("timeline of application {id}").format(id=t.application_id),
    )


def heatmap(
    rows: Sequence[str], weeks: Sequence[str], cells: dict[tuple[str, str], tuple[int, int]]
) -> str:
    """Steps × ISO weeks; each cell is (over norm, completed) and is coloured by their share."""
    label_w, cell_w, cell_h, top = 300, 56, 20, 24
    width = label_w + cell_w * max(1, len(weeks)) + 10
    height = top + cell_h * max(1, len(rows)) + 6
    body = [_text(label_w + i * cell_w + cell_w / 2, 16, w, "middle") for i, w in enumerate(weeks)]
    for r, row in enumerate(rows):
        y = top + r * cell_h
        body.append(_text(4, y + 14, row[:48]))
        for c, week in enumerate(weeks):
            over, done = cells.get((row, week), (0, 0))
            if not done:
                fill = "#f7f7f7"
            else:
                share = over / done
                fill = f"rgb(255,{round(245 - 180 * share)},{round(235 - 200 * share)})"
            tip = f"{row} · {week}: {over} of {done} over norm"
            body.append(_rect(label_w + c * cell_w + 1, y + 1, cell_w - 2, cell_h - 2, fill, tip))
            if done:
                body.append(
                    _text(label_w + c * cell_w + cell_w / 2, y + 14, f"{over}/{done}", "middle")
                )
    return _svg(width, height, body, _("overdue heatmap of steps by week"))
