"""How durations and instants are written for people: working time, never raw seconds.

``1 wd 3 h 20 min`` means one working day (of the schedule's normal length, 8 h for an akimat),
three hours and twenty minutes of working time; in Kazakh ``1 жұмыс күні 3 сағ 20 мин``, in
Russian ``1 раб. день 3 ч 20 мин`` (the interface's language, see :mod:`regflow.i18n`).
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from regflow.i18n import N_, translations

WORKING_DAY_MINUTES = 480

# stored status and outcome values, as people read them
LABELS = {
    "ready": N_("ready"),
    "claimed": N_("claimed"),
    "completed": N_("completed"),
    "cancelled": N_("cancelled"),
    "incident": N_("incident"),
    "running": N_("running"),
    "suspended": N_("suspended"),
    "issued": N_("issued"),
    "refused": N_("refused"),
}


def label(value: str | None, lang: str | None = None) -> str:
    """A status or outcome in the interface's language; unknown values as stored."""
    if value is None:
        return "—"
    return translations(lang).gettext(LABELS[value]) if value in LABELS else value


def working(
    minutes: int | None, day_minutes: int = WORKING_DAY_MINUTES, lang: str | None = None
) -> str:
    """Working time as days of the schedule, hours and minutes, in ``lang`` (default: the
    interface's language)."""
    if minutes is None:
        return "—"
    t = translations(lang)
    days, rest = divmod(minutes, day_minutes) if day_minutes else (0, minutes)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(t.ngettext("{n} wd", "{n} wd", days).format(n=days))
    if hours:
        parts.append(t.gettext("{n} h").format(n=hours))
    if mins or not parts:
        parts.append(t.gettext("{n} min").format(n=mins))
    return " ".join(parts)


def span(minutes: int | None, lang: str | None = None) -> str:
    """Calendar time, nights and days off included: ``4 d 17 h``, ``22 h 45 min``."""
    if minutes is None:
        return "—"
    t = translations(lang)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [t.ngettext("{n} d", "{n} d", days).format(n=days)] if days else []
    if hours:
        parts.append(t.gettext("{n} h").format(n=hours))
    if mins or not parts:
        parts.append(t.gettext("{n} min").format(n=mins))
    return " ".join(parts)


def norm(text: str | None, lang: str | None = None) -> str:
    """A step's norm as stored ("30 minutes", "1 working day") in the interface's language;
    text the norm grammar cannot read is shown as written."""
    if not text:
        return "—"
    from regflow.errors import NormError
    from regflow.workflows.norms import Norm, NormUnit

    try:
        parsed = Norm.parse(text)
    except NormError:
        return text
    t = translations(lang)
    n = parsed.amount
    if parsed.unit is NormUnit.MINUTES:
        return working(n, day_minutes=0, lang=lang)
    if parsed.unit is NormUnit.WORKING_DAYS:
        return t.ngettext("{n} working day", "{n} working days", n).format(n=n)
    if parsed.unit is NormUnit.CALENDAR_DAYS:
        return t.ngettext("{n} calendar day", "{n} calendar days", n).format(n=n)
    return t.ngettext("{n} month", "{n} months", n).format(n=n)


def percent(share: float | None, digits: int = 1, lang: str | None = None) -> str:
    """A share (0..1) as a percentage with ``digits`` decimals, written the way the language
    writes it (CLDR, through Babel): ``16.7%``, kk ``16,7%``, ru ``16,7 %`` (a no-break space)."""
    from regflow.i18n import get_language

    if share is None:
        return "—"
    code = lang or get_language()
    if code == "en":
        return f"{share:.{digits}%}"
    from babel import Locale
    from babel.numbers import format_percent

    pattern = Locale.parse(code).percent_formats[None].pattern
    decimals = "." + "0" * digits if digits else ""
    return format_percent(share, format=pattern.replace("#,##0", "#,##0" + decimals), locale=code)


def instant(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "—"


def weekday_name(day: date, lang: str | None = None) -> str:
    """Monday → дүйсенбі / понедельник (CLDR names, through Babel)."""
    from regflow.i18n import get_language

    code = lang or get_language()
    if code == "en":
        return f"{day:%A}"
    from babel.dates import format_date

    return format_date(day, "EEEE", locale=code)


def month_name(year: int, month: int, lang: str | None = None) -> str:
    """July 2026 → шілде 2026 / июль 2026 (the stand-alone month name)."""
    from regflow.i18n import get_language

    code = lang or get_language()
    if code == "en":
        return f"{date(year, month, 1):%B %Y}"
    from babel.dates import format_date

    return f"{format_date(date(year, month, 1), 'LLLL', locale=code).lower()} {year}"


# Kazakhstan's public holidays as the ``holidays`` package names them (en_US, which the calendar
# keeps); the package has Kazakh but no Russian names, so both come from the catalogue.
HOLIDAYS = (
    N_("New Year's Day"),
    N_("Orthodox Christmas"),
    N_("International Women's Day"),
    N_("Nowruz Holiday"),
    N_("Kazakhstan's People Solidarity Holiday"),
    N_("Defender of the Fatherland Day"),
    N_("Victory Day"),
    N_("Capital Day"),
    N_("Eid al-Adha"),
    N_("Constitution Day"),
    N_("Republic Day"),
    N_("First President Day"),
    N_("Independence Day"),
)


def holiday_name(name: str, lang: str | None = None) -> str:
    """``Nowruz Holiday (observed)`` → ``Наурыз мейрамы (ауыстырылған демалыс)``; a name the
    catalogue does not know (a new holiday, an override's reason) is shown as written."""
    import re

    t = translations(lang)
    found = re.fullmatch(r"(.*?) \((observed|estimated)\)", name)
    if found:
        base = t.gettext(found.group(1))
        if found.group(2) == "observed":
            return t.gettext("{holiday} (observed)").format(holiday=base)
        return t.gettext("{holiday} (estimated)").format(holiday=base)
    moved = re.fullmatch(r"Day off \(substituted from (\d\d)/(\d\d)/(\d{4})\)", name)
    if moved:
        day = f"{moved.group(3)}-{moved.group(1)}-{moved.group(2)}"
        return t.gettext("day off (moved from {day})").format(day=day)
    return t.gettext(name)
