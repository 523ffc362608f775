"""Message templates: placeholders -> text, per purpose, language and channel.

A template is plain text with placeholders in braces (``{greeting}``,
``{date}``); ``{{`` and ``}}`` stand for literal braces. The names are fixed
(:data:`PLACEHOLDERS`): the appointment's reason is deliberately not one of
them, because message texts never carry a diagnosis.

Dates: the locale's short numeric date with a four-digit year (``30.11.2026``
in de_CH, fr_CH, it_CH, ``30/11/2026`` in en_GB; numbers keep SMS in GSM-7 where
"août" would not); times ``HH:MM`` (24 h, Europe/Zurich); weekdays written out.

The defaults live in ``data/templates/<language>.toml``; the practice may keep
its own text per purpose, language and channel, for all Mandanten or for one.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from babel.dates import format_date, get_date_format

from . import clock, header_text
from .db import write_transaction
from .errors import NotFound, Refused, UsageError
from .models import CHANNELS, LANGUAGES, PURPOSES, Appointment, AuditEntry, Mandant, Person, Recall, Setting, Template
from .paths import data_dir
from .practice_details import OPTIONAL, leave_out_empty, values_for
from .reply_words import INVITATION

PLACEHOLDERS: dict[str, str] = {
    "greeting": "opening words: 'Guten Tag Frau Muster' (no title: first and last name;"
    " no person: the greeting word alone)",
    "salutation": "the title in the person's language (Herr: Herr/Monsieur/Signor/Mr,"
    " Frau: Frau/Madame/Signora/Ms); none: the neutral greeting word",
    "first_name": "the person's first name",
    "last_name": "the person's last name",
    "date": "the appointment's date, e.g. 30.11.2026 (en: 30/11/2026)",
    "time": "the appointment's start, HH:MM (24 h, Europe/Zurich)",
    "weekday": "the appointment's weekday, written out in the person's language",
    "mandant": "the Mandant's name (usually the doctor)",
    "practice": "the practice's name (setting practice_name)",
    "practice_phone": "the Mandant's phone (else setting practice_phone); empty: its sentence is left out",
    "practice_address": "the Mandant's practice address; empty: its sentence is left out",
    "signature": "the Mandant's signature (e-mails); empty: left out",
    "due": "the recall's due date, e.g. 30.11.2026",
    "today": "today's date, e.g. 30.11.2026",
    "answer": "'JA oder NEIN' in the person's language when SMS replies come in; else left out",
}

# What a placeholder needs to have a value (said when it has none).
_NEEDS = dict(
    first_name="a person",
    last_name="a person",
    date="an appointment",
    time="an appointment",
    weekday="an appointment",
    due="a recall",
    mandant="a Mandant",
)
# Placeholders that only some purposes can fill; the others fit every purpose.
_AGENDA = ("free", "reminder", "confirmation")
_ONLY_FOR = {"date": _AGENDA, "time": _AGENDA, "weekday": _AGENDA, "due": ("free", "recall"), "answer": _AGENDA}
# Words that look like placeholders but must never become one.
_FORBIDDEN = ("reason", "diagnosis", "diagnose", "grund")

LOCALES = {"de": "de_CH", "fr": "fr_CH", "it": "it_CH", "en": "en_GB"}
GREETING_WORDS = {"de": "Guten Tag", "fr": "Bonjour", "it": "Buongiorno", "en": "Hello"}
TITLES = {
    "herr": {"de": "Herr", "fr": "Monsieur", "it": "Signor", "en": "Mr"},
    "frau": {"de": "Frau", "fr": "Madame", "it": "Signora", "en": "Ms"},
}
# Spellings met in imported master data, folded onto the two titles.
_TITLE_ALIASES = {
    **dict.fromkeys(("herr", "hr", "monsieur", "m", "signor", "signore", "sig", "mr"), "herr"),
    **dict.fromkeys(("frau", "fr", "madame", "mme", "signora", "sigra", "ms", "mrs"), "frau"),
}

MAX_BODY, MAX_SUBJECT = 10_000, 200  # the subject column is 200 wide
_MAX_NAME = 40


def _where(text: str, index: int) -> str:
    column = index - text.rfind("\n", 0, index)
    return f"line {text.count(chr(10), 0, index) + 1}, column {column}"


@lru_cache(maxsize=512)
def _parse(text: str) -> tuple[tuple[str, str], ...]:
    """Split a text into ("text", literal) and ("field", name) parts, or refuse it."""
    parts: list[tuple[str, str]] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char not in "{}":
            literal.append(char)
            i += 1
        elif text.startswith(char * 2, i):
            literal.append(char)
            i += 2
        elif char == "}":
            raise Refused("unbalanced_braces.close", where=_where(text, i))
        else:
            end = text.find("}", i + 1)
            inner = text[i + 1 : end] if end != -1 else ""
            if end == -1 or "{" in inner or not inner.isprintable():
                raise Refused("unbalanced_braces.open", where=_where(text, i))
            _check_name(inner.strip())
            if literal:
                parts.append(("text", "".join(literal)))
                literal = []
            parts.append(("field", inner.strip()))
            i = end + 1
    if literal:
        parts.append(("text", "".join(literal)))
    return tuple(parts)


def _check_name(name: str) -> None:
    if name in PLACEHOLDERS:
        return
    shown = name if len(name) <= _MAX_NAME else name[:_MAX_NAME] + "..."
    if name.lower() in _FORBIDDEN:
        hint = "the appointment's reason is never sent: message texts carry no diagnosis"
    elif name.lower() in PLACEHOLDERS:
        hint = f"did you mean {{{name.lower()}}}?"
    else:
        hint = "known: " + ", ".join(f"{{{key}}}" for key in PLACEHOLDERS)
    raise Refused("unknown_placeholder", shown=shown, hint=hint)


def placeholders_in(text: str) -> list[str]:
    """The placeholder names a text uses, in order of first use (refuses bad texts)."""
    return list(dict.fromkeys(value for kind, value in _parse(text) if kind == "field"))


def validate_template(body: str, subject: str = "", purpose: str | None = None) -> None:
    """Refuse a text (and subject) that could not be rendered; return None if fine.

    With ``purpose``, placeholders that purpose cannot fill (``{due}`` in a
    reminder) are refused too.
    """
    if not isinstance(body, str) or not isinstance(subject, str):
        raise Refused("invalid_template")
    if not body.strip():
        raise Refused("empty_text.template")
    if len(body) > MAX_BODY:
        raise Refused("text_too_long.template", limit=MAX_BODY)
    header_text.check(subject, "the subject", MAX_SUBJECT, "invalid_subject")
    for name in placeholders_in(subject) + placeholders_in(body):
        allowed = _ONLY_FOR.get(name)
        if purpose is not None and allowed and purpose not in allowed:
            raise Refused("placeholder_not_available", name=name, purpose=purpose, known=", ".join(allowed))


def render(body: str, context: dict[str, str]) -> str:
    """Fill the placeholders of ``body`` from ``context``.

    Values are inserted as they are: a name containing ``{last_name}`` stays
    that text, because the template is parsed before any value goes in.
    """
    out: list[str] = []
    parts: Sequence[tuple[str, str]] = _parse(body)
    if any(kind == "field" and value in OPTIONAL for kind, value in parts):
        parts = leave_out_empty(parts, context)  # no "Absage: ." when a detail is missing
    for kind, value in parts:
        if kind == "text":
            out.append(value)
        elif value in context:
            out.append(str(context[value]))
        else:
            raise Refused("missing_value", value=value, needs=_NEEDS.get(value, "a value"))
    return "".join(out)


def _clean(value: object) -> str:
    """One line, single spaces: master data must not break a text's layout."""
    return " ".join(str(value or "").split())


def language_of(person: Person | None = None, language: str | None = None) -> str:
    """The language to write in: the explicit one, else the person's, else German."""
    if language is not None:
        if language not in LANGUAGES:
            raise Refused("unknown_language", value=language, known=", ".join(LANGUAGES))
        return language
    wanted = str(getattr(person, "language", "") or "").strip().lower()
    return wanted if wanted in LANGUAGES else "de"


@lru_cache(maxsize=8)
def _date_pattern(language: str) -> str:
    pattern = get_date_format("short", locale=LOCALES[language]).pattern
    return re.sub(r"y+", "yyyy", pattern)


def format_day(day: date, language: str) -> str:
    """A date by the one rule: the locale's short numeric date, four-digit year."""
    return format_date(day, _date_pattern(language), locale=LOCALES[language])


def title_of(salutation: str | None, language: str) -> str:
    """Herr/Frau (or a known spelling of them) in ``language``; '' when unknown."""
    key = re.sub(r"[\s.]", "", str(salutation or "")).lower()
    kind = _TITLE_ALIASES.get(key)
    return TITLES[kind][language] if kind else ""


def practice_info() -> dict[str, str]:
    """The practice's name and phone from the settings (defaults: "Praxis", "")."""
    values = {"practice_name": "Praxis", "practice_phone": "", "sms_replies": "off"}
    for row in Setting.select().where(Setting.key.in_(list(values))):
        if row.value.strip():
            values[row.key] = row.value.strip()
    return values


def context_for(
    person: Person | None = None,
    mandant: Mandant | None = None,
    appointment: Appointment | None = None,
    recall: Recall | None = None,
    practice: dict[str, str] | None = None,
    language: str | None = None,
) -> dict[str, str]:
    """Every placeholder value these records can give, in the person's language.

    A placeholder whose record is missing (``{date}`` without an appointment)
    is left out, so that :func:`render` refuses it instead of sending a gap.
    """
    language = language_of(person, language)
    practice = practice_info() if practice is None else practice
    word = GREETING_WORDS[language]
    values = {
        "practice": _clean(practice.get("practice_name", "")) or "Praxis",
        **values_for(mandant, practice),
        "today": format_day(clock.today(), language),
        "salutation": word,
        "greeting": word,
        "answer": INVITATION[language] if practice.get("sms_replies") == "on" else "",
    }
    if person is not None:
        first, last = _clean(person.first_name), _clean(person.last_name)
        title = title_of(person.salutation, language)
        values.update(first_name=first, last_name=last, salutation=title or word)
        name = f"{title} {last}" if title and last else f"{first} {last}".strip()
        values["greeting"] = f"{word} {name}".strip()
    if mandant is not None:
        values["mandant"] = _clean(mandant.name)
    if appointment is not None:
        start = clock.local(appointment.start)
        values.update(
            date=format_day(start.date(), language),
            time=start.strftime("%H:%M"),
            weekday=format_date(start.date(), "EEEE", locale=LOCALES[language]),
        )
    if recall is not None:
        values["due"] = format_day(recall.due, language)
    return values


def _check_kind(purpose: str, language: str, channel: str) -> None:
    for value, known, what in (
        (purpose, PURPOSES, "purpose"),
        (language, LANGUAGES, "language"),
        (channel, CHANNELS, "channel"),
    ):
        if value not in known:
            raise Refused(f"unknown_{what}", value=value, known=", ".join(known))


def _check_text(purpose: str, language: str, channel: str, body: str, subject: str) -> None:
    """Refuse what a stored template may not be (an SMS has no subject, an e-mail needs one)."""
    _check_kind(purpose, language, channel)
    if channel == "sms" and subject:
        raise Refused("invalid_subject.sms_has_none")
    if channel == "email" and not subject:
        raise Refused("invalid_subject.email_needs")
    validate_template(body, subject, purpose)


def _mandant(mandant: Mandant | int | str | None) -> Mandant | None:
    """A Mandant from a record, an id or a code (None: practice-wide)."""
    if mandant is None or isinstance(mandant, Mandant):
        return mandant
    found = (
        Mandant.get_or_none(Mandant.id == mandant)
        if isinstance(mandant, int)
        else Mandant.get_or_none(Mandant.code == str(mandant))
    )
    if found is None:
        raise NotFound("not_found.mandant", mandant=mandant)
    return found


def default_templates() -> dict[tuple[str, str, str], dict[str, str]]:
    """The texts of ``data/templates/<language>.toml``, by (purpose, language, channel)."""
    found: dict[tuple[str, str, str], dict[str, str]] = {}
    folder = data_dir() / "templates"
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else ():
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
            if path.stem not in LANGUAGES:
                raise ValueError(f"{path.stem!r} is not a language")
            for purpose, channels in document.items():
                for channel, entry in channels.items():
                    text = {"subject": str(entry.get("subject", "")).strip(), "body": str(entry["body"]).strip()}
                    _check_text(purpose, path.stem, channel, text["body"], text["subject"])
                    found[(purpose, path.stem, channel)] = text
        except (OSError, ValueError, KeyError, AttributeError, Refused) as exc:
            raise UsageError("usage.broken_template_file", name=path.name, reason=exc) from None
    return found


def install_default_templates(overwrite: bool = False) -> int:
    """Store the default texts as practice-wide templates, keeping the practice's own
    unless ``overwrite``; return how many rows were written."""
    written = 0
    with write_transaction():
        for (purpose, language, channel), text in default_templates().items():
            row = _stored(purpose, language, channel, None)
            if row is None:
                Template.create(
                    purpose=purpose,
                    language=language,
                    channel=channel,
                    mandant=None,
                    name=f"{purpose}/{channel}/{language}",
                    **text,
                )
            elif overwrite and (row.body, row.subject) != (text["body"], text["subject"]):
                row.body, row.subject, row.updated_at = text["body"], text["subject"], clock.now()
                row.save()
            else:
                continue
            written += 1
    return written


def _stored(purpose: str, language: str, channel: str, mandant: Mandant | None) -> Template | None:
    owner = Template.mandant.is_null() if mandant is None else Template.mandant == mandant
    return Template.get_or_none(
        (Template.purpose == purpose) & (Template.language == language) & (Template.channel == channel) & owner
    )


def find_template(purpose: str, language: str, channel: str, mandant: Mandant | int | str | None = None) -> Template:
    """The Mandant's own text, else the practice's, else the default file (unsaved,
    ``id`` None); for a language without any of these, the same in German."""
    _check_kind(purpose, language, channel)
    owned_by = _mandant(mandant)
    defaults = None
    for lang in dict.fromkeys((language, "de")):
        for owner in (owned_by, None) if owned_by is not None else (None,):
            row = _stored(purpose, lang, channel, owner)
            if row is not None:
                return row
        defaults = default_templates() if defaults is None else defaults
        text = defaults.get((purpose, lang, channel))
        if text is not None:
            return Template(
                purpose=purpose,
                language=lang,
                channel=channel,
                mandant=None,
                name=f"{purpose}/{channel}/{lang}",
                **text,
            )
    raise NotFound("not_found.template", channel=channel, purpose=purpose, language=language)


def save_template(
    purpose: str,
    language: str,
    channel: str,
    body: str,
    subject: str = "",
    mandant: Mandant | int | str | None = None,
    user: str = "",
) -> Template:
    """Store a text (for one Mandant, or practice-wide); a refused text changes nothing."""
    body, subject = (body or "").strip(), (subject or "").strip()
    _check_text(purpose, language, channel, body, subject)
    owner = _mandant(mandant)
    with write_transaction():
        row = _stored(purpose, language, channel, owner)
        if row is None:
            suffix = f"/{owner.code}" if owner is not None else ""
            row = Template(
                purpose=purpose,
                language=language,
                channel=channel,
                mandant=owner,
                name=f"{purpose}/{channel}/{language}{suffix}",
            )
        row.body, row.subject, row.updated_at = body, subject, clock.now()
        row.save()
        AuditEntry.create(
            user=user or "", action="template_save", mandant=owner, detail=f"{purpose}/{channel}/{language}"
        )
    return row


def list_templates(
    purpose: str | None = None, language: str | None = None, channel: str | None = None
) -> list[Template]:
    """Stored templates by purpose, language, channel (practice-wide first), optionally filtered."""
    query = Template.select()
    for field, value in ((Template.purpose, purpose), (Template.language, language), (Template.channel, channel)):
        if value is not None:
            query = query.where(field == value)
    order = {name: index for index, name in enumerate(PURPOSES)}
    return sorted(query, key=lambda t: (order.get(t.purpose, 99), t.language, t.channel, t.mandant_id or 0))


def render_message(
    purpose: str,
    channel: str,
    person: Person | None,
    mandant: Mandant | int | str | None,
    appointment: Appointment | None = None,
    recall: Recall | None = None,
    body: str | None = None,
    subject: str | None = None,
    language: str | None = None,
) -> tuple[str, str]:
    """(subject, body) of one message, in the person's language.

    Without ``body`` the stored template is used; a given ``body`` (a free text)
    is rendered instead, placeholders and all. An SMS has no subject; an
    e-mail without one takes the template's. Person and Mandant default to the
    appointment's or the recall's.
    """
    _check_kind(purpose, "de", channel)
    source = appointment if appointment is not None else recall
    person = person if person is not None else getattr(source, "person", None)
    writer = _mandant(mandant if mandant is not None else getattr(source, "mandant", None))
    language = language_of(person, language)
    template = None
    if body is None or (channel == "email" and not (subject or "").strip()):
        template = find_template(purpose, language, channel, writer)
    if body is None:
        assert template is not None  # read above
        # a German fallback text gets German dates, not a mix of languages
        language, body = template.language, template.body
    if channel == "sms":
        subject = ""
    elif not (subject or "").strip():
        assert template is not None  # read above for an e-mail without its subject
        subject = template.subject
    assert subject is not None  # "", the template's or the one given
    validate_template(body, subject, purpose)
    context = context_for(person, writer, appointment, recall, language=language)
    return _clean(render(subject, context)), render(body, context)
