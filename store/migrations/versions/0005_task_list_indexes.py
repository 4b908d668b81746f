"""Index step rows for task lists in due order.

`regflow tasks --role R` (and `--user U`) reads open steps one status at a time, ordered by due
time and limited: with (role, status, due_at, id) and (claimed_by, status, due_at, id) each read
is an ordered index range scan, so its cost does not grow with the number of applications. The
(status, role) and (status, claimed_by) indexes they replace could only filter, not order.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("steps") as batch:
        batch.drop_index("ix_steps_open_role")
        batch.drop_index("ix_steps_open_user")
        batch.create_index("ix_steps_role_status_due", ["role", "status", "due_at", "id"])
        batch.create_index("ix_steps_user_status_due", ["claimed_by", "status", "due_at", "id"])
        batch.create_index("ix_steps_status_due", ["status", "due_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("steps") as batch:
        batch.drop_index("ix_steps_status_due")
        batch.drop_index("ix_steps_user_status_due")
        batch.drop_index("ix_steps_role_status_due")
        batch.create_index("ix_steps_open_user", ["status", "claimed_by"])
        batch.create_index("ix_steps_open_role", ["status", "role"])
