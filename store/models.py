"""The tables. Task lists and reports are answered from these indexed rows alone; the
workflow snapshot is only read when an application moves.

Times are stored in UTC and come back timezone-aware (:class:`UtcDateTime`); services show them
in the provider's zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    and_,
    literal_column,
    text,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator


class _SqliteDateTime(sqlite.DATETIME):
    """SQLite's DATETIME as SQLAlchemy stores it ("2026-07-01 05:00:00.000000", UTC), written
    and read with ``isoformat``/``fromisoformat``: the same text, without the regular
    expression SQLAlchemy parses each value with (task lists and the hot path read many)."""

    def bind_processor(self, dialect: Dialect) -> Any:
        def process(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat(" ", "microseconds")

        return process

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        def process(value: str | None) -> datetime | None:
            return None if value is None else datetime.fromisoformat(value)

        return process


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SqliteDateTime())
        return dialect.type_descriptor(self.impl_instance)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON}


class ApplicationStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"


class StepStatus(StrEnum):
    READY = "ready"
    CLAIMED = "claimed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


OPEN_STEP_STATUSES = (StepStatus.READY.value, StepStatus.CLAIMED.value)
# The task-list indexes hold open steps only (migration 0010). Written as a literal: a planner
# uses a partial index only where the query's own WHERE says the same (SQLite compares the terms
# as written; PostgreSQL cannot see through a bound parameter in a generic plan).
OPEN_STEPS_WHERE = text(
    "status IN (" + ", ".join(f"'{s}'" for s in OPEN_STEP_STATUSES) + ")"
)
# The reports read people's completed steps only, and read them whole from one index
# (migration 0011): the same rule, the same literal.
_DONE_BY_PEOPLE = (StepStatus.COMPLETED.value, "user")  # (status, kind)
DONE_BY_PEOPLE_WHERE = text("status = '{}' AND kind = '{}'".format(*_DONE_BY_PEOPLE))
# A person's task list asks for the open steps they hold (claimed_by = ?), which implies
# claimed_by IS NOT NULL to both planners: the person's index keeps no entry for the steps no
# one holds yet, the most of the open work (migration 0012).
HELD_STEPS_WHERE = text(f"{OPEN_STEPS_WHERE.text} AND claimed_by IS NOT NULL")


_OPEN_INLINE: list[ColumnElement[str]] = [literal_column(f"'{s}'") for s in OPEN_STEP_STATUSES]


def is_open_step(status: Any) -> ColumnElement[bool]:
    """``status IN ('ready', 'claimed')`` on ``status`` (StepRecord.status, or the column of an
    alias of the table) with the values inline, so the query can use the task-list indexes."""
    return status.in_(_OPEN_INLINE)  # type: ignore[no-any-return]


_DONE_INLINE: tuple[ColumnElement[str], ...] = tuple(
    literal_column(f"'{v}'") for v in _DONE_BY_PEOPLE
)


def is_done_by_people(status: Any, kind: Any) -> ColumnElement[bool]:
    """``status = 'completed' AND kind = 'user'`` with the values inline, so the query can use
    ix_steps_done (the reports' index); ``status`` and ``kind`` as in :func:`is_open_step`."""
    return and_(status == _DONE_INLINE[0], kind == _DONE_INLINE[1])


class ProcessDefinition(Base):
    """One deployed version of one process; the BPMN source is kept as deployed."""

    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_process_key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    source_hash: Mapped[str] = mapped_column(String(64))
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    deployed_at: Mapped[datetime]


class Application(Base):
    """A process instance: one applicant's application on one process version."""

    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_status", "status", "process_key"),
        # Which running applications of a process version have a deadline in a span: the
        # deadlines a calendar change can move (services/reprojection.py), one range per version.
        Index("ix_applications_running_deadline", "status", "definition_id", "deadline_at"),
        # the routes each process was filed on, read by the steps report (migration 0008)
        Index("ix_applications_process_route", "process_key", "route"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(200))
    route: Mapped[str | None] = mapped_column(String(50))
    applicant: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ApplicationStatus.RUNNING.value)
    outcome: Mapped[str | None] = mapped_column(String(50))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    snapshot: Mapped[bytes] = mapped_column(LargeBinary)  # JSON; zlib once finished (snapshot.py)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    filed_at: Mapped[datetime]
    accepted_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]
    deadline_norm: Mapped[str | None] = mapped_column(String(100))
    working_minutes: Mapped[int | None] = mapped_column(Integer)
    org: Mapped[str | None] = mapped_column(String(200))  # the provider's organisation
    __mapper_args__ = {"version_id_col": lock_version}


class StepRecord(Base):
    """One occurrence of one task in one application: the auditor's unit of account."""

    __tablename__ = "steps"
    __table_args__ = (
        # Task lists read one status at a time in due order (services/queries.py), so each of
        # these serves an ordered, LIMITed index range scan whatever the table's size. They
        # hold open steps only: a query must say is_open_step() to use them; the person's
        # index only the open steps someone holds, which claimed_by = ? says.
        Index("ix_steps_role_status_due", "role", "status", "due_at", "id",
              sqlite_where=OPEN_STEPS_WHERE, postgresql_where=OPEN_STEPS_WHERE),
        Index("ix_steps_user_status_due", "claimed_by", "status", "due_at", "id",
              sqlite_where=HELD_STEPS_WHERE, postgresql_where=HELD_STEPS_WHERE),
        Index("ix_steps_status_due", "status", "due_at", "id",
              sqlite_where=OPEN_STEPS_WHERE, postgresql_where=OPEN_STEPS_WHERE),
        # The reports aggregate people's completed steps per process and step (services/
        # report.py): along this index, in its order, without a sort and without reading the
        # table. Keyed by completion time after the step, so a completion adds its entry at the
        # end of its step's range, and a date range on completion is a range of the index.
        # Only completed steps: a query must say is_done_by_people() to use it. After the key,
        # every column a report or its filters read, so SQLite never looks a row up in the table.
        Index("ix_steps_done", "process_key", "step_id", "completed_at",
              "working_minutes", "due_at", "norm", "role", "completed_by", "ready_at",
              "application_id", "definition_id",
              sqlite_where=DONE_BY_PEOPLE_WHERE, postgresql_where=DONE_BY_PEOPLE_WHERE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    process_key: Mapped[str] = mapped_column(String(200))
    task_uuid: Mapped[str] = mapped_column(String(36))
    step_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    role: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    ready_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(200))
    norm: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime | None]
    working_minutes: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": lock_version}


CALENDAR_EVENT_KINDS = ("calendar_reprojected", "calendar_baseline")
CALENDAR_EVENTS_WHERE = text(
    "kind IN (" + ", ".join(f"'{k}'" for k in CALENDAR_EVENT_KINDS) + ")"
)  # literal, so SQLite's planner can match a query to the partial index


class Event(Base):
    """Append-only log of every state change."""

    __tablename__ = "events"
    __table_args__ = (
        # The calendar the due dates were last projected on is the newest of these few rows:
        # found in one index step however long the log (services/reprojection.py).
        Index("ix_events_calendar", "id", sqlite_where=CALENDAR_EVENTS_WHERE,
              postgresql_where=CALENDAR_EVENTS_WHERE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str | None] = mapped_column(String(200))
    application_id: Mapped[int | None] = mapped_column(Integer, index=True)
    step_record_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)  # hash chain order
    prev_hash: Mapped[str | None] = mapped_column(String(64))  # store/audit.py
    hash: Mapped[str | None] = mapped_column(String(64))


INCIDENT_STEP_STATUS = "incident"  # a service step whose handler gave up; `regflow retry` runs it


class Incident(Base):
    """A service step whose handler failed on every attempt: the step waits, it is not lost.

    Open until a run of the step succeeds (in the same call after retries, or by ``regflow
    retry``); ``attempts`` counts every call of the handler, ``errors`` keeps each call's error.
    """

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status", "status", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    step_record_id: Mapped[int | None] = mapped_column(Integer)
    task_uuid: Mapped[str] = mapped_column(String(36))
    step_id: Mapped[str] = mapped_column(String(200))
    handler: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))  # open | resolved
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text)
    errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    opened_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(200))


class User(Base):
    """A person who acts in regflow: the roles (lanes) they may work and their organisation.

    While this table is empty regflow runs in open mode (any ``--user`` may act); as soon as one
    user exists, services/users.py checks every claim, completion, filing and deployment.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    org: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class Delegation(Base):
    """A head hands one open task to a named officer, who may then claim and complete it."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    step_record_id: Mapped[int] = mapped_column(ForeignKey("steps.id"), index=True)
    delegated_by: Mapped[str] = mapped_column(String(200))
    delegate: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]


class AuditHead(Base):
    """The one row holding the newest link of the event hash chain (store/audit.py).

    Writers lock it (``FOR UPDATE``) to append, so the chain stays linear under concurrency.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))


from regflow.store import audit as _audit  # noqa: E402  (chains every Event row on insert)

_audit.install(Event)
_audit.track(StepRecord, ("status", "claimed_by", "completed_by"))
_audit.track(Application, ("status", "outcome"))


TIMER_WAITING = "waiting"  # timers.status: due at due_at, not fired yet
TIMER_FIRED = "fired"
TIMER_CANCELLED = "cancelled"  # its task finished first (or the application ended)


class Timer(Base):
    """One waiting (or past) timer: the row is the truth the worker fires from, exactly once.

    ``kind`` is ``event`` (a boundary or intermediate timer of one application: ``task_uuid`` is
    its workflow task) or ``start`` (a timer start event of a process version: firing files a
    new application). ``waiting_since`` and ``rule`` are kept so the due instant can be
    re-projected when the calendar or a suspension changes it."""

    __tablename__ = "timers"
    __table_args__ = (
        Index("ix_timers_due", "status", "due_at"),
        Index("ix_timers_application", "application_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    process_key: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(Text)
    task_uuid: Mapped[str | None] = mapped_column(String(36))
    attached_to: Mapped[str | None] = mapped_column(String(200))
    interrupting: Mapped[bool] = mapped_column(default=True)
    rule: Mapped[str] = mapped_column(String(200))
    schedule: Mapped[str] = mapped_column(String(100))
    waiting_since: Mapped[datetime]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=TIMER_WAITING)
    fired_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_until: Mapped[datetime | None]


class Notification(Base):
    """A message regflow sent (or would send) to a person: an escalation or an overdue step."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(50))  # escalation | overdue
    application_id: Mapped[int | None] = mapped_column(Integer, index=True)
    step_record_id: Mapped[int | None] = mapped_column(Integer)
    timer_id: Mapped[int | None] = mapped_column(Integer)
    recipient: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    handler: Mapped[str] = mapped_column(String(100))


class Suspension(Base):
    """A pause of an application's service-deadline clock (waiting for the applicant).

    Open while ``ended_at`` is None; ``working_minutes`` is the pause in working time, by which
    the deadline and the open due dates were pushed on resume."""

    __tablename__ = "suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text)
    started_by: Mapped[str | None] = mapped_column(String(200))
    ended_by: Mapped[str | None] = mapped_column(String(200))
    working_minutes: Mapped[int | None] = mapped_column(Integer)
