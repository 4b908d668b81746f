"""SQL statements compiled once per database and run on the driver's own cursor.

Why: on the completion hot path (store/records.py, the event log) every statement is a
single-row read or write that SQLite or PostgreSQL answers in a few microseconds, while
SQLAlchemy's execution machinery around it (cache key, execution context, result object,
events) costs ten times that (bench/run.py measures both in the same run). So these statements
are still written and compiled with SQLAlchemy, for each dialect its own SQL (placeholders,
``FOR UPDATE OF``, PostgreSQL's bind casts), and their values are still converted by the column
types' own processors (``TypeEngine.bind_processor`` / ``result_processor``, the public hooks
custom types implement, so :class:`~regflow.store.models.UtcDateTime` and JSON behave exactly
as through the ORM); only the execution is the driver's own (``cursor.execute``, or in a
PostgreSQL writing transaction libpq's pipeline), inside the transaction of the SQLAlchemy
connection given. A driver error is raised as SQLAlchemy's own
(``DBAPIError.instance``), so store/db.py translates it like any other.

Not for everything: statements that take a variable number of values (``IN`` lists) or run
rarely stay ordinary SQLAlchemy.

On PostgreSQL a write transaction runs these statements in libpq's pipeline mode
(:func:`pipelined`, store/libpq.py): a statement whose rows nobody has asked for yet is sent
without waiting for its answer, so the writes of a completion travel together instead of one
round trip each. What such a statement's answer must say (one row changed, for an optimistic
lock) is checked when the answers arrive, before the commit is sent (:meth:`Result.on_rowcount`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable

if TYPE_CHECKING:
    from regflow.store.libpq import Pipeline

Processor = Callable[[Any], Any] | None
_NAMES = itertools.count(1)  # prepared statements' names on PostgreSQL connections


_GIVEN = object()  # a placeholder whose value the caller gives (not fixed in the statement)


class _Compiled:
    """One statement as one dialect runs it, with its conversions planned once."""

    __slots__ = ("sql", "positional", "names", "_plan", "_results", "name", "pq_sql", "_pq_plan")

    def __init__(
        self,
        sql: str,
        names: tuple[str, ...],
        positional: bool,
        constants: dict[str, Any],
        binds: dict[str, Processor],
        results: tuple[Processor, ...],
    ) -> None:
        self.sql = sql
        self.positional = positional  # True: values in ``names`` order; False: by name
        self.names = names
        self._plan = tuple((n, constants.get(n, _GIVEN), binds[n]) for n in names)
        # only the result columns whose type converts what the driver returns
        self._results = tuple((i, p) for i, p in enumerate(results) if p is not None)
        # for libpq's pipeline (PostgreSQL, store/libpq.py): the name the statement is prepared
        # under, ``$n`` placeholders, and the plan in their order
        self.name = b""
        self.pq_sql = b""
        self._pq_plan = self._plan
        if not positional:  # psycopg's pyformat (SQLite's is positional)
            from regflow.store.libpq import numbered

            pq_sql, order = numbered(sql)
            self.name = b"regflow_%d" % next(_NAMES)
            self.pq_sql = pq_sql.encode()
            by_name = {entry[0]: entry for entry in self._plan}
            self._pq_plan = tuple(by_name[n] for n in order)

    def parameters(self, values: dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
        out = _converted(self._plan, values)
        return tuple(out) if self.positional else dict(zip(self.names, out, strict=True))

    def pq_parameters(self, values: dict[str, Any]) -> list[Any]:
        """The values in ``$n`` order (libpq's pipeline), after the types' bind processors."""
        return _converted(self._pq_plan, values)

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        if not self._results:
            return tuple(raw)
        values = list(raw)
        for index, process in self._results:
            if values[index] is not None:
                values[index] = process(values[index])
        return tuple(values)


def _converted(
    plan: tuple[tuple[str, Any, Processor], ...], values: dict[str, Any]
) -> list[Any]:
    """Each planned parameter's value (the caller's, or the statement's own constant) after
    its type's bind processor."""
    out = []
    for name, constant, process in plan:
        value = values[name] if constant is _GIVEN else constant
        out.append(value if process is None or value is None else process(value))
    return out


class Result:
    """What a statement gave back: its rows (already converted) and how many rows it changed.

    In a pipeline (:func:`pipelined`) the answer may still be on its way: it is read when
    ``rows`` or ``rowcount`` is first asked for (which waits for it), or when the pipeline ends.
    """

    __slots__ = ("_rows", "_rowcount", "_pending", "_callbacks")

    def __init__(
        self,
        rows: list[tuple[Any, ...]],
        rowcount: int,
        pending: tuple[Pipeline, _Compiled] | None = None,
    ) -> None:
        self._rows = rows
        self._rowcount = rowcount
        self._pending = pending  # (the pipeline, the statement) until answered
        self._callbacks: list[Callable[[int], None]] | None = None  # only while unanswered

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        self._resolve()
        return self._rows

    @property
    def rowcount(self) -> int:
        self._resolve()
        return self._rowcount

    def first(self) -> tuple[Any, ...] | None:
        rows = self.rows
        return rows[0] if rows else None

    def scalar(self) -> Any:
        rows = self.rows
        return rows[0][0] if rows else None

    def on_rowcount(self, check: Callable[[int], None]) -> None:
        """Call ``check`` with the number of rows changed: now if the answer is here, else when
        it arrives (at the latest when the pipeline ends, before the commit). Why not read
        ``rowcount`` at once: that would wait for the answer and undo the pipeline."""
        if self._pending is None:
            check(self._rowcount)
        elif self._callbacks is None:
            self._callbacks = [check]
        else:
            self._callbacks.append(check)

    def _resolve(self) -> None:
        if self._pending is not None:
            # sends what is queued and waits up to this answer (store/libpq.py)
            self._pending[0].read_through(self)

    def _answer(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        """The pipeline read this statement's answer (``rows`` as psycopg's loaders give
        them)."""
        assert self._pending is not None
        compiled = self._pending[1]
        self._pending = None
        self._rows = [compiled.row(r) for r in rows]
        self._rowcount = rowcount
        for check in self._callbacks or ():
            check(rowcount)


_PIPELINE = "regflow_pipeline"  # connection.info: the open pipeline (store/libpq.py)
_SESSION = "regflow_session"  # connection.info: what its pipelines share (store/libpq.py)
_OWN_BEGIN = "regflow_own_begin"  # connection.info: we sent BEGIN, psycopg is in autocommit
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE, without importing psycopg for SQLite


def _as_sqlalchemy_error(connection: Connection, sql: str, params: Any, exc: Exception) -> Any:
    """A driver error as SQLAlchemy's own (store/db.py translates those into regflow's)."""
    return DBAPIError.instance(
        sql, params, exc, connection.dialect.loaded_dbapi.Error, dialect=connection.dialect
    )


@contextmanager
def pipelined(connection: Connection, *, begin: bool = False) -> Iterator[None]:
    """Run this transaction's prepared statements in libpq's pipeline mode (PostgreSQL; on
    SQLite, which answers in-process, nothing changes). The block ends, or any statement that
    does not go through :class:`Prepared` (the ORM, Core) is about to run, and the pipeline is
    ended first: every answer read, every :meth:`Result.on_rowcount` check made. Why only
    prepared statements: SQLAlchemy reads a cursor's answer as soon as it executes, and in
    pipeline mode that answer is not there yet. ``begin``: the caller is opening the
    transaction and calls :func:`after_transaction` once it has ended (store/db.py), so the
    BEGIN may be regflow's own (:func:`_own_begin`), and then so is the COMMIT, sent when the
    block ends without an error (psycopg's commit() afterwards finds nothing to commit)."""
    driver: Any = connection.connection.dbapi_connection
    if (
        connection.dialect.name != "postgresql"
        or _PIPELINE in connection.info
        or not hasattr(driver, "pgconn")  # psycopg 3 has it; another driver runs as it is
    ):
        yield
        return
    own_begin = begin and _own_begin(connection, driver)
    if not own_begin and not driver.autocommit and driver.pgconn.transaction_status == _IDLE:
        # psycopg opens the transaction itself with its first statement, with its own BEGIN
        # (an isolation level, read only): the statements go through psycopg, one at a time
        yield
        return
    from regflow.store import libpq

    def wrap(sql: str, exc: Exception) -> Exception:
        return _as_sqlalchemy_error(connection, sql, None, exc)  # type: ignore[no-any-return]

    session = connection.info.get(_SESSION)
    if session is None:
        session = connection.info[_SESSION] = libpq.Session()
    pipeline = libpq.Pipeline(driver, session, wrap)
    connection.info[_PIPELINE] = pipeline  # from here on, any failure leaves it
    try:
        if own_begin:
            pipeline.command("BEGIN")  # its answer is read with the first statement's
        yield
    except BaseException:
        _leave(connection, failed=True)
        raise
    _leave(connection, failed=False)
    if own_begin:
        pipeline.commit()  # regflow's BEGIN, regflow's COMMIT: psycopg's commit() is left none


def _own_begin(connection: Connection, driver: Any) -> bool:
    """Whether to send the transaction's BEGIN ourselves, queued in the pipeline, so that it
    travels with the first statement (then psycopg is put in autocommit mode here, before the
    pipeline, so that it begins nothing of its own if the ORM runs a statement later).

    Why: psycopg begins a transaction itself before the first statement it runs, and the
    statements in store/libpq.py's pipeline do not go through it; in psycopg's own pipeline that
    BEGIN was a round trip of its own, one of four in a completion (psycopg pull request 401;
    a completion without it ran 1.035× as fast, README). In autocommit mode psycopg begins
    nothing itself, and its commit() and rollback() still go by the server's transaction
    status, which our BEGIN has opened: the transaction is the same, one round trip shorter.
    :func:`after_transaction` puts the connection back in psycopg's ordinary mode once it has
    ended."""
    if (
        driver.autocommit
        or driver.pgconn.transaction_status != _IDLE
        or driver.isolation_level is not None  # psycopg's own BEGIN would say more than ours
        or driver.read_only is not None
        or driver.deferrable is not None
    ):
        return False
    connection.info[_OWN_BEGIN] = True  # first: after_transaction undoes what follows
    driver.autocommit = True
    return True


def after_transaction(connection: Connection) -> None:
    """After the commit or the rollback: a connection whose BEGIN we sent back in psycopg's
    ordinary mode, so that whatever uses it next (the ORM, a migration) gets psycopg's own
    transactions. One that cannot be put back (its transaction did not end: the connection
    broke) is invalidated rather than handed on in autocommit mode. One SQLAlchemy has
    invalidated already (the connection was lost) is left alone: its driver connection is gone
    with its flags, and asking for them would connect again."""
    if connection.invalidated or connection.closed:
        return
    if not connection.info.pop(_OWN_BEGIN, False):
        return
    try:
        connection.connection.dbapi_connection.autocommit = False  # type: ignore[union-attr]
    except Exception:
        with suppress(Exception):  # invalidated already, or closed: not handed on either way
            connection.invalidate()


def end_pipeline(connection: Connection) -> None:
    """End the connection's pipeline now, if it has one (the answers read, the checks made):
    before a statement that is not prepared, and before the commit."""
    _leave(connection, failed=False)


def _leave(connection: Connection, *, failed: bool) -> None:
    pipeline: Pipeline | None = connection.info.pop(_PIPELINE, None)
    if pipeline is None:  # ended already (a statement that is not prepared came first)
        return
    if failed:
        pipeline.abandon()  # the block's own error is the one to report
    else:
        pipeline.end()  # sends the sync, reads every answer, makes the checks


class Prepared:
    """One statement, compiled on first use for each dialect it meets."""

    def __init__(self, statement: Executable, *, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        key = (dialect.name, dialect.paramstyle)
        found = self._by_dialect.get(key)
        if found is not None:
            return found
        compiled: Any = self.statement.compile(  # type: ignore[attr-defined]
            dialect=dialect, column_keys=self.column_keys
        )
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        positional = bool(compiled.positional)
        names = tuple(compiled.positiontup) if positional else tuple(by_name)
        constants = {n: by_name[n].value for n in names if not by_name[n].required}
        # each type as the dialect implements it (sqlite's DATETIME is text, for instance)
        binds = {n: by_name[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names}
        columns = getattr(self.statement, "exported_columns", ())  # a SELECT's, or RETURNING's
        results = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        )
        found = _Compiled(compiled.string, names, positional, constants, binds, results)
        self._by_dialect[key] = found
        return found

    def run(self, connection: Connection, values: dict[str, Any] | None = None) -> Result:
        """Execute in ``connection``'s transaction; rows are read only if the statement has any
        (a SELECT, or RETURNING). In a pipeline the answer is read when first asked for."""
        compiled = self._compile(connection.dialect)
        pipeline = connection.info.get(_PIPELINE)
        if pipeline is not None:
            result = Result([], -1, (pipeline, compiled))
            pipeline.send(compiled, compiled.pq_parameters(values or {}), result)
            return result
        params = compiled.parameters(values or {})
        dbapi_connection: Any = connection.connection.dbapi_connection
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(compiled.sql, params)
            rows = [compiled.row(r) for r in cursor.fetchall()] if cursor.description else []
            return Result(rows, cursor.rowcount)
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _as_sqlalchemy_error(connection, compiled.sql, params, exc) from exc
        finally:
            cursor.close()
