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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

import click

from regflow.errors import RegflowError
from regflow.i18n import N_, ngettext

# click's own messages (usage errors, help headings), routed through regflow's catalogue below
CLICK_MESSAGES = (
    N_("Usage:"), N_("Options"), N_("Commands"), N_("Show this message and exit."),
    N_("Show the version and exit."), N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Invalid value for {param_hint}: {message}"), N_("Invalid value: {message}"),
    N_("Missing argument"), N_("Missing option"), N_("Missing parameter"),
    N_("No such option {name!r}."), N_("No such command {name!r}."), N_("Missing command."),
    N_("Aborted!"), N_("default: {default}"), N_("env var: {var}"), N_("required"),
)


def _click_plural_messages(n: int) -> list[str]:  # pragma: no cover - read by the catalogue test
    return [ngettext("Got unexpected extra argument ({args})",
                     "Got unexpected extra arguments ({args})", n),
            ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", n)]


def _route_click_messages() -> None:
    """click translates its messages with the stdlib ``gettext`` (domain "messages", which has no
    catalogue here); point its modules' ``_``/``ngettext`` at regflow's catalogue instead, so a
    usage error reads in the interface's language."""
    import gettext

    from regflow.i18n import translations

    def _gettext(message: str) -> str:
        return translations().gettext(message)

    def _ngettext(singular: str, plural: str, n: int) -> str:
        return translations().ngettext(singular, plural, n)

    for name, module in list(sys.modules.items()):
        # click.decorators builds default option helps once: they stay English msgids and are
        # translated when a help page is written (_help_in_language)
        if name == "click.decorators":
            continue
        if name == "click" or name.startswith("click."):
            if getattr(module, "_", None) is gettext.gettext:
                module._ = _gettext  # type: ignore[attr-defined]
            if getattr(module, "ngettext", None) is gettext.ngettext:
                module.ngettext = _ngettext  # type: ignore[attr-defined]


_route_click_messages()


@contextmanager
def _help_in_language(command: click.Command, ctx: click.Context) -> Iterator[None]:
    """Help texts are English in the code (the language is an option, unknown at definition
    time): translate the command's and its options' help while the help page is written."""
    import inspect

    from regflow.i18n import _

    items: list[Any] = [command, *command.get_params(ctx)]
    saved = [(item, getattr(item, "help", None)) for item in items]
    try:
        for item, text in saved:
            if text:
                item.help = _(inspect.cleandoc(text))
        yield
    finally:
        for item, text in saved:
            item.help = text


def _lang_argument(command: click.Command, ctx: click.Context, args: list[str]) -> str | None:
    """The value of ``--lang`` among the group's own options in ``args`` (the last one, as click
    takes it), or None; the scan stops at the subcommand, whose options are its own."""
    takes_value = {
        opt
        for param in command.get_params(ctx)
        if isinstance(param, click.Option) and not param.is_flag and not param.count
        for opt in param.opts
    }
    found = None
    tokens = iter(args)
    for token in tokens:
        if token == "--lang":
            found = next(tokens, None)
        elif token.startswith("--lang="):
            found = token.partition("=")[2]
        elif token == "--" or not token.startswith("-"):
            break
        elif token in takes_value:
            next(tokens, None)
    return found


def _choose_language_early(command: click.Command, ctx: click.Context, args: list[str]) -> None:
    """Set the language before click parses the command line.

    click handles ``--help``, a missing or unknown command and usage errors while it parses,
    before the group's callback has read ``--lang``: ``regflow --lang kk --help`` would be
    English. So the group reads ``--lang`` from the raw arguments first (then REGFLOW_LANG,
    then the locale, as the callback does). An unknown ``--lang`` is one ``error:`` line and
    exit 2, with or without ``--help``; an unknown REGFLOW_LANG does not hide the help page
    (the callback reports it when a command runs)."""
    from regflow.i18n import _, choose_language, set_language

    try:
        set_language(choose_language(os.environ.get("REGFLOW_LANG")))
    except RegflowError:  # the callback reports it when a command runs
        set_language(choose_language(None))
    given = _lang_argument(command, ctx, args)
    if given is None:
        return
    try:
        set_language(choose_language(given))
    except RegflowError as exc:  # said in the language of REGFLOW_LANG or the locale
        if not ctx.resilient_parsing:
            click.echo(_("error: {message}").format(message=exc), err=True)
            ctx.exit(exc.exit_code)


class _Translated(click.Command):
    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _help_in_language(self, ctx):
            super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        import inspect

        from regflow.i18n import _

        saved = self.help
        self.help = _(inspect.cleandoc(saved)) if saved else saved
        try:
            return super().get_short_help_str(limit)
        finally:
            self.help = saved


class _Command(_Translated):
    pass


class _Group(_Translated, click.Group):
    command_class = _Command
    group_class = type  # subgroups (calendar, users, audit, export) are _Group too

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:  # the top-level `regflow`: choose the language before parsing
            _choose_language_early(self, ctx, args)
        return super().parse_args(ctx, args)

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
    from regflow.services.setup import init_database

    ctx = _context(obj)
    init_database(ctx, actor="cli")
    from regflow.i18n import _

    click.echo(_("database ready: {url}").format(url=ctx.settings.database_url))
    if pg_roles:
        from regflow.store.pg_roles import create_roles

        roles = create_roles(ctx.settings.database_url)
        click.echo(_("PostgreSQL roles granted: {roles}").format(roles=", ".join(roles)))


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
    from regflow.i18n import _
    from regflow.services.users import deploy_as

    for d in deploy_as(_context(obj), list(files), user):
        state = _("deployed") if d.created else _("unchanged")
        click.echo(f"{state}: {d.key} v{d.version}  {d.name}")


@cli.command()
@click.option("--at", "on", metavar="DATE", help="List the versions in force on DATE (ISO).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def processes(obj: dict[str, Any], on: str | None, as_json: bool) -> None:
    """List deployed processes with their routes and total normative time per route."""
    from rich.table import Table

    from regflow.i18n import N_, _
    from regflow.services.formatting import norm
    from regflow.services.processes import list_processes

    if on is not None:
        _processes_in_force(obj, on, as_json)
        return
    infos = list_processes(_context(obj))
    if as_json:
        _print_json(infos)
        return
    table = Table(title=_("Processes"))
    for col in (N_("process"), "v", N_("name"), N_("routes: total norm"), N_("deadline")):
        table.add_column(_(col) if col != "v" else col)
    for p in infos:
        routes = "\n".join(f"{r}: {_total(t)}" for r, t in p.routes.items())
        table.add_row(p.key, str(p.version), p.name, routes, norm(p.deadline))
    _console().print(table)


def _total(text: str) -> str:
    """A route's total norm ("3 working days + 45 minutes") in the interface's language."""
    from regflow.i18n import _
    from regflow.services.formatting import norm

    return _("no norms") if text == "no norms" else " + ".join(map(norm, text.split(" + ")))


def _processes_in_force(obj: dict[str, Any], on: str, as_json: bool) -> None:
    from rich.table import Table

    from regflow.errors import UsageError
    from regflow.i18n import N_, _
    from regflow.services.formatting import norm
    from regflow.services.validity import list_in_force

    try:
        day = date.fromisoformat(on.strip()[:10])
    except ValueError:
        raise UsageError(
            _("--at must be a date like 2016-01-15, got {value}").format(value=repr(on))
        ) from None
    infos = list_in_force(_context(obj), day)
    if as_json:
        _print_json(infos)
        return
    table = Table(title=_("Processes in force on {day}").format(day=day))
    for col in (N_("process"), "v", N_("name"), N_("approved by"), N_("in force"), N_("deadline")):
        table.add_column(_(col) if col != "v" else col)
    for p in infos:
        span = f"{p.in_force_from or '…'} – {p.repealed_on or '…'}"
        table.add_row(p.key, str(p.version), p.name, p.approved_by or "—", span, norm(p.deadline))
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
    from regflow.i18n import _
    from regflow.services.formatting import norm

    for e in entries:
        click.echo(
            _("{key} v{version} ({file}): in force {start} – {end}; approved by {act}").format(
                key=e.key, version=e.version, file=e.filename, start=e.in_force_from or "…",
                end=e.until or "…", act=e.approved_by,
            )
            + (_("; repealed on {day}").format(day=e.repealed_on) if e.repealed_on else "")
            + (_(" by {act}").format(act=e.repealed_by) if e.repealed_by else "")
            + _("; deadline {norm}").format(norm=norm(e.deadline))
        )
        for line in e.change_lines:
            click.echo(f"  {line}")


def _print_comparison(rows: list[Any], as_json: bool) -> None:
    from rich.table import Table

    from regflow.i18n import _, get_language
    from regflow.services.formatting import working

    def norm(text: str | None) -> str:  # the model's own words in English, translated otherwise
        from regflow.services.formatting import norm as translated

        return (text or "—") if get_language() == "en" else translated(text)

    if as_json:
        _print_json([{**asdict(r), "deadline_met_share": r.deadline_met_share} for r in rows])
        return
    table = Table(title=_("Versions side by side (median working time · norm · over norm)"))
    table.add_column(_("step"))
    for r in rows:
        table.add_column(f"{r.key} v{r.version}\n{r.in_force_from or '…'} – {r.until or '…'}")

    def share(value: float | None) -> str:
        return "—" if value is None else f"{value:.0%}"

    table.add_row(
        _("applications (finished)"), *(f"{r.applications} ({r.finished})" for r in rows)
    )
    table.add_row(_("service deadline"), *(norm(r.deadline) for r in rows))
    table.add_row(_("deadline met"), *(share(r.deadline_met_share) for r in rows))
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
            cells.append(f"{med} · {norm(s.norm)} · {share(s.over_norm_share)} (n={s.count})")
        table.add_row(name[:50], *cells)
    _console().print(table)


@cli.command()
@click.argument("process")
@click.option("--route", help="Route chosen at filing (provider, akim, sc, portal...).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Application data.")
@click.option("--applicant", help="Applicant reference (IIN or name).")
@click.option(
    "--from", "from_file", metavar="FILE",
    help="File many applications, one JSON object per line (route, applicant, data); "
    "'-' reads standard input. All of them or none.",
)
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
    from_file: str | None,
    version: int | None,
    reason: str | None,
    org: str | None,
    user: str | None,
    as_json: bool,
) -> None:
    """File an application on PROCESS, on the version in force at the filing instant."""
    from regflow.errors import UsageError
    from regflow.i18n import _
    from regflow.services import applications
    from regflow.services.formatting import instant
    from regflow.services.forms import read_forms
    from regflow.services.values import parse_assignments

    ctx = _context(obj)
    data = parse_assignments(sets)
    if from_file is None:
        forms = [applications.ApplicationForm(route=route, data=data, applicant=applicant)]
    elif applicant is not None:
        raise UsageError(_("--from gives each application's applicant; leave out --applicant"))
    else:
        forms = read_forms(from_file, route=route, data=data)
    results = applications.start_all(
        ctx, process, forms, version=version, actor=user, reason=reason, org=org
    )
    if as_json:
        _print_json(results if from_file is not None else results[0], ctx.clock.tz)
        return
    tz = ctx.clock.tz
    for result in results:
        click.echo(
            _("application {id} started on {key} v{version} (route {route}); accepted {accepted}; "
              "service deadline {deadline}").format(
                id=result.application_id, key=result.process_key, version=result.version,
                route=result.route or "—", accepted=instant(result.accepted_at, tz),
                deadline=instant(result.deadline_at, tz),
            )
        )
        click.echo(
            _("open tasks: {tasks}").format(
                tasks=", ".join(map(str, result.open_steps)) or _("none")
            )
        )
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
    from regflow.services.names import StepNames

    ctx = _context(obj)
    row = claim_step(ctx, task, user)
    with ctx.transaction() as session:  # the step's name in the interface's language
        step = StepNames(session)(row.definition_id, row.step_id, row.name)
    click.echo(
        _("task {id} claimed by {user}: {step}").format(id=row.id, user=row.claimed_by, step=step)
    )


@cli.command()
@click.argument("tasks", nargs=-1, required=True, type=_ID, metavar="TASK...")
@click.option("--user", envvar="REGFLOW_USER", required=True)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Decision data.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def complete(
    obj: dict[str, Any], tasks: tuple[int, ...], user: str, sets: tuple[str, ...], as_json: bool
) -> None:
    """Complete TASK, recording its working time; several TASKs: all of them or none."""
    from regflow.i18n import _
    from regflow.services.applications import complete_all
    from regflow.services.formatting import label, working
    from regflow.services.values import parse_assignments

    results = complete_all(_context(obj), tasks, user, parse_assignments(sets))
    if as_json:
        _print_json(results[0] if len(results) == 1 else results)
        return
    for result in results:
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
            click.echo(
                _("next tasks: {tasks}").format(tasks=", ".join(map(str, result.open_steps)))
            )
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
    from regflow.services.report_apps import application_timeline

    ctx = _context(obj)
    t = application_timeline(ctx, application)
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
               N_("working"), N_("norm"), N_("overdue"))
    for col in columns:
        table.add_column(_(col))
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
            f"[red]+{working(s.overdue_minutes)}[/red]" if s.overdue else "",
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
    from regflow.i18n import _

    for incident in incidents:
        click.echo(
            _("application {id} waits on incident {incident} (regflow incidents; regflow retry "
              "{incident})").format(id=application_id, incident=incident)
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

    from regflow.i18n import N_, _
    from regflow.services.formatting import instant
    from regflow.services.incidents import list_incidents

    ctx = _context(obj)
    rows = list_incidents(ctx, status=status, application=application)
    if as_json:
        _print_json(rows, ctx.clock.tz)
        return
    tz = ctx.clock.tz
    table = Table(title=_("Incidents ({count})").format(count=len(rows)))
    columns = (N_("incident"), N_("app"), N_("step"), N_("handler"), N_("attempts"),
               N_("opened"), N_("status"), N_("error"))
    for col in columns:
        table.add_column(_(col))
    for r in rows:
        state = (
            _("resolved {at}").format(at=instant(r.resolved_at, tz))
            if r.resolved_at
            else f"[red]{_('open')}[/red]"
        )
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
    from regflow.i18n import _, ngettext
    from regflow.services.applications import retry as retry_incident
    from regflow.services.formatting import label

    result = retry_incident(_context(obj), incident, user)
    if as_json:
        _print_json(result)
        return
    attempts = ngettext("{n} attempt(s)", "{n} attempt(s)", result.attempts).format(
        n=result.attempts
    )
    if not result.resolved:
        click.echo(
            _("incident {id} still open after {attempts}: {error}").format(
                id=result.incident_id, attempts=attempts, error=result.error
            )
        )
        sys.exit(1)
    click.echo(
        _("incident {id} resolved after {attempts}").format(
            id=result.incident_id, attempts=attempts
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
    from regflow.i18n import _

    try:
        year, mon = (int(p) for p in month.split("-"))
    except ValueError:
        raise UsageError(
            _("--month must be YYYY-MM, got {value}").format(value=repr(month))
        ) from None
    view = month_view(
        year, mon, schedule=schedule, tz=ctx.settings.tz, overrides_dir=ctx.settings.calendar_dir
    )
    if as_json:
        _print_json(view)
        return
    from regflow.services.formatting import holiday_name, month_name, weekday_name

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
        if row.kind == "holiday" and reason:
            reason = holiday_name(reason)
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
    from regflow.i18n import _
    from regflow.services.calendar_view import due
    from regflow.services.formatting import weekday_name

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
        _("due {due} ({weekday}); counting from {opening}; {minutes} working minutes").format(
            due=f"{result.due:%Y-%m-%d %H:%M}", weekday=weekday_name(result.due.date()),
            opening=f"{result.opening:%Y-%m-%d %H:%M}", minutes=result.working_minutes,
        )
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

    from regflow.i18n import N_, _
    from regflow.services.demo import run_demo
    from regflow.services.formatting import instant, norm, working
    from regflow.services.queries import task_list
    from regflow.services.summary import step_timing

    result = run_demo(folder, applications_count=count, seed=seed)
    ctx = result.context
    tz = ctx.clock.tz
    console = _console()
    console.print(
        "[bold]regflow demo[/bold] · "
        + _("{deployed} processes deployed · {started} applications filed · {finished} finished "
            "({refused} refused) · simulated now {now}").format(
            deployed=result.deployed, started=result.started, finished=result.finished,
            refused=result.refused, now=instant(result.now, tz),
        )
        + "\n"
        + _("database: {url}").format(url=result.database_url)
    )
    tasks_table = Table(title=_("Open tasks ({count})").format(count=result.open_tasks))
    for col in (N_("task"), N_("app"), N_("process"), N_("step"), N_("role"), N_("due"), ""):
        tasks_table.add_column(_(col) if col else col)
    for r in task_list(ctx)[:25]:
        tasks_table.add_row(
            str(r.id),
            str(r.application_id),
            r.process_key,
            r.name[:60],
            r.role or "—",
            instant(r.due_at, tz),
            f"[red]{_('overdue')}[/red]" if r.overdue else "",
        )
    console.print(tasks_table)
    timing = Table(title=_("Step timing (working time, completed steps)"))
    columns = (N_("process"), N_("step"), N_("role"), "n", N_("median"), N_("max"), N_("norm"),
               N_("over norm"))
    for col in columns:
        timing.add_column(_(col) if col != "n" else col)
    for s in step_timing(ctx):
        timing.add_row(
            s.process_key,
            s.name[:50],
            s.role or "—",
            str(s.count),
            working(round(s.median_minutes)),
            working(s.max_minutes),
            norm(s.norm),
            f"{s.overdue_share:.0%}",
        )
    console.print(timing)
    from regflow.services.report_html import write_html

    html = write_html(ctx, folder / "report.html", title="regflow demo: step timing report")
    console.print(_("report: {path}").format(path=html.path.resolve()))


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
    from regflow.i18n import _

    target = output or Path(f"{rendered.key or Path(process).stem}.svg")
    click.echo(_("wrote {path}").format(path=write(rendered, target)))
    for note in rendered.notes:
        click.echo(note)


@cli.command("import")
@click.argument("text_file", type=click.Path(path_type=Path))
@click.option("--regulation", type=int, help="Which regulation of a resolution (1, 2, ...).")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="The draft to write, e.g. processes/NAME.bpmn (NAME is the process key).")
def import_text(text_file: Path, regulation: int | None, output: Path) -> None:
    """Draft a BPMN model from a regulation text; warnings name their lines."""
    from regflow.i18n import _
    from regflow.services.textimport import import_text as run_import

    result = run_import(text_file, regulation=regulation, out=output)
    click.echo(
        _("wrote {path}: {key} (regulation {regulation}, {steps} steps, routes {routes})").format(
            path=result.path, key=result.key, regulation=result.regulation, steps=result.steps,
            routes=", ".join(result.routes),
        )
        + f"  {result.title}"
    )
    for warning in result.warnings:
        click.echo(
            _("warning: {where}: {message}").format(
                where=f"{text_file.name}:{warning.line}", message=warning.message
            )
        )


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
    from regflow.i18n import _

    click.echo(_("ok: {model} agrees with {text}").format(model=model, text=text_file.name))


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
        from regflow.i18n import _

        raise UsageError(_("--by: give one of start/end and one of role/user"))
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
        from regflow.i18n import _
        from regflow.services.report_html import write_html, write_timeline_html

        if output is None:
            raise UsageError(_("--format html needs -o FILE"))
        if application is not None:
            written = write_timeline_html(ctx, output, application)
        else:
            written = write_html(ctx, output, flt)
        click.echo(_("report written: {path}").format(path=written.path))
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
        from regflow.i18n import _

        click.echo(_("report written: {path}").format(path=output))


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
    from regflow.i18n import _

    result = write_xes(_context(obj), output, flt)
    click.echo(
        _("XES written: {path} ({cases} cases, {events} events)").format(
            path=result.path, cases=result.cases, events=result.events
        )
    )


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
    from regflow.i18n import _
    from regflow.services.worker import run

    if interval <= 0:
        raise UsageError(_("--interval must be a positive number of seconds"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    def show(report: Any) -> None:
        if once or report.fired or report.started or report.overdue or report.failed:
            click.echo(
                _("fired {fired} timer(s), started {started} application(s), {overdue} step(s) "
                  "overdue, {failed} failed").format(
                    fired=report.fired, started=report.started, overdue=report.overdue,
                    failed=report.failed,
                )
            )

    run(_context(obj), once=once, interval=interval, worker=worker_id, on_tick=show)


@cli.command()
@click.argument("application", type=_ID)
@click.option("--reason", required=True, help="Why the clock stops (logged).")
@click.option("--user", envvar="REGFLOW_USER")
@click.pass_obj
def suspend(obj: dict[str, Any], application: int, reason: str, user: str | None) -> None:
    """Pause an application's service-deadline clock (waiting for the applicant)."""
    from regflow.i18n import _
    from regflow.services.timers import suspend as suspend_app

    suspend_app(_context(obj), application, reason, actor=user)
    click.echo(_("application {id} suspended: {reason}").format(id=application, reason=reason))


@cli.command()
@click.argument("application", type=_ID)
@click.option("--user", envvar="REGFLOW_USER")
@click.pass_obj
def resume(obj: dict[str, Any], application: int, user: str | None) -> None:
    """Restart the clock; the deadline and open due dates move by the pause's working time."""
    from regflow.i18n import _
    from regflow.services.formatting import working
    from regflow.services.timers import resume as resume_app

    ctx = _context(obj)
    result = resume_app(ctx, application, actor=user)
    deadline = (
        _("; deadline now {at}").format(
            at=f"{result.deadline_at.astimezone(ctx.now().tzinfo):%Y-%m-%d %H:%M}"
        )
        if result.deadline_at
        else ""
    )
    click.echo(
        _("application {id} resumed after {time}").format(
            id=application, time=working(result.paused_working_minutes)
        )
        + deadline
    )


@calendar.command("reproject")
@click.pass_obj
def calendar_reproject(obj: dict[str, Any]) -> None:
    """Recompute every open due date on the current calendar (after an override file changed)."""
    from regflow.i18n import ngettext
    from regflow.services.reprojection import reproject

    moved = reproject(_context(obj), actor="cli")  # in batches; the calendar recorded at the end
    click.echo(
        ngettext("{n} application re-projected", "{n} applications re-projected", moved).format(
            n=moved
        )
    )


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
    from regflow.i18n import _
    from regflow.services.users import add_user

    u = add_user(_context(obj), name, list(roles), org, actor=user)
    click.echo(
        _("user {name} added: roles {roles}; organisation {org}").format(
            name=u.name, roles=", ".join(u.roles), org=u.org
        )
    )


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
    from regflow.i18n import _

    if not people:
        click.echo(_("no users: open mode (any --user may act)"))
    for u in people:
        state = _("active") if u.active else _("disabled")
        click.echo(f"{u.name}\t{','.join(u.roles)}\t{u.org}\t{state}")


@users.command("disable")
@click.argument("name")
@click.option("--user", envvar="REGFLOW_USER", help="The admin disabling (once an admin exists).")
@click.pass_obj
def users_disable(obj: dict[str, Any], name: str, user: str | None) -> None:
    """NAME may no longer act; their history stays."""
    from regflow.i18n import _
    from regflow.services.users import disable_user

    u = disable_user(_context(obj), name, actor=user)
    click.echo(_("user {name} disabled").format(name=u.name))


@cli.command()
@click.argument("task", type=_ID)
@click.option("--to", "to", required=True, help="The officer who takes the task.")
@click.option("--user", envvar="REGFLOW_USER", required=True, help="The delegating head.")
@click.pass_obj
def delegate(obj: dict[str, Any], task: int, to: str, user: str) -> None:
    """A head hands TASK to a named officer."""
    from regflow.i18n import _
    from regflow.services.users import delegate as delegate_task

    d = delegate_task(_context(obj), task, to, user)
    click.echo(
        _("task {id} delegated by {head} to {officer}").format(
            id=d.step_record_id, head=d.delegated_by, officer=d.delegate
        )
    )


@cli.group()
def audit() -> None:
    """The hash-chained event log."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def audit_verify(obj: dict[str, Any], as_json: bool) -> None:
    """Walk the chain; name the first row changed, deleted or inserted out of order (exit 1)."""
    from regflow.i18n import _
    from regflow.services.audit_log import verify_chain

    verdict = verify_chain(_context(obj))
    if as_json:
        _print_json({**asdict(verdict), "ok": verdict.ok})
    elif verdict.ok:
        click.echo(
            _("audit chain intact: {events} events; head {seq} {hash}").format(
                events=verdict.events, seq=verdict.head_seq, hash=verdict.head_hash
            )
        )
    if not verdict.ok:
        click.echo(
            _("error: audit chain broken: {problem}").format(problem=verdict.problem), err=True
        )
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
