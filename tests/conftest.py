"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), simulated clocks and a
CLI runner that drives the real ``regflow`` entry point."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
DATA = Path(__file__).resolve().parent / "data"
# The project's shared material beside the repository (the regulation texts, the BPMN MIWG
# corpus); REGFLOW_SHARED points at it from a clone elsewhere. Tests that need it skip, saying
# where they looked, when it is not there.
SHARED = Path(os.environ.get("REGFLOW_SHARED") or ROOT.parent / "shared")
SEEDS = SHARED / "seeds"
MIWG = SHARED / "bpmn-miwg" / "Reference"
ALMATY = ZoneInfo("Asia/Almaty")
PG_URL = os.environ.get("REGFLOW_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def at(text: str) -> datetime:
    """An Almaty wall-clock instant: at("2026-07-03 18:15")."""
    return datetime.fromisoformat(text).replace(tzinfo=ALMATY)


def _pg_unavailable() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        conn = psycopg.connect(
            PG_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3
        )
    except Exception as exc:
        return f"no PostgreSQL at {PG_URL}: {str(exc).splitlines()[0]}"
    conn.close()
    return None


_PG_REASON = _pg_unavailable()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    from regflow.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'regflow.db'}"
    upgrade(url)
    return url


@contextmanager
def pg_schema(*, migrated: bool = True) -> Iterator[str]:
    """A new PostgreSQL schema of its own (the test skips, saying why, when no server is
    reachable), migrated to the newest schema unless ``migrated=False``; dropped afterwards."""
    if _PG_REASON:
        pytest.skip(_PG_REASON)
    import psycopg

    from regflow.store.db import dispose
    from regflow.store.migrate import upgrade

    schema = f"regflow_t_{uuid.uuid4().hex[:10]}"
    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        if migrated:
            upgrade(url)
        yield url
    finally:
        dispose(url)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def pg_url() -> Iterator[str]:
    with pg_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL (skipped with the reason if absent)."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


class Cli:
    """The real ``regflow`` command on one database, at a chosen simulated instant."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(
        self, *args: str, at: str | None = None, expect: int | None = 0, input: str | None = None
    ) -> Result:
        from regflow.cli import cli

        env = {
            "REGFLOW_DATABASE_URL": self.url,
            "REGFLOW_NOW": at or "",
            "REGFLOW_DEBUG": "",
            "REGFLOW_LANG": "en",  # English whatever the machine's locale; --lang overrides
        }
        result = self.runner.invoke(
            cli, list(args), env=env, catch_exceptions=False, input=input
        )
        if expect is not None:
            assert result.exit_code == expect, (result.output, result.stderr)
        return result


@pytest.fixture
def cli(sqlite_url: str) -> Cli:
    return Cli(sqlite_url)


@pytest.fixture
def any_cli(db_url: str) -> Cli:
    return Cli(db_url)


def context(url: str, now: datetime):  # type: ignore[no-untyped-def]
    from regflow.clock import SimulatedClock
    from regflow.services.context import Context
    from regflow.settings import Settings

    return Context(Settings(database_url=url), SimulatedClock(now))


CHROMIUM = os.environ.get("REGFLOW_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Headless Debian Chromium driven by Playwright (no browser download: .ci/run installs it)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield b
        finally:
            b.close()
