"""The words and formats of the interface: one gettext catalogue, German first.

Every string the TUI shows is written in English in the code and marked with
``_()`` (translated now) or ``N_()`` (marked for the catalogue, translated
where it is shown, e.g. binding descriptions and the MODES table, which are
defined before the language is known). The catalogue lives in
``vitosms_tui/locale/<lang>/LC_MESSAGES/vitosms.po`` and is compiled to
``.mo`` by ``tools/i18n.py``; the compiled files are committed, so an install
needs nothing extra.

Dates are Swiss in every language: ``dd.mm.yyyy`` and 24-hour times, shown
in Europe/Zurich. Weekday names and number grouping are written out here as
CLDR (babel) has them for de_CH and en_CH (a test compares them): loading
babel and its locale data took about a tenth of the interface's start.
"""

from __future__ import annotations

import gettext
from datetime import date, datetime
from pathlib import Path

from ..core import clock

DOMAIN = "vitosms"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
_BABEL_LOCALES = {"de": "de_CH", "en": "en_CH"}

_state = {"language": DEFAULT_LANGUAGE, "translation": None}


def set_language(language: str | None) -> str:
    """Switch the interface language (``de`` or ``en``); unknown values fall back to German."""
    language = (language or DEFAULT_LANGUAGE).strip().lower()
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    _state["language"] = language
    _state["translation"] = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)
    return language


def language() -> str:
    return _state["language"]


def _translation() -> gettext.NullTranslations:
    if _state["translation"] is None:
        set_language(_state["language"])
    return _state["translation"]


def _(message: str) -> str:
    """The message in the current language."""
    if not message:
        return message
    return _translation().gettext(message)


def N_(message: str) -> str:  # noqa: N802 - the usual gettext name
    """Mark a message for the catalogue without translating it yet."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    return _translation().ngettext(singular, plural, count)


def babel_locale() -> str:
    return _BABEL_LOCALES[language()]


def format_date(value: date | None) -> str:
    """``27.11.2026`` (empty for no date); the same digits in every language, no locale data needed."""
    if value is None:
        return ""
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def format_datetime(value: datetime | None) -> str:
    """``27.11.2026 09:00`` in Zurich time (empty for no instant)."""
    if value is None:
        return ""
    local = clock.local(value)
    return f"{format_date(local)} {local.hour:02d}:{local.minute:02d}"


# CLDR's weekday names, Monday first: "wide" (EEEE), "abbreviated" (EEE), "short" (EEEEEE)
WEEKDAYS = {
    "de": {
        "wide": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
        "abbreviated": ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."),
        "short": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
    },
    "en": {
        "wide": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        "abbreviated": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        "short": ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"),
    },
}


def weekday(value: date, width: str = "abbreviated") -> str:
    """``Fr.`` (abbreviated), ``Freitag`` (wide) or ``Fr`` (short) in the interface's language."""
    return WEEKDAYS[language()][width][value.weekday()]


def format_day(value: datetime, year: bool = True) -> str:
    """``Fr. 27.11.2026 09:00`` in Zurich time, for the status line (``Fr. 27.11. 09:00`` without year)."""
    local = clock.local(value)
    day = format_date(local) if year else f"{local.day:02d}.{local.month:02d}."
    return f"{weekday(local)} {day} {local.hour:02d}:{local.minute:02d}"


def format_number(value: int) -> str:
    """``12'345``: Swiss grouping (CLDR's for de_CH and en_CH alike)."""
    return f"{value:,}".replace(",", "'")


LANGUAGE_NAMES = {"de": N_("German"), "fr": N_("French"), "it": N_("Italian"), "en": N_("English")}
CHANNEL_NAMES = {"sms": N_("SMS"), "email": N_("E-mail")}


def channel_counts(sms: int, email: int) -> str:
    """ "2 SMS, 1 e-mail" for a batch ('' when it holds neither)."""
    parts = []
    if sms:
        parts.append(_("{count} SMS").format(count=format_number(sms)))
    if email:
        parts.append(_("{count} e-mail").format(count=format_number(email)))
    return ", ".join(parts)
