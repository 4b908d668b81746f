from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regflow.errors import ConfigError
from regflow.workflows.calendar import Schedule, WorkCalendar, format_hours, parse_hours
from regflow.workflows.norms import Norm
from regflow.workflows.schedules import calendar_for, load_overrides, load_schedules

ALMATY = ZoneInfo("Asia/Almaty")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=ALMATY)


@pytest.fixture(scope="module")
def akimat() -> WorkCalendar:
    """Mon-Fri 09:00-18:30, lunch 13:00-14:30, Asia/Almaty."""
    return calendar_for("akimat")


# --------------------------------------------------------------- worked examples (akimat)
def test_thirty_minutes_on_friday_evening_spill_over_capital_day(akimat):
    # 15 minutes on Friday (18:15-18:30); Sat, Sun off, Mon 2026-07-06 is Capital Day;
    # the other 15 minutes on Tuesday 09:00-09:15.
    assert akimat.add(at(2026, 7, 3, 18, 15), Norm.parse("30 minutes")) == at(2026, 7, 7, 9, 15)


def test_one_working_day_from_friday_skips_weekend_and_capital_day(akimat):
    assert akimat.add(at(2026, 7, 3, 10, 0), Norm.parse("1 working day")) == at(2026, 7, 7, 10)


def test_working_minutes_from_friday_afternoon_to_tuesday_morning(akimat):
    # Friday 16:00-18:30 = 150, Tuesday 09:00-10:00 = 60; Sat, Sun, Capital Day contribute 0.
    assert akimat.working_minutes(at(2026, 7, 3, 16), at(2026, 7, 7, 10)) == 210


def test_lunch_break_does_not_count(akimat):
    # 12:45-13:00 = 15 minutes, lunch 13:00-14:30, 14:30-14:45 = 15 minutes.
    assert akimat.add(at(2026, 7, 8, 12, 45), Norm.parse("30 minutes")) == at(2026, 7, 8, 14, 45)


def test_application_filed_on_saturday_is_accepted_on_tuesday_after_capital_day(akimat):
    assert akimat.next_opening(at(2026, 7, 4, 11, 0)) == at(2026, 7, 7, 9, 0)


def test_one_working_day_over_independence_day(akimat):
    assert akimat.add(at(2026, 12, 15, 11), Norm.parse("1 working day")) == at(2026, 12, 17, 11)


def test_deadline_counts_the_acceptance_day_by_default(akimat):
    # Accepted Wed 2026-07-01 10:00, 3 working days: Wed (1), Thu (2), Fri (3) -> Fri 18:30.
    assert akimat.deadline(at(2026, 7, 1, 10), 3) == at(2026, 7, 3, 18, 30)


def test_deadline_without_the_acceptance_day_skips_weekend_and_capital_day(akimat):
    # State Corporation route (rules 004 point 11): Wed not counted; Thu (1), Fri (2),
    # Sat/Sun off, Mon 07-06 Capital Day, Tue 07-07 (3) -> Tue 18:30.
    assert akimat.deadline(at(2026, 7, 1, 10), 3, count_first_day=False) == at(2026, 7, 7, 18, 30)


def test_deadline_of_an_application_filed_after_hours_starts_next_working_day(akimat):
    # Filed Fri 2026-07-03 19:00 -> accepted Tue 07-07 09:00; 1 working day counting the first
    # day -> Tue 18:30; not counting it -> Wed 07-08 18:30.
    assert akimat.deadline(at(2026, 7, 3, 19), 1) == at(2026, 7, 7, 18, 30)
    assert akimat.deadline(at(2026, 7, 3, 19), 1, count_first_day=False) == at(2026, 7, 8, 18, 30)


def test_deadline_of_seventeen_working_days(akimat):
    # Accepted Mon 2026-06-22: June 22-26 (5), June 29-July 3 (10), July 6 Capital Day,
    # July 7-10 (14), July 13-15 (17) -> Wed 2026-07-15 18:30.
    assert akimat.deadline(at(2026, 6, 22, 9, 30), 17) == at(2026, 7, 15, 18, 30)


def test_deadline_of_zero_days_is_the_acceptance_instant(akimat):
    assert akimat.deadline(at(2026, 7, 4, 11), 0) == at(2026, 7, 7, 9)
    with pytest.raises(ValueError):
        akimat.deadline(at(2026, 7, 4, 11), -1)


# ------------------------------------------------------------------------ minutes
def test_norm_ending_exactly_at_closing_time_is_due_at_closing(akimat):
    assert akimat.add(at(2026, 7, 8, 18, 0), Norm.parse("30 minutes")) == at(2026, 7, 8, 18, 30)


def test_zero_minutes_is_the_next_opening(akimat):
    assert akimat.add(at(2026, 7, 8, 13, 10), Norm.parse("0 minutes")) == at(2026, 7, 8, 14, 30)
    assert akimat.add(at(2026, 7, 8, 10, 10), "PT0M") == at(2026, 7, 8, 10, 10)


def test_next_opening_is_the_instant_itself_during_working_time(akimat):
    assert akimat.next_opening(at(2026, 7, 8, 10, 10)) == at(2026, 7, 8, 10, 10)
    assert akimat.next_opening(at(2026, 7, 8, 13, 0)) == at(2026, 7, 8, 14, 30)
    assert akimat.next_opening(at(2026, 7, 8, 18, 30)) == at(2026, 7, 9, 9, 0)
    assert akimat.next_opening(at(2026, 7, 8, 7, 0)) == at(2026, 7, 8, 9, 0)


def test_hours_norm_counts_working_minutes(akimat):
    # 2 hours from Wed 12:00: 12:00-13:00 (60) + 14:30-15:30 (60).
    assert akimat.add(at(2026, 7, 8, 12), Norm.parse("2 сағат")) == at(2026, 7, 8, 15, 30)


def test_long_minute_norm_skips_whole_days(akimat):
    # 17 working days of 480 minutes from an opening = the same clock time 17 working days on.
    start = at(2026, 6, 22, 9, 0)
    assert akimat.add(start, Norm(17 * 480, Norm.parse("1 minute").unit)) == at(2026, 7, 15, 18, 30)


def test_working_minutes_is_zero_when_b_is_not_after_a(akimat):
    assert akimat.working_minutes(at(2026, 7, 8, 12), at(2026, 7, 8, 12)) == 0
    assert akimat.working_minutes(at(2026, 7, 8, 12), at(2026, 7, 8, 11)) == 0


def test_a_whole_year_of_working_minutes_uses_the_holiday_table(akimat):
    # 2026 has 261 weekdays; 14 of them are days off: Jan 1, 2, 7; Mar 9, 23, 24, 25; May 1, 7,
    # 11, 27; Jul 6; Oct 26; Dec 16 -> 247 working days of 8 hours.
    total = akimat.working_minutes(at(2026, 1, 1), at(2027, 1, 1))
    assert total == 247 * 480
    assert sum(akimat.is_working_day(date(2026, 1, 1) + timedelta(days=i)) for i in range(365)) \
        == 247


def test_working_minutes_across_several_years_matches_day_by_day_sum(akimat):
    a, b = at(2024, 11, 5, 11, 7), at(2026, 2, 3, 15, 1)
    expected = 0
    d = a.date()
    while d <= b.date():
        for s, e in akimat.intervals(d):
            expected += max(0, int((min(e, b) - max(s, a)).total_seconds() // 60))
        d += timedelta(days=1)
    assert akimat.working_minutes(a, b) == expected


def test_seconds_are_dropped(akimat):
    assert akimat.working_minutes(at(2026, 7, 8, 10, 0, 59), at(2026, 7, 8, 10, 1, 1)) == 1


# -------------------------------------------------------------------- working days
def test_working_day_from_outside_hours_starts_at_next_opening(akimat):
    # Filed Fri 19:00 -> opening Tue 07-07 09:00 -> one working day later Wed 09:00.
    assert akimat.add(at(2026, 7, 3, 19), "1 working day") == at(2026, 7, 8, 9, 0)


def test_working_day_landing_after_a_short_saturday_closes_stays_on_that_saturday():
    # primary_care: Mon-Fri 08:00-20:00, Sat 09:00-14:00. Fri 2026-07-10 16:00 + 1 working day
    # -> Saturday 16:00 is after closing: due at Saturday's close, 14:00 (not Monday).
    cal = calendar_for("primary_care")
    assert cal.add(at(2026, 7, 10, 16), "1 working day") == at(2026, 7, 11, 14, 0)
    # Saturday 09:30 + 1 working day -> Monday 09:30 (inside Monday's hours)
    assert cal.add(at(2026, 7, 11, 9, 30), "1 working day") == at(2026, 7, 13, 9, 30)


def test_working_day_landing_before_opening_moves_to_the_opening():
    # primary_care: Fri 08:15 + 1 working day -> Sat 08:15 is before 09:00 -> Sat 09:00.
    cal = calendar_for("primary_care")
    assert cal.add(at(2026, 7, 10, 8, 15), "P1D") == at(2026, 7, 11, 9, 0)


def test_zero_working_days_is_the_next_opening(akimat):
    assert akimat.add(at(2026, 7, 4, 11), "0 working days") == at(2026, 7, 7, 9)


# ------------------------------------------------------------------- calendar norms
def test_calendar_days_ignore_holidays(akimat):
    assert akimat.add(at(2026, 7, 3, 10), "3 calendar days") == at(2026, 7, 6, 10)


def test_calendar_months_keep_day_of_month_clamped_to_month_end(akimat):
    assert akimat.add(at(2026, 1, 31, 10), "1 calendar month") == at(2026, 2, 28, 10)
    assert akimat.add(at(2026, 3, 15, 10), "P1M") == at(2026, 4, 15, 10)
    assert akimat.add(at(2026, 11, 30, 10), "2 calendar months") == at(2027, 1, 30, 10)


# ------------------------------------------------------------------ days and reasons
def test_capital_day_and_independence_day_2026_are_days_off(akimat):
    assert not akimat.is_working_day(date(2026, 7, 6))
    assert akimat.day_off_reason(date(2026, 7, 6)) == "Capital Day"
    assert not akimat.is_working_day(date(2026, 12, 16))
    assert akimat.day_off_reason(date(2026, 12, 16)) == "Independence Day"


def test_weekend_reason_is_the_weekday_name(akimat):
    assert akimat.day_off_reason(date(2026, 7, 4)) == "Saturday"
    assert akimat.day_off_reason(date(2026, 7, 5)) == "Sunday"
    assert akimat.day_off_reason(date(2026, 7, 7)) is None


def test_override_file_confirms_kurban_ait_2026(akimat):
    assert akimat.day_off_reason(date(2026, 5, 27)) == "Eid al-Adha (Kurban Ait)"


def test_package_transfer_decree_makes_a_saturday_working_for_five_day_week(akimat):
    # Decree of 2024: day off moved from Saturday 2024-05-04 to Wednesday 2024-05-08.
    assert akimat.is_working_day(date(2024, 5, 4))
    assert akimat.day_info(date(2024, 5, 4)).kind == "transfer"
    assert not akimat.is_working_day(date(2024, 5, 8))


def test_transfer_decrees_do_not_apply_to_a_six_day_week():
    cal = calendar_for("state_corporation")  # Mon-Sat 09:00-20:00
    assert cal.is_working_day(date(2024, 5, 4))
    assert cal.is_working_day(date(2024, 5, 8))
    assert not cal.is_working_day(date(2024, 5, 9))  # Victory Day still applies


def test_intervals_are_aware_datetimes_of_the_day(akimat):
    assert akimat.intervals(date(2026, 7, 8)) == [
        (at(2026, 7, 8, 9), at(2026, 7, 8, 13)),
        (at(2026, 7, 8, 14, 30), at(2026, 7, 8, 18, 30)),
    ]
    assert akimat.intervals(date(2026, 7, 6)) == []


def test_month_of_july_2026_marks_capital_day_and_weekends(akimat):
    days = akimat.month(2026, 7)
    assert len(days) == 31
    by_day = {info.day.day: info for info in days}
    assert by_day[6].reason == "Capital Day" and by_day[6].kind == "holiday"
    assert not by_day[6].working and by_day[6].minutes == 0
    assert by_day[4].reason == "Saturday" and by_day[4].kind == "weekend"
    assert by_day[5].reason == "Sunday"
    assert by_day[7].working and by_day[7].minutes == 480 and by_day[7].weekday == "Tuesday"
    assert sum(info.working for info in days) == 22


# -------------------------------------------------------------------------- zones
def test_inputs_in_other_zones_are_converted_and_outputs_are_in_the_calendar_zone(akimat):
    friday_1815_utc = datetime(2026, 7, 3, 13, 15, tzinfo=UTC)  # 18:15 in Almaty (UTC+5)
    due = akimat.add(friday_1815_utc, Norm.parse("30 minutes"))
    assert due == at(2026, 7, 7, 9, 15)
    assert due.tzinfo == ALMATY


def test_naive_datetimes_are_refused(akimat):
    with pytest.raises(ValueError, match="naive"):
        akimat.add(datetime(2026, 7, 3, 10), Norm.parse("30 minutes"))
    with pytest.raises(ValueError):
        akimat.working_minutes(datetime(2026, 7, 3, 10), at(2026, 7, 3, 11))


def test_kazakhstan_moved_to_utc_plus_five_on_2024_03_01(akimat):
    assert akimat.intervals(date(2024, 2, 28))[0][0].utcoffset() == timedelta(hours=6)
    assert akimat.intervals(date(2024, 3, 1))[0][0].utcoffset() == timedelta(hours=5)


def test_portal_works_around_the_clock_through_holidays():
    portal = calendar_for("portal")
    assert portal.is_working_day(date(2026, 7, 6))
    assert portal.working_minutes(at(2026, 7, 4), at(2026, 7, 7)) == 3 * 24 * 60
    assert portal.add(at(2026, 7, 5, 23, 50), "30 minutes") == at(2026, 7, 6, 0, 20)
    assert portal.deadline(at(2026, 7, 5, 23, 50), 1) == at(2026, 7, 6, 0, 0)


def test_portal_counts_the_extra_hour_of_the_2024_clock_change():
    # 2024-02-29 23:00 (+06) became 23:00 (+05) again: that day lasted 25 hours.
    portal = calendar_for("portal")
    assert portal.working_minutes(at(2024, 2, 29), at(2024, 3, 1)) == 25 * 60


# ----------------------------------------------------------------------- overrides
def _write(directory, year, text):
    path = directory / f"{year}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_override_turns_a_saturday_into_a_working_day(tmp_path, akimat):
    _write(tmp_path, 2026, """
[[working_day]]
date = 2026-07-11
reason = "Working Saturday (test decree)"
""")
    cal = calendar_for("akimat", overrides_dir=tmp_path)
    assert cal.is_working_day(date(2026, 7, 11))
    assert cal.day_info(date(2026, 7, 11)).hours == ((540, 780), (870, 1110))
    # Friday 18:15 + 30 minutes: 15 on Friday 07-10, 15 on the working Saturday.
    assert cal.add(at(2026, 7, 10, 18, 15), "30 minutes") == at(2026, 7, 11, 9, 15)
    assert akimat.add(at(2026, 7, 10, 18, 15), "30 minutes") == at(2026, 7, 13, 9, 15)
    assert cal.working_minutes(at(2026, 7, 10, 18), at(2026, 7, 13, 10)) == 30 + 480 + 60
    assert akimat.working_minutes(at(2026, 7, 10, 18), at(2026, 7, 13, 10)) == 30 + 60


def test_override_working_day_with_its_own_hours_and_a_day_off(tmp_path):
    _write(tmp_path, 2026, """
[[working_day]]
date = "2026-07-11"
reason = "Saturday reception"
hours = "10:00-14:00"
schedule = ["akimat"]

[[day_off]]
date = 2026-07-08
reason = "Provider closed for disinfection"
schedule = "akimat"
""")
    cal = calendar_for("akimat", overrides_dir=tmp_path)
    assert cal.intervals(date(2026, 7, 11)) == [(at(2026, 7, 11, 10), at(2026, 7, 11, 14))]
    assert cal.day_off_reason(date(2026, 7, 8)) == "Provider closed for disinfection"
    assert cal.add(at(2026, 7, 7, 18), "1 hour") == at(2026, 7, 9, 9, 30)
    # the override names akimat only
    assert calendar_for("education", overrides_dir=tmp_path).is_working_day(date(2026, 7, 8))


def test_override_for_all_schedules_leaves_the_portal_alone(tmp_path):
    _write(tmp_path, 2026, """
[[day_off]]
date = 2026-07-08
reason = "Extra holiday"
""")
    assert not calendar_for("health", overrides_dir=tmp_path).is_working_day(date(2026, 7, 8))
    assert calendar_for("portal", overrides_dir=tmp_path).is_working_day(date(2026, 7, 8))


@pytest.mark.parametrize(
    "text",
    [
        "[[day_off]\ndate = 2026-07-08",  # not TOML
        "[[day_off]]\nreason = 'no date'",
        "[[day_off]]\ndate = 2025-07-08\nreason = 'wrong year'",
        "[[day_off]]\ndate = 'someday'\nreason = 'x'",
        "[[day_off]]\ndate = 2026-07-08",  # no reason
        "[[holiday]]\ndate = 2026-07-08\nreason = 'x'",
        "[[day_off]]\ndate = 2026-07-08\nreason = 'x'\nhours = '09:00-10:00'",
        "[[working_day]]\ndate = 2026-07-11\nreason = 'x'\nhours = '25:00-26:00'",
        "[[day_off]]\ndate = 2026-07-08\nreason = 'x'\n[[day_off]]\ndate = 2026-07-08\n"
        "reason = 'y'",
    ],
)
def test_malformed_override_file_raises_config_error_naming_the_file(tmp_path, text):
    path = _write(tmp_path, 2026, text)
    with pytest.raises(ConfigError) as info:
        load_overrides(tmp_path)
    assert info.value.file == str(path)
    assert str(path) in str(info.value)


def test_override_naming_an_unknown_schedule_is_a_config_error(tmp_path):
    _write(tmp_path, 2026, "[[day_off]]\ndate = 2026-07-08\nreason = 'x'\nschedule = 'nope'\n")
    with pytest.raises(ConfigError, match="nope"):
        calendar_for("akimat", overrides_dir=tmp_path)


def test_missing_override_directory_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        calendar_for("akimat", overrides_dir=tmp_path / "absent")


# ----------------------------------------------------------------------- schedules
def test_packaged_schedules_have_the_seed_hours():
    schedules = load_schedules()
    assert {"akimat", "rural_akim", "state_corporation", "health", "education", "portal"} <= set(
        schedules
    )
    assert format_hours(schedules["akimat"].weekdays[0]) == "09:00-13:00, 14:30-18:30"
    assert schedules["akimat"].weekdays[5] == ()
    assert format_hours(schedules["state_corporation"].weekdays[5]) == "09:00-20:00"
    assert format_hours(schedules["health"].weekdays[4]) == "08:30-17:30"
    assert schedules["portal"].weekdays == ((((0, 1440),),) * 7)
    assert not schedules["portal"].observes_holidays
    assert all(s.source for s in schedules.values())


def test_unknown_schedule_names_the_known_ones():
    with pytest.raises(ConfigError, match="akimat.*portal"):
        calendar_for("ministry_of_magic")


def test_calendars_are_cached_per_name_and_zone():
    assert calendar_for("akimat") is calendar_for("akimat")
    assert calendar_for("akimat") is not calendar_for("akimat", tz="Asia/Aqtobe")


def test_malformed_schedules_file_raises_config_error(tmp_path):
    path = tmp_path / "schedules.toml"
    path.write_text("[x]\nweekdays = '09:00-13:00, 12:00-18:00'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="overlap") as info:
        load_schedules(path)
    assert info.value.file == str(path)
    path.write_text("[x]\nweekdays = ''\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no working time"):
        load_schedules(path)
    path.write_text("[x]\nmonady = '09:00-10:00'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown keys"):
        load_schedules(path)


def test_parse_hours_round_trips_and_allows_24_00():
    assert parse_hours("09:00-13:00, 14:30-18:30") == ((540, 780), (870, 1110))
    assert parse_hours("00:00-24:00") == ((0, 1440),)
    assert parse_hours("") == ()
    assert format_hours(parse_hours("8.30-17.30")) == "08:30-17:30"
    with pytest.raises(ConfigError):
        parse_hours("18:00-09:00")


def test_a_schedule_without_working_time_is_refused():
    with pytest.raises(ConfigError):
        Schedule("never", ((),) * 7)


# ------------------------------------------------------------------ property tests
AKIMAT = calendar_for("akimat")
KZ_HOLIDAYS = sorted(
    d
    for d, name in holidays.country_holidays("KZ", years=range(2024, 2028)).items()
    if not AKIMAT.is_working_day(d) and d.weekday() < 5
)
instants = st.builds(
    lambda day, minute: at(2024, 1, 1) + timedelta(days=day, minutes=minute),
    st.integers(0, 4 * 365),
    st.integers(0, 24 * 60 - 1),
)
FAST = settings(max_examples=200, deadline=None)


@FAST
@given(instants, st.integers(0, 40 * 480))
def test_add_minutes_and_working_minutes_are_inverse_on_working_instants(t, minutes):
    start = AKIMAT.next_opening(t)
    assert AKIMAT.is_working_time(start)
    due = AKIMAT.add(start, Norm(minutes, Norm.parse("1 minute").unit))
    assert AKIMAT.working_minutes(start, due) == minutes


@FAST
@given(instants, st.integers(0, 3000))
def test_add_minutes_from_any_instant_spends_exactly_the_norm(t, minutes):
    due = AKIMAT.add(t, Norm(minutes, Norm.parse("1 minute").unit))
    assert AKIMAT.working_minutes(t, due) == minutes
    assert due >= t


@FAST
@given(instants, instants, instants)
def test_working_minutes_is_additive_over_a_split_point(x, y, z):
    a, s, b = sorted([x, y, z])
    assert AKIMAT.working_minutes(a, b) == AKIMAT.working_minutes(a, s) + AKIMAT.working_minutes(
        s, b
    )


@FAST
@given(instants, instants)
def test_working_minutes_is_never_negative(a, b):
    assert AKIMAT.working_minutes(a, b) >= 0
    assert AKIMAT.working_minutes(a, b) == 0 or AKIMAT.working_minutes(b, a) == 0


@FAST
@given(st.sampled_from(KZ_HOLIDAYS), st.integers(0, 24 * 60), st.integers(0, 24 * 60))
def test_a_holiday_contributes_no_working_minutes(day, m1, m2):
    start = datetime.combine(day, datetime.min.time(), ALMATY)
    a, b = sorted([start + timedelta(minutes=m1), start + timedelta(minutes=m2)])
    assert AKIMAT.working_minutes(start, start + timedelta(days=1)) == 0
    assert AKIMAT.working_minutes(a, b) == 0


@FAST
@given(instants, st.integers(0, 30))
def test_working_days_land_on_a_working_day_at_a_working_instant_or_its_close(t, n):
    due = AKIMAT.add(t, Norm.parse(f"{n} working days"))
    assert AKIMAT.is_working_day(due.date())
    closes = [e for _, e in AKIMAT.intervals(due.date())]
    assert AKIMAT.is_working_time(due) or due in closes
    assert due >= AKIMAT.next_opening(t)
