"""Store workflow snapshots zlib-compressed.

An application's snapshot (its SpiffWorkflow state without the spec) is JSON of about 4–10 KB;
compressed it is about a fifth of that. At a million stored applications that is the difference
between about 5 GB and 1 GB. Existing rows are converted in place.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import zlib

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_apps = sa.table(
    "applications",
    sa.column("id", sa.Integer),
    sa.column("snapshot", sa.Text),
    sa.column("snapshot_z", sa.LargeBinary),
)


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("snapshot_z", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    for row in conn.execute(sa.select(_apps.c.id, _apps.c.snapshot)):
        packed = zlib.compress(row.snapshot.encode("utf-8"), 1)
        conn.execute(_apps.update().where(_apps.c.id == row.id).values(snapshot_z=packed))
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("snapshot")
        batch.alter_column("snapshot_z", new_column_name="snapshot", nullable=False)


def downgrade() -> None:
    """Back to plain text. Snapshots written in the regflow-2 format (workflows/snapshot.py,
    issue 8) come back as that format's JSON text, which regflow of before that format cannot
    read: downgrading the schema this far only serves a regflow that reads both (this one)."""
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("snapshot_text", sa.Text(), nullable=True))
    conn = op.get_bind()
    table = sa.table(
        "applications",
        sa.column("id", sa.Integer),
        sa.column("snapshot", sa.LargeBinary),
        sa.column("snapshot_text", sa.Text),
    )
    for row in conn.execute(sa.select(table.c.id, table.c.snapshot)):
        raw = bytes(row.snapshot)
        plain = raw.lstrip()[:1] == b"{"  # an open application's, which regflow writes plain
        text = (raw if plain else zlib.decompress(raw)).decode("utf-8")
        conn.execute(table.update().where(table.c.id == row.id).values(snapshot_text=text))
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("snapshot")
        batch.alter_column("snapshot_text", new_column_name="snapshot", nullable=False)
