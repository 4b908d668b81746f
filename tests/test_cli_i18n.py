"""The interface in Kazakh, Russian and English (issue 13): the same history, three languages.

The history is the wheelchair regulation (seed 003_2e4deee796d008ba.txt, regulation at line 406;
in force 2015-11-06..2016-05-30, so filed in March 2016), whose model carries ``name_ru`` and
``name_en`` for the process, its lanes and its five steps. Snapshots live in tests/snapshots/;
after a deliberate change of wording, rewrite them with ``REGFLOW_UPDATE_SNAPSHOTS=1`` and read
the diff.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from regflow import i18n
from regflow.services.formatting import norm, working
from tests.conftest import PROCESSES, Cli

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = Path(__file__).parent / "snapshots"
LANGS = ("kk", "ru", "en")
NOW = "2016-03-28T12:00"


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """The language is process-wide: leave English for the tests that run after these."""
    yield
    i18n.set_language("en")


def _history(cli: Cli) -> None:
    """Three applications on the wheelchair regulation; times in Asia/Almaty, akimat hours."""
    cli("deploy", str(PROCESSES / "kreslo_arba_beru.bpmn"))
    # 1: filed Mon 14 March; the head assigns late (due Tue 10:20, done Wed 11:00).
    cli("start", "kreslo_arba_beru", at="2016-03-14T10:00")
    cli("claim", "1", "--user", "aigul", at="2016-03-14T10:05")
    cli("complete", "1", "--user", "aigul", at="2016-03-14T10:20")
    cli("complete", "2", "--user", "bolat", at="2016-03-16T11:00")
    cli("complete", "3", "--user", "dana", at="2016-03-25T12:00")
    cli("complete", "4", "--user", "bolat", at="2016-03-28T10:00")
    # 2: filed Thu 24 March (after the Nauryz holidays); the head has claimed step 2.
    cli("start", "kreslo_arba_beru", at="2016-03-24T16:00")
    cli("complete", "6", "--user", "aigul", at="2016-03-24T16:30")
    cli("claim", "7", "--user", "bolat", at="2016-03-25T09:30")
    # 1 finishes; 3 is filed and waits for the clerk.
    cli("complete", "5", "--user", "aigul", at="2016-03-28T10:20")
    cli("start", "kreslo_arba_beru", at="2016-03-28T09:30")


def _check(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("REGFLOW_UPDATE_SNAPSHOTS") or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed (see the module docstring)"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str]:
    """Every command's output in every language, from one history."""
    folder = tmp_path_factory.mktemp("i18n")
    cli = Cli(f"sqlite:///{folder / 'regflow.db'}")
    cli("init")
    _history(cli)
    found: dict[tuple[str, str], str] = {}
    commands = {
        "tasks": ("tasks",),
        "show": ("show", "1"),
        "report": ("report",),
        "report_applications": ("report", "--view", "applications"),
        "report_timeline": ("report", "--application", "1"),
        "calendar": ("calendar", "--month", "2016-03"),
    }
    for lang in LANGS:
        for name, args in commands.items():
            found[(name, lang)] = cli("--lang", lang, *args, at=NOW).output
        html = folder / f"report_{lang}.html"
        cli("--lang", lang, "report", "--format", "html", "-o", str(html), at=NOW)
        found[("html", lang)] = html.read_text(encoding="utf-8")
    i18n.set_language("en")
    return found


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "command", ["tasks", "show", "report", "report_applications", "report_timeline", "calendar"]
)
def test_command_output_matches_its_snapshot(
    outputs: dict[tuple[str, str], str], command: str, lang: str
) -> None:
    _check(f"{command}.{lang}.txt", outputs[(command, lang)])


@pytest.mark.parametrize("lang", LANGS)
def test_html_report_matches_its_snapshot(outputs: dict[tuple[str, str], str], lang: str) -> None:
    html = outputs[("html", lang)]
    assert f'<html lang="{lang}">' in html
    _check(f"report.{lang}.html", html)


def test_step_names_follow_the_language_and_fall_back_to_the_models_own(
    outputs: dict[tuple[str, str], str],
) -> None:
    # tools/library/reg003.py FIVE_STEP_NAMES; the Kazakh is the model's own name (line 424)
    assert "Құжаттарды қабылдау және тіркеу журналына тіркеу" in outputs[("html", "kk")]
    assert "Прием документов и регистрация в журнале" in outputs[("html", "ru")]
    assert "Accept the documents and register them in the journal" in outputs[("html", "en")]
    assert "2 раб. дня 40 мин" in outputs[("show", "ru")]  # step 2: 1000 working minutes
    assert "2 жұмыс күні 40 мин" in outputs[("show", "kk")]


def test_durations_are_written_the_way_each_language_writes_them() -> None:
    # 680 minutes = 480 (one akimat working day) + 3 h 20 min
    assert working(680, lang="kk") == "1 жұмыс күні 3 сағ 20 мин"
    assert working(680, lang="ru") == "1 раб. день 3 ч 20 мин"
    assert working(680, lang="en") == "1 wd 3 h 20 min"
    assert working(5 * 480, lang="ru") == "5 раб. дней"
    assert norm("8 working days", lang="ru") == "8 рабочих дней"
    assert norm("30 minutes", lang="kk") == "30 мин"


def test_the_language_comes_from_the_option_then_the_locale() -> None:
    assert i18n.choose_language("ru", {"LANG": "kk_KZ.UTF-8"}) == "ru"
    assert i18n.choose_language(None, {"LANG": "kk_KZ.UTF-8"}) == "kk"
    assert i18n.choose_language(None, {"LC_ALL": "ru_RU.UTF-8", "LANG": "kk_KZ"}) == "ru"
    assert i18n.choose_language(None, {"LANG": "C.UTF-8"}) == "en"
    assert i18n.choose_language(None, {}) == "en"


def test_the_locale_chooses_the_language_when_nothing_else_does(cli: Cli) -> None:
    result = cli.runner.invoke(
        __import__("regflow.cli", fromlist=["cli"]).cli,
        ["show", "99"],
        env={"REGFLOW_DATABASE_URL": cli.url, "REGFLOW_LANG": None, "LC_ALL": None,
             "LC_MESSAGES": None, "LANG": "ru_RU.UTF-8"},
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == "ошибка: нет заявки 99"


def test_an_unknown_language_is_a_usage_error(cli: Cli) -> None:
    result = cli("--lang", "de", "tasks", expect=2)
    assert "unknown language 'de'" in result.stderr


@pytest.mark.parametrize("args", [("--lang", "de", "--help"), ("--help", "--lang=de"),
                                  ("--lang", "de", "start", "--help")])
def test_an_unknown_language_is_one_error_line_even_with_help(cli: Cli, args: tuple[str]) -> None:
    result = cli(*args, expect=2)
    assert result.stdout == ""
    assert result.stderr == "error: unknown language 'de': use one of kk, ru, en\n"


def test_an_unknown_language_is_reported_in_the_language_of_the_environment(cli: Cli) -> None:
    from regflow.cli import cli as command

    result = cli.runner.invoke(command, ["--lang", "xx", "--help"], env={"REGFLOW_LANG": "ru"})
    assert result.exit_code == 2
    assert result.stderr == "ошибка: неизвестный язык 'xx': укажите один из kk, ru, en\n"


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("kk", "қате: '{key}' мәнін regflow өзі қояды (--route пайдаланыңыз)"),
        ("ru", "ошибка: 'route' задаёт сам regflow (используйте --route)"),
    ],
)
def test_errors_a_clerk_meets_are_translated(cli: Cli, lang: str, message: str) -> None:
    cli("deploy", str(PROCESSES / "kreslo_arba_beru.bpmn"))
    result = cli("--lang", lang, "start", "kreslo_arba_beru", "--set", "route=sc",
                 at="2016-03-14T10:00", expect=2)
    assert result.stderr.strip() == message.replace("{key}", "route")
    result = cli("--lang", lang, "start", "kreslo_arba_beru", at="2016-06-01T10:00", expect=1)
    assert "2016-05-30" in result.stderr and "repealed" not in result.stderr


def _clerk_session(cli: Cli, lang: str) -> str:
    """What a clerk, a head and an admin see in one morning on the wheelchair regulation:
    the commands' one-line results, a user list, the process list and the errors they meet."""
    lines: list[str] = []

    def run(*args: str, at: str = "2016-03-14T10:00", expect: int = 0) -> None:
        result = cli("--lang", lang, *args, at=at, expect=expect)
        shown = (a.replace(str(PROCESSES.parent), ".") for a in args)  # same in every clone
        lines.append(f"$ regflow {' '.join(shown)}")
        lines.extend(part.rstrip() for part in (result.stdout + result.stderr).splitlines())

    run("deploy", str(PROCESSES / "kreslo_arba_beru.bpmn"))
    run("processes")
    run("start", "kreslo_arba_beru", "--route", "nope", expect=2)
    run("start", "kreslo_arba_beru", "--user", "aigul")
    run("claim", "1", "--user", "aigul", at="2016-03-14T10:05")
    run("complete", "1", "--user", "aigul", at="2016-03-14T10:20")
    run("suspend", "1", "--reason", "справка", at="2016-03-14T11:00")
    run("suspend", "1", "--reason", "again", at="2016-03-14T11:00", expect=1)
    run("resume", "1", at="2016-03-15T11:00")
    run("users", "add", "aigul", "--role", "clerk", "--org", "akimat-1")
    run("users", "add", "nurlan", "--role", "auditor", "--org", "akimat-1")
    run("users", "list")
    run("claim", "2", "--user", "aigul", at="2016-03-15T12:00", expect=1)
    run("claim", "2", "--user", "nurlan", at="2016-03-15T12:00", expect=1)
    run("claim", "99", "--user", "aigul", expect=1)
    run("calendar", "due", "--from", "2016-03-18T17:00", "--norm", "1 working day")
    run("start", expect=2)
    run("tasks", "--bogus", expect=2)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("lang", LANGS)
def test_a_clerks_session_reads_in_each_language(tmp_path: Path, lang: str) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'regflow.db'}")
    cli("init")
    _check(f"session.{lang}.txt", _clerk_session(cli, lang))


@pytest.mark.parametrize(
    ("lang", "usage", "option"),
    [("kk", "Қолданылуы:", "Тапсырмалар тізімі"), ("ru", "Использование:", "Список задач"),
     ("en", "Usage:", "The task list")],
)
def test_help_follows_the_language(cli: Cli, lang: str, usage: str, option: str) -> None:
    from regflow.cli import cli as command

    result = cli.runner.invoke(command, ["--help"], env={"REGFLOW_LANG": lang})
    assert result.output.startswith(usage) and option in result.output
    result = cli("--lang", lang, "tasks", "--help")
    assert result.output.startswith(usage)


# regflow --help in each language, through --lang (Cli sets REGFLOW_LANG=en underneath; the
# runner calls the program `cli`);
# "The task list: open steps, by due time." is the tasks command's summary line.
HELP = {
    "kk": ("Қолданылуы: cli [OPTIONS]", "Опциялар:", "Тапсырмалар тізімі: ашық қадамдар"),
    "ru": ("Использование: cli [OPTIONS]", "Параметры:", "Список задач: открытые шаги по сроку"),
    "en": ("Usage: cli [OPTIONS]", "Options:", "The task list: open steps, by due time"),
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("args", [("--lang", "{lang}", "--help"), ("--lang={lang}", "--help"),
                                  ("--help", "--lang", "{lang}"),
                                  ("--db", "x.db", "--lang", "{lang}", "--help")])
def test_the_lang_option_translates_the_top_level_help(
    cli: Cli, lang: str, args: tuple[str, ...]
) -> None:
    result = cli(*(a.format(lang=lang) for a in args))
    usage, options, tasks = HELP[lang]
    assert result.output.startswith(usage)
    assert options in result.output and tasks in result.output
    assert (lang == "en") == ("Show this message and exit." in result.output)


@pytest.mark.parametrize(
    ("lang", "usage", "summary", "option"),
    [
        ("kk", "Қолданылуы: cli start", "PROCESS бойынша өтініш беру", "Өтініш деректері."),
        ("ru", "Использование: cli start", "Подать заявку по PROCESS", "Данные заявки."),
    ],
)
def test_the_lang_option_before_a_command_translates_its_help(
    cli: Cli, lang: str, usage: str, summary: str, option: str
) -> None:
    result = cli("--lang", lang, "start", "--help")
    assert result.output.startswith(usage)
    assert summary in result.output and option in result.output
    assert "Application data." not in result.output
    # a subcommand of a group: calendar due
    result = cli("--lang", lang, "calendar", "due", "--help")
    assert "--norm" in result.output and "e.g. \"30 minutes\"" not in result.output


@pytest.mark.parametrize(
    ("lang", "message"),
    [("kk", "Қате: 'nosuch' деген команда жоқ."), ("ru", "Ошибка: Нет команды 'nosuch'.")],
)
def test_the_lang_option_translates_the_groups_own_usage_errors(
    cli: Cli, lang: str, message: str
) -> None:
    # click resolves the command while it parses, before the group's callback runs
    result = cli("--lang", lang, "nosuch", expect=2)
    assert result.stderr.rstrip().endswith(message)


# ------------------------------------------------------------------------- regflow simulate

# processes/arnauly_aleumettik_qyzmet_quzhattaryn_resimdeu.bpmn on its provider route (deadline
# 17 working days): one week of filings, two more weeks of work, seeded; the lane sc_operator is
# off the provider route, so the run notes that one person was assumed for it.
SIMULATE = (
    "simulate", "arnauly_aleumettik_qyzmet_quzhattaryn_resimdeu", "--route", "provider",
    "--arrivals", "5/week", "--staff", "clerk=1,officer=1,social_worker=1",
    "--from", "2026-03-02", "--to", "2026-03-06", "--horizon", "2026-03-20",
    "--durations", "lognormal", "--work-share", "0.2", "--seed", "3",
)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The same seeded run printed in every language, and its --json."""
    cli = Cli(f"sqlite:///{tmp_path_factory.mktemp('sim') / 'regflow.db'}")
    found = {lang: cli("--lang", lang, *SIMULATE).output for lang in LANGS}
    for lang in LANGS:
        found[f"json.{lang}"] = cli("--lang", lang, *SIMULATE, "--json").output
    i18n.set_language("en")
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_simulate_output_matches_its_snapshot(simulated: dict[str, str], lang: str) -> None:
    _check(f"simulate.{lang}.txt", simulated[lang])


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("kk", ["бағыт provider · штат clerk=1", "өтініштер ағыны аптасына 5 (жұмыс уақыты)",
                "5 өтініш берілді · 3 аяқталды (0 бас тартылды)",
                "мерзім сақталды: 100,0% (3 сақталды, 0 бұзылды, 2 белгісіз",
                "5 жұмыс күні 17 мин", "10 жұмыс күні", "◀ тар орын", "тар орын: social_worker",
                "ескертпе: sc_operator үшін бір адам деп алынды", "Нәтижені беру", "жүктеме"]),
        ("ru", ["маршрут provider · штат clerk=1", "поток заявок 5 в неделю (рабочее время)",
                "подано заявок: 5 · завершено: 3 (отказов: 0)",
                "срок соблюдён: 100,0\xa0% (соблюдён: 3, нарушен: 0, неизвестно: 2",
                "5 раб. дней 17 мин", "10 рабочих дней", "◀ узкое", "узкое место: social_worker",
                "примечание: для sc_operator принят один человек", "Выдача", "загрузка"]),
        ("en", ["route provider · staff clerk=1", "arrivals 5/week (working time)",
                "filed 5 · finished 3 (0 refused)",
                "deadline met: 100.0% (3 met, 0 missed, 2 unknown",
                "5 wd 17 min", "10 working days", "◀ bottleneck", "bottleneck: social_worker",
                "note: one person assumed for sc_operator", "Hand over the result",
                "utilisation"]),
    ],
)
def test_simulate_speaks_the_chosen_language(
    simulated: dict[str, str], lang: str, expected: list[str]
) -> None:
    # 5 filings Mon 2 – Fri 6 March; the social worker's 10-working-day step keeps two of them
    # running past Fri 20 March, before their 17-working-day deadline: 3 met, 2 unknown.
    out = simulated[lang]
    for text in expected:
        assert text in out, text
    if lang != "en":
        english = ["deadline met", "bottleneck", "filed", "note:", "Steps", "Roles", "median",
                   "utilisation", "staff", "route ", "arrivals", "(working time)", " wd", " min "]
        assert [w for w in english if w in out] == []


def test_simulate_json_is_the_same_in_every_language(simulated: dict[str, str]) -> None:
    import json

    first = json.loads(simulated["json.en"])
    assert all(json.loads(simulated[f"json.{lang}"]) == first for lang in ("kk", "ru"))
    assert first["arrivals"] == "5/week (working time)"
    assert first["notes"] == [
        "one person assumed for sc_operator (off the route's regular path)"
    ]
    assert (first["met"], first["unknown"], first["compliance"]) == (3, 2, 1.0)
    assert "names" not in first["steps"][0]


# ------------------------------------------------------------------------- the catalogues

SOURCES = [ROOT / "cli.py", ROOT / "errors.py", *sorted((ROOT / "services").glob("*.py")),
           *sorted((ROOT / "workflows").glob("*.py")), *sorted((ROOT / "handlers").glob("*.py")),
           ROOT / "i18n" / "__init__.py"]


def _help_texts() -> dict[str, str]:
    """Every help text of the CLI (commands and options), as the help page translates it."""
    import inspect

    import click

    from regflow.cli import cli

    found: dict[str, str] = {}

    def walk(command: click.Command, path: str) -> None:
        ctx = click.Context(command, info_name=path)
        for item in [command, *command.get_params(ctx)]:
            text = getattr(item, "help", None)
            if text:
                found.setdefault(inspect.cleandoc(text), f"help of {path}")
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}")

    walk(cli, "regflow")
    return found


def _used_messages() -> dict[str | tuple[str, str], str]:
    """Every literal passed to ``_``, ``N_``, ``ngettext`` (also as ``t.gettext``/``t.ngettext``)
    in the code, f-strings included (read from the AST, which sees inside them)."""
    found: dict[str | tuple[str, str], str] = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in ("_", "N_", "gettext", "ngettext"):
                continue
            texts = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if name == "ngettext" and len(texts) >= 2:
                found.setdefault((texts[0], texts[1]), f"{path.name}:{node.lineno}")
            elif name != "ngettext" and texts and isinstance(texts[0], str):
                found.setdefault(texts[0], f"{path.name}:{node.lineno}")
    for text, where in _help_texts().items():
        found.setdefault(text, where)
    return found


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "regflow.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _fields(text: str) -> set[str]:
    return set(re.findall(r"\{(\w*)\}", text))


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_message_the_code_uses_has_a_translation(lang: str) -> None:
    catalog = _catalog(lang)
    used = _used_messages()
    assert len(used) > 50
    missing = []
    for msgid, where in used.items():
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = catalog.get(key)
        strings = message.string if message else None
        forms = strings if isinstance(strings, tuple) else (strings,)
        if message is None or message.fuzzy or not all(forms):
            missing.append(f"{where}: {msgid!r}")
            continue
        for i, form in enumerate(forms):  # the translation fills the same fields as the English
            source = msgid[1] if isinstance(msgid, tuple) and i else key
            assert _fields(form) == _fields(source), f"{lang}: {source!r} → {form!r}"
    assert not missing, f"{lang} catalogue lacks:\n" + "\n".join(missing)


def test_pybabel_with_the_projects_mapping_extracts_every_message_the_code_uses() -> None:
    """``pybabel extract -F i18n/babel.cfg`` (what the catalogues are updated from) must see the
    messages this module finds, f-strings and help texts included, or ``pybabel update`` would
    make their translations obsolete."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "i18n" / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    extracted = {
        msg if isinstance(msg, str) else msg[0]
        for _file, _line, msg, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=DEFAULT_KEYWORDS
        )
    }
    used = {m[0] if isinstance(m, tuple) else m for m in _used_messages()}
    assert sorted(used - extracted) == []
    assert sorted(extracted - used) == []


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_catalogues_hold_no_stale_messages(lang: str) -> None:
    used = {m[0] if isinstance(m, tuple) else m for m in _used_messages()}
    stale = [m.id for m in _catalog(lang) if m.id and (m.id[0] if isinstance(m.id, tuple)
                                                     else m.id) not in used]
    assert not stale, f"{lang}: no longer used: {stale}"
