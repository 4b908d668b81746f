"""Reading ``--set key=value`` pairs typed by a clerk."""

from __future__ import annotations

import json
import re
from typing import Any

from regflow.errors import UsageError

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
            raise UsageError(f"not valid JSON: {text[:60]!r}") from None
    return text


def parse_assignments(pairs: tuple[str, ...] | list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep:
            raise UsageError(f"expected key=value, got {pair[:60]!r}")
        if not _KEY.match(key):
            raise UsageError(
                f"{key[:60]!r} is not a valid name"
                " (letters, digits and _, not starting with a digit)"
            )
        if key in RESERVED:
            raise UsageError(f"'{key}' is set by regflow itself (use --route)")
        if len(value) > MAX_VALUE:
            raise UsageError(f"the value of '{key}' is longer than {MAX_VALUE} characters")
        data[key] = parse_value(value)
    return data
