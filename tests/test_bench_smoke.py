"""The benchmark harness runs end to end on tiny sizes (the figures themselves live in README)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.run import main


def test_bench_quick_run_writes_every_figure(tmp_path: Path) -> None:
    result = main(["--quick", "--no-pg", "--apps", "3", "--sizes", "30,60", "--out", str(tmp_path)])
    (written,) = tmp_path.glob("bench-*.json")
    assert json.loads(written.read_text(encoding="utf-8"))["engine"] == result["engine"]
    engine = result["engine"]
    assert engine["sqlite"]["tasks_per_s"] > 0 and engine["ceiling_in_memory"]["tasks_per_s"] > 0
    # The wheelchair regulation has five user steps: 3 applications → 15 completions.
    assert round(engine["sqlite"]["tasks_per_s"] * engine["sqlite"]["seconds"]) == 15
    assert [row["open_applications"] for row in result["growth"]] == [30, 60]
    assert result["memory"]["cli_tasks_role_head"]["peak_rss_mb"] > 10
    assert result["startup"]["regflow_help_ms"] > 0
