"""The handler registry: every handler the library names exists, unknown ones are refused at
deploy time, and the runner retries with backoff before it gives up."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from regflow.errors import ConfigError, HandlerError, ModelError, UsageError
from regflow.handlers.adapters import Adapters, local_adapters
from regflow.handlers.config import HandlerConfig, RetryPolicy, load_config
from regflow.handlers.registry import (
    HANDLERS,
    HandlerFailed,
    Runner,
    Systems,
    is_registered,
    register,
)
from regflow.services.processes import read_model
from regflow.workflows.loader import load_process
from regflow.workflows.model import StepKind
from tests.conftest import PROCESSES


def test_every_handler_named_in_the_library_is_registered() -> None:
    named = set()
    for path in sorted(PROCESSES.glob("*.bpmn")):
        reg = load_process(path.read_bytes(), path.name).regulation
        named |= {s.handler for s in reg.steps.values() if s.kind is StepKind.SERVICE}
    assert None not in named
    assert {n for n in named if not is_registered(n)} == set()
    assert {"gbdfl.lookup", "gbdfl.check", "signature.verify", "portal.authorize"} <= named


def test_model_naming_an_unknown_handler_is_refused_with_file_line_and_element(
    tmp_path: Path,
) -> None:
    source = (PROCESSES / "semey_polygon_otemaqy.bpmn").read_text(encoding="utf-8")
    broken = tmp_path / "broken.bpmn"
    broken.write_text(source.replace('value="egov.send"', 'value="egov.sned"'), encoding="utf-8")
    line = next(
        n for n, text in enumerate(source.splitlines(), 1) if 'id="Task_sc_send"' in text
    )
    with pytest.raises(ModelError) as caught:
        read_model(broken)
    assert str(caught.value) == (
        f"broken.bpmn:{line}, element Task_sc_send: service task "
        "'5-процесс: ЭЦҚ қойылған сұранысты ЭҮАШ АЖО-ға жолдау' has unknown handler "
        "'egov.sned' (see README, 'Handlers')"
    )


def test_cli_validate_refuses_an_unknown_handler(cli: Any, tmp_path: Path) -> None:
    source = (PROCESSES / "oralman_martebesi.bpmn").read_text(encoding="utf-8")
    broken = tmp_path / "oralman.bpmn"
    broken.write_text(source.replace('value="gbdfl.check"', 'value="nope"'), encoding="utf-8")
    result = cli("validate", str(broken), expect=1)
    assert "unknown handler 'nope'" in result.stderr


@dataclass(frozen=True)
class _Out:
    name: str


@dataclass(frozen=True)
class _Step:
    id: str = "Task_x"
    name: str = "x"
    handler: str | None = "test.flaky"
    outputs: tuple[_Out, ...] = ()


def _runner(policy: RetryPolicy, slept: list[float]) -> Runner:
    return Runner(
        HandlerConfig(default=policy), Systems(local_adapters(), date(2016, 2, 1)),
        sleep=slept.append,
    )


@pytest.fixture
def flaky() -> Any:
    state = {"failures": 0, "calls": 0}

    @register("test.flaky")
    def handler(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
        state["calls"] += 1
        if state["calls"] <= state["failures"]:
            raise ConnectionError(f"down #{state['calls']}")
        return {"ok": True}

    yield state
    del HANDLERS["test.flaky"]


def test_runner_retries_with_doubling_delays_and_records_the_attempts(flaky: Any) -> None:
    flaky["failures"] = 2
    slept: list[float] = []
    runner = _runner(RetryPolicy(attempts=3, base_delay=0.25, timeout=0), slept)
    assert runner(_Step(), {}) == {"ok": True}
    assert slept == [0.25, 0.5]
    (call,) = runner.calls
    assert call.attempts == 3
    assert call.errors == ["ConnectionError: down #1", "ConnectionError: down #2"]


def test_runner_gives_up_after_its_attempts_with_every_error(flaky: Any) -> None:
    flaky["failures"] = 99
    slept: list[float] = []
    with pytest.raises(HandlerFailed) as caught:
        _runner(RetryPolicy(attempts=4, base_delay=1, max_delay=3, timeout=0), slept)(_Step(), {})
    assert slept == [1, 2, 3]  # 1, 2, 4 capped at max_delay 3
    assert caught.value.attempts == 4 and caught.value.errors[-1] == "ConnectionError: down #4"
    assert isinstance(caught.value, HandlerError)


def test_a_handler_that_does_not_answer_in_time_counts_as_a_failed_attempt() -> None:
    release = threading.Event()

    @register("test.hang")
    def hang(data: dict[str, Any], systems: Systems) -> dict[str, Any]:
        release.wait(5)
        return {}

    try:
        with pytest.raises(HandlerFailed, match=r"timeout: no answer within 0.05 s"):
            _runner(RetryPolicy(attempts=1, timeout=0.05), [])(_Step(handler="test.hang"), {})
    finally:
        release.set()
        del HANDLERS["test.hang"]


def test_missing_applicant_data_is_a_usage_error_not_a_retry() -> None:
    slept: list[float] = []
    with pytest.raises(UsageError, match="--set iin="):
        _runner(RetryPolicy(), slept)(_Step(handler="gbdfl.lookup"), {})
    assert slept == []


def test_unregistered_handler_takes_declared_answers_from_the_data() -> None:
    step = _Step(handler="legacy.thing", outputs=(_Out("data_found"),))
    runner = _runner(RetryPolicy(), [])
    assert runner(step, {"data_found": False}) == {"data_found": False}
    with pytest.raises(HandlerError, match="--set data_found=..."):
        runner(step, {})


def test_toml_configuration_sets_retries_per_handler(tmp_path: Path) -> None:
    path = tmp_path / "handlers.toml"
    path.write_text(
        'adapters = "local"\nfixtures = "f.json"\n[retry]\nattempts = 2\nbase_delay = 0\n'
        '[retry."gbdfl.lookup"]\nattempts = 5\n',
        encoding="utf-8",
    )
    config = load_config(str(path))
    assert config.policy("gbdfl.lookup") == RetryPolicy(attempts=5, base_delay=0)
    assert config.policy("egov.send") == RetryPolicy(attempts=2, base_delay=0)
    assert config.fixtures == tmp_path / "f.json"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[retry]\nattempts = 0\n", "'attempts' must be at least 1"),
        ("[retry]\nretries = 3\n", "unknown setting 'retries'"),
        ('[retry."x"]\nbase_delay = -1\n', "'base_delay' must be a number ≥ 0"),
        ('adapters = "nonsense"\n', "neither local nor module:factory"),
    ],
)
def test_bad_handler_configuration_is_a_config_error(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "handlers.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(str(path))


def real_adapters() -> Adapters:
    """A stand-in for a deployment's factory (module:factory)."""
    return local_adapters()


def test_a_factory_named_module_colon_function_supplies_the_adapters() -> None:
    import sys

    module = sys.modules[__name__].__name__
    config = load_config(f"{module}:real_adapters")
    assert isinstance(config.build_adapters(), Adapters)
    with pytest.raises(ConfigError, match="cannot load adapter factory"):
        load_config("regflow.nowhere:factory").build_adapters()
