"""The task-list indexes hold open steps only.

Every completion used to move its step's entries in the three task-list indexes from the open
part of each (``ready``/``claimed``) to the completed part, where nothing reads them: the task
list, the overdue scan, the people report's open counts and a calendar change's re-projection
all ask for open steps. Written as partial indexes (``WHERE status IN ('ready', 'claimed')``),
a completion only deletes those entries: 3.5 fewer of the 15.8 pages a transaction wrote to
SQLite's WAL (bench/run.py counts them), and the indexes stay the size of the open work, not
of the history. The upgrade reads the steps table once per index, while writers wait (about two
seconds per index at 1.7 million step rows on SQLite).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# as in store/models.py at this revision (a migration does not import the live models)
_OPEN = sa.text("status IN ('ready', 'claimed')")
_INDEXES = {
    "ix_steps_role_status_due": ["role", "status", "due_at", "id"],
    "ix_steps_user_status_due": ["claimed_by", "status", "due_at", "id"],
    "ix_steps_status_due": ["status", "due_at", "id"],
}


def upgrade() -> None:
    for name, columns in _INDEXES.items():
        op.drop_index(name, table_name="steps")
        op.create_index(name, "steps", columns, sqlite_where=_OPEN, postgresql_where=_OPEN)


def downgrade() -> None:
    for name, columns in _INDEXES.items():
        op.drop_index(name, table_name="steps")
        op.create_index(name, "steps", columns)
