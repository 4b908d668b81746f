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
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

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
    __table_args__ = (Index("ix_applications_status", "status", "process_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(200))
    route: Mapped[str | None] = mapped_column(String(50))
    applicant: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ApplicationStatus.RUNNING.value)
    outcome: Mapped[str | None] = mapped_column(String(50))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    snapshot: Mapped[str] = mapped_column(Text)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    filed_at: Mapped[datetime]
    accepted_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]
    deadline_norm: Mapped[str | None] = mapped_column(String(100))
    working_minutes: Mapped[int | None] = mapped_column(Integer)
    __mapper_args__ = {"version_id_col": lock_version}


class StepRecord(Base):
    """One occurrence of one task in one application: the auditor's unit of account."""

    __tablename__ = "steps"
    __table_args__ = (
        Index("ix_steps_open_role", "status", "role"),
        Index("ix_steps_open_user", "status", "claimed_by"),
        Index("ix_steps_process_step", "process_key", "step_id"),
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


class Event(Base):
    """Append-only log of every state change."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str | None] = mapped_column(String(200))
    application_id: Mapped[int | None] = mapped_column(Integer, index=True)
    step_record_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
