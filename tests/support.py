"""Small models written with the project's own builder, for engine and store tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from regflow.workflows.builder import ProcessBuilder


def three_step_model(
    path: Path, *, sign_norm: str = "1 working day", extra_step: bool = False
) -> Path:
    """clerk registers (30 min) → head decides (refuse or not) → head signs; optional 4th step."""
    b = ProcessBuilder(
        key="three_steps",
        name="Үш қадам",
        properties={"routes": "provider", "deadline": "5 working days", "schedule": "akimat"},
    )
    clerk = b.lane("clerk", "Кеңсе қызметкері")
    head = b.lane("head", "Басшы")
    start = b.start(clerk, "Өтініш")
    register = b.user_task(clerk, "Тіркеу", norm="30 minutes", id="Task_register")
    decide = b.user_task(
        head, "Шешім", norm="1 working day", id="Task_decide", inputs="refuse:bool"
    )
    gw = b.gateway(head, "Бас тарту?", id="Gateway_refuse")
    sign = b.user_task(head, "Қол қою", norm=sign_norm, id="Task_sign")
    issued = b.end(clerk, "Берілді", outcome="issued")
    refused = b.end(head, "Бас тартылды", outcome="refused")
    b.chain(start, register, decide, gw)
    b.flow(gw, refused, condition="refuse == True")
    b.flow(gw, sign, default=True)
    if extra_step:
        archive = b.user_task(clerk, "Мұрағат", norm="15 minutes", id="Task_archive")
        b.chain(sign, archive, issued)
    else:
        b.flow(sign, issued)
    b.write(path)
    return path


def default_decisions(reg, items, route):  # type: ignore[no-untyped-def]
    """Values for a step's decisions that keep the application on the regular path: for each
    decision, a value for which no condition reading only it (and the route) is true, so every
    gateway takes its default flow (the simulator's own rule, services/simulate.py)."""
    from regflow.services.simulate import decisions

    return decisions(reg, tuple(items), route)


def fixture_applicant(answers):  # type: ignore[no-untyped-def]
    """Applicant data for which the local fixture systems (handlers/fixtures/local.json) give
    the wanted answers: the handlers decide data_found, auth_valid, signature_valid and
    grounds_found from the IIN and certificate, whatever flags the application carries."""
    if answers.get("auth_valid") is False:
        return {"iin": "990909999999"}  # not in ЖТ МДҚ: the portal sign-in fails
    if answers.get("data_found") is False:
        return {"iin": "010101000000"}  # not in ЖТ МДҚ
    if answers.get("signature_valid") is False:
        return {"iin": "770630300789", "certificate_serial": "SN-0003-REVOKED"}
    if answers.get("grounds_found") is True:
        return {"iin": "660312350987"}  # no consent on file
    return {"iin": "850101300123", "certificate_serial": "SN-0001-VALID"}


def work_at_norms(ctx, key, route, *, start_data=None, decisions=None):  # type: ignore[no-untyped-def]
    """Work an application of deployed process ``key`` to its end, each step completed exactly
    at its due instant (a step without a norm at once). ``decisions`` maps a step id to the data
    given when completing it; other decisions keep to the regular path (default_decisions)."""
    from regflow.services import applications
    from regflow.services.processes import latest_definition, loaded
    from regflow.services.queries import task_list
    from regflow.services.report_apps import application_timeline

    with ctx.transaction() as session:
        reg = loaded(latest_definition(session, key)).regulation
    app = applications.start(ctx, key, route=route, data=filing_answers(reg, route, start_data))
    for _ in range(500):
        rows = [r for r in task_list(ctx) if r.application_id == app.application_id]
        if not rows:
            break
        row = rows[0]
        if row.due_at is not None:
            ctx.clock.set(row.due_at)
        step = reg.steps[row.step_id]
        data = default_decisions(reg, step.inputs, route)
        data.update((decisions or {}).get(row.step_id, {}))
        applications.complete(ctx, row.id, "tester", data)
    return application_timeline(ctx, app.application_id)


def filing_instant(reg):  # type: ignore[no-untyped-def]
    """A Tuesday 10:00 on which ``reg`` is in force: 2026-09-01 when it is in force then,
    else the first Tuesday 60 days after it came into force (seed 003's regulations were in
    force from late 2015 until 30 May 2016)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from regflow.workflows.validity import validity_of

    validity = validity_of(reg.properties, key=reg.key)
    day = datetime(2026, 9, 1).date()
    if not validity.in_force_on(day):
        day = (validity.in_force_from or day) + timedelta(days=60)
        day += timedelta(days=(1 - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZoneInfo("Asia/Almaty"))


def sqlite_statements(url, action):  # type: ignore[no-untyped-def]
    """Every statement SQLite itself ran during ``action()``, in order: its trace callback sees
    what the driver sends, whichever layer of regflow sent it (ORM, Core or store/prepared.py)."""
    from sqlalchemy import event

    from regflow.store.db import dispose, engine_for

    seen: list[str] = []

    def trace(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.set_trace_callback(seen.append)

    engine = engine_for(url)
    event.listen(engine, "connect", trace)
    dispose(url)  # the next connection is a new one, traced
    try:
        action()
    finally:
        event.remove(engine, "connect", trace)
        dispose(url)
    return seen


def postgresql_statements(monkeypatch):  # type: ignore[no-untyped-def]
    """A list that fills, in order, with every statement sent to PostgreSQL from now on,
    whichever way it went: a psycopg cursor (ORM, Core, a read outside a pipeline) or a
    writing transaction's libpq pipeline (store/libpq.py), BEGIN included."""
    import psycopg

    from regflow.store import libpq

    sent: list[str] = []
    execute, send, command = psycopg.Cursor.execute, libpq.Pipeline.send, libpq.Pipeline.command

    def by_cursor(self, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        sent.append(" ".join(str(query).split()))
        return execute(self, query, *args, **kwargs)

    def by_pipeline(self, statement, values, answer):  # type: ignore[no-untyped-def]
        sent.append(" ".join(statement.sql.split()))
        return send(self, statement, values, answer)

    def by_command(self, sql):  # type: ignore[no-untyped-def]
        sent.append(sql)
        return command(self, sql)

    monkeypatch.setattr(psycopg.Cursor, "execute", by_cursor)
    monkeypatch.setattr(libpq.Pipeline, "send", by_pipeline)
    monkeypatch.setattr(libpq.Pipeline, "command", by_command)
    return sent


def steps_selects(url, action):  # type: ignore[no-untyped-def]
    """The SELECTs on ``steps`` that ``action()`` sent, each with its bound parameters, as
    the driver got them: what a query planner must be asked about (a partial index is used
    only where the query as sent says what the index's WHERE says)."""
    from sqlalchemy import event

    from regflow.store.db import engine_for

    sent: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        if statement.startswith("SELECT") and "\nFROM steps" in statement:
            sent.append((statement, parameters))

    engine = engine_for(url)
    event.listen(engine, "before_cursor_execute", keep)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return sent


def query_plan(connection, sql, parameters) -> str:  # type: ignore[no-untyped-def]
    """SQLite's EXPLAIN QUERY PLAN of a statement as sent, its lines joined by spaces."""
    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
    return " ".join(str(r[-1]) for r in rows)

@cache
def library_process(path: Path):  # type: ignore[no-untyped-def]
    """A model of processes/, parsed once per test run."""
    from regflow.workflows.loader import load_process

    return load_process(path.read_bytes(), path.name)


def library_cases() -> list[tuple[Path, str | None]]:
    """Every model of processes/ with each of its routes (None for a model without routes)."""
    from tests.conftest import PROCESSES

    return [
        (path, route)
        for path in sorted(PROCESSES.glob("*.bpmn"))
        for route in (library_process(path).regulation.routes or (None,))
    ]


def filing_answers(reg, route, start_data=None):  # type: ignore[no-untyped-def]
    """Start data for a filing on ``route``: every decision the model asks, by
    :func:`default_decisions` (``start_data`` over them), with the fixture applicant the
    handlers know for those answers."""
    items = tuple(o for s in reg.steps.values() for o in s.outputs)
    answers = default_decisions(reg, items, route)
    answers.update(start_data or {})
    return {**fixture_applicant(answers), **answers, **({"route": route} if route else {})}
