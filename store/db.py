"""Connections and units of work.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL`` so a completed task
survives a power cut, and every transaction starts with ``BEGIN IMMEDIATE``: two clerks acting on
the same application are serialised at the start, and the second sees the first one's result
instead of failing late on a stale snapshot. PostgreSQL (``REGFLOW_DATABASE_URL``) uses row locks
(``SELECT ... FOR UPDATE``) taken by the services.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from regflow.errors import ConfigError, ConflictError, RegflowError

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
            engine = create_engine(url, json_serializer=_json, pool_pre_ping=True)
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


@lru_cache(maxsize=8)
def _sessions(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


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
    except OperationalError as exc:
        if "locked" in str(exc).lower() or "could not serialize" in str(exc).lower():
            raise ConflictError("the database is busy with another change; try again") from None
        raise ConfigError(f"database error: {str(exc.orig).splitlines()[0]}") from None


@contextmanager
def unit_of_work(url: str) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
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
    def of(cls, session: Session) -> Tx:
        """The transaction a caller's session is in (timers, retries work through the ORM)."""
        return cls(session.connection(), session)

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(bind=self.connection, expire_on_commit=False)
        return self._session

    @property
    def open_session(self) -> Session | None:
        """The ORM session if one was made (whose tracked rows the event log reads)."""
        return self._session


@contextmanager
def transaction(url: str, *, read_only: bool = False) -> Iterator[Tx]:
    """A :class:`Tx`: committed when the block ends, rolled back on any error. ``read_only``:
    for views that change nothing (task lists), which on SQLite then take no write lock."""
    connection = engine_for(url).connect()
    if read_only and connection.dialect.name == "sqlite":
        connection.info[_READ_ONLY] = True  # the begin listener takes it (store/db.py)
    tx = Tx(connection)
    try:
        with _translated(), connection.begin():
            yield tx
            if tx.open_session is not None:
                tx.open_session.flush()  # the ORM's changes, in this same transaction
    finally:
        if tx.open_session is not None:
            tx.open_session.close()
        connection.close()
