"""The interface's language: Kazakh (kk), Russian (ru) or English (en, the source language).

Messages are marked ``_("...")`` (and ``ngettext`` for counted words) and translated from gettext
catalogues kept as ``.po`` sources in ``locale/<lang>/LC_MESSAGES/regflow.po``. The ``.po`` file is
read with Babel and compiled in memory on first use, once per process, so a fresh clone, an
editable and a wheel install all work without a compile step. English needs no catalogue.

The CLI calls :func:`set_language` before click parses the command line (``--lang``,
``REGFLOW_LANG``, then the locale: ``kk_KZ.UTF-8`` → kk), so help pages and usage errors follow it
too; services then build their messages, errors included, with ``_()``. Update the catalogues
after changing messages with the project's extraction method (:mod:`regflow.i18n.extract`, which
also sees ``_()`` inside f-strings and the CLI's help texts)::

    pybabel extract -F i18n/babel.cfg -o /tmp/regflow.pot .
    pybabel update -i /tmp/regflow.pot -d i18n/locale -D regflow
"""

from __future__ import annotations

import gettext
import io
import os
from collections.abc import Mapping
from pathlib import Path

LANGUAGES = ("kk", "ru", "en")
DEFAULT_LANGUAGE = "en"
SOURCE_LANGUAGE = "en"
DOMAIN = "regflow"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current = DEFAULT_LANGUAGE
_loaded: dict[str, gettext.NullTranslations] = {}


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; translate it with ``_()`` when shown."""
    return message


def normalize(value: str | None) -> str | None:
    """``kk_KZ.UTF-8`` → ``kk``, ``ru-RU`` → ``ru``, ``EN`` → ``en``; None for anything else."""
    if not value:
        return None
    code = value.strip().split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else None


def from_locale(environ: Mapping[str, str] | None = None) -> str | None:
    """The language of the POSIX locale (LC_ALL, then LC_MESSAGES, then LANG), like gettext."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:  # the first one set decides, as for every POSIX program
            return normalize(value)
    return None


def choose_language(option: str | None, environ: Mapping[str, str] | None = None) -> str:
    """``--lang`` (or ``REGFLOW_LANG``, which click feeds into the option), else the locale,
    else English. An unknown explicit choice is a usage error, not a silent fallback."""
    if option:
        lang = normalize(option)
        if lang is None:
            from regflow.errors import UsageError

            raise UsageError(
                _("unknown language {value}: use one of {choices}").format(
                    value=repr(option), choices=", ".join(LANGUAGES)
                )
            )
        return lang
    return from_locale(environ) or DEFAULT_LANGUAGE


def set_language(lang: str | None) -> str:
    """Make ``lang`` the language of every later message; returns the language in effect."""
    global _current
    _current = normalize(lang) or DEFAULT_LANGUAGE
    return _current


def get_language() -> str:
    return _current


def translations(lang: str | None = None) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (default: the current language), cached."""
    code = normalize(lang) or _current
    found = _loaded.get(code)
    if found is None:
        found = _loaded[code] = _load(code)
    return found


def _load(code: str) -> gettext.NullTranslations:
    source = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if code == SOURCE_LANGUAGE or not source.is_file():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with source.open("rb") as fh:
        catalog = read_po(fh, locale=code, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as msgfmt does
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    """``message`` in the current language (itself when the catalogue lacks it)."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted message for ``n`` (Russian has three, Kazakh one, English two)."""
    return translations().ngettext(singular, plural, n)


def localized(names: Mapping[str, str], default: str, lang: str | None = None) -> str:
    """A model's name in ``lang`` (``name_ru`` → ``names["ru"]``), else its own name."""
    return names.get(normalize(lang) or _current) or default
