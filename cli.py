"""The ``regflow`` command: parse, call one service function, print.

Business logic lives in ``services``; this module only turns options into arguments and results
into tables (rich) or JSON. A :class:`~regflow.errors.RegflowError` becomes one line on stderr and
its exit code (1, or 2 for bad usage); heavy modules are imported inside the commands so that
``regflow --help`` starts fast.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

import click

from regflow.errors import RegflowError


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RegflowError as exc:
            from regflow.i18n import _

            click.echo(_("error: {message}").format(message=exc), err=True)
            ctx.exit(exc.exit_code)
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so in one line, keep the traceback on request
            if os.environ.get("REGFLOW_DEBUG"):
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {exc} (set REGFLOW_DEBUG=1 for details)",
                err=True,
            )
            ctx.exit(70)


_ID = click.IntRange(1, 2**63 - 1)  # a row id: anything else is bad usage, not a crash


def _context(obj: dict[str, Any]) -> Any:
    from regflow.services.context import Context
    from regflow.settings import Settings

    settings = Settings.from_env(database_url=obj.get("db"), tz=obj.get("tz"), now=obj.get("at"))
    return Context(settings)


def _to_jsonable(value: Any, tz: tzinfo | None) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _to_jsonable(asdict(value), tz)
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v, tz) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_jsonable(v, tz) for v in value]
    if isinstance(value, datetime):
        return (value.astimezone(tz) if tz and value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _print_json(value: Any, tz: tzinfo | None = None) -> None:
    """JSON for scripts: stable keys, instants with their offset in the provider's zone."""
    click.echo(json.dumps(_to_jsonable(value, tz), ensure_ascii=False, indent=2))


def _console() -> Any:
    from rich.console import Console

    # Piped output (scripts, CI logs) gets a wide fixed width instead of rich's 80 columns.
    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160)


@click.group(cls=_Group)
@click.option("--db", envvar="REGFLOW_DATABASE_URL", help="Database URL (default: ./regflow.db).")
@click.option("--at", envvar="REGFLOW_NOW", help="Simulated time, e.g. 2026-07-03T17:45.")
@click.option("--tz", envvar="REGFLOW_TZ", help="Time zone (default Asia/Almaty).")
@click.option(
    "--lang",
    envvar="REGFLOW_LANG",
    metavar="kk|ru|en",
    help="Interface language (default: from the locale, LANG=kk_KZ.UTF-8 → kk; else en).",
)
@click.version_option(package_name="regflow")
@click.pass_context
def cli(
    ctx: click.Context, db: str | None, at: str | None, tz: str | None, lang: str | None
) -> None:
    """regflow: Kazakhstan's state-service regulations, executed and timed in working time."""
    from regflow.i18n import choose_language, set_language

    ctx.obj = {"db": db, "at": at, "tz": tz, "lang": set_language(choose_language(lang))}


@cli.command()
@click.option("--pg-roles", is_flag=True, help="Also create/grant regflow_app, regflow_auditor.")
@click.pass_obj
def init(obj: dict[str, Any], pg_roles: bool) -> None:
    """Create or upgrade the database schema."""
    from regflow.store.migrate import upgrade

    ctx = _context(obj)
    upgrade(ctx.settings.database_url)
    click.echo(f"database ready: {ctx.settings.database_url}")
    if pg_roles:
        from regflow.store.pg_roles import create_roles

        roles = create_roles(ctx.settings.database_url)
        click.echo("PostgreSQL roles granted: " + ", ".join(roles))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check BPMN files without deploying them."""
    from regflow.errors import ModelError
    from regflow.i18n import _
    from regflow.services.processes import validate as validate_files

    failed = 0
    for path in files:
        try:
            (model,) = validate_files([path])
        except ModelError as exc:
            failed += 1
            message = " ".join(str(exc).split())  # one line per file
            click.echo(_("error: {message}").format(message=message), err=True)
            continue
        reg = model.regulation
        click.echo(
            _("ok: {path}: {key} ({steps} steps, {lanes} lanes)").format(
                path=path, key=reg.key, steps=len(reg.steps), lanes=len(reg.lanes)
            )
        )
    if failed:
        sys.exit(1)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--user", envvar="REGFLOW_USER", help="Who deploys (logged; checked if users exist).")
@click.pass_obj
def deploy(obj: dict[str, Any], files: tuple[Path, ...], user: str | None) -> None:
    """Deploy BPMN files; a changed file becomes a new version."""
    from regflow.services.users import deploy_as

    for d in deploy_as(_context(obj), list(files), user):
        state = "deployed" if d.created else "unchanged"
        click.echo(f"{state}: {d.key} v{d.version}  {d.name}")


@cli.command()
@click.option("--at", "on", metavar="DATE", help="List the versions in force on DATE (ISO).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def processes(obj: dict[str, Any], on: str | None, as_json: bool) -> None:
    """List deployed processes with their routes and total normative time per route."""
    from rich.table import Table

    from regflow.services.processes import list_processes

    if on is not None:
        _processes_in_force(obj, on, as_json)
        return
    infos = list_processes(_context(obj))
    if as_json:
        _print_json(infos)
        return
    table = Table(title="Processes")
    for col in ("process", "v", "name", "routes: total norm", "deadline"):
        table.add_column(col)
    for p in infos:
        routes = "\n".join(f"{r}: {t}" for r, t in p.routes.items())
        table.add_row(p.key, str(p.version), p.name, routes, p.deadline or "—")
    _console().print(table)


def _processes_in_force(obj: dict[str, Any], on: str, as_json: bool) -> None:
    from rich.table import Table

    from regflow.errors import UsageError
    from regflow.services.validity import list_in_force

    try:
        day = date.fromisoformat(on.strip()[:10])
    except ValueError:
        raise UsageError(f"--at must be a date like 2016-01-15, got {on!r}") from None
    infos = list_in_force(_context(obj), day)
    if as_json:
        _print_json(infos)
        return
    table = Table(title=f"Processes in force on {day}")
    for col in ("process", "v", "name", "approved by", "in force", "deadline"):
        table.add_column(col)
    for p in infos:
        span = f"{p.in_force_from or '…'} – {p.repealed_on or '…'}"
        table.add_row(p.key, str(p.version), p.name, p.approved_by or "—", span, p.deadline or "—")
    _console().print(table)


@cli.command()
@click.argument("process")
@click.option("--compare", is_flag=True, help="Timing per version, side by side.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def history(obj: dict[str, Any], process: str, compare: bool, as_json: bool) -> None:
    """The chain of versions of PROCESS: acts, dates in force, what changed between them."""
    from regflow.services import validity

    ctx = _context(obj)
    if compare:
        _print_comparison(validity.version_comparison(ctx, process), as_json)
        return
    entries = validity.history(ctx, process)
    if as_json:
        _print_json(entries)
        return
    for e in entries:
        click.echo(
            f"{e.key} v{e.version} ({e.filename}): in force {e.in_force_from or '…'} – "
            f"{e.until or '…'}; approved by {e.approved_by}"
            + (f"; repealed on {e.repealed_on}" if e.repealed_on else "")
            + (f" by {e.repealed_by}" if e.repealed_by else "")
            + f"; deadline {e.deadline or '—'}"
        )
        for line in e.change_lines:
            click.echo(f"  {line}")


def _print_comparison(rows: list[Any], as_json: bool) -> None:
    from rich.table import Table

    from regflow.services.formatting import working

    if as_json:
        _print_json([{**asdict(r), "deadline_met_share": r.deadline_met_share} for r in rows])
        return
    table = Table(title="Versions side by side (median working time · norm · over norm)")
    table.add_column("step")
    for r in rows:
        table.add_column(f"{r.key} v{r.version}\n{r.in_force_from or '…'} – {r.until or '…'}")

    def share(value: float | None) -> str:
        return "—" if value is None else f"{value:.0%}"

    table.add_row("applications (finished)", *(f"{r.applications} ({r.finished})" for r in rows))
    table.add_row("service deadline", *(r.deadline or "—" for r in rows))
    table.add_row("deadline met", *(share(r.deadline_met_share) for r in rows))
    names: dict[str, str] = {}
    for r in rows:
        for s in r.steps:
            names.setdefault(s.step_id, s.name)
    for step_id, name in names.items():
        cells = []
        for r in rows:
            s = next((s for s in r.steps if s.step_id == step_id), None)
            if s is None:
                cells.append("—")
                continue
            med = working(round(s.median_minutes)) if s.median_minutes is not None else "—"
            cells.append(f"{med} · {s.norm or '—'} · {share(s.over_norm_share)} (n={s.count})")
        table.add_row(name[:50], *cells)
    _console().print(table)


@cli.command()
@click.argument("process")
@click.option("--route", help="Route chosen at filing (provider, akim, sc, portal...).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Application data.")
@click.option("--applicant", help="Applicant reference (IIN or name).")
@click.option("--version", "version", type=int, help="Start on this version (needs --reason).")
@click.option("--reason", help="Why --version overrides the regulation in force (logged).")
@click.option("--org", help="The provider's organisation (default: the filer's).")
@click.option("--user", envvar="REGFLOW_USER")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def start(
    obj: dict[str, Any],
    process: str,
    route: str | None,
    sets: tuple[str, ...],
    applicant: str | None,
    version: int | None,
    reason: str | None,
    org: str | None,
    user: str | None,
    as_json: bool,
) -> None:
    """File an application on PROCESS, on the version in force at the filing instant."""
    from regflow.services import applications
    from regflow.services.formatting import instant
    from regflow.services.values import parse_assignments

    ctx = _context(obj)
    result = applications.start(
        ctx,
        process,
        route=route,
        data=parse_assignments(sets),
        applicant=applicant,
        version=version,
        actor=user,
        reason=reason,
        org=org,
    )
    if as_json:
        _print_json(result, ctx.clock.tz)
        return
    tz = ctx.clock.tz
    click.echo(
        f"application {result.application_id} started on {result.process_key} "
        f"v{result.version} (route {result.route or '—'}); accepted "
        f"{instant(result.accepted_at, tz)}; service deadline {instant(result.deadline_at, tz)}"
    )
    click.echo("open tasks: " + (", ".join(map(str, result.open_steps)) or "none"))
    _echo_incidents(result.application_id, result.incidents)


@cli.command()
@click.option("--role")
@click.option("--user")
@click.option("--process")
@click.option("--overdue", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def tasks(
    obj: dict[str, Any],
    role: str | None,
    user: str | None,
    process: str | None,
    overdue: bool,
    as_json: bool,
) -> None:
    """The task list: open steps, by due time."""
    from rich.table import Table

    from regflow.i18n import N_, _
    from regflow.services.formatting import instant, label
    from regflow.services.queries import task_list

    ctx = _context(obj)
    rows = task_list(ctx, role=role, user=user, overdue=overdue, process=process)
    if as_json:
        _print_json(rows, ctx.clock.tz)
        return
    tz = ctx.clock.tz
    table = Table(title=_("Tasks ({count})").format(count=len(rows)))
    columns = (N_("task"), N_("app"), N_("process"), N_("step"), N_("role"), N_("status"),
               N_("ready"), N_("due"))
    for col in (*columns, ""):
        table.add_column(_(col) if col else col)
    for r in rows:
        status = label(r.status) + (f" ({r.claimed_by})" if r.claimed_by else "")
        table.add_row(
            str(r.id),
            str(r.application_id),
            r.process_key,
            r.name,
            r.role or "—",
            status,
            instant(r.ready_at, tz),
            instant(r.due_at, tz),
            f"[red]{_('overdue')}[/red]" if r.overdue else "",
        )
    _console().print(table)


@cli.command()
@click.argument("task", type=_ID)
@click.option("--user", envvar="REGFLOW_USER", required=True)
@click.pass_obj
def claim(obj: dict[str, Any], task: int, user: str) -> None:
    """Take TASK so that nobody else works on it."""
    from regflow.i18n import _
    from regflow.services.applications import claim as claim_step

    row = claim_step(_context(obj), task, user)
    click.echo(
        _("task {id} claimed by {user}: {step}").format(
            id=row.id, user=row.claimed_by, step=row.name
        )
    )


@cli.command()
@click.argument("task", type=_ID)
@click.option("--user", envvar="REGFLOW_USER", required=True)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Decision data.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def complete(
    obj: dict[str, Any], task: int, user: str, sets: tuple[str, ...], as_json: bool
) -> None:
    """Complete TASK, recording its working time."""
    from regflow.i18n import _
    from regflow.services.applications import complete as complete_step
    from regflow.services.formatting import label, working
    from regflow.services.values import parse_assignments

    result = complete_step(_context(obj), task, user, parse_assignments(sets))
    if as_json:
        _print_json(result)
        return
    click.echo(
        _("task {id} completed in {time}").format(
            id=result.step_record_id, time=working(result.working_minutes)
        )
    )
    if result.application_status == "completed":
        click.echo(
            _("application {id} finished: {outcome}").format(
                id=result.application_id, outcome=label(result.outcome)
            )
        )
    elif result.open_steps:
        click.echo(_("next tasks: {tasks}").format(tasks=", ".join(map(str, result.open_steps))))
    _echo_incidents(result.application_id, result.incidents)


@cli.command()
@click.argument("application", type=_ID)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show(obj: dict[str, Any], application: int, as_json: bool) -> None:
    """An application's timeline: each step, actor, times, working time, norm, overdue."""
    from rich.table import Table

    from regflow.i18n import N_, _, ngettext
    from regflow.services.formatting import instant, label, norm, working
    from regflow.services.queries import timeline

    ctx = _context(obj)
    t = timeline(ctx, application)
    if as_json:
        _print_json(t, ctx.clock.tz)
        return
    tz = ctx.clock.tz
    met = {True: _("met"), False: f"[red]{_('missed')}[/red]", None: "—"}[t.deadline_met]
    status = label(t.status) + (f" ({label(t.outcome)})" if t.outcome else "")
    _console().print(
        _("Application {id} · {process} · route {route} · {status}").format(
            id=t.application_id, process=t.process_key, route=t.route or "—", status=status
        )
        + "\n"
        + _(
            "filed {filed} · accepted {accepted} · deadline {deadline} ({norm}) {met} · "
            "working time {working}"
        ).format(
            filed=instant(t.filed_at, tz),
            accepted=instant(t.accepted_at, tz),
            deadline=instant(t.deadline_at, tz),
            norm=norm(t.deadline_norm) if t.deadline_norm else _("none"),
            met=met,
            working=working(t.working_minutes),
        )
    )
    table = Table()
    columns = (N_("task"), N_("step"), N_("role"), N_("actor"), N_("ready"), N_("completed"),
               N_("working"), N_("norm"))
    for col in (*columns, ""):
        table.add_column(_(col) if col else col)
    for s in t.steps:
        table.add_row(
            str(s.id),
            s.name,
            s.role or "—",
            s.actor or "—",
            instant(s.ready_at, tz),
            instant(s.completed_at, tz) if s.completed_at else label(s.status),
            working(s.working_minutes),
            norm(s.norm),
            f"[red]{_('overdue')}[/red]" if s.overdue else "",
        )
    _console().print(table)
    for i in t.incidents:
        state = (
            _("resolved {at}").format(at=instant(i.resolved_at, tz))
            if i.resolved_at
            else f"[red]{_('open')}[/red]"
        )
        attempts = ngettext("{n} attempt", "{n} attempts", i.attempts).format(n=i.attempts)
        _console().print(
            _("incident {id}: {step} ({handler}) · {attempts} · opened {opened} · {state} · "
              "{error}").format(
                id=i.id, step=i.step_name or i.step_id, handler=i.handler, attempts=attempts,
                opened=instant(i.opened_at, tz), state=state, error=i.error,
            )
        )


def _echo_incidents(application_id: int, incidents: list[int]) -> None:
    for incident in incidents:
        click.echo(
            f"application {application_id} waits on incident {incident} "
            f"(regflow incidents; regflow retry {incident})"
        )


@cli.command()
@click.option("--status", type=click.Choice(["open", "resolved"]), help="Only these.")
@click.option("--application", type=int, help="Only this application's.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def incidents(
    obj: dict[str, Any], status: str | None, application: int | None, as_json: bool
) -> None:
    """System steps whose handler failed: open ones first, then the resolved."""
    from rich.table import Table

    from regflow.services.formatting import instant
    from regflow.services.incidents import list_incidents

    ctx = _context(obj)
    rows = list_incidents(ctx, status=status, application=application)
    if as_json:
        _print_json(rows, ctx.clock.tz)
        return
    tz = ctx.clock.tz
    table = Table(title=f"Incidents ({len(rows)})")
    for col in ("incident", "app", "step", "handler", "attempts", "opened", "status", "error"):
        table.add_column(col)
    for r in rows:
        state = f"resolved {instant(r.resolved_at, tz)}" if r.resolved_at else "[red]open[/red]"
        table.add_row(
            str(r.id),
            str(r.application_id),
            (r.step_name or r.step_id)[:50],
            r.handler or "—",
            str(r.attempts),
            instant(r.opened_at, tz),
            state,
            r.error[:80],
        )
    _console().print(table)


@cli.command()
@click.argument("incident", type=_ID)
@click.option("--user", envvar="REGFLOW_USER")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def retry(obj: dict[str, Any], incident: int, user: str | None, as_json: bool) -> None:
    """Run INCIDENT's system step again; on success the application goes on."""
    from regflow.services.applications import retry as retry_incident

    result = retry_incident(_context(obj), incident, user)
    if as_json:
        _print_json(result)
        return
    if not result.resolved:
        click.echo(
            f"incident {result.incident_id} still open after {result.attempts} attempt(s): "
            f"{result.error}"
        )
        sys.exit(1)
    click.echo(f"incident {result.incident_id} resolved after {result.attempts} attempt(s)")
    if result.application_status == "completed":
        click.echo(f"application {result.application_id} finished: {result.outcome}")
    elif result.open_steps:
        click.echo("next tasks: " + ", ".join(map(str, result.open_steps)))
    others = [i for i in result.incidents if i != result.incident_id]
    _echo_incidents(result.application_id, others)


@cli.group(invoke_without_command=True)
@click.option("--month", "month", help="Month to show, YYYY-MM (default: this month).")
@click.option("--schedule", default="akimat", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def calendar(click_ctx: click.Context, month: str | None, schedule: str, as_json: bool) -> None:
    """The working days of a month for a schedule, days off marked with their reason."""
    if click_ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from regflow.errors import UsageError
    from regflow.services.calendar_view import month_view

    ctx = _context(click_ctx.obj)
    if month is None:
        month = f"{ctx.now():%Y-%m}"
    try:
        year, mon = (int(p) for p in month.split("-"))
    except ValueError:
        raise UsageError(f"--month must be YYYY-MM, got {month!r}") from None
    view = month_view(
        year, mon, schedule=schedule, tz=ctx.settings.tz, overrides_dir=ctx.settings.calendar_dir
    )
    if as_json:
        _print_json(view)
        return
    from regflow.i18n import _
    from regflow.services.formatting import month_name, weekday_name

    table = Table(
        title=_("{month} · schedule {schedule}").format(
            month=month_name(year, mon), schedule=schedule
        )
    )
    for col in (_("date"), _("day"), _("hours"), _("off because")):
        table.add_column(col)
    for row in view.rows:
        style = "" if row.working else "dim"
        reason = weekday_name(row.day) if row.kind == "weekend" else row.reason
        table.add_row(
            f"{row.day:%Y-%m-%d}", weekday_name(row.day), row.hours or "—", reason or "",
            style=style,
        )
    _console().print(table)


@calendar.command("due")
@click.option("--from", "start", required=True, help="When the step became ready.")
@click.option("--norm", required=True, help='e.g. "30 minutes", "1 working day".')
@click.option("--schedule", default="akimat", show_default=True)
@click.pass_obj
def calendar_due(obj: dict[str, Any], start: str, norm: str, schedule: str) -> None:
    """When a step that became ready at --from is due under --norm."""
    from regflow.errors import UsageError
    from regflow.services.calendar_view import due

    ctx = _context(obj)
    try:
        result = due(
            start,
            norm,
            schedule=schedule,
            tz=ctx.settings.tz,
            overrides_dir=ctx.settings.calendar_dir,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    click.echo(
        f"due {result.due:%Y-%m-%d %H:%M} ({result.due:%A}); counting from "
        f"{result.opening:%Y-%m-%d %H:%M}; {result.working_minutes} working minutes"
    )


@cli.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path),
    default=Path("regflow-demo"),
    show_default=True,
    help="Where the demo database and report go.",
)
@click.option("--applications", "count", default=60, show_default=True)
@click.option("--seed", default=2026, show_default=True)
def demo(folder: Path, count: int, seed: int) -> None:
    """Run the regulation library on simulated time and print the task list and timing summary."""
    from rich.table import Table

    from regflow.services.demo import run_demo
    from regflow.services.formatting import instant, working
    from regflow.services.queries import task_list
    from regflow.services.summary import step_timing

    result = run_demo(folder, applications_count=count, seed=seed)
    ctx = result.context
    tz = ctx.clock.tz
    console = _console()
    console.print(
        f"[bold]regflow demo[/bold] · {result.deployed} processes deployed · "
        f"{result.started} applications filed · {result.finished} finished "
        f"({result.refused} refused) · simulated now {instant(result.now, tz)}\n"
        f"database: {result.database_url}"
    )
    tasks_table = Table(title=f"Open tasks ({result.open_tasks})")
    for col in ("task", "app", "process", "step", "role", "due", ""):
        tasks_table.add_column(col)
    for r in task_list(ctx)[:25]:
        tasks_table.add_row(
            str(r.id),
            str(r.application_id),
            r.process_key,
            r.name[:60],
            r.role or "—",
            instant(r.due_at, tz),
            "[red]overdue[/red]" if r.overdue else "",
        )
    console.print(tasks_table)
    timing = Table(title="Step timing (working time, completed steps)")
    for col in ("process", "step", "role", "n", "median", "max", "norm", "over norm"):
        timing.add_column(col)
    for s in step_timing(ctx):
        timing.add_row(
            s.process_key,
            s.name[:50],
            s.role or "—",
            str(s.count),
            working(round(s.median_minutes)),
            working(s.max_minutes),
            s.norm or "—",
            f"{s.overdue_share:.0%}",
        )
    console.print(timing)
    from regflow.services.report_html import write_html

    html = write_html(ctx, folder / "report.html", title="regflow demo: step timing report")
    console.print(f"report: {html.path.resolve()}")


@cli.command()
@click.argument("process")
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="FILE.svg, FILE.html or FILE.png."
)
@click.option("--overlay", type=click.Choice(["open", "overdue", "median"]))
@click.option("--from", "start", help="Only steps ready from this time (overlays).")
@click.option("--to", "end", help="Only steps ready before this time (overlays).")
@click.option("--latest-version", is_flag=True, help="Count the latest version's steps only.")
@click.pass_obj
def render(
    obj: dict[str, Any],
    process: str,
    output: Path | None,
    overlay: str | None,
    start: str | None,
    end: str | None,
    latest_version: bool,
) -> None:
    """Draw PROCESS (a deployed key or a .bpmn file) from its diagram, with an overlay."""
    from regflow.clock import parse_instant
    from regflow.services.render import render_process, write

    ctx = _context(obj)
    tz = ctx.clock.tz
    rendered = render_process(
        process,
        ctx,
        overlay=overlay,
        start=parse_instant(start, tz) if start else None,
        end=parse_instant(end, tz) if end else None,
        latest_only=latest_version,
    )
    target = output or Path(f"{rendered.key or Path(process).stem}.svg")
    click.echo(f"wrote {write(rendered, target)}")
    for note in rendered.notes:
        click.echo(note)


@cli.command("import")
@click.argument("text_file", type=click.Path(path_type=Path))
@click.option("--regulation", type=int, help="Which regulation of a resolution (1, 2, ...).")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="The draft to write, e.g. processes/NAME.bpmn (NAME is the process key).")
def import_text(text_file: Path, regulation: int | None, output: Path) -> None:
    """Draft a BPMN model from a regulation text; warnings name their lines."""
    from regflow.services.textimport import import_text as run_import

    result = run_import(text_file, regulation=regulation, out=output)
    click.echo(
        f"wrote {result.path}: {result.key} (regulation {result.regulation}, {result.steps} steps, "
        f"routes {', '.join(result.routes)})  {result.title}"
    )
    for warning in result.warnings:
        click.echo(f"warning: {text_file.name}:{warning.line}: {warning.message}")


@cli.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.argument("text_file", type=click.Path(path_type=Path))
@click.option("--regulation", type=int, help="Which regulation of a resolution (1, 2, ...).")
def check(model: Path, text_file: Path, regulation: int | None) -> None:
    """Compare a model with its regulation text: one line per difference (exit 1 if any)."""
    from regflow.services.textimport import check_model

    differences = check_model(model, text_file, regulation=regulation)
    for d in differences:
        click.echo(f"{d.kind}: {d}")
    if differences:
        sys.exit(1)
    click.echo(f"ok: {model} agrees with {text_file.name}")


@cli.command()
@click.option(
    "--view",
    type=click.Choice(["steps", "applications", "people"]),
    default="steps",
    show_default=True,
)
@click.option("--application", type=int, help="Timeline of one application instead.")
@click.option("--process")
@click.option("--version", "version", type=int, help="Only this version of --process.")
@click.option("--route")
@click.option("--role")
@click.option("--user")
@click.option("--status", type=click.Choice(["running", "completed"]), help="Application status.")
@click.option("--from", "since", help="From this date (YYYY-MM-DD) or instant.")
@click.option("--to", "until", help="Up to this date, inclusive, or instant.")
@click.option(
    "--by",
    "by",
    multiple=True,
    type=click.Choice(["start", "end", "role", "user"]),
    help="Dates apply to the start (default) or end; people grouped by role (default) or user.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "html"]),
    default="table",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file.")
@click.option("--limit", type=int, help="At most this many applications.")
@click.pass_obj
def report(
    obj: dict[str, Any],
    view: str,
    application: int | None,
    process: str | None,
    version: int | None,
    route: str | None,
    role: str | None,
    user: str | None,
    status: str | None,
    since: str | None,
    until: str | None,
    by: tuple[str, ...],
    fmt: str,
    output: Path | None,
    limit: int | None,
) -> None:
    """The auditor's step-timing report: actual working time against each step's norm."""
    from regflow.errors import UsageError
    from regflow.services import report_rows
    from regflow.services.report_filter import ReportFilter, parse_bound

    ctx = _context(obj)
    tz = ctx.clock.tz
    dates = [b for b in by if b in ("start", "end")] or ["start"]
    people = [b for b in by if b in ("role", "user")] or ["role"]
    if len(set(dates)) > 1 or len(set(people)) > 1:
        raise UsageError("--by: give one of start/end and one of role/user")
    flt = ReportFilter(
        process=process,
        version=version,
        route=route,
        role=role,
        user=user,
        since=parse_bound(since, tz, end=False),
        until=parse_bound(until, tz, end=True),
        by=dates[0],
        status=status,
    )
    if fmt == "html":
        from regflow.services.report_html import write_html

        if output is None:
            raise UsageError("--format html needs -o FILE")
        from regflow.i18n import _

        click.echo(_("report written: {path}").format(path=write_html(ctx, output, flt).path))
        return
    if application is not None:
        from regflow.services.report_apps import application_timeline

        result: Any
        view, result = "timeline", application_timeline(ctx, application)
    elif view == "applications":
        from regflow.services.report_apps import applications_view

        result = applications_view(ctx, flt, limit=limit)
    elif view == "people":
        from regflow.services.report import people_view

        result = people_view(ctx, flt, by=people[0])
    else:
        from regflow.services.report import steps_view

        result = steps_view(ctx, flt)
    if fmt == "table":
        from rich.table import Table

        title, headers, rows = report_rows.table(view, result, tz)
        table = Table(title=title)
        for col in headers:
            table.add_column(col)
        for row in rows:
            table.add_row(*row)
        _console().print(table)
        return
    if fmt == "csv":
        text = report_rows.to_csv(*report_rows.records(view, result, tz))
    else:
        value = report_rows.to_json_value(view, result, tz)
        text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"report written: {output}")


@cli.group()
def export() -> None:
    """Export the history for other tools."""


@export.command("xes")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True)
@click.option("--process")
@click.option("--version", "version", type=int)
@click.option("--route")
@click.option("--status", type=click.Choice(["running", "completed"]))
@click.pass_obj
def export_xes(
    obj: dict[str, Any],
    output: Path,
    process: str | None,
    version: int | None,
    route: str | None,
    status: str | None,
) -> None:
    """The step history as an IEEE XES event log (ProM, Disco, Celonis, pm4py)."""
    from regflow.services.report_filter import ReportFilter
    from regflow.services.report_xes import export_xes as write_xes

    flt = ReportFilter(process=process, version=version, route=route, status=status)
    result = write_xes(_context(obj), output, flt)
    click.echo(f"XES written: {result.path} ({result.cases} cases, {result.events} events)")


@cli.command()
@click.option("--once", is_flag=True, help="Fire what is due now (--at / REGFLOW_NOW) and exit.")
@click.option("--interval", type=float, default=30.0, show_default=True, metavar="SECONDS")
@click.option("--id", "worker_id", help="Worker name in the log (default host:pid).")
@click.pass_obj
def worker(obj: dict[str, Any], once: bool, interval: float, worker_id: str | None) -> None:
    """Fire due timers, start timed processes, mark overdue steps and escalate (APScheduler).

    Runs until SIGTERM; any number of workers may share one PostgreSQL database."""
    import logging

    from regflow.errors import UsageError
    from regflow.services.worker import run

    if interval <= 0:
        raise UsageError("--interval must be a positive number of seconds")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    def show(report: Any) -> None:
        if once or report.fired or report.started or report.overdue or report.failed:
            click.echo(
                f"fired {report.fired} timer(s), started {report.started} application(s), "
                f"{report.overdue} step(s) overdue, {report.failed} failed"
            )

    run(_context(obj), once=once, interval=interval, worker=worker_id, on_tick=show)


@cli.command()
@click.argument("application", type=_ID)
@click.option("--reason", required=True, help="Why the clock stops (logged).")
@click.option("--user", envvar="REGFLOW_USER")
@click.pass_obj
def suspend(obj: dict[str, Any], application: int, reason: str, user: str | None) -> None:
    """Pause an application's service-deadline clock (waiting for the applicant)."""
    from regflow.services.timers import suspend as suspend_app

    suspend_app(_context(obj), application, reason, actor=user)
    click.echo(f"application {application} suspended: {reason}")


@cli.command()
@click.argument("application", type=_ID)
@click.option("--user", envvar="REGFLOW_USER")
@click.pass_obj
def resume(obj: dict[str, Any], application: int, user: str | None) -> None:
    """Restart the clock; the deadline and open due dates move by the pause's working time."""
    from regflow.services.formatting import working
    from regflow.services.timers import resume as resume_app

    ctx = _context(obj)
    result = resume_app(ctx, application, actor=user)
    deadline = (
        f"; deadline now {result.deadline_at.astimezone(ctx.now().tzinfo):%Y-%m-%d %H:%M}"
        if result.deadline_at
        else ""
    )
    click.echo(
        f"application {application} resumed after {working(result.paused_working_minutes)}"
        f"{deadline}"
    )


@calendar.command("reproject")
@click.pass_obj
def calendar_reproject(obj: dict[str, Any]) -> None:
    """Recompute every open due date on the current calendar (after an override file changed)."""
    from regflow.services.timers import reproject

    moved = reproject(_context(obj), actor="cli")
    click.echo(f"{moved} application(s) re-projected")


@cli.group()
def users() -> None:
    """People, their roles (lanes) and organisations; the first user ends open mode."""


@users.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True, help="Repeat for several roles.")
@click.option("--org", required=True, help="The person's organisation.")
@click.option("--user", envvar="REGFLOW_USER", help="The admin adding (once an admin exists).")
@click.pass_obj
def users_add(
    obj: dict[str, Any], name: str, roles: tuple[str, ...], org: str, user: str | None
) -> None:
    """Register NAME with one or more --role and an --org."""
    from regflow.services.users import add_user

    u = add_user(_context(obj), name, list(roles), org, actor=user)
    click.echo(f"user {u.name} added: roles {', '.join(u.roles)}; organisation {u.org}")


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def users_list(obj: dict[str, Any], as_json: bool) -> None:
    """Every registered user (none: open mode)."""
    from regflow.services.users import list_users

    people = list_users(_context(obj))
    if as_json:
        _print_json(people)
        return
    if not people:
        click.echo("no users: open mode (any --user may act)")
    for u in people:
        state = "active" if u.active else "disabled"
        click.echo(f"{u.name}\t{','.join(u.roles)}\t{u.org}\t{state}")


@users.command("disable")
@click.argument("name")
@click.option("--user", envvar="REGFLOW_USER", help="The admin disabling (once an admin exists).")
@click.pass_obj
def users_disable(obj: dict[str, Any], name: str, user: str | None) -> None:
    """NAME may no longer act; their history stays."""
    from regflow.services.users import disable_user

    u = disable_user(_context(obj), name, actor=user)
    click.echo(f"user {u.name} disabled")


@cli.command()
@click.argument("task", type=_ID)
@click.option("--to", "to", required=True, help="The officer who takes the task.")
@click.option("--user", envvar="REGFLOW_USER", required=True, help="The delegating head.")
@click.pass_obj
def delegate(obj: dict[str, Any], task: int, to: str, user: str) -> None:
    """A head hands TASK to a named officer."""
    from regflow.services.users import delegate as delegate_task

    d = delegate_task(_context(obj), task, to, user)
    click.echo(f"task {d.step_record_id} delegated by {d.delegated_by} to {d.delegate}")


@cli.group()
def audit() -> None:
    """The hash-chained event log."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def audit_verify(obj: dict[str, Any], as_json: bool) -> None:
    """Walk the chain; name the first row changed, deleted or inserted out of order (exit 1)."""
    from regflow.services.audit_log import verify_chain

    verdict = verify_chain(_context(obj))
    if as_json:
        _print_json({**asdict(verdict), "ok": verdict.ok})
    elif verdict.ok:
        click.echo(
            f"audit chain intact: {verdict.events} events; head {verdict.head_seq} "
            f"{verdict.head_hash}"
        )
    if not verdict.ok:
        click.echo(f"error: audit chain broken: {verdict.problem}", err=True)
        sys.exit(1)


@cli.command()
@click.argument("process")
@click.option("--route", help="Route to file on (default: the model's first).")
@click.option("--arrivals", help="Poisson rate of filings, e.g. 40/week or 8/day.")
@click.option("--staff", required=True, help="People per role, e.g. clerk=2,head=1,officer=1.")
@click.option("--from", "start", required=True, help="First day of filings, e.g. 2026-03-01.")
@click.option("--to", "end", required=True, help="Last day of filings, e.g. 2026-04-30.")
@click.option("--horizon", help="Last day of work (default: --to); lets the backlog drain.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--durations", type=click.Choice(["norm", "lognormal", "history"]), default="norm",
    show_default=True, help="Work time per step: the norm, lognormal around it, or recorded.",
)
@click.option("--work-share", type=float, help="Work as a share of the norm (norm: 1, lognormal "
              "median: 0.5).")
@click.option("--sigma", type=float, default=0.5, show_default=True, help="Lognormal spread.")
@click.option("--policy", type=click.Choice(["earliest-due", "fifo"]), default="earliest-due",
              show_default=True, help="Which open task a free person takes.")
@click.option("--refusal-share", type=float, default=0.0, show_default=True,
              help="Share of applications taking the non-regular answer at their first decision.")
@click.option("--arrivals-in", type=click.Choice(["working", "calendar"]), default="working",
              show_default=True, help="Whether the Poisson clock runs in working or calendar time.")
@click.option("--db", "sim_db", help="Keep the simulated run in this database (default: a "
              "temporary SQLite file, removed afterwards).")
@click.option("--source-db", help="Where --durations history reads steps (default: the live db).")
@click.option("--into-live", is_flag=True, help="Simulate into the live database (careful).")
@click.option("--html", "html", type=click.Path(path_type=Path), help="Also write the HTML report.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def simulate(obj: dict[str, Any], process: str, route: str | None, arrivals: str | None,
             staff: str, start: str, end: str, horizon: str | None, seed: int, durations: str,
             work_share: float | None, sigma: float, policy: str, refusal_share: float,
             arrivals_in: str, sim_db: str | None, source_db: str | None, into_live: bool,
             html: Path | None, as_json: bool) -> None:
    """What-if: run PROCESS on the real engine with given staff and arrivals (README)."""
    from regflow.services.simulate import Scenario, parse_arrivals, parse_day, parse_staff
    from regflow.services.simulate import simulate as run_simulation
    from regflow.services.simulate_stats import as_json as result_json
    from regflow.services.simulate_tables import renderables

    ctx = _context(obj)
    scenario = Scenario(
        process=process, route=route, staff=parse_staff(staff),
        arrivals=parse_arrivals(arrivals) if arrivals else None,
        start=parse_day(start, "--from"), end=parse_day(end, "--to"),
        horizon=parse_day(horizon, "--horizon") if horizon else None, seed=seed,
        durations=durations, work_share=work_share, sigma=sigma, policy=policy,
        refusal_share=refusal_share, arrivals_in=arrivals_in,
    )
    result = run_simulation(ctx, scenario, database_url=sim_db, source_url=source_db,
                            into_live=into_live, html=html)
    if as_json:
        _print_json(result_json(result, ctx.clock.tz))
        return
    console = _console()
    for part in renderables(result, ctx.clock.tz):
        console.print(part)


def main() -> None:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower() != "utf-8":
            stream.reconfigure(encoding="utf-8")
    cli(prog_name="regflow")


if __name__ == "__main__":
    main()
