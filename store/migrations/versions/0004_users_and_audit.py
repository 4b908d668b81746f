"""Add users, delegations, the application's organisation and the event hash chain.

``users`` (name, roles, organisation, active) and ``delegations`` (a head hands a task to an
officer) back the permission checks of services/users.py; ``applications.org`` is the provider's
organisation. Events get ``seq``, ``prev_hash`` and ``hash`` (store/audit.py); the rows already
logged are chained here in id order, and ``audit_head`` holds the newest link. Events become
append-only: a trigger refuses UPDATE and DELETE (PostgreSQL and SQLite).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION regflow_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'regflow: the event log is append-only (% on events refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("org", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_record_id", sa.Integer(), nullable=False),
        sa.Column("delegated_by", sa.String(length=200), nullable=False),
        sa.Column("delegate", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["step_record_id"], ["steps.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_delegations_step_record_id", "delegations", ["step_record_id"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org", sa.String(length=200), nullable=True))
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_events_seq", ["seq"])
    _chain_existing_events()
    _append_only_trigger()


def _chain_existing_events() -> None:
    """Link the events logged before this revision, in id order, and write the head."""
    from regflow.store import audit

    bind = op.get_bind()
    events = sa.table(
        "events",
        sa.column("id"),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("kind"),
        sa.column("actor"),
        sa.column("application_id"),
        sa.column("step_record_id"),
        sa.column("payload", sa.JSON()),
        sa.column("seq"),
        sa.column("prev_hash"),
        sa.column("hash"),
    )
    prev, seq = audit.GENESIS, 0
    rows = bind.execute(sa.select(events).order_by(events.c.id)).all()
    for row in rows:
        seq += 1
        content = {**audit.content_of(row), "seq": seq}
        digest = audit.link_hash(content, prev)
        bind.execute(
            events.update()
            .where(events.c.id == row.id)
            .values(seq=seq, prev_hash=prev, hash=digest)
        )
        prev = digest
    head = sa.table("audit_head", sa.column("id"), sa.column("seq"), sa.column("hash"))
    bind.execute(head.insert().values(id=audit.HEAD_ID, seq=seq, hash=prev))


def _append_only_trigger() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY)
        op.execute(
            "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION regflow_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
            "FOR EACH STATEMENT EXECUTE FUNCTION regflow_events_append_only()"
        )
    else:
        for what in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER events_no_{what.lower()} BEFORE {what} ON events "
                f"BEGIN SELECT RAISE(ABORT, 'regflow: the event log is append-only "
                f"({what} on events refused)'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_no_truncate ON events")
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP FUNCTION IF EXISTS regflow_events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_events_seq", type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("org")
    op.drop_table("audit_head")
    op.drop_index("ix_delegations_step_record_id", table_name="delegations")
    op.drop_table("delegations")
    op.drop_table("users")
