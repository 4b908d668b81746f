"""``regflow simulate`` output as rich tables (kept here so that cli.py stays a thin shell).

Everything is written in the interface's language (:mod:`regflow.i18n`): labels from the
catalogue, step names from the model (``name_ru``/``name_en``), norms, working time and shares
through :mod:`regflow.services.formatting`. Roles, schedules, routes and the option values
(``earliest-due``) are identifiers and stay as given.
"""

from __future__ import annotations

from datetime import timedelta, tzinfo
from typing import Any

from regflow.i18n import _, localized
from regflow.services.formatting import instant, norm, percent, working
from regflow.services.simulate_stats import SimulationResult


def _w(value: float | None) -> str:
    return working(None if value is None else round(value))


def _short(name: str, limit: int = 50) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def renderables(result: SimulationResult, tz: tzinfo) -> list[Any]:
    """What the command prints: a summary, the steps table, the roles table, notes."""
    from rich.markup import escape
    from rich.table import Table

    staff = ", ".join(f"{r}={n}" for r, n in result.staff.items())
    last_day = (result.horizon - timedelta(minutes=1)).astimezone(tz)
    lines = [
        "[bold]regflow simulate[/bold] · "
        + escape(
            _("{key} v{version} · route {route} · staff {staff}").format(
                key=result.process_key, version=result.version, route=result.route or "—",
                staff=staff,
            )
        ),
        escape(
            _("arrivals {arrivals} · durations {durations} · policy {policy} · seed {seed} · "
              "{start} → {end} 24:00").format(
                arrivals=result.arrivals.translated(), durations=result.durations.translated(),
                policy=result.policy, seed=result.seed, start=instant(result.start, tz),
                end=f"{last_day:%Y-%m-%d}",
            )
        ),
        escape(
            _("filed {filed} · finished {finished} ({refused} refused) · median lead time "
              "{lead}").format(
                filed=result.filed, finished=result.finished, refused=result.refused,
                lead=_w(result.lead_median),
            )
        ),
        (
            "[bold]"
            + escape(_("deadline met: {share}").format(share=percent(result.compliance)))
            + "[/bold] "
            + escape(
                _("({met} met, {missed} missed, {unknown} unknown: still running, deadline "
                  "after the run)").format(
                    met=result.met, missed=result.missed, unknown=result.unknown
                )
            )
            if result.with_deadline
            else escape(_("the regulation sets no service deadline: compliance not measured"))
        ),
    ]
    steps = Table(
        title=_("Steps (working time: waiting = ready → claimed, working = claimed → done)")
    )
    for col in (_("step"), _("role"), _("norm"), _("done"), _("wait median"), _("wait p90"),
                _("work median"), _("work p90"), _("open at end")):
        steps.add_column(escape(col))
    for s in result.steps:
        steps.add_row(
            escape(_short(localized(s.names, s.name))),
            s.role or "—",
            norm(s.norm),
            str(s.completed),
            _w(s.waiting_median),
            working(s.waiting_p90),
            _w(s.working_median),
            working(s.working_p90),
            str(s.open_at_end),
        )
    roles = Table(title=_("Roles (utilisation = busy / available working time)"))
    for col in (_("role"), _("people"), _("schedule"), _("done"), _("busy"), _("available"),
                _("utilisation"), _("wait p90"), _("open at end")):
        roles.add_column(escape(col))
    bottleneck = escape(_("◀ bottleneck"))
    for r in result.roles:
        mark = f" [red]{bottleneck}[/red]" if r.role == result.bottleneck else ""
        roles.add_row(
            r.role,
            str(r.people),
            r.schedule,
            str(r.tasks_done),
            working(r.busy_minutes),
            working(r.available_minutes),
            f"{percent(r.utilisation)}{mark}",
            working(r.waiting_p90),
            str(r.open_at_end),
        )
    tail = [_("bottleneck: {role}").format(role=result.bottleneck or "—")]
    tail += [_("note: {note}").format(note=n.translated()) for n in result.notes]
    if result.database_url:
        tail.append(_("simulated run kept in {url}").format(url=result.database_url))
    if result.html:
        tail.append(_("HTML report: {path}").format(path=result.html))
    return ["\n".join(lines), steps, roles, escape("\n".join(tail))]
