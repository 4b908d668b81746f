"""Add incidents: service steps whose handler failed after its retries.

An incident names the application, the step (its step record and workflow task), the handler,
how many times it was called and each call's error; it stays open until a run of the step
succeeds (``regflow retry``), so a failing information system never loses a step.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("step_record_id", sa.Integer(), nullable=True),
        sa.Column("task_uuid", sa.String(length=36), nullable=False),
        sa.Column("step_id", sa.String(length=200), nullable=False),
        sa.Column("handler", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incidents_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index("ix_incidents_status", ["status", "application_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_status")
        batch_op.drop_index(batch_op.f("ix_incidents_application_id"))
    op.drop_table("incidents")
