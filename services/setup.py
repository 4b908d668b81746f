"""``regflow init``: a database ready for work.

The newest schema (store/migrate.py) and, on a database with nothing in it yet, the working
calendar its due dates start from (services/reprojection.py): a real installation's first worker
then knows the calendar and has nothing to re-project, instead of re-reading every application
once to find that out.
"""

from __future__ import annotations

from regflow.services.context import Context
from regflow.services.reprojection import record_calendar_baseline
from regflow.store.migrate import upgrade


def init_database(ctx: Context, actor: str | None = None) -> bool:
    """Create or upgrade the schema; returns whether the calendar baseline was recorded now
    (a new database) rather than kept (it had one, or applications already)."""
    upgrade(ctx.settings.database_url)
    return record_calendar_baseline(ctx, actor)
