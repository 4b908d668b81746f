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
            click.echo(f"error: {exc}", err=True)
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

    return Console(highlight=False, soft_wrap=False)


@click.group(cls=_Group)
@click.option("--db", envvar="REGFLOW_DATABASE_URL", help="Database URL (default: ./regflow.db).")
@click.option("--at", envvar="REGFLOW_NOW", help="Simulated time, e.g. 2026-07-03T17:45.")
@click.option("--tz", envvar="REGFLOW_TZ", help="Time zone (default Asia/Almaty).")
@click.version_option(package_name="regflow")
@click.pass_context
def cli(ctx: click.Context, db: str | None, at: str | None, tz: str | None) -> None:
    """regflow: Kazakhstan's state-service regulations, executed and timed in working time."""
    ctx.obj = {"db": db, "at": at, "tz": tz}


@cli.command()
@click.pass_obj
def init(obj: dict[str, Any]) -> None:
    """Create or upgrade the database schema."""
    from regflow.store.migrate import upgrade

    ctx = _context(obj)
    upgrade(ctx.settings.database_url)
    click.echo(f"database ready: {ctx.settings.database_url}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check BPMN files without deploying them."""
    from regflow.errors import ModelError
    from regflow.services.processes import validate as validate_files

    failed = 0
    for path in files:
        try:
            (model,) = validate_files([path])
        except ModelError as exc:
            failed += 1
            click.echo(f"error: {exc}", err=True)
            continue
        reg = model.regulation
        click.echo(f"ok: {path}: {reg.key} ({len(reg.steps)} steps, {len(reg.lanes)} lanes)")
    if failed:
        sys.exit(1)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def deploy(obj: dict[str, Any], files: tuple[Path, ...]) -> None:
    """Deploy BPMN files; a changed file becomes a new version."""
    from regflow.services.processes import deploy as deploy_files

    for d in deploy_files(_context(obj), list(files)):
        state = "deployed" if d.created else "unchanged"
        click.echo(f"{state}: {d.key} v{d.version}  {d.name}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def processes(obj: dict[str, Any], as_json: bool) -> None:
    """List deployed processes with their routes and total normative time per route."""
    from regflow.services.processes import list_processes
    from rich.table import Table

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


@cli.command()
@click.argument("process")
@click.option("--route", help="Route chosen at filing (provider, akim, sc, portal...).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Application data.")
@click.option("--applicant", help="Applicant reference (IIN or name).")
@click.option("--version", "version", type=int, help="Start on this process version.")
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
    user: str | None,
    as_json: bool,
) -> None:
    """File an application on PROCESS."""
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
    from regflow.services.formatting import instant
    from regflow.services.queries import task_list
    from rich.table import Table

    ctx = _context(obj)
    rows = task_list(ctx, role=role, user=user, overdue=overdue, process=process)
    if as_json:
        _print_json(rows, ctx.clock.tz)
        return
    tz = ctx.clock.tz
    table = Table(title=f"Tasks ({len(rows)})")
    for col in ("task", "app", "process", "step", "role", "status", "ready", "due", ""):
        table.add_column(col)
    for r in rows:
        status = r.status + (f" ({r.claimed_by})" if r.claimed_by else "")
        table.add_row(
            str(r.id),
            str(r.application_id),
            r.process_key,
            r.name,
            r.role or "—",
            status,
            instant(r.ready_at, tz),
            instant(r.due_at, tz),
            "[red]overdue[/red]" if r.overdue else "",
        )
    _console().print(table)


@cli.command()
@click.argument("task", type=int)
@click.option("--user", envvar="REGFLOW_USER", required=True)
@click.pass_obj
def claim(obj: dict[str, Any], task: int, user: str) -> None:
    """Take TASK so that nobody else works on it."""
    from regflow.services.applications import claim as claim_step

    row = claim_step(_context(obj), task, user)
    click.echo(f"task {row.id} claimed by {row.claimed_by}: {row.name}")


@cli.command()
@click.argument("task", type=int)
@click.option("--user", envvar="REGFLOW_USER", required=True)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Decision data.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def complete(
    obj: dict[str, Any], task: int, user: str, sets: tuple[str, ...], as_json: bool
) -> None:
    """Complete TASK, recording its working time."""
    from regflow.services.applications import complete as complete_step
    from regflow.services.formatting import working
    from regflow.services.values import parse_assignments

    result = complete_step(_context(obj), task, user, parse_assignments(sets))
    if as_json:
        _print_json(result)
        return
    click.echo(f"task {result.step_record_id} completed in {working(result.working_minutes)}")
    if result.application_status == "completed":
        click.echo(f"application {result.application_id} finished: {result.outcome}")
    elif result.open_steps:
        click.echo("next tasks: " + ", ".join(map(str, result.open_steps)))


@cli.command()
@click.argument("application", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show(obj: dict[str, Any], application: int, as_json: bool) -> None:
    """An application's timeline: each step, actor, times, working time, norm, overdue."""
    from regflow.services.formatting import instant, working
    from regflow.services.queries import timeline
    from rich.table import Table

    ctx = _context(obj)
    t = timeline(ctx, application)
    if as_json:
        _print_json(t, ctx.clock.tz)
        return
    tz = ctx.clock.tz
    met = {True: "met", False: "[red]missed[/red]", None: "—"}[t.deadline_met]
    _console().print(
        f"Application {t.application_id} · {t.process_key} · route {t.route or '—'} · "
        f"{t.status}{' (' + t.outcome + ')' if t.outcome else ''}\n"
        f"filed {instant(t.filed_at, tz)} · accepted {instant(t.accepted_at, tz)} · "
        f"deadline {instant(t.deadline_at, tz)} ({t.deadline_norm or 'none'}) {met} · "
        f"working time {working(t.working_minutes)}"
    )
    table = Table()
    for col in ("task", "step", "role", "actor", "ready", "completed", "working", "norm", ""):
        table.add_column(col)
    for s in t.steps:
        table.add_row(
            str(s.id),
            s.name,
            s.role or "—",
            s.actor or "—",
            instant(s.ready_at, tz),
            instant(s.completed_at, tz) if s.completed_at else s.status,
            working(s.working_minutes),
            s.norm or "—",
            "[red]overdue[/red]" if s.overdue else "",
        )
    _console().print(table)


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
    table = Table(title=f"{year}-{mon:02d} · schedule {schedule}")
    for col in ("date", "day", "hours", "off because"):
        table.add_column(col)
    for row in view.rows:
        style = "" if row.working else "dim"
        table.add_row(
            f"{row.day:%Y-%m-%d}", row.weekday, row.hours or "—", row.reason or "", style=style
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
@click.option("--applications", "count", default=36, show_default=True)
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


def main() -> None:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower() != "utf-8":
            stream.reconfigure(encoding="utf-8")
    cli(prog_name="regflow")


if __name__ == "__main__":
    main()
