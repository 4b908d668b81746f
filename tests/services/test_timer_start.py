"""Timer start events: the worker files applications on the model's schedule, exactly once each.

Schedule akimat (Mon–Fri 09:00–13:00, 14:30–18:30); Monday 2026-07-06 is Capital Day.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from regflow.services.processes import deploy
from regflow.services.worker import tick
from regflow.store.db import unit_of_work
from regflow.store.models import Application
from regflow.workflows.builder import ProcessBuilder
from tests.conftest import at, context


def _model(path: Path, timer: str) -> Path:
    b = ProcessBuilder(
        key="daily_check",
        name="Күнделікті тексеру",
        properties={"schedule": "akimat"},
    )
    clerk = b.lane("clerk", "Кеңсе қызметкері")
    start = b.timer_start(clerk, "Жұмыс күні сайын", timer, id="StartEvent_timer")
    check = b.user_task(clerk, "Тексеру", norm="30 minutes", id="Task_check")
    b.chain(start, check, b.end(clerk, "Тексерілді", outcome="issued"))
    b.write(path)
    return path


def _filed(url: str) -> int:
    with unit_of_work(url) as session:
        return int(session.scalar(select(func.count()).select_from(Application)) or 0)


def test_every_working_day_files_once_per_period_across_a_holiday(
    sqlite_url: str, tmp_path: Path
) -> None:
    ctx = context(sqlite_url, at("2026-07-03 10:00"))  # deployed Friday 10:00
    deploy(ctx, [_model(tmp_path / "m.bpmn", "every 1 working day")])
    tick(ctx, "w1")
    assert _filed(sqlite_url) == 0
    # One working day after Friday 10:00 is Tuesday 10:00 (weekend, then Capital Day).
    ctx.clock.set(at("2026-07-07 09:59"))
    tick(ctx, "w1")
    assert _filed(sqlite_url) == 0
    ctx.clock.set(at("2026-07-07 10:00"))
    tick(ctx, "w1")
    tick(ctx, "w2")  # a second tick, or a second worker, at the same instant files nothing more
    assert _filed(sqlite_url) == 1
    ctx.clock.set(at("2026-07-08 10:00"))  # the next period: Wednesday 10:00
    tick(ctx, "w1")
    assert _filed(sqlite_url) == 2


def test_one_shot_start_files_a_single_application(sqlite_url: str, tmp_path: Path) -> None:
    ctx = context(sqlite_url, at("2026-07-01 09:00"))
    deploy(ctx, [_model(tmp_path / "m.bpmn", "at 2026-07-10T09:00")])
    ctx.clock.set(at("2026-07-10 08:59"))
    tick(ctx, "w1")
    assert _filed(sqlite_url) == 0
    for instant in ("2026-07-10 09:00", "2026-07-13 09:00", "2026-07-20 09:00"):
        ctx.clock.set(at(instant))
        tick(ctx, "w1")
    assert _filed(sqlite_url) == 1
