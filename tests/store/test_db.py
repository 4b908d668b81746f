"""Transactions keep one connection between them in the main thread (store/db.py): reused while
it is good, given up when it may not be."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from regflow.errors import ConfigError
from regflow.store import db
from regflow.store.db import dispose, engine_for, transaction


def _driver_connection(url: str):  # type: ignore[no-untyped-def]
    with transaction(url) as tx:
        return tx.connection.connection.dbapi_connection


def _connection(url: str):  # type: ignore[no-untyped-def]
    with transaction(url) as tx:
        return tx.connection


def test_consecutive_transactions_reuse_one_connection(sqlite_url: str) -> None:
    first = _driver_connection(sqlite_url)
    assert _driver_connection(sqlite_url) is first
    with transaction(sqlite_url, read_only=True) as tx:  # a reading one too
        assert tx.connection.connection.dbapi_connection is first


def test_a_failed_transaction_gives_its_connection_up(sqlite_url: str) -> None:
    with pytest.raises(ConfigError, match="database error"):
        with transaction(sqlite_url) as tx:
            failed = tx.connection
            failed.execute(text("SELECT * FROM no_such_table"))
    assert failed.closed and _connection(sqlite_url) is not failed


def test_a_disposed_engine_is_not_used_through_a_kept_connection(sqlite_url: str) -> None:
    first = _driver_connection(sqlite_url)
    engine_for(sqlite_url).dispose()  # e.g. a test swapping in a traced connection
    second = _driver_connection(sqlite_url)
    assert second is not first
    dispose(sqlite_url)
    assert _driver_connection(sqlite_url) is not second


def test_turning_to_another_database_closes_the_kept_connection(
    sqlite_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from regflow.store.migrate import upgrade

    other = f"sqlite:///{tmp_path_factory.mktemp('other') / 'other.db'}"
    upgrade(other)
    first = _connection(sqlite_url)
    _connection(other)
    assert first.closed  # at most one connection is kept
    assert _connection(sqlite_url) is not first


def test_a_connection_idle_too_long_goes_back_through_the_pool(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _connection(sqlite_url)
    assert _connection(sqlite_url) is first
    monkeypatch.setattr(db, "_IDLE_SECONDS", 0.0)  # every pause is now too long
    second = _connection(sqlite_url)
    assert second is not first and first.closed  # returned to the pool (which pings it)


def test_other_threads_use_the_pool_and_keep_nothing(sqlite_url: str) -> None:
    db.release()
    seen: list[object] = []

    def work() -> None:
        seen.append(_driver_connection(sqlite_url))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert len(seen) == 1 and db._held.kept is None


# --- the schema this code needs ------------------------------------------------------------


def _scripts(url: str):  # type: ignore[no-untyped-def]
    from alembic.script import ScriptDirectory

    from regflow.store.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config(url))


def test_the_schema_regflow_needs_is_alembics_newest_migration(sqlite_url: str) -> None:
    assert _scripts(sqlite_url).get_current_head() == db.schema_revision()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path):  # type: ignore[no-untyped-def]
    """A database regflow never initialised: a new SQLite file, or an empty PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    from tests.conftest import pg_schema

    with pg_schema(migrated=False) as url:
        yield url


def test_a_database_never_initialised_is_refused_in_one_line(empty_url: str) -> None:
    from tests.conftest import Cli

    result = Cli(empty_url)("tasks", "--role", "head", expect=1)
    assert result.stderr == "error: the database has no regflow schema yet: run `regflow init`\n"
    Cli(empty_url)("init")
    assert "Tasks (0)" in Cli(empty_url)("tasks", "--role", "head").output  # now it opens


def test_an_older_schema_is_refused_until_regflow_init_upgrades_it(
    db_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    from alembic import command

    from regflow.store.migrate import alembic_config
    from tests.conftest import Cli
    from tests.support import three_step_model

    newest = db.schema_revision()
    older = _scripts(db_url).get_revision(newest).down_revision
    command.downgrade(alembic_config(db_url), str(older))
    monkeypatch.setattr(db, "_schema_ok", set())  # as in a new process
    cli = Cli(db_url)
    model = str(three_step_model(tmp_path / "m.bpmn"))
    refused = cli("deploy", model, expect=1)
    assert refused.stderr == (
        f"error: the database's schema is at migration {older}, this regflow needs {newest}: "
        "run `regflow init` to upgrade it\n"
    )
    with engine_for(db_url).connect() as conn:  # nothing was written
        assert conn.execute(text("SELECT count(*) FROM process_definitions")).scalar() == 0
    cli("init")
    cli("deploy", model)


def test_a_schema_newer_than_this_regflow_is_refused(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import Cli

    with engine_for(db_url).begin() as conn:  # as a later regflow's `init` would leave it
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    monkeypatch.setattr(db, "_schema_ok", set())
    refused = Cli(db_url)("tasks", "--role", "head", expect=1)
    assert refused.stderr == (
        "error: the database's schema (migration 9999) is newer than this regflow "
        f"({db.schema_revision()}): use the regflow that upgraded it\n"
    )


def test_without_fsync_turns_synchronous_off_for_that_sqlite_database_only(
    sqlite_url: str, tmp_path  # type: ignore[no-untyped-def]
) -> None:
    from regflow.store.migrate import upgrade

    other = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(other)

    def synchronous(url: str) -> int:
        dispose(url)  # a new connection: the pragmas run on connect
        with engine_for(url).connect() as conn:
            return int(conn.exec_driver_sql("PRAGMA synchronous").scalar())

    assert synchronous(sqlite_url) == synchronous(other) == 2  # FULL, the store's own
    db.without_fsync(sqlite_url)
    assert (synchronous(sqlite_url), synchronous(other)) == (0, 2)  # OFF for that one only
