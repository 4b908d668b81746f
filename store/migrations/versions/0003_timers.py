"""Add timers, notifications and suspensions: deadlines that act.

``timers`` holds every waiting timer event (and timer start event) with its due instant; the
worker fires from these rows, exactly once. ``notifications`` keeps escalations and overdue
notices; ``suspensions`` the pauses of a service deadline's clock.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "timers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("task_uuid", sa.String(length=36), nullable=True),
        sa.Column("attached_to", sa.String(length=200), nullable=True),
        sa.Column("interrupting", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("schedule", sa.String(length=100), nullable=False),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.ForeignKeyConstraint(["definition_id"], ["process_definitions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_timers_due", "timers", ["status", "due_at"])
    op.create_index("ix_timers_application", "timers", ["application_id", "status"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("step_record_id", sa.Integer(), nullable=True),
        sa.Column("timer_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=200), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("handler", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notifications_application_id", "notifications", ["application_id"])
    op.create_table(
        "suspensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_by", sa.String(length=200), nullable=True),
        sa.Column("ended_by", sa.String(length=200), nullable=True),
        sa.Column("working_minutes", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_suspensions_application_id", "suspensions", ["application_id"])


def downgrade() -> None:
    op.drop_index("ix_suspensions_application_id", table_name="suspensions")
    op.drop_table("suspensions")
    op.drop_index("ix_notifications_application_id", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_timers_application", table_name="timers")
    op.drop_index("ix_timers_due", table_name="timers")
    op.drop_table("timers")
