"""Alembic environment: run by ``regflow init`` (store.migrate.upgrade) on the configured URL."""

from alembic import context

from regflow.store.db import engine_for
from regflow.store.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""

with engine_for(url).connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch migrations rebuild tables; foreign keys would forbid dropping a referenced one.
        # The pragma only takes effect outside a transaction, so it goes to the raw connection
        # before SQLAlchemy begins one.
        raw = connection.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
    if sqlite:
        raw.execute("PRAGMA foreign_keys=ON")
