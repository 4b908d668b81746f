"""Bring a database to the newest schema with Alembic (what ``regflow init`` does)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.exc import SQLAlchemyError

from regflow.errors import ConfigError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    try:
        command.upgrade(alembic_config(url), "head")
    except SQLAlchemyError as exc:
        raise ConfigError(f"cannot migrate the database: {str(exc).splitlines()[0]}") from None
