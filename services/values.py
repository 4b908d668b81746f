"""Reading ``--set key=value`` pairs typed by a clerk."""

from __future__ import annotations

import json
import re
from typing import Any

from regflow.errors import UsageError
from regflow.i18n import _

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_VALUE = 10_000
RESERVED = {"route"}


def parse_value(text: str) -> Any:
    low = text.strip().lower()
    if low in {"true", "yes", "иә", "да"}:
        return True
    if low in {"false", "no", "жоқ", "нет"}:
        return False
    if re.fullmatch(r"-?\d{1,18}", text.strip()):
        return int(text)
    if re.fullmatch(r"-?\d{1,18}\.\d{1,18}", text.strip()):
        return float(text)
    if text.strip()[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise UsageError(_("not valid JSON: {text}").format(text=repr(text[:60]))) from None
    return text


def parse_assignments(pairs: tuple[str, ...] | list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep:
            raise UsageError(_("expected key=value, got {text}").format(text=repr(pair[:60])))
        check_name(key)
        if len(value) > MAX_VALUE:
            raise UsageError(
                _("the value of '{key}' is longer than {limit} characters").format(
                    key=key, limit=MAX_VALUE
                )
            )
        data[key] = parse_value(value)
    return data


def check_data(data: Any) -> dict[str, Any]:
    """Application data given as JSON (`regflow start --from`): the same names and the same
    size limit as ``--set`` pairs; the values stay as JSON typed them."""
    if not isinstance(data, dict):
        raise UsageError(_("application data must be a JSON object of names and values"))
    for key, value in data.items():
        check_name(key)
        if len(json.dumps(value, ensure_ascii=False)) > MAX_VALUE:
            raise UsageError(
                _("the value of '{key}' is longer than {limit} characters").format(
                    key=key, limit=MAX_VALUE
                )
            )
    return data


def check_name(key: str) -> None:
    if not _KEY.match(key):
        raise UsageError(
            _("{name} is not a valid name (letters, digits and _, not starting with a digit)")
            .format(name=repr(key[:60]))
        )
    if key in RESERVED:
        raise UsageError(_("'{key}' is set by regflow itself (use --route)").format(key=key))
