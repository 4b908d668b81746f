"""Bad input gets one clear line and a non-zero exit, never a traceback, and changes nothing."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import DATA, Cli
from tests.support import three_step_model


def test_condition_importing_os_is_rejected_without_running(cli: Cli, tmp_path: Path) -> None:
    pwned = tmp_path / "PWNED"
    model = tmp_path / "injection.bpmn"
    text = (DATA / "injection.bpmn").read_text(encoding="utf-8")
    model.write_text(text.replace("PWNED_PATH", str(pwned)), encoding="utf-8")
    for command in ("validate", "deploy"):
        result = cli(command, str(model), expect=1)
        assert "injection.bpmn" in result.stderr and "element f2" in result.stderr
        assert "Traceback" not in result.output + result.stderr
    assert not pwned.exists()
    assert "injection" not in cli("processes").output


def test_unknown_task_is_one_line_error(cli: Cli) -> None:
    result = cli("complete", "4242", "--user", "aigul", expect=1)
    assert result.stderr.strip() == "error: no task 4242 (see 'regflow tasks')"


def test_malformed_set_value_is_usage_error(cli: Cli, tmp_path: Path) -> None:
    cli("deploy", str(three_step_model(tmp_path / "m.bpmn")))
    result = cli("start", "three_steps", "--set", "1bad=x", expect=2)
    assert "not a valid name" in result.stderr
    result = cli("start", "three_steps", "--set", "novalue", expect=2)
    assert "expected key=value" in result.stderr
    assert "Tasks (0)" in cli("tasks").output


def test_not_xml_is_named_with_line(cli: Cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.bpmn"
    broken.write_text("<bpmn:definitions>\n<unclosed>\n", encoding="utf-8")
    result = cli("validate", str(broken), expect=1)
    assert result.stderr.startswith("error: broken.bpmn:")
    assert "not well-formed XML" in result.stderr


def test_bad_simulated_time_is_usage_error(cli: Cli) -> None:
    result = cli("tasks", at="yesterday", expect=2)
    assert "not a date-time" in result.stderr
