"""The event log is a hash chain: verify names the first row changed, deleted or inserted."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select, text

from regflow.services import applications
from regflow.services.audit_log import verify_chain
from regflow.services.processes import deploy
from regflow.services.queries import task_list
from regflow.store.db import engine_for
from tests.conftest import Cli, at, context
from tests.support import postgresql_statements, three_step_model


def _run(ctx, model: Path) -> None:  # type: ignore[no-untyped-def]
    deploy(ctx, [model])
    app = applications.start(ctx, "three_steps", actor="aigul")
    applications.complete(ctx, app.open_steps[0], "aigul")
    (decide,) = task_list(ctx)
    applications.claim(ctx, decide.id, "bolat")
    applications.complete(ctx, decide.id, "bolat", {"refuse": True})


def _unlock(url: str):  # type: ignore[no-untyped-def]
    """What an attacker with the database owner's rights would do first."""
    conn = engine_for(url).connect()
    if url.startswith("sqlite"):
        conn.exec_driver_sql("DROP TRIGGER events_no_update")
        conn.exec_driver_sql("DROP TRIGGER events_no_delete")
    else:
        conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER USER")
    return conn


@pytest.fixture
def logged(db_url: str, tmp_path: Path) -> str:
    _run(context(db_url, at("2026-07-01 10:00")), three_step_model(tmp_path / "m.bpmn"))
    return db_url


def test_every_state_change_is_chained_with_before_and_after(logged: str) -> None:
    ctx = context(logged, at("2026-07-01 12:00"))
    verdict = verify_chain(ctx)
    assert verdict.ok and verdict.events == verdict.head_seq >= 5
    with engine_for(logged).connect() as conn:
        rows = conn.execute(
            text("SELECT kind, actor, payload FROM events WHERE kind = 'step_claimed'")
        ).all()
    (claimed,) = rows
    import json

    payload = claimed.payload if isinstance(claimed.payload, dict) else json.loads(claimed.payload)
    assert claimed.actor == "bolat"
    assert payload["before"]["status"] == "ready" and payload["after"]["status"] == "claimed"


def test_log_rows_cannot_be_updated_or_deleted(logged: str) -> None:
    with engine_for(logged).connect() as conn:
        for sql in ("UPDATE events SET actor = 'x'", "DELETE FROM events"):
            with pytest.raises(Exception, match="append-only"):
                conn.exec_driver_sql(sql)
            conn.rollback()


def test_verify_names_a_changed_row(logged: str) -> None:
    with _unlock(logged) as conn:
        conn.exec_driver_sql("UPDATE events SET actor = 'mallory' WHERE seq = 3")
        changed = conn.exec_driver_sql("SELECT id FROM events WHERE seq = 3").scalar()
        conn.commit()
    verdict = verify_chain(context(logged, at("2026-07-01 12:00")))
    assert verdict.event_id == changed and "was changed after it was written" in verdict.problem


def test_verify_names_a_deleted_row(logged: str) -> None:
    with _unlock(logged) as conn:
        conn.exec_driver_sql("DELETE FROM events WHERE seq = 2")
        conn.commit()
    verdict = verify_chain(context(logged, at("2026-07-01 12:00")))
    assert "chain position 2 were deleted" in verdict.problem


def test_verify_names_a_row_inserted_out_of_order(logged: str) -> None:
    with _unlock(logged) as conn:
        first = conn.exec_driver_sql("SELECT hash FROM events WHERE seq = 1").scalar()
        conn.exec_driver_sql("UPDATE events SET seq = seq + 1000 WHERE seq >= 2")
        conn.exec_driver_sql(
            "INSERT INTO events (at, kind, actor, payload, seq, prev_hash, hash) VALUES "
            f"('2026-07-01 05:00:00', 'step_completed', 'mallory', '{{}}', 2, '{first}', "
            f"'{'f' * 64}')"
        )
        conn.commit()
    verdict = verify_chain(context(logged, at("2026-07-01 12:00")))
    assert not verdict.ok and verdict.event_id is not None


def test_verify_notices_the_newest_rows_deleted(logged: str) -> None:
    with _unlock(logged) as conn:
        conn.exec_driver_sql("DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)")
        conn.commit()
    verdict = verify_chain(context(logged, at("2026-07-01 12:00")))
    assert "newest events were deleted" in verdict.problem


def _head(conn) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    seq, digest = conn.exec_driver_sql("SELECT seq, hash FROM audit_head").one()
    return int(seq), str(digest)


def _insert_event(conn, seq: int | None, digest: str) -> None:  # type: ignore[no-untyped-def]
    conn.exec_driver_sql(
        "INSERT INTO events (at, kind, actor, payload, seq, prev_hash, hash) VALUES "
        f"('2026-07-01 05:00:00', 'step_completed', 'x', '{{}}', "
        f"{'NULL' if seq is None else seq}, '{'0' * 64}', '{digest}')"
    )


def test_the_database_moves_the_head_forward_to_each_inserted_event_only(logged: str) -> None:
    """Migration 0009's trigger: an event appended after the head becomes the head; a row
    without a chain position, or one behind the head, leaves the head where it was."""
    with engine_for(logged).connect() as conn:
        seq, digest = _head(conn)
        newest = conn.exec_driver_sql("SELECT max(seq), count(*) FROM events").one()
        assert (seq, newest[0]) == (newest[1], newest[1])  # the head is at the newest event
        _insert_event(conn, None, "a" * 64)
        _insert_event(conn, 0, "b" * 64)  # seq 0: behind every link
        assert _head(conn) == (seq, digest)
        _insert_event(conn, seq + 1, "c" * 64)
        assert _head(conn) == (seq + 1, "c" * 64)
        conn.rollback()


def test_audit_verify_from_the_command_line(logged: str) -> None:
    cli = Cli(logged)
    assert cli("audit", "verify").output.startswith("audit chain intact")
    with _unlock(logged) as conn:
        conn.exec_driver_sql("UPDATE events SET kind = 'deployed' WHERE seq = 4")
        conn.commit()
    r = cli("audit", "verify", expect=1)
    assert r.stderr.startswith("error: audit chain broken: event ") and r.stderr.count("\n") == 1


def test_chain_stays_linear_under_concurrent_writers(db_url: str, tmp_path: Path) -> None:
    ctx = context(db_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    errors: list[BaseException] = []

    def file_some() -> None:
        try:
            for _ in range(5):
                applications.start(ctx, "three_steps", actor="clerk")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=file_some) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    verdict = verify_chain(ctx)
    assert verdict.ok, verdict.problem
    assert verdict.events == 1 + 15  # one deployment, fifteen filings


def test_pg_roles_app_appends_only_and_auditor_reads(pg_url: str, tmp_path: Path) -> None:
    import psycopg

    _run(context(pg_url, at("2026-07-01 10:00")), three_step_model(tmp_path / "m.bpmn"))
    r = Cli(pg_url)("init", "--pg-roles")
    assert "regflow_app, regflow_auditor" in r.output
    schema = pg_url.split("search_path%3D")[1]
    admin = pg_url.split("?")[0].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("SET ROLE regflow_app")
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] > 0
        conn.execute("UPDATE steps SET name = name")  # full DML elsewhere
        for sql in ("UPDATE events SET actor = 'x'", "DELETE FROM events"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
            conn.rollback()
            conn.execute(f'SET search_path TO "{schema}"')
            conn.execute("SET ROLE regflow_app")
        conn.execute("RESET ROLE")
        conn.execute("SET ROLE regflow_auditor")
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE steps SET name = name")
        conn.rollback()
        conn.execute(f'SET search_path TO "{schema}"')
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute("DELETE FROM events")  # even the owner: the trigger refuses


def test_the_hot_path_hashes_an_event_exactly_as_verify_recomputes_it() -> None:
    """append() builds the canonical bytes around the payload's JSON text, which is also what
    the row stores; verify() hashes canonical(content_of(row)) of the value read back. Both must
    agree byte for byte on whatever a payload holds: keys that are numbers (which sort as
    numbers, 2 before 10, until they are text), tuples, instants."""
    from datetime import UTC, datetime, timedelta, timezone

    from regflow.store.audit import _canonical_text, _content, _payload_text, _plain, canonical

    almaty = timezone(timedelta(hours=5))
    payloads = [
        {},
        {"step": "Task_register", "before": None, "after": {"status": "ready"}},
        {"data": {"refuse": False, "iin": "850101300123", "сомасы": 12.5, "n": [1, 2, None]}},
        {"reason": "өтініш берушінің құжаттары күтілуде", "z": 1, "a": {"b": {"c": "ё"}}},
        {"due_at": datetime(2026, 7, 3, 18, 15, tzinfo=almaty), "pair": (1, "two")},
        {1: "int key", "10": "after it as text", "2": True},
        {"outcome": {2: "two", 10: "ten", 1: "one"}},
    ]
    for number, payload in enumerate(payloads, 1):
        for instant in (datetime(2026, 7, 3, 12, 0, tzinfo=UTC), datetime(2016, 3, 22, 9, 0)):
            stored = _payload_text(payload)
            plain = _plain(payload)
            assert json.loads(stored) == plain  # the row holds what the JSON column gives back
            fast = _canonical_text(
                number, instant, "step_completed", "айгүл", 7, None, stored
            )
            reference = canonical(
                _content(number, instant, "step_completed", "айгүл", 7, None, plain)
            )
            assert fast == reference, payload


def test_postgresql_links_an_event_in_sql_exactly_as_verify_recomputes_it(pg_url: str) -> None:
    """On PostgreSQL the hot path's INSERT takes the head and hashes the row itself (its sha256
    over the canonical text Python writes around the number, store/audit.py _linked_in_sql).
    verify() recomputes every hash in Python: both must agree on whatever a payload or an actor
    holds, with ORM-chained rows between them in one transaction, past a savepoint rolled back
    (whose rows, and head, go with it) and past one released after the head was kept in
    memory at the outer level (the row linked in SQL inside it moved the head past that)."""
    from datetime import UTC, datetime

    from regflow.store.audit import append, verify
    from regflow.store.db import transaction
    from regflow.store.models import Event

    when = datetime(2026, 7, 3, 12, 0, 0, 123456, tzinfo=UTC)
    payloads = [
        {},
        {"reason": "өтініш берушінің құжаттары күтілуде", "сомасы": 12.5},
        {"quote": 'he said "no"', "slash": "a\\b", "lines": "бір\nекі\tүш\r"},
        {"control": "\x01\x1f", "separators": "\u2028\u2029", "emoji": "🙂", "nul": "\x00"},
        {2: "two", "10": "ten", "n": [1, None, True, 2.5e-7], "nested": {"b": {"a": []}}},
    ]

    def note(connection: Connection, payload: dict[str, Any], actor: str | None = "айгүл") -> None:
        append(connection, at=when, kind="note", actor=actor, application_id=None,
               step_record_id=None, payload=payload)

    with transaction(pg_url) as tx:
        for payload in payloads:
            note(tx.connection, payload)
        tx.session.add(Event(at=when, kind="orm", actor="bolat", payload={"n": 1}))
        tx.session.flush()  # chained in Python: it reads the head the INSERTs moved
        note(tx.connection, {"after": "an ORM row"}, actor=None)
        savepoint = tx.connection.begin_nested()
        note(tx.connection, {"rolled": "back"})
        savepoint.rollback()
        note(tx.connection, {"after": "the savepoint"}, actor='тексеруші "бас"')
        tx.session.add(Event(at=when, kind="orm", actor="bolat", payload={"n": 2}))
        tx.session.flush()  # the head in hand again, at the outer level
        released = tx.connection.begin_nested()
        note(tx.connection, {"in": "a savepoint kept"})  # linked in SQL: not in hand in it
        released.commit()
        note(tx.connection, {"after": "the released savepoint"})
    with engine_for(pg_url).connect() as connection:
        verdict = verify(connection)
        kinds = connection.execute(text("SELECT kind FROM events ORDER BY seq")).scalars().all()
    assert verdict.ok, verdict.problem
    assert kinds == ["note"] * len(payloads) + ["orm", "note", "note", "orm", "note", "note"]
    assert verdict.head_seq == verdict.events == len(payloads) + 6  # 1, 2, … with no gap


def test_an_event_log_without_its_head_row_refuses_to_chain_and_nothing_changes(
    db_url: str, tmp_path: Path
) -> None:
    """Migration 0004 writes the head row and nothing deletes it; without it neither path
    guesses where the chain stands (a new genesis would fork it): the completion is refused
    in one line and rolled back, on the plain path (PostgreSQL links in SQL) as on the ORM's."""
    from regflow.errors import StateError
    from regflow.store.models import StepRecord

    ctx = context(db_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    task = applications.start(ctx, "three_steps").open_steps[0]
    with engine_for(db_url).begin() as conn:
        conn.execute(text("DELETE FROM audit_head"))
        events_before = conn.execute(text("SELECT count(*) FROM events")).scalar_one()
    with pytest.raises(StateError, match="head row .audit_head. is missing"):
        applications.complete(ctx, task, "aigul")
    with pytest.raises(StateError, match="head row .audit_head. is missing"):
        deploy(ctx, [three_step_model(tmp_path / "m2.bpmn", extra_step=True)])  # ORM-chained
    with engine_for(db_url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == events_before
        status = conn.execute(
            select(StepRecord.status).where(StepRecord.id == task)
        ).scalar_one()
    assert status == "ready"


def test_a_postgresql_completion_takes_the_audit_head_in_the_events_insert(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five statements, none of them a read of the head: the locking read, the step closed, the
    next step, the application, and the event, which locks the head and links itself (so the
    completion's pipeline never waits for the head, store/prepared.py)."""
    from regflow.store.audit import verify

    ctx = context(pg_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    task = applications.start(ctx, "three_steps").open_steps[0]
    sent = postgresql_statements(monkeypatch)
    applications.complete(ctx, task, "aigul")
    monkeypatch.undo()
    assert [" ".join(s.split()[:3]) for s in sent] == [
        "BEGIN",  # sent by regflow, to travel with the locking read (store/prepared.py)
        "SELECT steps.id, steps.application_id,", "UPDATE steps SET", "INSERT INTO steps",
        "UPDATE applications SET", "INSERT INTO events",
    ], sent
    (event,) = [s for s in sent if "audit_head" in s]
    assert event.startswith("INSERT INTO events") and event.endswith("FOR UPDATE"), event
    with engine_for(pg_url).connect() as connection:
        assert verify(connection).ok
