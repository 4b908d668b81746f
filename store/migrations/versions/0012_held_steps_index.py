"""A person's task-list index holds the open steps someone holds, not every open step.

``tasks --user NAME`` and the people report ask for steps by ``claimed_by = ?``, which no step
that no one holds can match. Yet ix_steps_user_status_due kept an entry for every open step,
most of them unclaimed (``claimed_by`` NULL): every filing added one and every completion
deleted one, pages that nothing reads. Written as a partial index on ``status IN ('ready',
'claimed') AND claimed_by IS NOT NULL`` (both planners see ``claimed_by = ?`` imply the second
term), only a claim or a delegation adds an entry and only the completion of a held step
removes one: about one page fewer of the 13–16 a transaction wrote to SQLite's WAL in the
benchmark's flow (bench/run.py counts them), where no task is claimed. The upgrade reads the
steps table once, while writers wait (0.4 s at 1.7 million step rows on SQLite; the downgrade,
which writes an entry for every open step, 1.1 s).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# as in store/models.py at this revision (a migration does not import the live models)
_NAME = "ix_steps_user_status_due"
_COLUMNS = ["claimed_by", "status", "due_at", "id"]
_OPEN = "status IN ('ready', 'claimed')"


def _recreate(where: str) -> None:
    op.drop_index(_NAME, table_name="steps")
    op.create_index(
        _NAME, "steps", _COLUMNS, sqlite_where=sa.text(where), postgresql_where=sa.text(where)
    )


def upgrade() -> None:
    _recreate(f"{_OPEN} AND claimed_by IS NOT NULL")


def downgrade() -> None:
    _recreate(_OPEN)
