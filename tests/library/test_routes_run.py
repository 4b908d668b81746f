"""Every route of every model in processes/ runs end to end through the engine on simulated time.

Each step takes exactly its norm: it is completed at its due instant. The recorded working time
of a step must then equal its norm, worked out here from workflows/schedules.toml itself (read
as TOML, not through WorkCalendar): N minutes → N; N working days on a schedule whose working
weekdays are all as long → N × that length (480 for the akimat, 660 for the State Corporation);
otherwise (primary care's short Saturday, a calendar month) the minutes are counted day by day
from the schedule's weekly table over the days the step spans, up to a due instant computed
here too. The route's total must equal the sum of its norms. The norms themselves are checked
against the texts, line by line, in test_models_003.py, test_models_standards.py and
test_models_004.py.
"""

from __future__ import annotations

import functools
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from regflow.services import applications
from regflow.services.processes import deploy
from regflow.services.queries import task_list
from regflow.services.report_apps import application_timeline
from regflow.workflows.norms import Norm, NormUnit
from regflow.workflows.routes import main_outcome
from tests.conftest import ALMATY, ROOT, context
from tests.support import (
    default_decisions,
    filing_answers,
    filing_instant,
    library_cases,
    library_process,
)

CASES = library_cases()

SCHEDULES = tomllib.loads((ROOT / "workflows" / "schedules.toml").read_text(encoding="utf-8"))
DAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Where a step is counted day by day, its days must have no public holiday or transfer, since
# this test knows only the weekly tables. The current standards are filed on Tuesday 2026-09-01
# (tests/support.py filing_instant); Kazakhstan's next public holiday is Republic Day, Sunday
# 25 October 2026 (observed Monday 26 October), and workflows/calendar/2026.toml moves no day in
# September or October.
HOLIDAY_FREE = (date(2026, 9, 1), date(2026, 10, 24))


@functools.cache
def _weekly_hours(schedule: str) -> list[list[tuple[int, int]]]:
    """Working intervals of each weekday (Monday first) in minutes after midnight, by the
    format the header of schedules.toml gives: ``daily`` = all seven days, ``weekdays`` =
    Monday to Friday, a named day wins over both; "HH:MM-HH:MM" ranges separated by commas."""
    entry = SCHEDULES[schedule]
    texts = [entry.get("daily", "")] * 7
    texts[:5] = [entry.get("weekdays", texts[0])] * 5
    texts = [entry.get(day, text) for day, text in zip(DAY_KEYS, texts, strict=True)]

    def minutes(clock: str) -> int:
        hours, mins = clock.strip().split(":")
        return int(hours) * 60 + int(mins)

    return [
        [(minutes(r.split("-")[0]), minutes(r.split("-")[1])) for r in text.split(",") if r.strip()]
        for text in texts
    ]


def _uniform_day_minutes(week: list[list[tuple[int, int]]]) -> int | None:
    """Minutes of a working day, if every working weekday of the table has the same."""
    lengths = {sum(e - s for s, e in day) for day in week if day}
    return lengths.pop() if len(lengths) == 1 else None


def _minutes_between(week: list[list[tuple[int, int]]], a: datetime, b: datetime) -> int:
    """Working minutes from ``a`` to ``b`` (Almaty wall clock), day by day from the table."""
    a, b = a.astimezone(ALMATY), b.astimezone(ALMATY)
    total, day = 0, a.date()
    while day <= b.date():
        lo = a.hour * 60 + a.minute if day == a.date() else 0
        hi = b.hour * 60 + b.minute if day == b.date() else 24 * 60
        total += sum(max(0, min(e, hi) - max(s, lo)) for s, e in week[day.weekday()])
        day += timedelta(days=1)
    return total


def _due_by_table(week: list[list[tuple[int, int]]], ready: datetime, norm: Norm) -> datetime:
    """The due instant of a step ready at ``ready`` (in working time): N working days → the same
    clock time on the N-th next day the table opens; N calendar days / months → the same clock
    time that many days / months later (months here never need clamping to a month's end)."""
    ready = ready.astimezone(ALMATY)
    if norm.unit is NormUnit.WORKING_DAYS:
        clock = ready.hour * 60 + ready.minute
        assert any(s <= clock < e for s, e in week[ready.weekday()]), "ready after hours"
        due, left = ready, norm.amount
        while left:
            due += timedelta(days=1)
            left -= bool(week[due.weekday()])
        clock = due.hour * 60 + due.minute
        assert any(s <= clock < e for s, e in week[due.weekday()]), "clock time closed that day"
        return due
    if norm.unit is NormUnit.CALENDAR_DAYS:
        return ready + timedelta(days=norm.amount)
    assert norm.unit is NormUnit.CALENDAR_MONTHS
    month = ready.month - 1 + norm.amount
    return ready.replace(year=ready.year + month // 12, month=month % 12 + 1)


def test_weekly_tables_count_the_minutes_of_the_hand_worked_spans() -> None:
    primary_care = _weekly_hours("primary_care")  # Mon-Fri 08:00-20:00, Sat 09:00-14:00 (002:83)
    tuesday = datetime(2026, 9, 1, 10, tzinfo=ALMATY)
    friday = datetime(2026, 9, 4, 10, tzinfo=ALMATY)
    one_day = Norm.parse("1 working day")
    # Tuesday 10:00-20:00 = 600, Wednesday 08:00-10:00 = 120: 720 = the 12-hour weekday
    assert _due_by_table(primary_care, tuesday, one_day) == tuesday + timedelta(days=1)
    assert _minutes_between(primary_care, tuesday, tuesday + timedelta(days=1)) == 600 + 120
    # Friday 10:00-20:00 = 600, Saturday 09:00-10:00 = 60: the short Saturday counts 660
    assert _due_by_table(primary_care, friday, one_day) == friday + timedelta(days=1)
    assert _minutes_between(primary_care, friday, friday + timedelta(days=1)) == 600 + 60
    # Saturday 10:00 + 1 working day: Sunday is closed, so Monday 10:00; 4 + 2 hours = 360
    saturday = friday + timedelta(days=1)
    assert _due_by_table(primary_care, saturday, one_day) == saturday + timedelta(days=2)
    assert _minutes_between(primary_care, saturday, saturday + timedelta(days=2)) == 240 + 120
    assert _uniform_day_minutes(primary_care) is None
    # State Corporation, Mon-Sat 09:00-20:00 (004:227): 1 calendar month from Tuesday
    # 2026-09-01 10:00 is Thursday 2026-10-01 10:00; 600 on 1 September, 25 full days of 660
    # (2-30 September less the Sundays 6, 13, 20, 27), 60 on 1 October
    state_corporation = _weekly_hours("state_corporation")
    month = _due_by_table(state_corporation, tuesday, Norm.parse("1 calendar month"))
    assert month == datetime(2026, 10, 1, 10, tzinfo=ALMATY)
    assert _minutes_between(state_corporation, tuesday, month) == 600 + 25 * 660 + 60
    assert _uniform_day_minutes(state_corporation) == 11 * 60
    assert _uniform_day_minutes(_weekly_hours("akimat")) == 4 * 60 + 4 * 60  # 09-13, 14:30-18:30


@pytest.mark.parametrize(("path", "route"), CASES, ids=[f"{p.stem}-{r}" for p, r in CASES])
def test_route_runs_with_each_step_taking_its_norm(
    sqlite_url: str, path: Path, route: str | None
) -> None:
    reg = library_process(path).regulation
    start = filing_instant(reg)  # a Tuesday 10:00 on which the regulation is in force
    ctx = context(sqlite_url, start)
    deploy(ctx, [path])
    app = applications.start(ctx, reg.key, route=route, data=filing_answers(reg, route))
    expected_total = 0
    for _ in range(200):
        rows = [r for r in task_list(ctx) if r.application_id == app.application_id]
        if not rows:
            break
        row = rows[0]
        step = reg.steps[row.step_id]
        if row.due_at is not None:
            ctx.clock.set(row.due_at)
        week = _weekly_hours(reg.schedule_of(step.role))
        result = applications.complete(
            ctx, row.id, "tester", default_decisions(reg, step.inputs, route)
        )
        norm = step.norm
        if norm is None:
            expected = 0
        elif norm.unit is NormUnit.MINUTES:
            expected = norm.amount
        elif norm.unit is NormUnit.WORKING_DAYS and (day := _uniform_day_minutes(week)):
            expected = norm.amount * day
        else:  # calendar days/months, or a week with a short Saturday: count day by day
            due = _due_by_table(week, row.ready_at, norm)
            assert HOLIDAY_FREE[0] <= row.ready_at.astimezone(ALMATY).date(), step.id
            assert due.date() <= HOLIDAY_FREE[1], (step.id, "the span may hold a holiday")
            assert row.due_at == due, (step.id, str(norm))
            expected = _minutes_between(week, row.ready_at, due)
        assert result.working_minutes == expected, (step.id, str(norm))
        expected_total += expected
    t = application_timeline(ctx, app.application_id)
    assert (t.status, t.outcome) == ("completed", main_outcome(reg, route))
    user_steps = [s for s in t.steps if s.kind == "user"]
    assert sum(s.working_minutes or 0 for s in user_steps) == expected_total
    assert not any(s.overdue for s in t.steps)
