"""Reading a batch of applications to file at once (`regflow start PROCESS --from FILE`).

The file is JSON Lines, as the e-gov portal's and the State Corporation's exports are handed
on: one application per line, an object with any of ``route``, ``applicant`` and ``data`` (an
object of names and values, as ``--set`` gives them). Blank lines are skipped. An error names
the file and the line, and nothing is filed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from regflow.errors import UsageError
from regflow.i18n import _
from regflow.services.applications import ApplicationForm
from regflow.services.values import check_data

_KEYS = ("route", "applicant", "data")


def read_forms(
    source: str, *, route: str | None = None, data: dict[str, Any] | None = None
) -> list[ApplicationForm]:
    """The applications in ``source`` (a path, or ``-`` for standard input). ``route`` and
    ``data`` (``--route`` and ``--set`` beside ``--from``): what every application gets unless
    its own line says otherwise."""
    name = "<stdin>" if source == "-" else source
    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise UsageError(
            _("cannot read {file}: {reason}").format(file=name, reason=exc.strerror or exc)
        ) from None
    forms = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            text = line.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise UsageError(_("not UTF-8 text"), file=name, line=number) from None
        if text:
            try:
                forms.append(_form(text, route, data or {}, file=name, line=number))
            except UsageError as exc:
                exc.file, exc.line = name, number
                raise
    if not forms:
        raise UsageError(_("{file} holds no applications (one JSON object per line)").format(
            file=name
        ))
    return forms


def _form(
    text: str, route: str | None, defaults: dict[str, Any], *, file: str, line: int
) -> ApplicationForm:
    try:
        found = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(_("not valid JSON ({reason})").format(reason=exc.msg)) from None
    if not isinstance(found, dict):
        raise UsageError(_("expected a JSON object with route, applicant and data"))
    unknown = sorted(set(found) - set(_KEYS))
    if unknown:
        raise UsageError(_("unknown key '{key}' (known: {known})").format(
            key=unknown[0], known=", ".join(_KEYS)
        ))
    for key in ("route", "applicant"):
        if found.get(key) is not None and not isinstance(found[key], str):
            raise UsageError(_("'{key}' must be a string").format(key=key))
    data = {**defaults, **check_data(found.get("data", {}))}
    return ApplicationForm(
        route=found.get("route") or route, data=data, applicant=found.get("applicant"),
        file=file, line=line,
    )
