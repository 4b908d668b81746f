"""Overlays on the diagram: open counts, overdue shares and median timing on the right shapes.

History (three_steps model, tests/support.py: register 30 min, decide 1 working day; schedule
akimat; 2026-07-01 is a Wednesday, a working day), four applications filed at 10:00:
  A: register completed 10:20 (20 min, on time), decide completed 12:00 → sign open
  B: register completed 11:00 (60 min, due 10:30 → over norm) → decide open
  C: register open (ready); D: register open (claimed)
Open now (12:00): register 2, decide 1, sign 1. Overdue: register 1 of 2 = 50 %, decide 0 of 1.
Median working time / norm, register: median(20/30, 60/30) = (0.667 + 2.0) / 2 = 1.33.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from regflow.services import applications
from regflow.services.processes import deploy
from regflow.services.queries import task_list
from regflow.services.render import hsl, render_process
from regflow.workflows.render import SVG
from tests.conftest import Cli, at, context
from tests.support import three_step_model

NS = {"s": SVG}


@pytest.fixture
def history(sqlite_url: str, tmp_path: Path) -> str:
    ctx = context(sqlite_url, at("2026-07-01 10:00"))
    deploy(ctx, [three_step_model(tmp_path / "three_steps.bpmn")])
    a, b, c, d = (applications.start(ctx, "three_steps") for _ in range(4))
    applications.complete(context(sqlite_url, at("2026-07-01 10:20")), a.open_steps[0], "clerk")
    applications.complete(context(sqlite_url, at("2026-07-01 11:00")), b.open_steps[0], "clerk")
    applications.claim(ctx, d.open_steps[0], "clerk")
    noon = context(sqlite_url, at("2026-07-01 12:00"))
    (decide_a,) = [r for r in task_list(noon) if r.application_id == a.application_id]
    applications.complete(noon, decide_a.id, "head", {"refuse": False})
    assert c.open_steps
    return sqlite_url


def _badges(svg: str) -> dict[str, str]:
    root = etree.fromstring(svg.encode("utf-8"))
    return {
        g.get("data-badge-for"): "".join(g.find("s:text", NS).itertext())
        for g in root.iterfind(".//s:g[@data-badge-for]", NS)
    }


def _fill(svg: str, element_id: str) -> str | None:
    root = etree.fromstring(svg.encode("utf-8"))
    (g,) = root.findall(f".//s:g[@data-element-id='{element_id}']", NS)
    return g.find("s:rect", NS).get("style")


def test_open_overlay_counts_ready_and_claimed_tasks_per_step(history: str) -> None:
    ctx = context(history, at("2026-07-01 12:00"))
    svg = render_process("three_steps", ctx, overlay="open").svg
    assert _badges(svg) == {"Task_register": "2", "Task_decide": "1", "Task_sign": "1"}
    assert "Open tasks now: 4" in svg
    # the busiest step has the darkest fill: 2 of max 2 → lightness 90 - 30 = 60 %
    assert _fill(svg, "Task_register") == f"fill:{hsl(213, 0.8, 0.6)}"


def test_open_overlay_date_range_filters_on_ready_time(history: str) -> None:
    ctx = context(history, at("2026-07-01 12:00"))
    # registers became ready at 10:00, decide (B) at 11:00, sign (A) at 12:00
    svg = render_process("three_steps", ctx, overlay="open", start=at("2026-07-01 10:30")).svg
    assert _badges(svg) == {"Task_decide": "1", "Task_sign": "1"}


def test_overdue_overlay_shows_share_over_norm_green_to_red(history: str) -> None:
    ctx = context(history, at("2026-07-01 12:00"))
    svg = render_process("three_steps", ctx, overlay="overdue").svg
    assert _badges(svg) == {"Task_register": "50%", "Task_decide": "0%"}
    assert _fill(svg, "Task_register") == f"fill:{hsl(60, 0.75, 0.72)}"  # halfway: yellow
    assert _fill(svg, "Task_decide") == f"fill:{hsl(120, 0.75, 0.72)}"  # none late: green
    assert _fill(svg, "Task_sign") is None


def test_median_overlay_is_working_time_over_norm(history: str) -> None:
    ctx = context(history, at("2026-07-01 12:00"))
    badges = _badges(render_process("three_steps", ctx, overlay="median").svg)
    assert badges["Task_register"] == "1.33×"


def test_cli_renders_deployed_process_with_overlay_to_html_and_file_without_db(
    history: str, tmp_path: Path
) -> None:
    cli = Cli(history)
    out = tmp_path / "open.html"
    result = cli("render", "three_steps", "-o", str(out), "--overlay", "open",
                 at="2026-07-01T12:00")  # fmt: skip
    assert f"wrote {out}" in result.output
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'data-badge-for="Task_register"' in page
    model = three_step_model(tmp_path / "plain.bpmn")
    svg_out = tmp_path / "plain.svg"
    Cli("sqlite:///" + str(tmp_path / "absent" / "x.db"))("render", str(model), "-o", str(svg_out))
    assert 'data-element-id="Task_sign"' in svg_out.read_text("utf-8")
    bad = cli("render", str(model), "-o", str(tmp_path / "x.pdf"), expect=2)
    assert "use .svg, .html or .png" in bad.stderr
    missing = cli("render", "no_such_process", expect=1)
    assert "no process 'no_such_process'" in missing.stderr


def test_png_output_is_a_png(history: str, tmp_path: Path) -> None:
    """PNG goes through headless Chromium (or cairosvg); run in its own process, since the
    browser tests of this test process may already hold a Playwright session."""
    import os
    import subprocess
    import sys

    out = tmp_path / "d.png"
    env = {**os.environ, "REGFLOW_DATABASE_URL": history, "REGFLOW_NOW": "2026-07-01T12:00"}
    done = subprocess.run(
        [sys.executable, "-m", "regflow.cli", "render", "three_steps", "--overlay", "overdue",
         "-o", str(out)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    if done.returncode != 0 and "PNG needs" in done.stderr:  # neither Chromium nor cairosvg
        pytest.skip(done.stderr.strip())
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
