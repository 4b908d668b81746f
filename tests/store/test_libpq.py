"""A writing transaction's statements on PostgreSQL go through libpq's pipeline directly
(store/libpq.py): the values must reach the server and come back exactly as through a psycopg
cursor, a failure must leave nothing and a usable connection, and a session that lost its
prepared statements must recover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from regflow.errors import ConflictError
from regflow.services import applications
from regflow.services.processes import deploy
from regflow.store.db import engine_for, transaction
from regflow.store.libpq import numbered
from regflow.store.models import UtcDateTime
from regflow.store.prepared import Prepared
from tests.conftest import at, context
from tests.support import three_step_model

_meta = MetaData()
_kinds = Table(
    "libpq_kinds", _meta,
    Column("id", Integer, primary_key=True),
    Column("big", BigInteger),
    Column("name", String(200)),
    Column("at", UtcDateTime),
    Column("blob", LargeBinary),
    Column("doc", JSON),
    Column("flag", Boolean),
)
_INSERT = Prepared(insert(_kinds))
_READ = Prepared(select(_kinds).order_by(_kinds.c.id))


def test_placeholders_are_numbered_in_the_order_of_first_use() -> None:
    sql, order = numbered("SELECT %(b)s, %(a)s::INTEGER, %(b)s WHERE x LIKE 'a%%'")
    assert (sql, order) == ("SELECT $1, $2::INTEGER, $1 WHERE x LIKE 'a%'", ("b", "a"))


@pytest.fixture
def kinds_url(pg_url: str) -> str:
    _meta.create_all(engine_for(pg_url))
    return pg_url


def _row(id_: int, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": id_, "big": None, "name": None, "at": None, "blob": None, "doc": None, "flag": None
    }
    row.update(values)
    return row


def test_values_of_every_kind_come_back_as_they_went_in_and_as_a_cursor_reads_them(
    kinds_url: str,
) -> None:
    almaty = timezone(timedelta(hours=5))
    rows = [
        _row(1, big=2**62, name="Мүгедектерге арналған кресло-арба ✓ 'quote' \\ back",
             at=datetime(2026, 3, 21, 9, 30, tzinfo=almaty), blob=bytes(range(256)) * 3,
             doc={"шешім": "бас тарту", "n": [1, 2.5, None, True]}, flag=True),
        _row(2, big=-1, name="", blob=b"", doc=[], flag=False),
        _row(3),  # every column NULL
    ]
    with transaction(kinds_url) as tx:
        for row in rows:
            _INSERT.run(tx.connection, row)
        in_pipeline = _READ.run(tx.connection).rows  # psycopg's loaders, through libpq
    with engine_for(kinds_url).connect() as conn:  # a psycopg cursor, through SQLAlchemy
        by_cursor = [tuple(r) for r in conn.execute(select(_kinds).order_by(_kinds.c.id))]
    assert in_pipeline == by_cursor
    assert [dict(zip(_kinds.c.keys(), r, strict=True)) for r in in_pipeline] == [
        {**row, "at": row["at"].astimezone(UTC) if row["at"] else None} for row in rows
    ]


def test_a_statement_larger_than_the_socket_takes_at_once_is_sent_whole(kinds_url: str) -> None:
    """Eight megabytes in one parameter: libpq's flush sends it in parts, waiting for the
    socket in between (store/libpq.py ``_flush``)."""
    blob = bytes(range(256)) * (8 * 4096)  # 8 MiB
    with transaction(kinds_url) as tx:
        _INSERT.run(tx.connection, _row(1, blob=blob, doc={"size": len(blob)}))
        _INSERT.run(tx.connection, _row(2, name="after"))
    with engine_for(kinds_url).connect() as conn:
        got = conn.execute(select(_kinds.c.blob, _kinds.c.name).order_by(_kinds.c.id)).all()
    assert [tuple(r) for r in got] == [(blob, None), (None, "after")]


def test_a_failed_statement_in_the_pipeline_leaves_nothing_and_the_connection_usable(
    kinds_url: str,
) -> None:
    """The second INSERT breaks the primary key: the server skips the third, the transaction
    rolls back (the first INSERT is gone too), and the next transaction, on the same kept
    connection, runs normally (out of pipeline mode)."""
    from psycopg import pq

    with pytest.raises(IntegrityError, match="libpq_kinds_pkey"):
        with transaction(kinds_url) as tx:
            _INSERT.run(tx.connection, _row(1, name="first"))
            _INSERT.run(tx.connection, _row(1, name="same id"))
            _INSERT.run(tx.connection, _row(2, name="skipped"))
    with transaction(kinds_url) as tx:
        driver = tx.connection.connection.dbapi_connection
        assert _READ.run(tx.connection).rows == []
        _INSERT.run(tx.connection, _row(3, name="next"))
    assert driver.pgconn.pipeline_status == pq.PipelineStatus.OFF
    with engine_for(kinds_url).connect() as conn:
        names = conn.execute(select(_kinds.c.name)).scalars().all()
    assert names == ["next"]


def test_a_session_that_lost_its_prepared_statements_fails_once_then_prepares_them_again(
    pg_url: str, tmp_path: Path
) -> None:
    """Someone sends DEALLOCATE ALL on regflow's connection (a pooler resetting sessions, say):
    the next completion fails with a one-line error and changes nothing; the one after it
    prepares its statements again and goes through."""
    ctx = context(pg_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    first = applications.start(ctx, "three_steps").open_steps[0]
    second = applications.start(ctx, "three_steps").open_steps[0]
    with transaction(pg_url, read_only=True) as tx:  # the kept connection, which they use
        tx.connection.connection.dbapi_connection.pgconn.exec_(b"DEALLOCATE ALL")
    with pytest.raises(ConflictError, match="lost regflow.s prepared statements"):
        applications.complete(ctx, first, "aigul")
    with engine_for(pg_url).connect() as conn:
        status = conn.execute(text("SELECT status FROM steps WHERE id = :id"), {"id": first})
        assert status.scalar_one() == "ready"
    done = applications.complete(ctx, second, "aigul")
    assert len(done.open_steps) == 1  # the head's decision, next in the three steps
    with engine_for(pg_url).connect() as conn:
        status = conn.execute(text("SELECT status FROM steps WHERE id = :id"), {"id": second})
        assert status.scalar_one() == "completed"


def test_a_value_psycopg_cannot_adapt_is_refused_as_a_database_error_and_nothing_is_written(
    kinds_url: str,
) -> None:
    """A Python value with no psycopg dumper (an object) in the middle of the pipeline: the
    error is SQLAlchemy's, like any driver error (store/db.py turns those into one line), and
    the INSERT queued before it is rolled back with the transaction."""
    from sqlalchemy.exc import ProgrammingError

    with pytest.raises(ProgrammingError, match="cannot adapt type 'object'"):
        with transaction(kinds_url) as tx:
            _INSERT.run(tx.connection, _row(1, name="queued first"))
            _INSERT.run(tx.connection, _row(2, big=object()))
    with engine_for(kinds_url).connect() as conn:
        assert conn.execute(select(_kinds.c.id)).all() == []


def test_a_pipeline_asked_for_before_psycopg_began_the_transaction_leaves_it_to_psycopg(
    kinds_url: str,
) -> None:
    """pipelined() without ``begin`` on a connection whose transaction psycopg has not opened
    yet (nothing sent since SQLAlchemy's begin()): the statements go through psycopg, which
    opens it, so a rollback still undoes them (sent through libpq with no BEGIN, each would
    have been committed on its own)."""
    from regflow.store.prepared import pipelined

    with engine_for(kinds_url).connect() as conn:
        transaction_ = conn.begin()
        with pipelined(conn):
            _INSERT.run(conn, _row(1, name="undone"))
        assert conn.connection.dbapi_connection.pgconn.transaction_status != 0  # not IDLE
        transaction_.rollback()
        assert conn.execute(select(_kinds.c.id)).all() == []
