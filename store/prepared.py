"""SQL statements compiled once per database and run on the driver's own cursor.

Why: on the completion hot path (store/records.py, the event log) every statement is a
single-row read or write that SQLite or PostgreSQL answers in a few microseconds, while
SQLAlchemy's execution machinery around it (cache key, execution context, result object,
events) costs ten times that (bench/run.py measures both in the same run). So these statements
are still written and compiled with SQLAlchemy, for each dialect its own SQL (placeholders,
``FOR UPDATE OF``, PostgreSQL's bind casts), and their values are still converted by the column
types' own processors (``TypeEngine.bind_processor`` / ``result_processor``, the public hooks
custom types implement, so :class:`~regflow.store.models.UtcDateTime` and JSON behave exactly
as through the ORM); only the execution is the driver's ``cursor.execute``, inside the
transaction of the SQLAlchemy connection given. A driver error is raised as SQLAlchemy's own
(``DBAPIError.instance``), so store/db.py translates it like any other.

Not for everything: statements that take a variable number of values (``IN`` lists) or run
rarely stay ordinary SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable

Processor = Callable[[Any], Any] | None


_GIVEN = object()  # a placeholder whose value the caller gives (not fixed in the statement)


class _Compiled:
    """One statement as one dialect runs it, with its conversions planned once."""

    __slots__ = ("sql", "positional", "names", "_plan", "_results")

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

    def parameters(self, values: dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
        out = []
        for name, constant, process in self._plan:
            value = values[name] if constant is _GIVEN else constant
            out.append(value if process is None or value is None else process(value))
        return tuple(out) if self.positional else dict(zip(self.names, out, strict=True))

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        if not self._results:
            return tuple(raw)
        values = list(raw)
        for index, process in self._results:
            if values[index] is not None:
                values[index] = process(values[index])
        return tuple(values)


class Result:
    """What a statement gave back: its rows (already converted) and how many rows it changed."""

    __slots__ = ("rows", "rowcount")

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount

    def first(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None


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
        columns = getattr(self.statement, "exported_columns", ())
        results = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        )
        found = _Compiled(compiled.string, names, positional, constants, binds, results)
        self._by_dialect[key] = found
        return found

    def run(self, connection: Connection, values: dict[str, Any] | None = None) -> Result:
        """Execute in ``connection``'s transaction; rows are read only if the statement has any
        (a SELECT, or RETURNING)."""
        compiled = self._compile(connection.dialect)
        params = compiled.parameters(values or {})
        dbapi_connection: Any = connection.connection.dbapi_connection
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(compiled.sql, params)
            rows = (
                [compiled.row(r) for r in cursor.fetchall()] if cursor.description else []
            )
            return Result(rows, cursor.rowcount)
        except connection.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(
                compiled.sql, params, exc, connection.dialect.loaded_dbapi.Error,
                dialect=connection.dialect,
            ) from exc
        finally:
            cursor.close()
