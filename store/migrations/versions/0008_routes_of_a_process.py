"""Index the routes each process was filed on, for the auditor's steps report.

The steps report first asks which routes the applications of each process came by (most
processes have one, and then a million step rows are aggregated without joining their
applications). Answered from the table, that read every application row, workflow snapshot
and all: at a million applications about a gigabyte of pages. This small index answers it alone.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_applications_process_route", "applications", ["process_key", "route"])


def downgrade() -> None:
    op.drop_index("ix_applications_process_route", table_name="applications")
