"""Reading a batch of applications from JSON Lines (`regflow start --from FILE`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from regflow.errors import UsageError
from regflow.services.forms import read_forms


def _file(tmp_path: Path, content: str | bytes) -> str:
    path = tmp_path / "day.jsonl"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def test_each_line_is_one_application_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    source = _file(tmp_path, (
        '{"applicant": "Асан", "data": {"disability_group": 2}}\n'
        "\n"
        '  {"route": "sc", "applicant": "Үсен"}  \r\n'
        "{}\n"
    ))
    forms = read_forms(source)
    assert [(f.applicant, f.route, f.data, f.line) for f in forms] == [
        ("Асан", None, {"disability_group": 2}, 1),
        ("Үсен", "sc", {}, 3),
        (None, None, {}, 4),
    ]
    assert {f.file for f in forms} == {source}


def test_command_line_route_and_data_apply_unless_the_line_says_otherwise(
    tmp_path: Path
) -> None:
    source = _file(tmp_path, '{"data": {"channel": "sc"}}\n{"route": "akim"}\n')
    forms = read_forms(source, route="portal", data={"channel": "portal", "batch": 7})
    assert [(f.route, f.data) for f in forms] == [
        ("portal", {"channel": "sc", "batch": 7}),
        ("akim", {"channel": "portal", "batch": 7}),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{}\n{"applicant": "Асан"\n', ":2: not valid JSON (Expecting ',' delimiter)"),
        ('["Асан"]\n', ":1: expected a JSON object with route, applicant and data"),
        ('{"name": "Асан"}\n', ":1: unknown key 'name' (known: route, applicant, data)"),
        ('{"route": 2}\n', ":1: 'route' must be a string"),
        ('{"applicant": ["Асан"]}\n', ":1: 'applicant' must be a string"),
        ('{"data": [1]}\n', ":1: application data must be a JSON object of names and values"),
        ('{"data": {"route": "sc"}}\n', ":1: 'route' is set by regflow itself (use --route)"),
        ('{"data": {"2nd": 1}}\n', ":1: '2nd' is not a valid name"),
        ('{"data": {"note": "' + "ә" * 10_001 + '"}}\n',
         ":1: the value of 'note' is longer than 10000 characters"),
        (b'{"applicant": "\xd3"}\n', ":1: not UTF-8 text"),
    ],
)
def test_a_bad_line_is_named_by_file_and_line(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    source = _file(tmp_path, content)
    with pytest.raises(UsageError) as raised:
        read_forms(source)
    assert str(raised.value).startswith(source + message)


def test_an_empty_or_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"holds no applications \(one JSON object per line\)"):
        read_forms(_file(tmp_path, "\n  \n"))
    with pytest.raises(UsageError, match="cannot read .*nothing.jsonl: No such file"):
        read_forms(str(tmp_path / "nothing.jsonl"))
