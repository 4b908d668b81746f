"""Move the audit head in the database, as each event is inserted.

Every event used to be followed by a statement of regflow's own that set ``audit_head`` to the
new link: the second statement of each append, on the completion hot path. A row trigger on
``events`` now does it inside the INSERT, in the same transaction, for every writer alike (the
ORM's flushes and store/audit.py ``append``). It only moves the head forward (a row without a
``seq``, which verify() reports as inserted outside the chain, or one behind the head, leaves
it where it is), so the head never goes back to an older link.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# the head is the one row id = 1 (store/audit.py HEAD_ID at this revision)
MOVE_HEAD = "UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1 AND seq < NEW.seq"
PG_MOVE_HEAD = f"""
CREATE OR REPLACE FUNCTION regflow_events_move_head() RETURNS trigger AS $$
BEGIN
    {MOVE_HEAD};
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_MOVE_HEAD)
        op.execute(
            "CREATE TRIGGER events_move_head AFTER INSERT ON events "
            "FOR EACH ROW WHEN (NEW.seq IS NOT NULL) EXECUTE FUNCTION regflow_events_move_head()"
        )
    else:
        op.execute(
            "CREATE TRIGGER events_move_head AFTER INSERT ON events "
            f"WHEN NEW.seq IS NOT NULL BEGIN {MOVE_HEAD}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_move_head ON events")
        op.execute("DROP FUNCTION IF EXISTS regflow_events_move_head()")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_move_head")
