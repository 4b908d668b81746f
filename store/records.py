"""The rows every filing, claim and completion reads and writes, as plain SQL statements.

Why not the ORM here: these are the statements regflow runs thousands of times an hour, and the
ORM's unit of work (change tracking, flush ordering, identity map) cost more than the database
itself on each completion (bench/run.py). Each statement is built once, at import, and executed
with bound parameters; rows come back as small frozen dataclasses. The tables, types and
indexes are still those of store/models.py, so the rest of regflow (reports, task lists, timers)
reads what these functions write through the ORM as usual.

Optimistic locking as in the ORM: every UPDATE names the ``lock_version`` it read and bumps it;
an UPDATE that finds no such row raises :class:`~regflow.errors.ConflictError` (someone else
changed the row in between), and the transaction rolls back whole.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import (
    ARRAY,
    Connection,
    Integer,
    Select,
    Table,
    Update,
    any_,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)

from regflow.errors import ConflictError
from regflow.store.audit import HEAD_COLUMNS, known_head
from regflow.store.models import (
    Application,
    ApplicationStatus,
    ProcessDefinition,
    StepRecord,
    StepStatus,
    User,
)
from regflow.store.prepared import Prepared, Result

_steps = cast(Table, StepRecord.__table__)
_apps = cast(Table, Application.__table__)


class ApplicationRef(Protocol):
    """What writing a step row needs of its application (a row here, or an ORM object)."""

    @property
    def id(self) -> int: ...
    @property
    def definition_id(self) -> int: ...
    @property
    def process_key(self) -> str: ...
    @property
    def deadline_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class StepRow:
    """One ``steps`` row as read: the auditor's unit of account (see StepRecord)."""

    id: int
    application_id: int
    definition_id: int
    process_key: str
    task_uuid: str
    step_id: str
    name: str
    kind: str
    role: str | None
    status: str
    ready_at: datetime
    claimed_at: datetime | None
    claimed_by: str | None
    completed_at: datetime | None
    completed_by: str | None
    norm: str | None
    due_at: datetime | None
    working_minutes: int | None
    outcome: dict[str, Any] | None
    lock_version: int

    def audited(self) -> dict[str, Any]:
        """The fields the event log shows before and after a change (store/models.py)."""
        return {"status": self.status, "claimed_by": self.claimed_by,
                "completed_by": self.completed_by}


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    """The ``applications`` columns a completion needs (all but the filing's bookkeeping)."""

    id: int
    definition_id: int
    process_key: str
    route: str | None
    status: str
    outcome: str | None
    data: dict[str, Any]
    snapshot: bytes
    lock_version: int
    accepted_at: datetime
    deadline_at: datetime | None
    org: str | None


@dataclass(frozen=True, slots=True)
class CompletionLocks:
    """What :func:`lock_for_completion` read in its one round trip."""

    step: StepRow
    application: ApplicationRow
    source_hash: str  # finds the version's parsed spec in the cache
    open_mode: bool  # no users registered yet (services/users.py)


_STEP_COLUMNS = [_steps.c[f.name] for f in fields(StepRow)]
_APP_COLUMNS = [_apps.c[f.name] for f in fields(ApplicationRow)]
_N_STEP = len(_STEP_COLUMNS)
_N_APP = len(_APP_COLUMNS)


def _step(values: Any) -> StepRow:
    return StepRow(*values)


_OPEN_MODE = ~exists(select(User.id))  # no users registered yet (services/users.py)

_LOCK_STEP = Prepared(
    select(*_STEP_COLUMNS, _OPEN_MODE).where(_steps.c.id == bindparam("id")).with_for_update()
)
_IS_OPEN_MODE = Prepared(select(_OPEN_MODE))
_STAMP = (func.count(ProcessDefinition.id), func.max(ProcessDefinition.id))  # versions_stamp()
_VERSIONS_STAMP = Prepared(select(*_STAMP))
# What a filing reads before it writes (filing_state): one statement; on PostgreSQL with the
# new application's id from its sequence, so that the application's INSERT needs no answer.
_FILING_STATE = Prepared(select(_OPEN_MODE, *_STAMP))
_NEXT_APPLICATION_ID = select(
    func.nextval(func.pg_get_serial_sequence(_apps.name, _apps.c.id.name))
).scalar_subquery()
_FILING_STATE_WITH_ID = Prepared(select(_OPEN_MODE, *_STAMP, _NEXT_APPLICATION_ID))
_NEXT_APPLICATION_IDS = Prepared(
    select(func.nextval(func.pg_get_serial_sequence(_apps.name, _apps.c.id.name)))
    .select_from(func.generate_series(1, bindparam("n", type_=Integer)))
)

def _completion_read(*extra: Any) -> Select[Any]:
    """The step, its application, ``extra`` columns, the version's hash and open mode."""
    return (
        select(*_STEP_COLUMNS, *_APP_COLUMNS, *extra, ProcessDefinition.source_hash, _OPEN_MODE)
        .join_from(_steps, _apps, _apps.c.id == _steps.c.application_id)
        .join(ProcessDefinition, ProcessDefinition.id == _apps.c.definition_id)
        .where(_steps.c.id == bindparam("id"))
    )


# PostgreSQL locks the step first, then its application (the process version is only read).
_LOCK_FOR_COMPLETION = Prepared(_completion_read().with_for_update(of=(_steps, _apps)))
# SQLite's BEGIN IMMEDIATE has already serialised writers, so the same read also brings the
# audit head (store/audit.py ``known_head``) and the completion's event needs no read of its
# own. PostgreSQL locks the head only when the event is appended, as late as it can.
_READ_FOR_COMPLETION_AND_HEAD = Prepared(_completion_read(*HEAD_COLUMNS))

# A batch of completions (services/applications.py complete_all) on PostgreSQL: all its steps,
# then all their applications, each in id order, before any completion's own statements, so
# that two batches, or a batch and a single completion, never wait on each other in a circle.
# ORDER BY before FOR UPDATE: PostgreSQL locks the rows as they come out of the sort.
_BATCH_IDS = bindparam("ids", type_=ARRAY(Integer))
_LOCK_BATCH_STEPS = Prepared(
    select(_steps.c.id).where(_steps.c.id == any_(_BATCH_IDS)).order_by(_steps.c.id)
    .with_for_update()
)
_LOCK_BATCH_APPLICATIONS = Prepared(
    select(_apps.c.id)
    .where(_apps.c.id.in_(select(_steps.c.application_id).where(_steps.c.id == any_(_BATCH_IDS))))
    .order_by(_apps.c.id)
    .with_for_update()
)

_OPEN_STEPS = Prepared(
    select(*_STEP_COLUMNS)
    .where(_steps.c.application_id == bindparam("application_id"),
           _steps.c.status.in_([bindparam("ready"), bindparam("claimed")]))
    .order_by(_steps.c.id)
)

_STEP_WITH_STATUS = Prepared(
    select(*_STEP_COLUMNS)
    .where(_steps.c.application_id == bindparam("application_id"),
           _steps.c.task_uuid == bindparam("task_uuid"),
           _steps.c.status == bindparam("status"))
    .order_by(_steps.c.id)
    .limit(1)
)

_INSERT_STEP = Prepared(
    insert(_steps).returning(_steps.c.id), column_keys=[c.name for c in _steps.c if c.name != "id"]
)
_INSERT_APPLICATION = Prepared(
    insert(_apps).returning(_apps.c.id), column_keys=[c.name for c in _apps.c if c.name != "id"]
)
_INSERT_APPLICATION_WITH_ID = Prepared(insert(_apps), column_keys=[c.name for c in _apps.c])


def guarded_update(table: Any, *columns: str) -> Update:
    """UPDATE of ``columns`` on the row with this id and lock version, bumping the version
    (parameters: :func:`guarded_values`)."""
    return (
        update(table)
        .where(table.c.id == bindparam("row_id"),
               table.c.lock_version == bindparam("row_version"))
        .values({**{c: bindparam(f"new_{c}") for c in columns},
                 "lock_version": table.c.lock_version + 1})
    )


def _guarded(table: Any, *columns: str) -> Prepared:
    return Prepared(guarded_update(table, *columns))


_CLAIM_STEP = _guarded(_steps, "status", "claimed_by", "claimed_at")
_COMPLETE_STEP = _guarded(
    _steps, "status", "claimed_by", "claimed_at", "completed_by", "completed_at",
    "working_minutes", "outcome",
)
_SET_STEP_STATUS = _guarded(_steps, "status")
_SAVE_APPLICATION = _guarded(_apps, "snapshot", "data")
_FINISH_APPLICATION = _guarded(
    _apps, "snapshot", "data", "status", "outcome", "finished_at", "working_minutes"
)


def guarded_values(row_id: int, version: int, **values: Any) -> dict[str, Any]:
    """Parameters of a :func:`guarded_update`."""
    params = {f"new_{k}": v for k, v in values.items()}
    params.update(row_id=row_id, row_version=version)
    return params


def _written(row: StepRow, **changes: Any) -> StepRow:
    """The row as a guarded UPDATE (:func:`guarded_update`) left it: the changes, the next
    version."""
    return replace(row, lock_version=row.lock_version + 1, **changes)


def _check(result: Result, what: str) -> None:
    """A guarded write changed exactly its one row (checked when its answer arrives: in a
    PostgreSQL pipeline that is before the commit, store/prepared.py)."""

    def one_row(count: int) -> None:
        if count != 1:
            raise ConflictError(f"someone else changed this {what} first; nothing was saved")

    result.on_rowcount(one_row)


def lock_step(connection: Connection, step_id: int) -> tuple[StepRow | None, bool]:
    """The step, locked, and whether regflow runs in open mode (no users yet)."""
    found = _LOCK_STEP.run(connection, {"id": step_id}).first()
    if found is None:
        return None, is_open_mode(connection)
    return _step(found[:_N_STEP]), bool(found[-1])


def is_open_mode(connection: Connection) -> bool:
    return bool(_IS_OPEN_MODE.run(connection).scalar())


_BY_VERSIONS: dict[tuple[str, Hashable], tuple[tuple[int, int], Any]] = {}
T = TypeVar("T")


def derived_from_versions(
    connection: Connection, name: Hashable, build: Callable[[], T],
    *, stamp: tuple[int, int] | None = None,
) -> T:
    """``build()``'s answer about all deployed versions, kept per database under ``name`` and
    rebuilt only when :func:`versions_stamp` moves (one cheap read instead of reading every
    version, and its BPMN source, on each filing or task list). ``stamp``: read already in
    this transaction (:func:`filing_state`)."""
    if stamp is None:
        stamp = versions_stamp(connection)
    key = (str(connection.engine.url), name)
    cached = _BY_VERSIONS.get(key)
    if cached is not None and cached[0] == stamp:
        result: T = cached[1]
        return result
    value = build()
    _BY_VERSIONS[key] = (stamp, value)
    return value


def versions_stamp(connection: Connection) -> tuple[int, int]:
    """(how many process versions, the newest id): deployed versions are append-only (deploy
    adds rows, nothing changes or removes one), so what is derived from all of them (chains of
    versions, which ones name steps in a language) holds while this pair does not move."""
    found = _VERSIONS_STAMP.run(connection).first()
    return _stamp(*found) if found else (0, 0)


def _stamp(count: Any, newest: Any) -> tuple[int, int]:
    return int(count), int(newest or 0)  # no versions yet: max() is NULL


def lock_for_completion(connection: Connection, step_id: int) -> CompletionLocks | None:
    """The step and its application, both locked, with the version's content hash and whether
    regflow runs in open mode: everything a completion reads, in one round trip (on SQLite
    the audit head too, handed to store/audit.py for the completion's event)."""
    sqlite = connection.dialect.name == "sqlite"
    query = _READ_FOR_COMPLETION_AND_HEAD if sqlite else _LOCK_FOR_COMPLETION
    found = query.run(connection, {"id": step_id}).first()
    if found is None:
        return None
    if sqlite:
        known_head(connection, found[_N_STEP + _N_APP], found[_N_STEP + _N_APP + 1])
    return CompletionLocks(
        step=_step(found[:_N_STEP]),
        application=ApplicationRow(*found[_N_STEP:_N_STEP + _N_APP]),
        source_hash=found[-2],
        open_mode=bool(found[-1]),
    )


def lock_for_completions(connection: Connection, step_ids: list[int]) -> None:
    """Lock a batch's steps and applications up front, in one order (PostgreSQL; SQLite's
    BEGIN IMMEDIATE has serialised writers already). The answers are not waited for: the
    completions' own locking reads come after them in the same pipeline."""
    if connection.dialect.name == "sqlite":
        return
    _LOCK_BATCH_STEPS.run(connection, {"ids": step_ids})
    _LOCK_BATCH_APPLICATIONS.run(connection, {"ids": step_ids})


def open_steps(connection: Connection, application_id: int) -> list[StepRow]:
    found = _OPEN_STEPS.run(connection, {
        "application_id": application_id, "ready": StepStatus.READY.value,
        "claimed": StepStatus.CLAIMED.value,
    })
    return [_step(r) for r in found.rows]


def step_with_status(
    connection: Connection, application_id: int, task_uuid: str, status: str
) -> StepRow | None:
    found = _STEP_WITH_STATUS.run(
        connection, {"application_id": application_id, "task_uuid": task_uuid, "status": status}
    ).first()
    return None if found is None else _step(found)


def new_step(
    app: ApplicationRef,
    *,
    task_uuid: str,
    step_id: str,
    name: str,
    kind: str,
    role: str | None,
    status: str,
    ready_at: datetime,
    norm: str | None,
    due_at: datetime | None,
) -> dict[str, Any]:
    """The values of a step row about to be inserted (every column but the id)."""
    return {
        "application_id": app.id,
        "definition_id": app.definition_id,
        "process_key": app.process_key,
        "task_uuid": task_uuid,
        "step_id": step_id,
        "name": name,
        "kind": kind,
        "role": role,
        "status": status,
        "ready_at": ready_at,
        "claimed_at": None,
        "claimed_by": None,
        "completed_at": None,
        "completed_by": None,
        "norm": norm,
        "due_at": due_at,
        "working_minutes": None,
        "outcome": None,
        "lock_version": 1,
    }


class NewIds:
    """The ids of step rows just inserted, read when first asked for: in a PostgreSQL pipeline
    (store/prepared.py) asking at once would wait for the database's answer there and then;
    asked after the commit, they come with the transaction's other answers."""

    __slots__ = ("_results",)

    def __init__(self, results: list[Result]) -> None:
        self._results = results

    def get(self) -> list[int]:
        return [int(result.scalar()) for result in self._results]


def insert_steps(connection: Connection, rows: list[dict[str, Any]]) -> NewIds:
    """Insert step rows; their ids, in the order given, when asked for."""
    return NewIds([_INSERT_STEP.run(connection, row) for row in rows])


def insert_step(connection: Connection, values: dict[str, Any]) -> StepRow:
    """Insert one step row (values from :func:`new_step`, changed as needed); the row."""
    return StepRow(id=insert_steps(connection, [values]).get()[0], **values)


def claim_step(connection: Connection, row: StepRow, *, user: str, at: datetime) -> StepRow:
    _check(_CLAIM_STEP.run(connection, guarded_values(
        row.id, row.lock_version, status=StepStatus.CLAIMED.value, claimed_by=user, claimed_at=at
    )), "task")
    return _written(row, status=StepStatus.CLAIMED.value, claimed_by=user, claimed_at=at)


def complete_step(
    connection: Connection,
    row: StepRow,
    *,
    user: str,
    at: datetime,
    claimed_by: str | None,
    claimed_at: datetime | None,
    working_minutes: int,
    outcome: dict[str, Any] | None,
) -> StepRow:
    """Close a step: completed by ``user`` at ``at``, with the claim the caller settled."""
    _check(_COMPLETE_STEP.run(connection, guarded_values(
        row.id, row.lock_version, status=StepStatus.COMPLETED.value, claimed_by=claimed_by,
        claimed_at=claimed_at, completed_by=user, completed_at=at,
        working_minutes=working_minutes, outcome=outcome,
    )), "task")
    return _written(row, status=StepStatus.COMPLETED.value, claimed_by=claimed_by,
                    claimed_at=claimed_at, completed_by=user, completed_at=at,
                    working_minutes=working_minutes, outcome=outcome)


def set_step_status(connection: Connection, row: StepRow, status: str) -> StepRow:
    params = guarded_values(row.id, row.lock_version, status=status)
    _check(_SET_STEP_STATUS.run(connection, params), "task")
    return _written(row, status=status)


def insert_application(
    connection: Connection, values: dict[str, Any], *, application_id: int | None = None
) -> int:
    """The new application's id: ``application_id`` if :func:`filing_state` took one (then
    nothing waits for the INSERT's answer), else the id the database gives it."""
    if application_id is not None:
        _INSERT_APPLICATION_WITH_ID.run(connection, {**values, "id": application_id})
        return application_id
    result: int = _INSERT_APPLICATION.run(connection, values).scalar()
    return result


@dataclass(frozen=True, slots=True)
class FilingState:
    """What filing an application reads before it writes, read in one statement: whether
    regflow runs in open mode (no users yet), the versions stamp (:func:`versions_stamp`), and
    on PostgreSQL the new application's id, taken from its sequence. Why: each read is a wait
    for the server, and a filing in open mode used to wait five times (these two reads, the
    INSERT's id, the writes, the commit); now three (four once users exist: the filer's row).
    An id taken by a filing that is then refused is not used again: a gap in the numbers."""

    open_mode: bool
    versions: tuple[int, int]
    application_id: int | None


def filing_state(connection: Connection) -> FilingState:
    postgresql = connection.dialect.name == "postgresql"
    found = (_FILING_STATE_WITH_ID if postgresql else _FILING_STATE).run(connection).first()
    assert found is not None  # an aggregate without GROUP BY gives one row
    return FilingState(
        open_mode=bool(found[0]),
        versions=_stamp(found[1], found[2]),
        application_id=int(found[3]) if postgresql else None,
    )


def next_application_ids(connection: Connection, n: int) -> list[int | None]:
    """Ids for ``n`` more applications filed in this transaction, taken from PostgreSQL's
    sequence in one read (as :func:`filing_state` takes the first); on SQLite, None for each:
    the INSERT gives the id, with no server to wait for."""
    if connection.dialect.name != "postgresql":
        return [None] * n
    taken = sorted(int(row[0]) for row in _NEXT_APPLICATION_IDS.run(connection, {"n": n}).rows)
    return list[int | None](taken)


@dataclass(frozen=True, slots=True)
class Finish:
    """How an application ended: its outcome, when, and its working time from acceptance."""

    outcome: str | None
    at: datetime
    working_minutes: int


def save_application(
    connection: Connection,
    app: ApplicationRow,
    *,
    snapshot: bytes,
    data: dict[str, Any],
    finish: Finish | None,
) -> None:
    """Write the application's new workflow state (and its end, if it ended)."""
    if finish is None:
        params = guarded_values(app.id, app.lock_version, snapshot=snapshot, data=data)
        _check(_SAVE_APPLICATION.run(connection, params), "application")
        return
    params = guarded_values(
        app.id, app.lock_version, snapshot=snapshot, data=data,
        status=ApplicationStatus.COMPLETED.value, outcome=finish.outcome, finished_at=finish.at,
        working_minutes=finish.working_minutes,
    )
    _check(_FINISH_APPLICATION.run(connection, params), "application")
