"""Schema migrations keep running applications intact (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import text

from regflow.services import applications
from regflow.services.processes import deploy
from regflow.store.db import engine_for
from regflow.store.migrate import alembic_config
from tests.conftest import at, context
from tests.support import three_step_model


def _one_filed(db_url: str, tmp_path: Path) -> tuple[Any, Any]:
    """A context at 2026-07-01 10:00 and one application of the three-step model filed."""
    ctx = context(db_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "m.bpmn")])
    return ctx, applications.start(ctx, "three_steps")


def test_snapshot_compression_migrates_both_ways_and_applications_go_on(
    db_url: str, tmp_path: Path
) -> None:
    """Both kinds of stored snapshot go back to JSON text: an open application's (written
    plain) and a finished one's (deflated, workflows/snapshot.py)."""
    ctx, app = _one_filed(db_url, tmp_path)
    finished = applications.start(ctx, "three_steps")
    task: int | None = finished.open_steps[0]
    while task is not None:
        open_steps = applications.complete(ctx, task, "aigul", {"refuse": False}).open_steps
        task = open_steps[0] if open_steps else None
    with engine_for(db_url).connect() as conn:
        before = [bytes(r[0])[:1] for r in conn.execute(text(
            "SELECT snapshot FROM applications ORDER BY id"))]
    assert before[0] == b"{" and before[1] != b"{"  # plain while open, deflated once finished

    command.downgrade(alembic_config(db_url), "0005")  # back to JSON text snapshots
    with engine_for(db_url).connect() as conn:
        stored = conn.execute(text("SELECT snapshot FROM applications ORDER BY id")).scalars()
        texts = list(stored)
    assert len(texts) == 2
    assert all(isinstance(t, str) and '"serializer_version"' in t for t in texts), texts

    command.upgrade(alembic_config(db_url), "head")  # and compressed again
    engine_for(db_url).dispose()
    done = applications.complete(ctx, app.open_steps[0], "aigul")
    assert done.application_status == "running" and len(done.open_steps) == 1


def test_the_migrations_build_the_schema_the_models_describe(db_url: str) -> None:
    """After `regflow init` the database has every table, column and index of store/models.py
    and nothing else (a model changed without its migration fails here)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from regflow.store.models import Base

    with engine_for(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    ignored = {"alembic_version"}
    found = [d for d in differences if not (d[0] == "remove_table" and d[1].name in ignored)]
    assert found == []


def test_the_steps_report_reads_the_routes_of_a_process_from_an_index(sqlite_url: str) -> None:
    """The routes each process was filed on come from ix_applications_process_route alone
    (migration 0008): the table, with every application's workflow snapshot, is not read."""
    from sqlalchemy import select

    from regflow.store.models import Application

    query = select(Application.process_key, Application.route).distinct()
    with engine_for(sqlite_url).connect() as connection:
        sql = str(query.compile(connection))
        plan = " ".join(
            str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
        )
    assert "COVERING INDEX ix_applications_process_route" in plan, plan


def test_the_routes_index_migrates_both_ways_and_the_report_still_runs(
    db_url: str, tmp_path: Path
) -> None:
    from sqlalchemy import inspect

    from regflow.services.report import steps_view

    def indexes() -> set[str]:
        engine_for(db_url).dispose()
        return {i["name"] for i in inspect(engine_for(db_url)).get_indexes("applications")}

    ctx, app = _one_filed(db_url, tmp_path)
    applications.complete(ctx, app.open_steps[0], "aigul")
    command.downgrade(alembic_config(db_url), "0007")
    assert "ix_applications_process_route" not in indexes()
    command.upgrade(alembic_config(db_url), "head")
    assert "ix_applications_process_route" in indexes()
    (row,) = steps_view(ctx)
    assert (row.step_id, row.count, row.route) == ("Task_register", 1, "provider")


def test_the_head_trigger_goes_with_a_downgrade_and_comes_back_with_the_upgrade(
    db_url: str, tmp_path: Path
) -> None:
    from regflow.store.audit import verify

    def head_moves() -> bool:
        """Does a raw event one past the head move it? (rolled back: nothing stays)"""
        with engine_for(db_url).connect() as conn:
            seq = conn.execute(text("SELECT seq FROM audit_head")).scalar_one()
            conn.execute(text(
                "INSERT INTO events (at, kind, actor, payload, seq, prev_hash, hash) VALUES "
                "('2026-07-01 05:00:00', 'x', 'x', '{}', :seq, :h, :h)"
            ), {"seq": seq + 1, "h": "0" * 64})
            moved = conn.execute(text("SELECT seq FROM audit_head")).scalar_one() == seq + 1
            conn.rollback()
            return bool(moved)

    ctx, app = _one_filed(db_url, tmp_path)
    assert head_moves()
    command.downgrade(alembic_config(db_url), "0008")
    assert not head_moves()
    command.upgrade(alembic_config(db_url), "head")
    assert head_moves()
    applications.complete(ctx, app.open_steps[0], "aigul")
    with engine_for(db_url).connect() as conn:
        verdict = verify(conn)
    assert verdict.ok and verdict.head_seq == verdict.events


_TASK_LIST_INDEXES = ("ix_steps_role_status_due", "ix_steps_user_status_due", "ix_steps_status_due")


def _index_predicates(db_url: str) -> dict[str, str | None]:
    """Each index's WHERE clause as the database itself holds it (None: the whole table).
    Alembic's comparison of models and schema does not look at index predicates."""
    engine_for(db_url).dispose()
    with engine_for(db_url).connect() as conn:
        if conn.dialect.name == "sqlite":
            found = conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ))
        else:
            found = conn.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            ))
        return {
            name: sql.split(" WHERE ", 1)[1] if " WHERE " in sql else None for name, sql in found
        }


def _task_list_index_predicates(db_url: str) -> dict[str, str | None]:
    predicates = _index_predicates(db_url)
    return {name: predicates[name] for name in _TASK_LIST_INDEXES}


def test_the_task_list_indexes_hold_open_steps_only_and_migrate_both_ways(
    db_url: str, tmp_path: Path
) -> None:
    from regflow.services.queries import task_list

    ctx, app = _one_filed(db_url, tmp_path)
    partial = _task_list_index_predicates(db_url)
    for predicate in partial.values():  # 'ready' and 'claimed', as OPEN_STEP_STATUSES
        assert predicate is not None and "'ready'" in predicate and "'claimed'" in predicate
        assert "completed" not in predicate and "cancelled" not in predicate

    command.downgrade(alembic_config(db_url), "0009")
    assert _task_list_index_predicates(db_url) == dict.fromkeys(_TASK_LIST_INDEXES)
    command.upgrade(alembic_config(db_url), "head")
    assert _task_list_index_predicates(db_url) == partial

    done = applications.complete(ctx, app.open_steps[0], "aigul")
    (listed,) = task_list(ctx, role="head")
    assert listed.id == done.open_steps[0] and task_list(ctx, role="clerk") == []


def test_what_the_step_indexes_cost_a_transaction_in_wal_pages(tmp_path: Path) -> None:
    """What migrations 0010, 0011 and 0012 do to every transaction, counted in SQLite's WAL
    (bench/run.py ``wal_pages``) on a database big enough that each index spans many pages
    (3,000 seeded open applications). The counts are of pages, so they do not depend on the
    machine.

    0010: a completion at 0009 also writes the pages of the completed part of the three
    task-list indexes; from 0010 on it only deletes its entries from the open part.
    0011: the reports' index holds completed steps with every column the reports read, so its
    entries are four to five times the size of ix_steps_process_step's and a completion adds
    one in the middle of the index (at the end of its step's range): its leaf fills and
    splits more often than the old index's, a price of about one page per transaction.
    0012: the person's index holds held steps only. In this flow no task is claimed, so up to
    0011 each filing added its first step to that index with no claimant, and each completion
    deleted its step's entry and added the next step's beside it, at the index's unclaimed
    end: about a page per transaction, which 0012 saves."""
    from bench.run import _fresh_sqlite, seed, service_runner, wal_pages

    url = _fresh_sqlite(tmp_path, "pages")
    seed(url, 3_000)
    one = service_runner(url)
    pages = {}
    for revision in ("head", "0011", "0010", "0009"):
        if revision != "head":
            command.downgrade(alembic_config(url), revision)
            engine_for(url).dispose()
        pages[revision] = wal_pages(url, one)["pages_per_transaction"]
    # measured on this seed (each revision after the runs of those above it): 14.4 pages at
    # head, 16.0 at 0011, 15.5 at 0010, 18.7 at 0009.
    # Each of the three task-list indexes saves about a page per completion (the filings, a
    # sixth of the transactions, save nothing), so about 2.5 per transaction; at least 2 is
    # asked. The reports' index may cost up to one and a half; the person's index saves about
    # a page of every transaction (1.6 here, with the page splits at its unclaimed end), at
    # least 0.8 is asked
    assert pages["0010"] <= pages["0009"] - 2, pages
    assert pages["0010"] < pages["0011"] <= pages["0010"] + 1.5, pages
    assert pages["head"] <= pages["0011"] - 0.8, pages


def test_the_persons_index_holds_held_steps_only_and_migrates_both_ways(
    db_url: str, tmp_path: Path
) -> None:
    from regflow.services.queries import task_list

    ctx, app = _one_filed(db_url, tmp_path)
    held = _index_predicates(db_url)["ix_steps_user_status_due"]
    assert held is not None and "claimed_by IS NOT NULL" in held and "'claimed'" in held

    command.downgrade(alembic_config(db_url), "0011")
    before = _index_predicates(db_url)["ix_steps_user_status_due"]
    assert before is not None and "claimed_by" not in before and "'ready'" in before
    command.upgrade(alembic_config(db_url), "head")
    assert _index_predicates(db_url)["ix_steps_user_status_due"] == held

    engine_for(db_url).dispose()
    (task,) = app.open_steps
    assert task_list(ctx, user="aigul") == []
    applications.claim(ctx, task, "aigul")
    (mine,) = task_list(ctx, user="aigul")
    assert (mine.id, mine.claimed_by) == (task, "aigul")
    applications.complete(ctx, task, "aigul")
    assert task_list(ctx, user="aigul") == []


def test_the_reports_index_holds_completed_user_steps_and_migrates_both_ways(
    db_url: str, tmp_path: Path
) -> None:
    from regflow.services.report import steps_view

    ctx, app = _one_filed(db_url, tmp_path)
    predicates = _index_predicates(db_url)
    done = predicates["ix_steps_done"]
    assert done is not None and "'completed'" in done and "'user'" in done
    assert "ix_steps_process_step" not in predicates

    command.downgrade(alembic_config(db_url), "0010")
    predicates = _index_predicates(db_url)
    assert "ix_steps_done" not in predicates and predicates["ix_steps_process_step"] is None
    command.upgrade(alembic_config(db_url), "head")
    assert _index_predicates(db_url)["ix_steps_done"] == done

    applications.complete(ctx, app.open_steps[0], "aigul")
    (register,) = steps_view(ctx)  # the one completed step, read along the index
    assert (register.step_id, register.count) == ("Task_register", 1)
