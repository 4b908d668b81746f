"""Schema migrations keep running applications intact (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from regflow.services import applications
from regflow.services.processes import deploy
from regflow.store.db import engine_for
from regflow.store.migrate import alembic_config
from tests.conftest import at, context
from tests.support import three_step_model


def test_snapshot_compression_migrates_both_ways_and_applications_go_on(
    db_url: str, tmp_path: Path
) -> None:
    ctx = context(db_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    app = applications.start(ctx, "three_steps")

    command.downgrade(alembic_config(db_url), "0005")  # back to JSON text snapshots
    with engine_for(db_url).connect() as conn:
        stored = conn.execute(text("SELECT snapshot FROM applications")).scalar_one()
    assert isinstance(stored, str) and '"serializer_version"' in stored

    command.upgrade(alembic_config(db_url), "head")  # and compressed again
    engine_for(db_url).dispose()
    done = applications.complete(ctx, app.open_steps[0], "aigul")
    assert done.application_status == "running" and len(done.open_steps) == 1
