"""``regflow report`` and ``regflow export xes`` from the command line: stable CSV/JSON columns, a
self-contained HTML file that Chromium renders without errors, and an XES log pm4py reads.

The history is the one of tests/services/test_report.py (three applications of the three-step
model around the Capital Day holiday; 7 completed steps, 1 claimed and open).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from regflow.services.report_rows import (
    APPLICATION_COLUMNS,
    PEOPLE_COLUMNS,
    STEP_COLUMNS,
    TIMELINE_COLUMNS,
)
from tests.conftest import Cli, at
from tests.services.test_report import build_history

NOW = "2026-07-14T10:00"


@pytest.fixture
def history(cli: Cli, tmp_path: Path) -> tuple[Cli, tuple[int, int, int]]:
    _, ids = build_history(cli.url, tmp_path)
    return cli, ids


def test_csv_and_json_columns_are_stable(history) -> None:  # type: ignore[no-untyped-def]
    cli, (a1, _, _) = history
    assert STEP_COLUMNS == (
        "process", "route", "step_id", "step", "role", "norm", "count", "median_minutes",
        "p90_minutes", "max_minutes", "over_norm", "over_norm_share", "overdue_minutes",
    )  # fmt: skip
    cases = [
        (["--view", "steps"], STEP_COLUMNS, 3),
        (["--view", "applications"], APPLICATION_COLUMNS, 3),
        (["--view", "people", "--by", "user"], PEOPLE_COLUMNS, 3),
        (["--application", str(a1)], TIMELINE_COLUMNS, 3),
    ]
    for args, columns, count in cases:
        text = cli("report", *args, "--format", "csv", at=NOW).output
        rows = list(csv.DictReader(io.StringIO(text)))
        assert tuple(rows[0]) == columns and len(rows) == count, args
        data = json.loads(cli("report", *args, "--format", "json", at=NOW).output)
        records = data["steps"] if "--application" in args else data
        assert [tuple(r) for r in records] == [columns] * count, args
    steps = json.loads(cli("report", "--format", "json", at=NOW).output)
    assert [(s["step_id"], s["median_minutes"], s["overdue_minutes"]) for s in steps] == [
        ("Task_register", 60.0, 120),
        ("Task_decide", 405.0, 540),
        ("Task_sign", 630.0, 150),
    ]
    timeline = json.loads(cli("report", "--application", str(a1), "--format", "json").output)
    assert timeline["application"]["deadline_at"] == "2026-07-09T18:30:00+05:00"
    assert timeline["steps"][2]["ready_at"] == "2026-07-03T17:00:00+05:00"


def test_terminal_tables_show_working_time_and_lateness(history) -> None:  # type: ignore[no-untyped-def]
    cli, (a1, _, a3) = history
    out = cli("report", at=NOW).output
    assert "Тіркеу" in out and "1 wd" in out and "2 h" in out  # decide p90 1020 = 2 wd 60 min
    out = cli("report", "--view", "applications", at=NOW).output
    assert "missed" in out and "refused" in out
    out = cli("report", "--application", str(a3), at=NOW).output
    assert "+1 wd 6 h" in out  # open sign over norm by 840 = 1 wd 360 min
    out = cli("report", "--view", "people", at=NOW).output
    assert "head" in out and "clerk" in out


def test_bad_report_options_are_one_line_errors(history) -> None:  # type: ignore[no-untyped-def]
    cli, _ = history
    for args, text in [
        (["--version", "1"], "--version needs --process"),
        (["--from", "soon"], "not a date"),
        (["--by", "start", "--by", "end"], "--by"),
        (["--format", "html"], "needs -o"),
        (["--application", "99"], "no application 99"),
    ]:
        result = cli("report", *args, at=NOW, expect=None)
        assert result.exit_code in (1, 2) and text in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output


def test_html_report_is_self_contained_and_renders_its_charts(  # type: ignore[no-untyped-def]
    history, tmp_path: Path, browser
) -> None:
    cli, _ = history
    target = tmp_path / "report.html"
    assert "report written" in cli("report", "--format", "html", "-o", str(target), at=NOW).output
    text = target.read_text(encoding="utf-8")
    assert not re.search(r"https?://", text)  # no URL at all: not even an SVG namespace
    assert not re.search(r"""(src|href)\s*=""", text, re.I)
    assert "<script" not in text and "@import" not in text and "url(" not in text
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(target.as_uri())
    # 3 step charts + 1 heatmap + 3 Gantt timelines
    assert page.locator("svg").count() == 7
    assert page.locator("svg rect").count() > 30
    box = page.locator("svg").first.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 50
    assert page.locator("svg line[stroke-dasharray]").count() >= 3  # norm lines
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert errors == []
    assert requests == [target.as_uri()]
    page.close()


@pytest.mark.filterwarnings("ignore:Install the optional requirement:UserWarning")
def test_xes_export_loads_in_pm4py_with_one_trace_per_application(  # type: ignore[no-untyped-def]
    history, tmp_path: Path
) -> None:
    pm4py = pytest.importorskip("pm4py")
    cli, _ = history
    target = tmp_path / "history.xes"
    out = cli("export", "xes", "-o", str(target), at=NOW).output
    # 7 completed steps × (start + complete) + 1 claimed open step × start = 15 events.
    assert "3 cases, 15 events" in out
    log = pm4py.read_xes(str(target))
    assert log["case:concept:name"].nunique() == 3
    assert len(log) == 15
    assert sorted(log["lifecycle:transition"].value_counts().items()) == [
        ("complete", 7),
        ("start", 8),
    ]
    assert set(log["org:resource"]) == {"aigul", "bolat", "erlan"}
    assert set(log["org:role"]) == {"clerk", "head"}
    first = log.sort_values("time:timestamp").iloc[0]
    assert (first["concept:name"], first["lifecycle:transition"]) == ("Тіркеу", "start")
    assert first["time:timestamp"].to_pydatetime() == at("2026-07-02 17:50")  # pm4py shows UTC
    assert 'value="2026-07-02T17:50:00.000+05:00"' in target.read_text(encoding="utf-8")
    only_done = tmp_path / "done.xes"
    out = cli("export", "xes", "-o", str(only_done), "--status", "completed", at=NOW).output
    assert "2 cases, 10 events" in out  # A1: 3 steps × 2, A2: 2 steps × 2


def test_demo_ends_by_writing_the_html_report(cli: Cli, tmp_path: Path) -> None:
    out = cli("demo", "--dir", str(tmp_path / "demo"), "--applications", "4").output
    report = tmp_path / "demo" / "report.html"
    assert f"report: {report.resolve()}" in out.replace("\n", "")
    text = report.read_text(encoding="utf-8")
    assert text.count("<svg") >= 3 and not re.search(r"https?://", text)
