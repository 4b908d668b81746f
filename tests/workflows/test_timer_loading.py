"""Loading timer events: which ones regflow accepts, and the ``timer`` property's grammar."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from regflow.errors import ModelError, NormError
from regflow.workflows.loader import load_process
from regflow.workflows.norms import Norm, NormUnit
from regflow.workflows.schedules import calendar_for
from regflow.workflows.timers import TimerRule, due_at
from tests.conftest import at
from tests.timer_support import escalation_model, wait_model


def test_boundary_timers_interrupting_and_not_load(tmp_path: Path) -> None:
    for interrupting in (False, True):
        path = escalation_model(tmp_path / f"m{interrupting}.bpmn", interrupting=interrupting)
        spec = load_process(path.read_bytes(), path.name).spec
        assert spec.task_specs["Timer_escalate"].cancel_activity is interrupting


def test_intermediate_timer_loads(tmp_path: Path) -> None:
    path = wait_model(tmp_path / "w.bpmn", timer="3 working days before deadline")
    assert "Timer_wait" in load_process(path.read_bytes(), path.name).spec.task_specs


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('value="3 working days"', "unknown unit 'fortnights'"),
        ('name="timer"', "needs a 'timer' property"),
    ],
)
def test_unreadable_timer_is_refused_with_line(tmp_path: Path, change: str, message: str) -> None:
    path = wait_model(tmp_path / "w.bpmn", timer="3 working days")
    text = path.read_text(encoding="utf-8")
    bad = 'value="3 fortnights"' if change.startswith("value") else 'name="other"'
    path.write_text(text.replace(change, bad, 1), encoding="utf-8")
    with pytest.raises(ModelError, match=message) as info:
        load_process(path.read_bytes(), path.name)
    assert info.value.element == "Timer_wait" and info.value.line


def test_before_deadline_needs_a_process_deadline(tmp_path: Path) -> None:
    path = wait_model(tmp_path / "w.bpmn", timer="3 working days before deadline")
    text = path.read_text(encoding="utf-8").replace('name="deadline"', 'name="not_deadline"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError, match="no 'deadline' property"):
        load_process(path.read_bytes(), path.name)


def test_message_catch_event_is_still_refused(tmp_path: Path) -> None:
    path = wait_model(tmp_path / "w.bpmn")
    text = path.read_text(encoding="utf-8")
    start = text.index("<bpmn:timerEventDefinition")
    end = text.index("</bpmn:timerEventDefinition>") + len("</bpmn:timerEventDefinition>")
    path.write_text(text[:start] + "<bpmn:messageEventDefinition/>" + text[end:], "utf-8")
    with pytest.raises(ModelError, match="only as a timer event"):
        load_process(path.read_bytes(), path.name)


def test_timer_rule_grammar() -> None:
    rule = TimerRule.parse("3 working days before deadline")
    assert (rule.norm, rule.before_deadline) == (Norm(3, NormUnit.WORKING_DAYS), True)
    assert TimerRule.parse("1 calendar month").norm == Norm(1, NormUnit.CALENDAR_MONTHS)
    assert TimerRule.parse("3 жұмыс күні").norm == Norm(3, NormUnit.WORKING_DAYS)
    assert TimerRule.parse("every 1 working day", start=True).every
    assert TimerRule.parse("at 2026-07-10 09:00", start=True).at == datetime(2026, 7, 10, 9, 0)
    with pytest.raises(NormError, match="working or calendar days"):
        TimerRule.parse("30 minutes before deadline")
    with pytest.raises(NormError, match="cannot read start timer"):
        TimerRule.parse("sometime", start=True)


def test_subtract_counts_back_over_working_days_across_capital_day() -> None:
    cal = calendar_for("akimat")
    # deadline Fri 2026-07-10 18:30; back 3 working days: Thu 09, Wed 08, Tue 07 (Mon 07-06 is
    # Capital Day) → Tue 07-07 18:30
    assert cal.subtract(at("2026-07-10 18:30"), 3) == at("2026-07-07 18:30")
    # a Saturday counts from Friday's close: back 1 → Thu 07-09 18:30
    assert cal.subtract(at("2026-07-11 12:00"), 1) == at("2026-07-09 18:30")
    # same clock time: Thu 07-09 10:00 back 3 → Fri 07-03 10:00 (skips 06, the weekend)
    assert cal.subtract(at("2026-07-09 10:00"), 3) == at("2026-07-03 10:00")
    assert cal.subtract(at("2026-07-09 10:00"), 0) == at("2026-07-09 10:00")


def test_before_deadline_that_already_passed_is_due_at_once() -> None:
    cal = calendar_for("akimat")
    rule = TimerRule.parse("3 working days before deadline")
    when = due_at(rule, cal, waiting_since=at("2026-07-09 10:00"), deadline=at("2026-07-10 18:30"))
    assert when == at("2026-07-09 10:00")
