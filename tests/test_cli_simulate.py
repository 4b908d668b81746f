"""``regflow simulate`` end to end: the library's wheelchair regulation, seeded, twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from regflow import i18n
from tests.conftest import Cli


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """--lang is process-wide: leave English for the service tests that run after these."""
    yield
    i18n.set_language("en")

# processes/kreslo_arba_beru.bpmn (seed 003_2e4deee796d008ba.txt:424-442): clerk 30 min →
# head 1 wd → officer 8 wd → head 1 wd → clerk 30 min; lanes clerk, head, officer.
ARGS = (
    "simulate",
    "kreslo_arba_beru",
    "--arrivals",
    "10/week",
    "--staff",
    "clerk=1,head=1,officer=2",
    "--from",
    "2026-03-02",
    "--to",
    "2026-03-06",
    "--durations",
    "lognormal",
    "--work-share",
    "0.05",
    "--seed",
    "42",
)


def test_simulate_with_a_seed_prints_the_same_forecast_twice(cli: Cli) -> None:
    first = cli(*ARGS)
    second = cli(*ARGS)
    assert first.output == second.output
    assert "regflow simulate · kreslo_arba_beru v1" in first.output
    assert "bottleneck:" in first.output
    assert "the regulation sets no service deadline" in first.output


def test_simulate_json_is_reproducible_and_leaves_the_live_database_alone(cli: Cli) -> None:
    first = json.loads(cli(*ARGS, "--json").output)
    second = json.loads(cli(*ARGS, "--json").output)
    assert first == second
    assert first["process_key"] == "kreslo_arba_beru"
    assert first["staff"] == {"clerk": 1, "head": 1, "officer": 2}
    assert first["filed"] > 0
    assert {r["role"] for r in first["roles"]} == {"clerk", "head", "officer"}
    assert first["database_url"] is None
    # nothing was filed in the live database
    assert json.loads(cli("tasks", "--json").output) == []


def test_simulate_keeps_its_run_in_the_given_database_and_writes_html(
    cli: Cli, tmp_path: Path
) -> None:
    sim = f"sqlite:///{tmp_path / 'whatif.db'}"
    out = cli(*ARGS, "--db", sim, "--html", str(tmp_path / "whatif.html"))
    assert f"simulated run kept in {sim}" in out.output
    assert (tmp_path / "whatif.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # the live database must not be the simulated one unless --into-live
    refused = cli(*ARGS, "--db", cli.url, expect=2)
    assert "live database" in refused.output + refused.stderr


def test_simulate_bad_staff_is_a_usage_error(cli: Cli) -> None:
    result = cli("simulate", "kreslo_arba_beru", "--arrivals", "10/week", "--staff", "clerk=1",
                 "--from", "2026-03-02", "--to", "2026-03-06", expect=2)
    assert "no staff for role head, officer" in result.output + result.stderr


@pytest.mark.parametrize(
    ("lang", "line", "bottleneck"),
    [
        ("kk", "регламентте қызмет көрсету мерзімі белгіленбеген: мерзімнің сақталуы өлшенбейді",
         "тар орын: "),
        ("ru", "регламент не устанавливает срок оказания услуги: соблюдение срока не измеряется",
         "узкое место: "),
    ],
)
def test_simulate_says_in_the_chosen_language_that_the_regulation_sets_no_deadline(
    cli: Cli, lang: str, line: str, bottleneck: str
) -> None:
    out = cli("--lang", lang, *ARGS).output
    assert line in out and bottleneck in out
    assert "the regulation sets no service deadline" not in out


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("kk", "қате: head, officer рөліне адам берілмеген: --staff ішіне head=N,officer=N "
               "қосыңыз"),
        ("ru", "ошибка: нет сотрудников для роли head, officer: добавьте head=N,officer=N в "
               "--staff"),
    ],
)
def test_simulate_usage_errors_are_in_the_chosen_language(
    cli: Cli, lang: str, message: str
) -> None:
    result = cli("--lang", lang, "simulate", "kreslo_arba_beru", "--arrivals", "10/week",
                 "--staff", "clerk=1", "--from", "2026-03-02", "--to", "2026-03-06", expect=2)
    assert result.stderr.strip() == message
    result = cli("--lang", lang, "simulate", "kreslo_arba_beru", "--arrivals", "10/month",
                 "--staff", "clerk=1", "--from", "2026-03-02", "--to", "2026-03-06", expect=2)
    assert "'10/month'" in result.stderr and "cannot read arrivals" not in result.stderr
