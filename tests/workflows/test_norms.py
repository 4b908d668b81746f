import pytest

from regflow.errors import NormError
from regflow.workflows.norms import Norm, NormUnit

M, WD, CD, CM = (
    NormUnit.MINUTES,
    NormUnit.WORKING_DAYS,
    NormUnit.CALENDAR_DAYS,
    NormUnit.CALENDAR_MONTHS,
)


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("30 minutes", 30, M),
        ("30 minute", 30, M),
        ("1 minute", 1, M),
        ("2 hours", 120, M),
        ("1 hour", 60, M),
        ("1 working day", 1, WD),
        ("17 working days", 17, WD),
        ("3 calendar days", 3, CD),
        ("1 calendar month", 1, CM),
        ("2 calendar months", 2, CM),
        ("PT30M", 30, M),
        ("PT2H", 120, M),
        ("PT1H30M", 90, M),
        ("P1D", 1, WD),
        ("P17D", 17, WD),
        ("P1M", 1, CM),
        ("30 минут", 30, M),
        ("2 сағат", 120, M),
        ("1 жұмыс күні", 1, WD),
        ("17 жұмыс күн", 17, WD),
        ("3 күнтізбелік күн", 3, CD),
        ("1 ай", 1, CM),
        ("2 часа", 120, M),
        ("1 рабочий день", 1, WD),
        ("5 рабочих дней", 5, WD),
        ("10 календарных дней", 10, CD),
        ("30 (отыз) минут", 30, M),
        ("1 (бір) сағат ішінде", 60, M),
        ("1 (бір) жұмыс күн", 1, WD),
        ("  17   Working  Days ", 17, WD),
        ("0 minutes", 0, M),
    ],
)
def test_parse_reads_english_iso_kazakh_and_russian_forms(text, amount, unit):
    norm = Norm.parse(text)
    assert (norm.amount, norm.unit) == (amount, unit)
    assert norm.text == text


def test_hours_are_stored_as_minutes_so_equal_durations_compare_equal():
    assert Norm.parse("2 hours") == Norm.parse("PT2H") == Norm.parse("120 minutes")
    assert Norm.parse("2 сағат").minutes == 120


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("30 minute", "30 minutes"),
        ("1 minute", "1 minute"),
        ("PT2H", "2 hours"),
        ("1 hour", "1 hour"),
        ("PT1H30M", "90 minutes"),
        ("P1D", "1 working day"),
        ("17 жұмыс күн", "17 working days"),
        ("10 календарных дней", "10 calendar days"),
        ("1 ай", "1 calendar month"),
        ("2 calendar months", "2 calendar months"),
        ("0 minutes", "0 minutes"),
    ],
)
def test_str_is_canonical_english_and_parses_back_to_the_same_value(text, canonical):
    norm = Norm.parse(text)
    assert str(norm) == canonical
    assert Norm.parse(str(norm)) == norm


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "5", "-5 minutes", "5 days", "5 parsecs", "P", "PT", "P1Y", "P1DT2H",
     "minutes 5", "1.5 hours"],
)
def test_unreadable_norms_raise_norm_error(text):
    with pytest.raises(NormError):
        Norm.parse(text)


def test_bare_days_are_refused_with_a_hint_to_say_which_days():
    with pytest.raises(NormError, match="working days' or 'calendar days"):
        Norm.parse("5 days")


def test_fractional_norm_asks_for_a_whole_number():
    with pytest.raises(NormError, match="whole number"):
        Norm.parse("1.5 hours")


def test_negative_norm_message_says_negative():
    with pytest.raises(NormError, match="negative"):
        Norm.parse("-5 minutes")


def test_minutes_property_only_for_minute_norms():
    assert Norm.parse("PT45M").minutes == 45
    with pytest.raises(NormError):
        _ = Norm.parse("1 working day").minutes


def test_norm_is_frozen_and_hashable():
    norm = Norm.parse("30 minutes")
    with pytest.raises(AttributeError):
        norm.amount = 5  # type: ignore[misc]
    assert {norm, Norm.parse("PT30M")} == {norm}
