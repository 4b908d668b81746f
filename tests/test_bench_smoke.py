"""The benchmark harness runs end to end on tiny sizes (the figures themselves live in README)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from bench.run import main
from tests.conftest import _PG_REASON


def test_bench_quick_run_writes_every_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"  # where the run makes its databases (tempfile's folder)
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    result = main([
        "--quick", "--no-pg", "--apps", "3", "--rounds", "3", "--sizes", "30,60",
        "--out", str(tmp_path),
    ])
    (written,) = tmp_path.glob("bench-*.json")
    assert list(scratch.iterdir()) == []  # its databases went with it
    assert json.loads(written.read_text(encoding="utf-8"))["engine"] == result["engine"]
    engine = result["engine"]
    import sqlite3

    machine = result["machine"]
    assert machine["sqlite"] == sqlite3.sqlite_version and machine["cpus"] >= 1
    assert machine["postgresql"] is None  # --no-pg: the server is not asked
    assert machine["commit"] is None or len(machine["commit"]) >= 7
    # The wheelchair regulation has five user steps: 3 rounds of 1 application → 15 completions,
    # by the service layer (with and without fsync), by SpiffWorkflow alone and by regflow's
    # engine in memory alike.
    for run in ("sqlite", "sqlite_no_fsync", "ceiling_spiff_alone", "regflow_in_memory"):
        assert (engine[run]["applications"], engine[run]["tasks"]) == (3, 15), run
        assert len(engine[run]["rounds_tasks_per_s"]) == 3
        assert engine[run]["cpu_ms_per_task"] > 0, run
    assert 0 < engine["sqlite_vs_ceiling"] < 1
    # the batched runner: each call files 20 applications and completes their tasks wave by
    # wave, 20 per transaction; 3 apps per round is fewer than one call, so one call a round
    assert engine["batch_size"] == 20
    assert (engine["sqlite_batch"]["applications"], engine["sqlite_batch"]["tasks"]) == (
        3 * 20, 3 * 20 * 5
    )
    assert engine["batch_vs_sqlite"] > 0 and engine["batch_vs_ceiling"] > 0
    assert engine["sqlite_vs_no_fsync"] > 0 and engine["no_fsync_vs_ceiling"] > 0
    # five applications counted in the WAL: each filed, then its five tasks completed, each
    # one transaction. Each transaction changes rows in at least six B-trees (steps,
    # applications, events, its seq and application indexes, audit_head), a page each.
    assert engine["sqlite_wal_pages"]["transactions"] == 5 * (1 + 5)
    assert engine["sqlite_wal_pages"]["pages_per_transaction"] >= 6
    assert [row["open_applications"] for row in result["growth"]] == [30, 60]
    # at each size a step's cost is measured on that database itself: applications filed and
    # worked to their end there (a warm-up, three rounds of max(1, 3 // 10) = 1, and five whose
    # transactions' WAL pages are counted: 9), each leaving its five completed steps behind
    growth = result["growth"]
    assert [row["completion"]["applications_added"] for row in growth] == [1 + 3 * 1 + 5] * 2
    for row in growth:
        step = row["completion"]
        assert step["ms_per_task"] > 0 and step["cpu_ms_per_task"] > 0
        assert step["wal_pages_per_transaction"] >= 6  # as the rate's count, above
    assert growth[0]["completion_vs_smallest"] == 1 and growth[1]["completion_vs_smallest"] > 0
    # each seeded application has one open step, and two of every three one completed step
    # before it (roles round-robin: clerk, head, officer); the second size also holds the
    # first size's 9 measured applications' 5 steps each
    assert [row["step_records"] for row in growth] == [30 + 20, 60 + 40 + 9 * 5]
    # a full re-projection pass at each size: the seed writes due dates in calendar time, the
    # pass moves some of the applications seeded since the last pass into working time, and
    # none of those it already moved
    moved = [row["reprojection"]["moved"] for row in result["growth"]]
    assert 0 < moved[0] <= 30 and 0 < moved[1] <= 60 - 30
    assert result["memory"]["cli_tasks_role_head"]["peak_rss_mb"] > 10
    assert result["startup"]["regflow_help_ms"] > 0


def test_bench_quick_run_on_postgresql_writes_its_figures(tmp_path: Path) -> None:
    if _PG_REASON:
        pytest.skip(_PG_REASON)
    result = main([
        "--quick", "--apps", "3", "--rounds", "3", "--sizes", "30", "--pg-reproject", "30",
        "--out", str(tmp_path),
    ])
    engine = result["engine"]
    if "postgresql" not in engine:
        pytest.skip("the bench reached no PostgreSQL at REGFLOW_BENCH_PG_URL")
    assert (engine["postgresql"]["applications"], engine["postgresql"]["tasks"]) == (3, 15)
    assert 0 < engine["pg_vs_sqlite"]
    assert (engine["postgresql_batch"]["applications"], engine["postgresql_batch"]["tasks"]) == (
        3 * 20, 3 * 20 * 5
    )
    assert engine["pg_batch_vs_pg"] > 0 and engine["pg_batch_vs_sqlite_batch"] > 0
    assert engine["pg_parallel"]["one"]["processes"] == 1
    assert engine["pg_parallel"]["two"]["processes"] == 2
    assert engine["pg_parallel"]["two_vs_one"] > 0
    # the same 30 seeded applications move on PostgreSQL as on SQLite (one calendar, one seed)
    pg_growth = engine["pg_growth"]
    assert pg_growth["open_applications"] == 30
    tasks = pg_growth["tasks_role_head_ms"]
    assert 0 < tasks["p50_ms"] <= tasks["p99_ms"]
    assert pg_growth["steps_report_ms"]["p50_ms"] > 0
    reprojected = engine["pg_reprojection"]
    assert reprojected["applications"] == 30
    assert 0 < reprojected["moved"] <= 30
    assert reprojected["moved"] == result["growth"][0]["reprojection"]["moved"]


def test_instruction_counts_are_read_off_cachegrinds_summary_and_taken_per_task() -> None:
    from bench.instructions import instructions_of, per_task

    summary = "==4242== \n==4242== I   refs:      3,624,315,187\n"
    assert instructions_of(summary) == 3_624_315_187
    with pytest.raises(RuntimeError, match="no instruction count"):
        instructions_of("valgrind: command not found")
    # 30 applications of five tasks beyond the warm-up-only run: (4,081,317,777 - 3,624,806,364)
    # / 150 = 456,511,413 / 150 = 3,043,409.42 instructions per task
    assert per_task(4_081_317_777, 3_624_806_364, 150) == pytest.approx(3_043_409.42, abs=0.01)
    with pytest.raises(ValueError, match="no tasks"):
        per_task(10, 5, 0)



def test_the_driver_benchmark_sends_every_statement_both_ways_and_gives_a_ratio() -> None:
    """bench/driver.py: psycopg's pipeline against regflow's libpq pipeline, a few rounds of
    two transactions each (BEGIN, five INSERTs, COMMIT): every INSERT is answered (its Answer
    checks one row each), and the table holds what both ways wrote."""
    if _PG_REASON:
        pytest.skip(_PG_REASON)
    import psycopg

    from bench import driver
    from tests.conftest import PG_URL

    counted: list[int] = []
    real = driver._Answer._answer

    def answer(self, rows, rowcount):  # type: ignore[no-untyped-def]
        counted.append(rowcount)
        return real(self, rows, rowcount)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(driver._Answer, "_answer", answer)
        result = driver.measure(2, 3, url=PG_URL)
    # 20 warm-up transactions and 3 rounds of 2, five INSERTs each, by the libpq way
    assert counted == [1] * (20 + 3 * 2) * 5
    for way in ("psycopg_pipeline", "regflow_libpq"):
        assert result[way]["cpu_us_per_statement"] > 0
    assert result["cpu_ratio_libpq_vs_psycopg"] > 0
    with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://")) as conn:
        gone = conn.execute("SELECT to_regclass(%s)", (driver._TABLE,)).fetchone()
    assert gone == (None,)  # the benchmark's table is dropped after it
