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
from tests.support import three_step_model

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


def test_show_and_report_agree_on_every_step_across_a_weekend_and_capital_day(
    cli: Cli, tmp_path: Path
) -> None:
    # tests/support.three_step_model: register 30 min → decide 1 working day → sign 1 working
    # day; deadline 5 working days. Akimat: Mon–Fri 09:00–13:00 + 14:30–18:30 = 480 a day.
    # Fri 2026-07-03, then Sat 04, Sun 05 and Mon 06 (Capital Day) off, Tue 07, Wed 08.
    cli("deploy", str(three_step_model(tmp_path / "three_steps.bpmn")))
    cli("start", "three_steps", at="2026-07-03T16:00")  # accepted at once
    # register (task 1): ready Fri 16:00, due 16:30; claimed 16:10, completed 16:40:
    #   waiting 10, handling 30, working 40, over norm 16:30–16:40 = 10; calendar 40 min.
    cli("claim", "1", "--user", "aigul", at="2026-07-03T16:10")
    cli("complete", "1", "--user", "aigul", at="2026-07-03T16:40")
    # decide (task 2): ready Fri 16:40, due Tue 16:40 (1 working day: Sat, Sun, Mon skipped);
    #   completed without a claim Tue 11:00: Fri 16:40–18:30 110 + Tue 09:00–11:00 120 = 230,
    #   all waiting; on time; calendar Fri 16:40 → Tue 11:00 = 3 d 18 h 20 min = 5420 min.
    cli("complete", "2", "--user", "bolat", "--set", "refuse=false", at="2026-07-07T11:00")
    # sign (task 3): ready Tue 11:00, due Wed 11:00; nobody has claimed it at NOW, Wed 15:00:
    #   Tue 11:00–13:00 120 + 14:30–18:30 240 + Wed 09:00–13:00 240 + 14:30–15:00 30 = 630,
    #   all waiting; over norm Wed 11:00–13:00 120 + 14:30–15:00 30 = 150 (= 630 − 480);
    #   calendar Tue 11:00 → Wed 15:00 = 28 h = 1680 min.
    now = "2026-07-08T15:00"
    expected = [
        # task, step, status, actor, waiting, handling, working, calendar, overdue, overdue time
        (1, "Task_register", "completed", "aigul", 10, 30, 40, 40, True, 10),
        (2, "Task_decide", "completed", "bolat", 230, 0, 230, 5420, False, None),
        (3, "Task_sign", "ready", None, 630, 0, 630, 1680, True, 150),
    ]
    keys = ("step_id", "status", "actor", "waiting_minutes", "handling_minutes",
            "working_minutes", "calendar_minutes", "overdue", "overdue_minutes")
    show = json.loads(cli("show", "1", "--json", at=now).output)
    report = json.loads(cli("report", "--application", "1", "--format", "json", at=now).output)
    text = cli("report", "--application", "1", "--format", "csv", at=now).output
    table = list(csv.DictReader(io.StringIO(text)))
    assert [(s["id"], *(s[k] for k in keys)) for s in show["steps"]] == expected
    assert [(s["task_id"], *(s[k] for k in keys)) for s in report["steps"]] == expected
    assert [(int(r["task_id"]), r["step_id"], r["working_minutes"]) for r in table] == [
        (1, "Task_register", "40"), (2, "Task_decide", "230"), (3, "Task_sign", "630")
    ]
    # The application, running: Fri 16:00–18:30 150 + Tue 480 + Wed 240 + 30 = 900 so far
    # (= 40 + 230 + 630). Deadline, counting the day of acceptance: Fri 03 (1), Tue 07 (2),
    # Wed 08 (3), Thu 09 (4), Fri 07-10 (5) at 18:30: not passed yet, so not yet judged.
    application = report["application"]
    for key in ("status", "working_minutes", "deadline_at", "deadline_met", "worst_step_id"):
        assert show[key] == application[key], key
    assert (show["status"], show["working_minutes"], show["deadline_met"]) == ("running", 900, None)
    assert show["deadline_at"] == "2026-07-10T18:30:00+05:00"
    assert (show["worst_step_id"], show["worst_overdue_minutes"]) == ("Task_sign", 150)
    # the clerk's table prints the same figures
    out = cli("show", "1", at=now).output
    for figure in ("40 min", "3 h 50 min", "1 wd 2 h 30 min", "+10 min", "+2 h 30 min",
                   "working time 1 wd 7 h"):  # 230, 630, 900 = 480 + 420
        assert figure in out, figure


def test_one_applications_html_report_is_its_timeline(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli, (a1, _, a3) = history
    target = tmp_path / "a3.html"
    out = cli("report", "--application", str(a3), "--format", "html", "-o", str(target), at=NOW)
    assert "report written" in out.output
    text = target.read_text(encoding="utf-8")
    assert text.count("<svg") == 1  # its Gantt chart, no step charts of the whole report
    assert not re.search(r"https?://", text) and "<script" not in text
    assert f"Application {a3} · three_steps v1" in text and "missed" in text
    # A3's rows (tests/services/test_report.py): register +90, decide +540, open sign +840.
    for cell in ("+1 h 30 min", "+1 wd 1 h", "+1 wd 6 h", "claimed"):
        assert f">{cell}</td>" in text, cell
    assert "Applications" not in text  # not the whole report
    cli("report", "--application", str(a1), "--format", "html", "-o", str(target), at=NOW)
    assert f"Application {a1} · three_steps v1" in target.read_text(encoding="utf-8")


def test_the_gantt_deadline_tooltip_speaks_the_reports_language(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli, (_, _, a3) = history
    target = tmp_path / "a3.kk.html"
    cli("--lang", "kk", "report", "--application", str(a3), "--format", "html", "-o",
        str(target), at=NOW)
    text = target.read_text(encoding="utf-8")
    assert "<title>қызмет көрсету мерзімі</title>" in text  # the dashed line's tooltip
    assert "service deadline" not in text


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
