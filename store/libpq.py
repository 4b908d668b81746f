"""A writing transaction's prepared statements sent to PostgreSQL as one libpq pipeline.

Why not psycopg's own pipeline: a statement through a psycopg cursor cost 41–67 µs of the
client's CPU on the machines measured (its cursor, its query and result objects, its pipeline
queue of Python generators), against about 7 µs for the same statement sent with ``psycopg.pq``,
psycopg's documented wrapper of libpq, measured side by side (README, Benchmarks). A
completion is six statements. What stays psycopg's: the connection, its transaction status (its
commit and rollback go by the server's, which this pipeline's BEGIN and COMMIT open and close),
and every conversion of a value, done by the dumpers and loaders of the connection's own
adapters map, so a value reaches and leaves the server as it would through a cursor.

Each statement is prepared once per connection (a named statement, libpq's Parse, queued in the
pipeline in front of its first execution). Its answers are read in the order the statements
were sent: up to one of them when its rows are asked for (a flush request makes the server send
what it has), all of them when the pipeline ends (a sync, which also ends the pipeline's
implicit error state). A statement that fails makes the server skip the rest until that sync;
its error is raised as psycopg's own exception class for the SQLSTATE, wrapped by the caller.
"""

from __future__ import annotations

import re
import select
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from typing import Any, Protocol

from psycopg import Binary, errors, pq
from psycopg.adapt import PyFormat

_PLACEHOLDER = re.compile(r"%\(([^)]+)\)s|%%")
_CONTAINERS = (list, tuple, dict)  # dumpers chosen by the value's contents, not only its type
_BINARY = (bytes, bytearray, memoryview, Binary)  # Binary: what SQLAlchemy binds bytes as

_OK = pq.ExecStatus.COMMAND_OK
_TUPLES = pq.ExecStatus.TUPLES_OK
_SYNC = pq.ExecStatus.PIPELINE_SYNC
_ABORTED = pq.ExecStatus.PIPELINE_ABORTED
_DEALLOCATE_ALL = b"DEALLOCATE ALL"
_ERROR = (pq.ExecStatus.FATAL_ERROR, pq.ExecStatus.BAD_RESPONSE)


def numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """SQL as SQLAlchemy compiles it for psycopg (``%(name)s``, ``%%``) with libpq's ``$n``
    placeholders instead, and the parameter names in ``$n`` order (a name used twice is one
    parameter)."""
    order: dict[str, int] = {}

    def placeholder(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        if name not in order:
            order[name] = len(order) + 1
        return f"${order[name]}"

    return _PLACEHOLDER.sub(placeholder, sql), tuple(order)


class Answer(Protocol):
    """What waits for a statement's answer (store/prepared.py's Result)."""

    def _answer(self, rows: list[tuple[Any, ...]], rowcount: int) -> None: ...


class Statement(Protocol):
    name: bytes  # the prepared statement's name, the same on every connection
    pq_sql: bytes
    sql: str


Wrap = Callable[[str, Exception], Exception]


class Session:
    """What one connection's pipelines share, kept for the connection's life: the statements
    prepared on its server session, and the dumpers and loaders chosen from its adapters."""

    __slots__ = ("names", "unknown", "dumpers", "loaders")

    def __init__(self) -> None:
        self.names: set[bytes] = set()
        # the session lost some of them (DEALLOCATE ALL from elsewhere), and those prepared
        # since may exist: the next pipeline deallocates all of them first
        self.unknown = False
        self.dumpers: dict[type, Any] = {}
        self.loaders: dict[int, Any] = {}


class Pipeline:
    """One transaction's statements in libpq's pipeline mode, on psycopg's connection."""

    __slots__ = ("_pgconn", "_driver", "_queue", "_session", "_preparing", "_flushed",
                 "_encoding", "_wrap", "_poll")

    def __init__(self, driver: Any, session: Session, wrap: Wrap) -> None:
        """``session``: this connection's (kept by the caller for the connection's life);
        ``wrap`` turns a driver error and the SQL it came from
        into the exception to raise."""
        self._driver = driver
        self._pgconn = driver.pgconn
        self._session = session
        self._preparing: set[bytes] = set()
        # what was sent, in order: (the Answer, or None for BEGIN and a Parse; the SQL; for a
        # Parse, the name it prepares)
        self._queue: deque[tuple[Answer | None, str, bytes | None]] = deque()
        self._flushed = True  # the server was asked to send the answers to everything sent
        self._encoding = driver.info.encoding
        self._wrap = wrap
        self._poll: Any = None
        try:
            self._pgconn.enter_pipeline_mode()
        except errors.Error as exc:
            raise wrap("-- enter pipeline", exc) from exc

    # --- sending ---------------------------------------------------------------------------
    def command(self, sql: str) -> None:
        """A statement with no parameters and no answer to read (BEGIN)."""
        self._send(lambda: self._pgconn.send_query_params(sql.encode(), None), None, sql, None)

    def send(self, statement: Statement, values: Sequence[Any], answer: Answer) -> None:
        """Queue ``statement`` with ``values`` (in ``$n`` order, after the column types'
        own bind processors); ``answer`` hears its rows and row count when they are read."""
        name = statement.name
        if self._session.unknown and _DEALLOCATE_ALL not in self._preparing:
            self._send(lambda: self._pgconn.send_query_params(_DEALLOCATE_ALL, None), None,
                       "DEALLOCATE ALL", _DEALLOCATE_ALL)
            self._preparing.add(_DEALLOCATE_ALL)
            self._session.names.clear()  # what follows in this pipeline prepares afresh
        if name not in self._session.names and name not in self._preparing:
            pq_sql = statement.pq_sql
            self._send(lambda: self._pgconn.send_prepare(name, pq_sql), None, statement.sql, name)
            self._preparing.add(name)
        try:
            params, formats = self._dumped(values)
        except errors.Error as exc:  # a value psycopg cannot adapt
            raise self._wrap(statement.sql, exc) from exc
        self._send(
            lambda: self._pgconn.send_query_prepared(name, params, param_formats=formats),
            answer, statement.sql, None,
        )

    def _send(
        self, send: Callable[[], None], answer: Answer | None, sql: str, prepares: bytes | None
    ) -> None:
        try:
            send()
        except errors.Error as exc:
            raise self._wrap(sql, exc) from exc
        self._queue.append((answer, sql, prepares))
        self._flushed = False

    def _dumped(self, values: Iterable[Any]) -> tuple[list[Any], list[int] | None]:
        params: list[Any] = []
        formats: list[int] = []
        binary = False
        for value in values:
            if value is None:
                params.append(None)
                formats.append(0)
                continue
            dumper = self._session.dumpers.get(type(value))
            if dumper is None:
                dumper = self._dumper(value)
            params.append(dumper.dump(value))
            formats.append(dumper.format)
            binary = binary or dumper.format != 0
        return params, (formats if binary else None)

    def _dumper(self, value: Any) -> Any:
        """psycopg's dumper for the value: text for everything but bytes (the server infers
        each parameter's type from the statement, and text reads as any of them; bytes go as
        they are, as psycopg sends them)."""
        kind = type(value)
        form = PyFormat.BINARY if isinstance(value, _BINARY) else PyFormat.TEXT
        dumper = self._driver.adapters.get_dumper(kind, form)(kind, self._driver)
        dumper = dumper.upgrade(value, form)
        if not isinstance(value, _CONTAINERS):
            self._session.dumpers[kind] = dumper
        return dumper

    # --- reading ---------------------------------------------------------------------------
    def read_through(self, answer: Answer) -> None:
        """Read the answers in order up to ``answer``'s (it asked for its rows)."""
        if not self._flushed:
            try:
                self._pgconn.send_flush_request()
            except errors.Error as exc:
                raise self._wrap("-- flush pipeline", exc) from exc
            self._flushed = True
        self._flush()
        while self._queue:
            entry = self._queue.popleft()
            self._dispatch(entry, self._results())
            if entry[0] is answer:
                return

    def end(self) -> None:
        """Sync, read every answer, leave pipeline mode; then raise the first failure (the
        server's, or an answer's own check, store/prepared.py's ``on_rowcount``)."""
        failure: BaseException | None = None
        try:
            self._pgconn.pipeline_sync()
            self._flush()
            while self._queue:
                entry = self._queue.popleft()
                try:
                    self._dispatch(entry, self._results())
                except errors.Error:
                    raise  # the connection itself failed: nothing more to read
                except Exception as exc:  # the server's error, wrapped, or an answer's check
                    failure = failure or exc
            self._results()  # the sync's own
            self._pgconn.exit_pipeline_mode()
        except errors.Error as exc:
            raise self._wrap("-- sync pipeline", exc) from exc
        if failure is not None:
            raise failure

    def commit(self) -> None:
        """COMMIT, after :meth:`end` (the answers read and checked): sent here rather than
        by psycopg, whose commit() then finds the server's transaction ended and sends
        nothing."""
        try:
            self._pgconn.send_query_params(b"COMMIT", None)
            self._flush()
            results = self._results()
        except errors.Error as exc:
            raise self._wrap("COMMIT", exc) from exc
        self._dispatch((None, "COMMIT", None), results)  # raises the server's refusal

    def abandon(self) -> None:
        """After a failure: read and drop whatever is left, and leave pipeline mode, so that
        the rollback finds the connection as psycopg expects it. A connection that cannot be
        read any more is left to the rollback to find broken."""
        with suppress(Exception):
            self._pgconn.pipeline_sync()
            self._flush()
            while True:
                results = self._results()
                if results and results[0].status == _SYNC:
                    break
            self._pgconn.exit_pipeline_mode()

    def _dispatch(
        self, entry: tuple[Answer | None, str, bytes | None], results: list[Any]
    ) -> None:
        answer, sql, prepares = entry
        for res in results:
            status = res.status
            if status in _ERROR:
                exc = errors.error_from_result(res, encoding=self._encoding)
                if isinstance(exc, errors.InvalidSqlStatementName):
                    # the session lost its prepared statements (DEALLOCATE ALL, DISCARD ALL
                    # sent by someone else): the next transaction prepares them again
                    self._session.unknown = True
                raise self._wrap(sql, exc) from exc
            if status == _ABORTED:  # skipped after an earlier failure: nobody reads it
                continue
            if answer is None:
                if prepares == _DEALLOCATE_ALL and status == _OK:  # a clean slate
                    self._session.unknown = False
                elif prepares is not None and status == _OK:  # prepared from now on
                    self._session.names.add(prepares)
                continue
            rows = self._rows(res) if status == _TUPLES else []
            count = res.command_tuples
            answer._answer(rows, -1 if count is None else count)

    def _rows(self, res: Any) -> list[tuple[Any, ...]]:
        loaders = [self._loader(res.ftype(i)) for i in range(res.nfields)]
        rows = []
        for r in range(res.ntuples):
            rows.append(tuple(
                None if (raw := res.get_value(r, i)) is None else load.load(raw)
                for i, load in enumerate(loaders)
            ))
        return rows

    def _loader(self, oid: int) -> Any:
        loader = self._session.loaders.get(oid)
        if loader is None:
            adapters = self._driver.adapters
            found = adapters.get_loader(oid, pq.Format.TEXT) or adapters.get_loader(
                0, pq.Format.TEXT  # a type psycopg has no loader for comes back as text
            )
            loader = self._session.loaders[oid] = found(oid, self._driver)
        return loader

    def _results(self) -> list[Any]:
        """The results of the next statement in the pipeline (or the sync's)."""
        pgconn = self._pgconn
        out: list[Any] = []
        while True:
            while pgconn.is_busy():
                self._wait(select.POLLIN)
                pgconn.consume_input()
            res = pgconn.get_result()
            if res is None:
                return out
            if res.status == _SYNC:
                return [res]
            out.append(res)

    def _flush(self) -> None:
        pgconn = self._pgconn
        while pgconn.flush():  # 1: the socket took only part; wait until it takes more
            if self._wait(select.POLLIN | select.POLLOUT) & select.POLLIN:
                pgconn.consume_input()  # the server's answers, so that it can go on reading

    def _wait(self, events: int) -> int:
        if self._poll is None:
            self._poll = select.poll()
            self._poll.register(self._pgconn.socket, events)
        else:
            self._poll.modify(self._pgconn.socket, events)
        ready = 0
        while not ready:
            ready = sum(e for _, e in self._poll.poll())
        broken = select.POLLERR | select.POLLHUP | select.POLLNVAL
        if ready & broken and not ready & select.POLLIN:
            raise errors.OperationalError("the connection to the server was lost")
        return ready
