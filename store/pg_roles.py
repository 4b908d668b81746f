"""Separate PostgreSQL roles for the application and for auditors (``regflow init --pg-roles``).

Why in the database: regflow's own checks (services/users.py) trust ``--user``; the database
role a person logs in with is what the deployment can prove. ``regflow_app`` may append to the
event log but never change it; ``regflow_auditor`` reads. The statements are in pg_roles.sql.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from regflow.errors import ConfigError, UsageError
from regflow.store.db import engine_for

SQL = Path(__file__).with_name("pg_roles.sql")
ROLES = ("regflow_app", "regflow_auditor")


def create_roles(url: str) -> tuple[str, ...]:
    """Create (if missing) and grant the roles on the schema the URL's search_path selects."""
    engine = engine_for(url)
    if engine.dialect.name != "postgresql":
        raise UsageError("--pg-roles needs a PostgreSQL database (REGFLOW_DATABASE_URL)")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(SQL.read_text(encoding="utf-8"))
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", exc)).splitlines()[0]
        raise ConfigError(f"cannot create the PostgreSQL roles: {first}") from None
    return ROLES
