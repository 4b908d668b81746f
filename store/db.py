"""Connections and units of work.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL`` so a completed task
survives a power cut, and every transaction starts with ``BEGIN IMMEDIATE``: two clerks acting on
the same application are serialised at the start, and the second sees the first one's result
instead of failing late on a stale snapshot. PostgreSQL (``REGFLOW_DATABASE_URL``) uses row locks
(``SELECT ... FOR UPDATE``) taken by the services.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from regflow.errors import ConfigError, ConflictError, RegflowError
from regflow.store.prepared import after_transaction, end_pipeline, pipelined

_READ_ONLY = "regflow_read_only"  # connection.info flag for the next BEGIN (SQLite)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    try:
        if url.startswith("sqlite"):
            path = url.split(":///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                url, json_serializer=_json, connect_args={"timeout": 30}, pool_pre_ping=False
            )
            _sqlite_pragmas(engine)
        else:
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            # prepare_threshold=None: psycopg prepares nothing of its own, so it never sends the
            # DEALLOCATE ALL with which it forgets its statements after a rollback, and which
            # would drop the ones store/libpq.py prepares for the hot path
            engine = create_engine(
                url, json_serializer=_json, pool_pre_ping=True,
                connect_args={"prepare_threshold": None},
            )
            # any statement not prepared by store/prepared.py ends a pipeline first
            event.listen(engine, "before_cursor_execute", _leave_pipeline)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise ConfigError(f"cannot use database {url!r}: {exc}") from None
    return engine


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # on the driver's cursor: this runs before every transaction regflow makes. A reading
        # transaction (store.db.transaction(read_only=True)) takes no write lock: in WAL mode
        # it neither waits for writers nor makes them wait.
        read_only = conn.info.pop(_READ_ONLY, False)
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")
        finally:
            cursor.close()


def without_fsync(url: str) -> None:
    """``synchronous=OFF`` on this SQLite database's connections from now on (set after the
    store's own pragmas): for throw-away databases only (a simulation's scratch file, the
    benchmark's no-fsync comparison), since a power cut may then lose committed work. Other
    databases are left as they are."""
    if not url.startswith("sqlite"):
        return

    @event.listens_for(engine_for(url), "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


def _leave_pipeline(conn: Connection, *_args: Any) -> None:
    end_pipeline(conn)


@lru_cache(maxsize=8)
def _sessions(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


_LOST_PREPARED = "26000"  # invalid_sql_statement_name: "prepared statement ... does not exist"
# serialization_failure, deadlock_detected: by SQLSTATE, which a server whose messages are in
# Russian or Kazakh (lc_messages) sends as well
_TRY_AGAIN = frozenset({"40001", "40P01"})


@contextmanager
def _translated() -> Iterator[None]:
    """The database's refusals as regflow errors (one line each, no traceback)."""
    try:
        yield
    except RegflowError:
        raise
    except StaleDataError:
        raise ConflictError(
            "someone else changed this application first; nothing was saved"
        ) from None
    except ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) == _LOST_PREPARED:  # store/libpq.py
            raise ConflictError(
                "the database session lost regflow's prepared statements (DEALLOCATE ALL or "
                "DISCARD ALL from elsewhere); nothing was saved; try again"
            ) from None
        raise
    except OperationalError as exc:
        if "locked" in str(exc).lower() or getattr(exc.orig, "sqlstate", None) in _TRY_AGAIN:
            raise ConflictError("the database is busy with another change; try again") from None
        raise ConfigError(f"database error: {str(exc.orig).splitlines()[0]}") from None


_schema_ok: set[str] = set()


@lru_cache(maxsize=1)
def schema_revision() -> str:
    """The newest migration, which this code needs (for one: migration 0009's trigger moves the
    audit head, so on an older schema appended events would leave the head behind and `audit
    verify` would report the newest events deleted). Read off the migrations' file names,
    ``NNNN_what.py`` with revision ``NNNN``, rather than by parsing every script with Alembic
    on each start; tests/store/test_db.py checks that it is Alembic's head."""
    versions = Path(__file__).parent / "migrations" / "versions"
    return max(p.name[:4] for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))


def _ensure_schema(url: str) -> None:
    """Refuse, in one line, a database whose schema is not this code's (once per process and
    database): one not initialised, one to upgrade with `regflow init`, one made by a newer
    regflow."""
    if url in _schema_ok:
        return
    with _translated():
        try:
            with engine_for(url).connect() as connection:
                connection.info[_READ_ONLY] = True
                found = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
                revision = found.scalar()
        except (OperationalError, ProgrammingError) as exc:
            if "alembic_version" not in str(exc):
                raise
            revision = None
    needed = schema_revision()
    if revision == needed:
        _schema_ok.add(url)
        return
    if revision is None:
        raise ConfigError("the database has no regflow schema yet: run `regflow init`")
    if str(revision) > needed:
        raise ConfigError(
            f"the database's schema (migration {revision}) is newer than this regflow "
            f"({needed}): use the regflow that upgraded it"
        )
    raise ConfigError(
        f"the database's schema is at migration {revision}, this regflow needs "
        f"{needed}: run `regflow init` to upgrade it"
    )


@contextmanager
def unit_of_work(url: str) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    _ensure_schema(url)
    session = _sessions(url)()
    try:
        with _translated(), session.begin():
            yield session
    finally:
        session.close()


class Tx:
    """One open transaction for the hot path: a connection for plain statements
    (store/prepared.py) and, only when some code asks for it, an ORM session on the same
    connection and transaction (users, incidents, timers: the rarer cases).

    Why not always a session: creating, flushing and closing one costs about as much as all the
    statements of a completion (bench/run.py)."""

    def __init__(self, connection: Connection, session: Session | None = None) -> None:
        self.connection = connection
        self._session = session

    @classmethod
    def of(cls, where: Session | Tx) -> Tx:
        """The transaction a caller's session is in (timers, retries work through the ORM),
        or the caller's Tx itself: for functions that serve both kinds of caller."""
        return where if isinstance(where, Tx) else cls(where.connection(), where)

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(bind=self.connection, expire_on_commit=False)
        return self._session

    @property
    def open_session(self) -> Session | None:
        """The ORM session if one was made (whose tracked rows the event log reads)."""
        return self._session


# One connection kept between transactions, in the main thread: checking one out of the pool
# for every transaction costs more than a completion's statements on SQLite, and on PostgreSQL
# the pool's liveness ping is a round trip of its own. It is given up when the process turns to
# another database (so at most one stays open), when its engine's pool is disposed, when it was
# idle longer than _IDLE_SECONDS (then the pool and its ping check the server again, so a
# long-lived worker notices a restarted server), and at exit. Other threads use the pool as it
# is: nothing would close what they kept when they end.
_IDLE_SECONDS = 30.0


class _Slot:
    kept: _Kept | None = None


_held = _Slot()


@dataclass
class _Kept:
    url: str
    connection: Connection
    pool: Any
    since: float
    pid: int

    def usable_for(self, url: str) -> bool:
        connection = self.connection
        return (
            url == self.url
            and self.pid == os.getpid()
            and self.pool is engine_for(url).pool
            and not connection.invalidated
            and not connection.closed
            and time.monotonic() - self.since < _IDLE_SECONDS
        )

    def close(self) -> None:
        if self.pid != os.getpid():
            return  # a forked child: the parent's to close
        if self.pool is not engine_for(self.url).pool and not self.connection.closed:
            self.connection.detach()  # its pool was disposed: close it, return it nowhere
        self.connection.close()


def _take(url: str) -> Connection:
    if threading.current_thread() is not threading.main_thread():
        return engine_for(url).connect()
    kept, _held.kept = _held.kept, None
    if kept is not None:
        if kept.usable_for(url):
            return kept.connection
        kept.close()
    return engine_for(url).connect()


def _keep(url: str, connection: Connection) -> None:
    if threading.current_thread() is not threading.main_thread():
        connection.close()  # back to the pool
        return
    release()
    _held.kept = _Kept(url, connection, engine_for(url).pool, time.monotonic(), os.getpid())


@atexit.register
def release() -> None:
    """Close the kept connection, if there is one."""
    kept, _held.kept = _held.kept, None
    if kept is not None:
        kept.close()


def dispose(url: str) -> None:
    """Close every connection to ``url`` this process holds: the kept one and the pool's."""
    release()
    engine_for(url).dispose()


@contextmanager
def transaction(url: str, *, read_only: bool = False) -> Iterator[Tx]:
    """A :class:`Tx`: committed when the block ends, rolled back on any error. ``read_only``:
    for views that change nothing (task lists), which on SQLite then take no write lock. On
    PostgreSQL a writing transaction sends its prepared statements as a pipeline
    (store/prepared.py), with the BEGIN in the first flight: a completion waits for three
    answers (the locking read, the writes, the commit) instead of one per statement."""
    _ensure_schema(url)
    connection = _take(url)
    if read_only and connection.dialect.name == "sqlite":
        connection.info[_READ_ONLY] = True  # the begin listener takes it (store/db.py)
    tx = Tx(connection)
    kept = False
    try:
        with _translated(), connection.begin():
            with pipelined(connection, begin=True) if not read_only else nullcontext():
                yield tx
                if tx.open_session is not None:
                    tx.open_session.flush()  # the ORM's changes, in this same transaction
        kept = True
    finally:
        _hand_back(url, connection, tx, kept=kept)


def _hand_back(url: str, connection: Connection, tx: Tx, *, kept: bool) -> None:
    """The transaction's connection, done with: back in psycopg's own mode first
    (store/prepared.py), then kept for the next transaction or closed, whatever fails on the
    way, so that no connection reaches the pool in autocommit mode or stays open unclosed."""
    try:
        after_transaction(connection)
        if tx.open_session is not None:
            tx.open_session.close()
    finally:
        if kept:
            _keep(url, connection)
        else:
            connection.close()  # after a failure, a fresh one from the pool next time
