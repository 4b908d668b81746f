from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from regflow.errors import ConfigError, NormError, UsageError
from regflow.services.calendar_view import due, month_view, parse_instant
from regflow.workflows.norms import Norm

ALMATY = ZoneInfo("Asia/Almaty")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=ALMATY)


def test_month_view_of_july_2026_marks_capital_day_and_weekends():
    view = month_view(2026, 7, schedule="akimat")
    assert (view.year, view.month, view.schedule) == (2026, 7, "akimat")
    assert len(view.rows) == 31
    rows = {row.day: row for row in view.rows}
    capital = rows[date(2026, 7, 6)]
    assert (capital.weekday, capital.working, capital.reason, capital.kind) == (
        "Monday", False, "Capital Day", "holiday")
    assert capital.hours == "" and capital.minutes == 0
    saturday = rows[date(2026, 7, 4)]
    assert (saturday.working, saturday.reason, saturday.kind) == (False, "Saturday", "weekend")
    tuesday = rows[date(2026, 7, 7)]
    assert tuesday.working and tuesday.reason is None
    assert tuesday.hours == "09:00-13:00, 14:30-18:30" and tuesday.minutes == 480
    assert view.working_days == 22
    assert view.working_minutes == 22 * 480


def test_month_view_for_the_state_corporation_works_saturdays():
    view = month_view(2026, 7, schedule="state_corporation")
    saturday = next(row for row in view.rows if row.day == date(2026, 7, 4))
    assert saturday.working and saturday.hours == "09:00-20:00"


def test_month_view_refuses_month_13():
    with pytest.raises(UsageError):
        month_view(2026, 13)


def test_due_thirty_minutes_from_friday_evening_over_capital_day():
    result = due("2026-07-03T18:15", "30 minutes", schedule="akimat")
    assert result.due == at(2026, 7, 7, 9, 15)
    assert result.working_minutes == 30
    assert result.opening == at(2026, 7, 3, 18, 15)
    assert result.norm == Norm.parse("PT30M")


def test_due_one_working_day_from_a_saturday_starts_at_the_next_opening():
    result = due(at(2026, 7, 4, 11), "1 working day")
    assert result.opening == at(2026, 7, 7, 9)
    assert result.due == at(2026, 7, 8, 9)
    assert result.working_minutes == 480


def test_due_accepts_an_offset_and_answers_in_the_calendar_zone():
    result = due("2026-07-03T13:15+00:00", Norm.parse("30 minutes"))
    assert result.due == at(2026, 7, 7, 9, 15)
    assert result.start == datetime(2026, 7, 3, 13, 15, tzinfo=UTC)
    assert result.start.tzinfo == ALMATY


def test_due_with_calendar_days_reports_the_working_minutes_inside():
    # Fri 10:00 + 3 calendar days = Mon 07-06 10:00 (Capital Day); working time inside:
    # Friday 10:00-13:00 and 14:30-18:30 = 180 + 240.
    result = due("2026-07-03 10:00", "3 calendar days")
    assert result.due == at(2026, 7, 6, 10)
    assert result.working_minutes == 420


def test_due_reports_bad_input_as_regflow_errors():
    with pytest.raises(UsageError):
        parse_instant("yesterday")
    with pytest.raises(NormError):
        due("2026-07-03T10:00", "soon")
    with pytest.raises(ConfigError):
        due("2026-07-03T10:00", "1 hour", schedule="nope")
