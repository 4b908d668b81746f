"""The norm grammar: how long a step or a service may take, as the regulations write it.

Regulations give durations in Kazakh, Russian or (in our BPMN models) English, and modellers may
also use ISO-8601 durations. Every form is reduced to one of four units, because those are the
only distinctions the working-time calendar needs:

* ``minutes`` — working minutes (hours are stored as minutes, so "2 hours" == "120 minutes");
* ``working_days`` — whole working days of the provider's schedule;
* ``calendar_days`` and ``calendar_months`` — plain calendar arithmetic.

The grammar is a table of unit words, not a parser: ``<number> [(number in words)] <unit words>``
with an optional "ішінде" / "в течение" around it, plus ISO-8601 ``PT…H…M`` (working minutes),
``P…D`` (working days) and ``P…M`` (calendar months). A bare "day" is refused on purpose: the
texts always say whether days are working or calendar days, and guessing would move deadlines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from regflow.errors import NormError

__all__ = ["Norm", "NormUnit"]


class NormUnit(StrEnum):
    MINUTES = "minutes"
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    CALENDAR_MONTHS = "calendar_months"


# unit words (lower case, single spaces) -> (unit, factor to the stored amount)
_HOURS = (NormUnit.MINUTES, 60)
_MINUTES = (NormUnit.MINUTES, 1)
_WORKING = (NormUnit.WORKING_DAYS, 1)
_CAL_DAYS = (NormUnit.CALENDAR_DAYS, 1)
_MONTHS = (NormUnit.CALENDAR_MONTHS, 1)

_UNIT_WORDS: dict[str, tuple[NormUnit, int]] = {
    # English
    **dict.fromkeys(["minute", "minutes", "min", "mins"], _MINUTES),
    **dict.fromkeys(["hour", "hours", "h"], _HOURS),
    **dict.fromkeys(
        ["working day", "working days", "work day", "work days", "business day",
         "business days"],
        _WORKING,
    ),
    **dict.fromkeys(["calendar day", "calendar days"], _CAL_DAYS),
    **dict.fromkeys(["calendar month", "calendar months", "month", "months"], _MONTHS),
    # Kazakh
    **dict.fromkeys(["минут", "минутта"], _MINUTES),
    **dict.fromkeys(["сағат", "сағатта"], _HOURS),
    **dict.fromkeys(["жұмыс күні", "жұмыс күн", "жұмыс күнде", "жұмыс күнінде"], _WORKING),
    **dict.fromkeys(
        ["күнтізбелік күн", "күнтізбелік күні", "күнтізбелік күнде", "күнтізбелік күнінде"],
        _CAL_DAYS,
    ),
    **dict.fromkeys(["ай", "айда", "күнтізбелік ай"], _MONTHS),
    # Russian
    **dict.fromkeys(["минута", "минуты", "минут", "мин"], _MINUTES),
    **dict.fromkeys(["час", "часа", "часов"], _HOURS),
    **dict.fromkeys(
        ["рабочий день", "рабочего дня", "рабочих дня", "рабочих дней", "рабочих день"],
        _WORKING,
    ),
    **dict.fromkeys(
        ["календарный день", "календарного дня", "календарных дня", "календарных дней"],
        _CAL_DAYS,
    ),
    **dict.fromkeys(
        ["месяц", "месяца", "месяцев", "календарный месяц", "календарного месяца",
         "календарных месяца", "календарных месяцев"],
        _MONTHS,
    ),
}

# "within" words the texts put around a duration; they change nothing
_FILLER_BEFORE = ("в течение", "в течении")
_FILLER_AFTER = ("ішінде", "ішiнде", "в течение")

# <number> [(number in words)] <unit words>
_PLAIN = re.compile(r"^(?P<sign>[-−–])?\s*(?P<amount>\d+)\s*(?:\([^()]*\))?\s*(?P<unit>\D.*)$")
_ISO = re.compile(
    r"^P(?:(?P<months>\d+)M)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$"
)


@dataclass(frozen=True)
class Norm:
    """A normative duration. Two norms are equal when they mean the same time (``text`` is kept
    only to quote the source in messages, so "2 hours" == "PT2H" == "120 minutes")."""

    amount: int
    unit: NormUnit
    text: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise NormError(f"a norm cannot be negative: {self.amount} {self.unit}")
        if not isinstance(self.unit, NormUnit):
            object.__setattr__(self, "unit", NormUnit(self.unit))

    @classmethod
    def parse(cls, text: str) -> Norm:
        """Read a norm as the regulations, the models or ISO-8601 write it.

        Raises :class:`NormError` naming the text when it cannot be read."""
        if not isinstance(text, str):
            raise NormError(f"a norm must be text, not {type(text).__name__}: {text!r}")
        cleaned = " ".join(text.replace("\u00a0", " ").split()).strip(" .,;")
        if not cleaned:
            raise NormError("empty norm: expected e.g. '30 minutes' or '17 working days'")
        if cleaned[:1] in ("P", "p") and cleaned[1:2] in tuple("0123456789Tt"):
            return cls._parse_iso(cleaned, text)
        lowered = cleaned.lower().replace("ё", "е")
        for filler in _FILLER_BEFORE:
            if lowered.startswith(filler + " "):
                lowered = lowered[len(filler) + 1 :]
        for filler in _FILLER_AFTER:
            if lowered.endswith(" " + filler):
                lowered = lowered[: -len(filler) - 1]
        if re.search(r"\d[.,]\d", lowered):
            raise NormError(f"a norm is a whole number of its unit: {text!r} (use '90 minutes')")
        match = _PLAIN.match(lowered)
        if match is None:
            raise NormError(
                f"cannot read norm {text!r}: expected '<number> <unit>', e.g. '30 minutes', "
                "'2 hours', '1 working day', '3 calendar days', '1 calendar month' or ISO 'PT30M'"
            )
        if match["sign"]:
            raise NormError(f"a norm cannot be negative: {text!r}")
        words = match["unit"].strip(" .,;")
        try:
            unit, factor = _UNIT_WORDS[words]
        except KeyError:
            hint = (
                " (say 'working days' or 'calendar days')"
                if words in {"day", "days", "күн", "день", "дня", "дней"}
                else ""
            )
            raise NormError(f"unknown unit {words!r} in norm {text!r}{hint}") from None
        return cls(int(match["amount"]) * factor, unit, text)

    @classmethod
    def _parse_iso(cls, cleaned: str, text: str) -> Norm:
        match = _ISO.match(cleaned.upper())
        if match is None or not any(match.groupdict().values()):
            raise NormError(
                f"cannot read ISO-8601 norm {text!r}: use PT30M / PT2H / PT1H30M (working "
                "minutes), P17D (working days) or P1M (calendar months)"
            )
        parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
        kinds = {"minutes" if k in ("hours", "minutes") else k for k in parts}
        if len(kinds) > 1:
            raise NormError(
                f"ISO-8601 norm {text!r} mixes months, days and hours; a norm has one unit"
            )
        if "months" in parts:
            return cls(parts["months"], NormUnit.CALENDAR_MONTHS, text)
        if "days" in parts:
            return cls(parts["days"], NormUnit.WORKING_DAYS, text)
        return cls(parts.get("hours", 0) * 60 + parts.get("minutes", 0), NormUnit.MINUTES, text)

    @property
    def minutes(self) -> int:
        """The norm in working minutes; only minute (and hour) norms have one."""
        if self.unit is not NormUnit.MINUTES:
            raise NormError(f"{self} is not a norm in minutes")
        return self.amount

    def __str__(self) -> str:
        """Canonical English form; ``Norm.parse(str(n)) == n``."""
        amount, unit = self.amount, self.unit
        if unit is NormUnit.MINUTES:
            if amount and amount % 60 == 0:
                amount, word = amount // 60, "hour"
            else:
                word = "minute"
        else:
            word = {
                NormUnit.WORKING_DAYS: "working day",
                NormUnit.CALENDAR_DAYS: "calendar day",
                NormUnit.CALENDAR_MONTHS: "calendar month",
            }[unit]
        return f"{amount} {word}" if amount == 1 else f"{amount} {word}s"
