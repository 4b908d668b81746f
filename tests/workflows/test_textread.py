"""The regulation-text reader: number words, units, step lines, conditional norms, warnings."""

from __future__ import annotations

import pytest

from regflow.workflows.norms import Norm
from regflow.workflows.textread import find_norms, number_from_words, read_lines, role_of


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("бір", 1),
        ("он жеті", 17),  # 003:104
        ("жиырма", 20),  # 003:596
        ("отыз", 30),  # 003:94
        ("он бес", 15),  # 003:604
        ("екі жүз", 200),
        ("пятнадцать", 15),
        ("двадцать пять", 25),
        ("жеті күн", None),  # "күн" is no number
    ],
)
def test_number_words_in_kazakh_and_russian_add_up(words: str, value: int | None) -> None:
    assert number_from_words(words) == value


@pytest.mark.parametrize(
    ("text", "norm"),
    [
        ("жолдайды – 30 (отыз) минут.", "30 minutes"),  # 003:94
        ("анықтайды – 1 (бір) жұмыс күн.", "1 working day"),  # 003:98
        ("17 (он жеті) жұмыс күні ішінде тану туралы", "17 working days"),  # 003:104
        ("1 (бір) сағат ішінде", "1 hour"),  # 003:1043
        ("в течение 2 (двух) часов", "2 hours"),
        ("5 (пять) рабочих дней", "5 working days"),
        ("3 календарных дня", "3 calendar days"),
        ("10 күнтізбелік күн", "10 calendar days"),
        ("1 (бір)минут ішінде", "1 minute"),  # 003:790, no space before the unit
        ("жиырма минут ішінде", "20 minutes"),  # number in words only
        ("2 жумыс куни", "2 working days"),  # a typo without Kazakh letters
    ],
)
def test_norms_are_found_in_kazakh_and_russian_sentences(text: str, norm: str) -> None:
    (found,) = find_norms(text)
    assert found.norm == Norm.parse(norm)


def test_digits_and_words_that_disagree_keep_the_digits_with_a_remark() -> None:
    (found,) = find_norms("15 (он) минут")
    assert found.norm == Norm.parse("15 minutes")
    assert found.remark and "15" in found.remark and "10" in found.remark


def test_role_of_participants_prefers_the_specific_name() -> None:
    assert role_of("ауылдық округ әкімі аппаратының маманы") == "akim_specialist"  # 003:664
    assert role_of("ауылдық округ әкімі") == "akim"
    assert role_of("көрсетілетін қызметті берушінің бөлім басшысы") == "dept_head"  # 003:1083
    assert role_of("көрсетілетін қызметті берушінің кеңсе маманы") == "clerk"


TEXT = """\
 "Сынақ қызметі" мемлекеттік көрсетілетін қызмет регламенті
 1. Жалпы ережелер
      1. "Сынақ қызметі" мемлекеттік көрсетілетін қызметі.

      Мемлекеттік қызмет көрсету мерзімі – 4 (төрт) жұмыс күні.

 2. Мемлекеттік қызмет көрсету процесінде іс-қимыл тәртібін сипаттау
      Әрбір рәсімнің мазмұны, оны орындаудың ұзақтығы:

      1) көрсетілетін қызметті берушінің кеңсе қызметкері құжаттарды тіркейді – 30 (отыз) минут.

      Нәтижесі – тіркеу журналына жазу;

      2) көрсетілетін қызметті берушінің жауапты орындаушысы құжаттарды қарайды - 3 (үш) жұмыс күн.

      Құжаттар жетіспеген жағдайларда – 20 (жиырма) жұмыс күн.

      Нәтижесі – хабарламаны басшыға жолдайды;

      3) көрсетілетін қызметті берушінің басшысы хабарламаға қол қояды.

      Мерзімі – 2 (екі) күн.

      Нәтижесі – қол қойылған хабарлама.


 3. Мемлекеттік қызмет көрсету процесінде өзара іс-қимыл тәртібін сипаттау
      Процеске қатысатын қызметкерлердің тізбесі:

      1) көрсетілетін қызметті берушінің кеңсе қызметкері;

      2) көрсетілетін қызметті берушінің басшысы;

      3) көрсетілетін қызметті берушінің жауапты орындаушысы.
"""


def _read():  # type: ignore[no-untyped-def]
    doc = read_lines(TEXT.splitlines(), "test.txt")
    (reg,) = doc.regulations
    return reg


def test_a_step_line_gives_actor_norm_result_and_line() -> None:
    reg = _read()
    assert reg.title == "Сынақ қызметі"
    first = reg.steps[0]
    assert (first.number, first.line, first.role) == (1, 10, "clerk")
    assert first.norm == Norm.parse("30 minutes")
    assert first.result == "Нәтижесі – тіркеу журналына жазу"
    assert [p.role for p in reg.participants] == ["clerk", "head", "officer"]
    assert reg.deadline == Norm.parse("4 working days")  # line 5


def test_a_conditional_norm_is_a_second_norm_of_the_step() -> None:
    second = _read().steps[1]
    assert second.norm == Norm.parse("3 working days")  # line 14
    (cond,) = second.conditions
    assert (cond.line, cond.norm) == (16, Norm.parse("20 working days"))
    assert "жетіспеген" in cond.label


def test_an_unreadable_duration_is_a_warning_with_its_line() -> None:
    reg = _read()
    third = reg.steps[2]
    assert third.norm is None  # "2 (екі) күн" says neither working nor calendar days
    messages = {(w.line, w.message.split(":")[0]) for w in reg.warnings}
    assert (20, "step 3)") in messages  # no norm on the step line
    assert any(w.line == 22 and "cannot be read" in w.message for w in reg.warnings)
