"""Index what a calendar change needs: the last calendar event, deadlines by process version.

The worker compares the working calendar with the one the due dates were last projected on
(the newest ``calendar_reprojected`` / ``calendar_baseline`` event) every time it starts; with
millions of events, finding that row walked the log backwards. A partial index holds just those
few rows. When the calendar did change, the running applications whose service deadline falls in
a changed month are one range per process version of (status, definition_id, deadline_at).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# as in store/models.py at this revision (a migration does not import the live models)
_CALENDAR = sa.text("kind IN ('calendar_reprojected', 'calendar_baseline')")


def upgrade() -> None:
    op.create_index("ix_events_calendar", "events", ["id"], sqlite_where=_CALENDAR,
                    postgresql_where=_CALENDAR)
    op.create_index("ix_applications_running_deadline", "applications",
                    ["status", "definition_id", "deadline_at"])


def downgrade() -> None:
    op.drop_index("ix_applications_running_deadline", table_name="applications")
    op.drop_index("ix_events_calendar", table_name="events")
