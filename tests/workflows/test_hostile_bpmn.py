"""Hostile and broken BPMN files: one clear line naming file, line and element; nothing deployed.

The corpus is tests/data/hostile/ (grow it: add a file and a row below). The files were made from
tests/support.py's three-step model, each broken in one place.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import DATA, MIWG, Cli
from tests.support import three_step_model

HOSTILE = DATA / "hostile"
EXPECTED = {  # file → (line, element, what the message says)
    "xxe_file.bpmn": (2, "DOCTYPE", "DOCTYPE and entity declarations are not allowed"),
    "external_dtd.bpmn": (2, "DOCTYPE", "DOCTYPE and entity declarations are not allowed"),
    "billion_laughs.bpmn": (2, "DOCTYPE", "DOCTYPE and entity declarations are not allowed"),
    "late_entity.bpmn": (215, "ENTITY", "DOCTYPE and entity declarations are not allowed"),
    "not_xml.bpmn": (1, None, "not well-formed XML"),
    "not_bpmn.bpmn": (2, "svg", "not a BPMN 2.0 file"),
    "dangling_flow.bpmn": (80, "Flow_Task_register_Task_decide", "missing element"),
    "task_outside_lane.bpmn": (53, "Task_sign", "outside every lane"),
    "bad_norm.bpmn": (30, "Task_register", "unreadable norm"),
    "gateway_without_default.bpmn": (49, "Gateway_refuse", "neither a condition nor the default"),
    "unsafe_condition.bpmn": (83, "Flow_Gateway_refuse_EndEvent_2", "condition refused"),
    "unreachable_end.bpmn": (71, "EndEvent_2", "cannot be reached"),
    "missing_shape.bpmn": (54, "Task_sign", "has no diagram shape"),
}


def test_the_corpus_is_listed_here() -> None:
    assert sorted(p.name for p in HOSTILE.glob("*.bpmn")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file_is_refused_with_file_line_and_element(
    cli: Cli, tmp_path: Path, name: str
) -> None:
    line, element, says = EXPECTED[name]
    path = tmp_path / name
    shutil.copy(HOSTILE / name, path)
    for command in ("validate", "deploy"):
        r = cli(command, str(path), expect=1)
        (message,) = r.stderr.splitlines()
        assert message.startswith(f"error: {name}:{line}"), message
        if element:
            assert f"element {element}:" in message
        assert says in message and "Traceback" not in r.output
    assert "three_steps" not in cli("processes").output  # nothing deployed
    assert not list(Path.cwd().glob("PWNED*"))


def test_a_hostile_file_in_a_batch_deploys_nothing(cli: Cli, tmp_path: Path) -> None:
    good = three_step_model(tmp_path / "good.bpmn")
    bad = tmp_path / "b.bpmn"
    shutil.copy(HOSTILE / "xxe_file.bpmn", bad)
    cli("deploy", str(good), str(bad), expect=1)
    assert "three_steps" not in cli("processes").output


def test_huge_file_is_refused_before_parsing(cli: Cli, tmp_path: Path) -> None:
    text = three_step_model(tmp_path / "m.bpmn").read_text(encoding="utf-8")
    huge = tmp_path / "huge.bpmn"
    padding = "<!-- " + "x" * 1000 + " -->\n"
    huge.write_text(text.replace("<bpmn:process ", padding * 5300 + "<bpmn:process ", 1), "utf-8")
    assert huge.stat().st_size > 5 * 1024 * 1024
    r = cli("validate", str(huge), expect=1)
    assert r.stderr == "error: huge.bpmn: file is larger than 5 MB\n"




@pytest.mark.skipif(not MIWG.is_dir(), reason=f"no BPMN MIWG corpus at {MIWG}")
def test_miwg_reference_corpus_never_crashes_validate(cli: Cli) -> None:
    """Each file is accepted, or refused naming the construct regflow does not support."""
    files = sorted(MIWG.glob("*.bpmn"))
    assert files
    r = cli("validate", *map(str, files), expect=None)
    assert r.exit_code in (0, 1)
    assert "Traceback" not in r.output and "internal error" not in r.output
    errors = r.stderr.splitlines()
    oks = [line for line in r.stdout.splitlines() if line.startswith("ok: ")]
    assert len(errors) + len(oks) == len(files)
    refused = {re.match(r"error: ([^:,]+)", e).group(1) for e in errors}  # type: ignore[union-attr]
    assert refused <= {f.name for f in files} and len(refused) == len(errors)
    construct = re.compile(
        r"bpmn:\w+|executable process|isExecutable|condition|gateway|not supported"
    )
    for e in errors:
        assert construct.search(e), e
