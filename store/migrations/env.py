"""Alembic environment: run by ``regflow init`` (store.migrate.upgrade) on the configured URL."""

from alembic import context

from regflow.store.db import engine_for
from regflow.store.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""

with engine_for(url).connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
