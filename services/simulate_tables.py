"""``regflow simulate`` output as rich tables (kept here so that cli.py stays a thin shell)."""

from __future__ import annotations

from datetime import timedelta, tzinfo
from typing import Any

from regflow.services.formatting import instant, working
from regflow.services.simulate_stats import SimulationResult


def _w(value: float | None) -> str:
    return working(None if value is None else round(value))


def renderables(result: SimulationResult, tz: tzinfo) -> list[Any]:
    """What the command prints: a summary, the steps table, the roles table, notes."""
    from rich.table import Table

    staff = ", ".join(f"{r}={n}" for r, n in result.staff.items())
    last_day = (result.horizon - timedelta(minutes=1)).astimezone(tz)
    share = "—" if result.compliance is None else f"{result.compliance:.1%}"
    lines = [
        f"[bold]regflow simulate[/bold] · {result.process_key} v{result.version} · "
        f"route {result.route or '—'} · staff {staff}",
        f"arrivals {result.arrivals} · durations {result.durations} · policy {result.policy} · "
        f"seed {result.seed} · {instant(result.start, tz)} → {last_day:%Y-%m-%d} 24:00",
        f"filed {result.filed} · finished {result.finished} ({result.refused} refused) · "
        f"median lead time {_w(result.lead_median)}",
        (
            f"[bold]deadline met: {share}[/bold] ({result.met} met, {result.missed} missed, "
            f"{result.unknown} unknown: still running, deadline after the run)"
            if result.with_deadline
            else "the regulation sets no service deadline: compliance not measured"
        ),
    ]
    steps = Table(title="Steps (working time: waiting = ready → claimed, working = claimed → done)")
    for col in ("step", "role", "norm", "done", "wait median", "wait p90", "work median",
                "work p90", "open at end"):
        steps.add_column(col)
    for s in result.steps:
        steps.add_row(
            s.name[:50],
            s.role or "—",
            s.norm or "—",
            str(s.completed),
            _w(s.waiting_median),
            working(s.waiting_p90),
            _w(s.working_median),
            working(s.working_p90),
            str(s.open_at_end),
        )
    roles = Table(title="Roles (utilisation = busy / available working time)")
    for col in ("role", "people", "schedule", "done", "busy", "available", "utilisation",
                "wait p90", "open at end"):
        roles.add_column(col)
    for r in result.roles:
        mark = " [red]◀ bottleneck[/red]" if r.role == result.bottleneck else ""
        roles.add_row(
            r.role,
            str(r.people),
            r.schedule,
            str(r.tasks_done),
            working(r.busy_minutes),
            working(r.available_minutes),
            f"{r.utilisation:.1%}{mark}",
            working(r.waiting_p90),
            str(r.open_at_end),
        )
    tail = [f"bottleneck: {result.bottleneck or '—'}"]
    tail += [f"note: {n}" for n in result.notes]
    if result.database_url:
        tail.append(f"simulated run kept in {result.database_url}")
    if result.html:
        tail.append(f"HTML report: {result.html}")
    return ["\n".join(lines), steps, roles, "\n".join(tail)]
