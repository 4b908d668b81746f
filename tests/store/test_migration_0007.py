"""Migration 0007 (the re-projection's indexes) both ways, with a recorded calendar and a running
application (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from regflow.services import applications
from regflow.services.processes import deploy
from regflow.services.reprojection import reproject_if_calendar_changed
from regflow.services.setup import init_database
from regflow.store.db import engine_for
from regflow.store.migrate import alembic_config
from tests.conftest import at, context
from tests.support import three_step_model

NEW = {("events", "ix_events_calendar"), ("applications", "ix_applications_running_deadline")}


def _indexes(url: str) -> set[tuple[str, str]]:
    engine = engine_for(url)
    engine.dispose()  # a fresh look at the schema
    found = inspect(engine)
    return {(t, i["name"]) for t in ("events", "applications") for i in found.get_indexes(t)}


def test_reprojection_indexes_migrate_both_ways_and_the_calendar_is_still_found(
    db_url: str, tmp_path: Path
) -> None:
    ctx = context(db_url, at("2026-07-01 10:00"))
    assert init_database(ctx)
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    app = applications.start(ctx, "three_steps")
    assert NEW <= _indexes(db_url)

    command.downgrade(alembic_config(db_url), "0006")
    assert not NEW & _indexes(db_url)
    assert reproject_if_calendar_changed(ctx) is None  # found without the index, as before

    command.upgrade(alembic_config(db_url), "head")
    assert NEW <= _indexes(db_url)
    assert reproject_if_calendar_changed(ctx) is None
    done = applications.complete(ctx, app.open_steps[0], "aigul")
    assert done.application_status == "running" and len(done.open_steps) == 1
