"""The hot path's rows (store/records.py on store/prepared.py): what they write is what the ORM
reads and the other way round, a stale write changes nothing, and the locks hold (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from regflow.errors import ConflictError, RegflowError, UsageError
from regflow.services import applications
from regflow.services.processes import deploy
from regflow.store import records
from regflow.store.db import dispose, transaction, unit_of_work
from regflow.store.models import Application, Event, StepRecord
from regflow.store.prepared import Prepared
from tests.conftest import at, context
from tests.support import three_step_model

ALMATY = timezone(timedelta(hours=5))


@pytest.fixture
def app_id(db_url: str, tmp_path: Path) -> int:
    ctx = context(db_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    return applications.start(ctx, "three_steps").application_id


def test_a_step_written_as_a_plain_statement_reads_the_same_through_the_orm(
    db_url: str, app_id: int
) -> None:
    ready = datetime(2026, 7, 3, 18, 15, 0, 250000, tzinfo=ALMATY)  # 13:15:00.25 UTC
    with transaction(db_url) as tx:
        app = tx.session.get(Application, app_id)
        assert app is not None
        values = records.new_step(
            app, task_uuid="t-1", step_id="Task_x", name="Құжаттарды қабылдау", kind="user",
            role="clerk", status="ready", ready_at=ready, norm="30 minutes",
            due_at=ready + timedelta(minutes=30),
        )
        values["outcome"] = {"шешім": "бас тарту", "n": 2, "ok": None}
        row = records.insert_step(tx.connection, values)
    with unit_of_work(db_url) as session:
        stored = session.get(StepRecord, row.id)
        assert stored is not None
        assert stored.ready_at == ready and stored.ready_at.tzinfo is not None
        assert stored.ready_at.utcoffset() == timedelta(0)  # stored and read back in UTC
        assert stored.due_at == datetime(2026, 7, 3, 13, 45, 0, 250000, tzinfo=UTC)
        assert (stored.name, stored.outcome) == (
            "Құжаттарды қабылдау", {"шешім": "бас тарту", "n": 2, "ok": None}
        )
        assert (stored.claimed_at, stored.working_minutes, stored.lock_version) == (None, None, 1)


def test_a_step_written_through_the_orm_reads_the_same_as_a_plain_row(
    db_url: str, app_id: int
) -> None:
    with unit_of_work(db_url) as session:
        (orm,) = session.scalars(select(StepRecord).where(StepRecord.application_id == app_id))
        expected = {c.key: getattr(orm, c.key) for c in StepRecord.__table__.columns}
    with transaction(db_url) as tx:
        row, is_open = records.lock_step(tx.connection, expected["id"])
    assert row is not None and is_open  # no users registered: open mode
    assert {k: getattr(row, k) for k in expected} == expected


def test_a_write_on_a_stale_row_is_refused_and_changes_nothing(
    db_url: str, app_id: int
) -> None:
    with transaction(db_url) as tx:
        (first,) = records.open_steps(tx.connection, app_id)
    now = at("2026-07-01 10:20")
    with transaction(db_url) as tx:  # someone claims it: the version moves on
        records.claim_step(tx.connection, first, user="aigul", at=now)
    with pytest.raises(ConflictError, match="someone else changed this task"):
        with transaction(db_url) as tx:  # a completion that read the row before the claim
            records.complete_step(
                tx.connection, first, user="bolat", at=now, claimed_by="bolat",
                claimed_at=now, working_minutes=20, outcome=None,
            )
    with transaction(db_url) as tx:
        row, _ = records.lock_step(tx.connection, first.id)
    assert row is not None
    assert (row.status, row.claimed_by, row.completed_by, row.lock_version) == (
        "claimed", "aigul", None, first.lock_version + 1
    )


def test_a_driver_error_is_sqlalchemys_own_and_rolls_the_transaction_back(
    db_url: str, app_id: int
) -> None:
    # Two events with the same chain position: the driver refuses the second; the caller sees
    # SQLAlchemy's IntegrityError (what store/db.py translates), and the first is not kept.
    duplicate = Prepared(
        insert(Event), column_keys=["at", "kind", "actor", "payload", "seq", "prev_hash", "hash"]
    )
    row = {"at": at("2026-07-01 10:00"), "kind": "x", "actor": None, "payload": {},
           "seq": 10_000, "prev_hash": "0" * 64, "hash": "1" * 64}
    with pytest.raises(IntegrityError):
        with transaction(db_url) as tx:
            duplicate.run(tx.connection, row)
            duplicate.run(tx.connection, row)
    with unit_of_work(db_url) as session:
        assert session.scalars(select(Event).where(Event.seq == 10_000)).first() is None


def test_a_completions_locks_hold_the_step_and_its_application(pg_url: str, tmp_path: Path) -> None:
    import psycopg

    ctx = context(pg_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    started = applications.start(ctx, "three_steps")
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with transaction(pg_url) as tx:
        locks = records.lock_for_completion(tx.connection, started.open_steps[0])
        assert locks is not None and locks.application.id == started.application_id
        with psycopg.connect(dsn) as other:
            for table, key in (("steps", started.open_steps[0]),
                               ("applications", started.application_id)):
                with pytest.raises(psycopg.errors.LockNotAvailable):
                    other.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE NOWAIT",
                                  (key,))
                other.rollback()
    dispose(pg_url)


def test_a_stale_write_undoes_the_writes_sent_before_it_in_the_same_transaction(
    db_url: str, app_id: int
) -> None:
    """On PostgreSQL the writes travel as one pipeline and a guarded write's row count is only
    known when the answers arrive: the check still comes before the commit, so the claim sent
    first is rolled back with the refused completion (store/prepared.py)."""
    with transaction(db_url) as tx:
        (first,) = records.open_steps(tx.connection, app_id)
    now = at("2026-07-01 10:20")
    with transaction(db_url) as tx:
        records.claim_step(tx.connection, first, user="aigul", at=now)  # version 1 → 2
    with transaction(db_url) as tx:
        (claimed,) = records.open_steps(tx.connection, app_id)
    with pytest.raises(ConflictError, match="someone else changed this task"):
        with transaction(db_url) as tx:
            records.set_step_status(tx.connection, claimed, "ready")  # right version: sent
            records.complete_step(  # the version read before the claim: refused
                tx.connection, first, user="bolat", at=now, claimed_by="bolat",
                claimed_at=now, working_minutes=20, outcome=None,
            )
    with transaction(db_url) as tx:
        (row,) = records.open_steps(tx.connection, app_id)
    assert (row.status, row.claimed_by, row.lock_version) == ("claimed", "aigul", 2)


def test_an_orm_read_in_the_same_transaction_sees_the_plain_writes_before_it(
    db_url: str, app_id: int
) -> None:
    """A statement that is not prepared (the ORM here) ends the pipeline first, so it reads
    what the transaction wrote so far, and later plain statements still run."""
    now = at("2026-07-01 10:20")
    with transaction(db_url) as tx:
        (first,) = records.open_steps(tx.connection, app_id)
        claimed = records.claim_step(tx.connection, first, user="aigul", at=now)
        seen = tx.session.get(StepRecord, first.id)
        assert seen is not None and (seen.status, seen.claimed_by) == ("claimed", "aigul")
        records.set_step_status(tx.connection, claimed, "ready")
    with transaction(db_url) as tx:
        (row,) = records.open_steps(tx.connection, app_id)
    assert (row.status, row.lock_version) == ("ready", 3)  # both writes, each moved the version


def _server_round_trips(driver, work) -> tuple[int, list[list[str]]]:  # type: ignore[no-untyped-def]
    """How many times ``work`` made the client wait for PostgreSQL, read off libpq's own trace
    of the protocol: each turn from messages sent (F) to messages received (B) is one wait."""
    import tempfile

    from psycopg import pq

    with tempfile.TemporaryFile("w+") as trace:
        driver.pgconn.trace(trace.fileno())
        driver.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            work()
        finally:
            driver.pgconn.untrace()
        trace.seek(0)
        lines = trace.read().splitlines()
    messages = [line.split("\t") for line in lines if line[:2] in ("F\t", "B\t")]
    kinds = [m[0] for m in messages]
    turns = sum(1 for a, b in zip(kinds, kinds[1:], strict=False) if (a, b) == ("F", "B"))
    return turns, messages


def test_a_postgresql_completion_waits_for_the_server_three_times(
    pg_url: str, tmp_path: Path
) -> None:
    """The locking read (with the transaction's BEGIN, which regflow sends in the same flight:
    psycopg's own would be answered alone first), the writes, the commit (store/prepared.py)."""
    ctx = context(pg_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    task = applications.start(ctx, "three_steps").open_steps[0]
    with transaction(pg_url) as tx:  # the connection the completion will reuse
        driver = tx.connection.connection.dbapi_connection
    turns, messages = _server_round_trips(
        driver, lambda: applications.complete(ctx, task, "aigul")
    )
    assert turns == 3, messages
    first_flight = messages[: next(i for i, m in enumerate(messages) if m[0] == "B")]
    assert [m[2] for m in first_flight].count("Execute") == 2, first_flight  # BEGIN, the read
    assert driver.autocommit is False  # psycopg's own mode again, for whoever comes next
    with unit_of_work(pg_url) as session:
        done = session.get(StepRecord, task)
        assert done is not None and (done.status, done.completed_by) == ("completed", "aigul")


def test_a_failed_transaction_whose_begin_regflow_sent_leaves_nothing_and_no_autocommit(
    pg_url: str, tmp_path: Path
) -> None:
    """The BEGIN regflow sends itself puts psycopg in autocommit mode for the transaction: a
    failure after a write still rolls the write back, and the connection is then in psycopg's
    ordinary mode again, so whoever takes it next gets psycopg's own transactions."""
    ctx = context(pg_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    app_id = applications.start(ctx, "three_steps").application_id
    with transaction(pg_url) as tx:
        (first,) = records.open_steps(tx.connection, app_id)
    with pytest.raises(ConflictError):
        with transaction(pg_url) as tx:
            driver = tx.connection.connection.dbapi_connection
            assert driver.autocommit is True  # regflow's own BEGIN, not psycopg's
            records.claim_step(tx.connection, first, user="aigul", at=at("2026-07-01 10:20"))
            raise ConflictError("a failure after the write")
    assert driver.autocommit is False
    with transaction(pg_url) as tx:
        (row,) = records.open_steps(tx.connection, app_id)
    assert (row.status, row.claimed_by, row.lock_version) == ("ready", None, first.lock_version)


def test_a_connection_lost_in_a_transaction_regflow_began_is_not_handed_on(
    pg_url: str, tmp_path: Path
) -> None:
    """The server ends the session between two statements of a transaction whose BEGIN regflow
    sent (psycopg in autocommit mode): the error is one line, and the next transaction runs on
    a fresh connection in psycopg's ordinary mode, the lost one in autocommit mode reaching no
    one."""
    import psycopg

    ctx = context(pg_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    app_id = applications.start(ctx, "three_steps").application_id
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://").split("?")[0]
    with pytest.raises(RegflowError) as caught:
        with transaction(pg_url) as tx:
            lost = tx.connection.connection.dbapi_connection
            records.open_steps(tx.connection, app_id)
            with psycopg.connect(dsn, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (lost.info.backend_pid,))
            records.open_steps(tx.connection, app_id)
    assert "\n" not in str(caught.value), caught.value
    with transaction(pg_url) as tx:
        (row,) = records.open_steps(tx.connection, app_id)
        again = tx.connection.connection.dbapi_connection
    assert again is not lost and again.autocommit is False and row.status == "ready"


def test_a_connection_whose_transaction_did_not_end_is_invalidated_not_handed_on(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If psycopg cannot be put back in its ordinary mode after a transaction regflow began (the
    server transaction is still open: here a commit that did nothing), the connection is
    invalidated: the next transaction gets a fresh one, and the uncommitted claim is lost with
    the old one rather than committed by whoever used it next in autocommit mode."""
    import psycopg

    from regflow.store import libpq

    ctx = context(pg_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    app_id = applications.start(ctx, "three_steps").application_id
    with transaction(pg_url) as tx:
        (first,) = records.open_steps(tx.connection, app_id)
    # regflow's own COMMIT (store/libpq.py) and psycopg's after it
    monkeypatch.setattr(libpq.Pipeline, "commit", lambda self: None)
    monkeypatch.setattr(psycopg.Connection, "commit", lambda self: None)
    with transaction(pg_url) as tx:
        stuck = tx.connection.connection.dbapi_connection
        records.claim_step(tx.connection, first, user="aigul", at=at("2026-07-01 10:20"))
    monkeypatch.undo()
    assert stuck.closed  # invalidated: closed, not kept, not back in the pool
    with transaction(pg_url) as tx:
        (row,) = records.open_steps(tx.connection, app_id)
        assert tx.connection.connection.dbapi_connection is not stuck
    assert (row.status, row.claimed_by) == ("ready", None)


def test_a_filings_one_read_says_what_the_separate_reads_say(
    db_url: str, app_id: int, tmp_path: Path
) -> None:
    """records.filing_state reads open mode and the versions stamp in one statement (and on
    PostgreSQL takes the next application id): the same answers as the reads it replaces,
    before and after the first user is registered."""
    from regflow.services import users

    with transaction(db_url) as tx:
        state = records.filing_state(tx.connection)
        assert state.open_mode == records.is_open_mode(tx.connection) is True  # no users yet
        assert state.versions == records.versions_stamp(tx.connection) == (1, 1)  # one deployed
    if db_url.startswith("sqlite"):
        assert state.application_id is None  # SQLite gives the id with the INSERT, in process
    else:
        assert state.application_id is not None and state.application_id > app_id
    ctx = context(db_url, at("2026-07-01 10:00"))
    users.add_user(ctx, "aigul", ["clerk"], "akimat-1")
    deploy(ctx, [three_step_model(tmp_path / "m2.bpmn", sign_norm="2 working days")])  # v2
    with transaction(db_url) as tx:
        state = records.filing_state(tx.connection)
        assert state.open_mode == records.is_open_mode(tx.connection) is False
        assert state.versions == records.versions_stamp(tx.connection) == (2, 2)


def test_a_postgresql_filing_waits_for_the_server_three_times(
    pg_url: str, tmp_path: Path
) -> None:
    """The one read a filing needs (with the BEGIN), the writes, the commit: the application's
    id comes with the read, from its sequence, so its INSERT is not waited for. Once users
    exist, the filer is read too: four waits. A filing that is refused uses up an id and
    leaves nothing else."""
    from regflow.services import users

    ctx = context(pg_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    first = applications.start(ctx, "three_steps").application_id
    with transaction(pg_url) as tx:
        driver = tx.connection.connection.dbapi_connection
    filed: list[Any] = []
    turns, messages = _server_round_trips(
        driver, lambda: filed.append(applications.start(ctx, "three_steps"))
    )
    assert turns == 3, messages
    (second,) = filed
    assert second.application_id == first + 1 and len(second.open_steps) == 1
    with unit_of_work(pg_url) as session:
        rows_before = [session.scalar(select(func.count()).select_from(m))
                       for m in (Event, StepRecord)]
    with pytest.raises(UsageError, match="no route"):
        applications.start(ctx, "three_steps", route="akim")
    with unit_of_work(pg_url) as session:
        assert [session.scalar(select(func.count()).select_from(m))
                for m in (Event, StepRecord)] == rows_before  # no event, no step
    third = applications.start(ctx, "three_steps").application_id
    assert third == first + 3  # the refused filing's id is a gap
    with unit_of_work(pg_url) as session:
        ids = session.scalars(select(Application.id).order_by(Application.id)).all()
    assert ids == [first, first + 1, first + 3]
    users.add_user(ctx, "aigul", ["clerk"], "akimat-1")
    turns, messages = _server_round_trips(
        driver, lambda: applications.start(ctx, "three_steps", actor="aigul")
    )
    assert turns == 4, messages  # the filer's own row is the one more read
