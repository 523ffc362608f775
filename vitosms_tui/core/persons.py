"""Persons (patients): validated master data, consents and fast search."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import peewee as pw

from . import audit, clock, dates
from .db import is_postgresql, tuples_of, write_transaction
from .errors import NotFound, Refused
from .models import CHANNELS, CONSENT_PURPOSES, LANGUAGES, Mandant, Person
from .phone import normalize_email, normalize_mobile

SALUTATIONS = ("", "Herr", "Frau")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def fold(text: str) -> str:
    """Lower case without accents: "Müller" and "muller" find each other."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def search_name_of(first: str, last: str) -> str:
    return f"{fold(last)} {fold(first)}"


def clean_name(value: str, what: str) -> str:
    """A name as typed, without control characters; refuses empty names."""
    text = (value or "").strip()
    if _CONTROL.search(text):
        raise Refused("invalid_name.control", what=what)
    if not text:
        raise Refused("invalid_name.required", what=what)
    if len(text) > 80:
        raise Refused("invalid_name.too_long", what=what)
    return text


def parse_birth_date(text: str | date | None) -> date | None:
    """``dd.mm.yyyy`` or ``yyyy-mm-dd``; not in the future, not before 1900 (the rules of core.dates)."""
    if text is None or text == "":
        return None
    if isinstance(text, date):
        return dates.check_birth_date(text)
    return dates.parse_birth_date(text)


@dataclass
class PersonInput:
    """What the desk types for a person; :func:`validate` turns it into fields."""

    first_name: str = ""
    last_name: str = ""
    salutation: str = ""
    birth_date: str | date | None = None
    mobile: str | None = None
    email: str | None = None
    language: str = "de"
    mandant: str | None = None  # code
    preferred_channel: str | None = None
    deceased: bool = False
    inactive: bool = False


def validate(data: PersonInput) -> dict[str, object]:
    """Check every field; the first problem is refused with its reason."""
    first_name = clean_name(data.first_name, "first name")
    last_name = clean_name(data.last_name, "last name")
    fields: dict[str, object] = {"first_name": first_name, "last_name": last_name}
    salutation = (data.salutation or "").strip()
    if salutation not in SALUTATIONS:
        raise Refused("invalid_salutation", salutation=salutation)
    fields["salutation"] = salutation
    fields["birth_date"] = parse_birth_date(data.birth_date)
    fields["mobile"] = normalize_mobile(data.mobile) if data.mobile and data.mobile.strip() else None
    fields["email"] = normalize_email(data.email) if data.email and data.email.strip() else None
    language = (data.language or "de").strip().lower()
    if language not in LANGUAGES:
        raise Refused("invalid_language", known=", ".join(LANGUAGES), language=language)
    fields["language"] = language
    channel = (data.preferred_channel or "").strip().lower() or None
    if channel and channel not in CHANNELS:
        raise Refused("invalid_channel.person", channel=channel)
    fields["preferred_channel"] = channel
    fields["mandant"] = None
    if data.mandant:
        mandant = Mandant.get_or_none(Mandant.code == data.mandant.strip())
        if mandant is None:
            raise Refused("unknown_mandant", mandant=data.mandant)
        fields["mandant"] = mandant
    fields["deceased"] = bool(data.deceased)
    fields["inactive"] = bool(data.inactive)
    fields["search_name"] = search_name_of(first_name, last_name)
    return fields


def add_person(
    data: PersonInput, consents: dict[str, bool] | None = None, user: str = "", source: str = "cli"
) -> Person:
    """Create a person; consents default to reminder and recall yes, birthday no."""
    fields = validate(data)
    wanted = {"reminder": True, "recall": True, "birthday": False}
    wanted.update(consents or {})
    stamp = clock.now()
    for purpose in CONSENT_PURPOSES:
        fields[f"consent_{purpose}"] = bool(wanted[purpose])
        fields[f"consent_{purpose}_at"] = stamp
        fields[f"consent_{purpose}_source"] = source
    with write_transaction():
        person = Person.create(**fields)
        audit.record(user, "person_add", person=person, consents={p: wanted[p] for p in CONSENT_PURPOSES})
    return person


def update_person(person: Person, data: PersonInput, user: str = "") -> Person:
    """Store edited master data after validating all of it (nothing half-saved)."""
    fields = validate(data)
    with write_transaction():
        for name, value in fields.items():
            setattr(person, name, value)
        person.save()
        audit.record(user, "person_edit", person=person)
    return person


def set_consent(person: Person, purpose: str, given: bool, user: str, source: str = "tui") -> Person:
    """Record a consent change with date and source (and audit it).

    ``sms`` is the consent to SMS at all, withdrawn by a patient's STOP (core.replies).
    """
    if purpose not in (*CONSENT_PURPOSES, "sms"):
        raise Refused("invalid_purpose.consent", purpose=purpose)
    with write_transaction():
        setattr(person, f"consent_{purpose}", bool(given))
        setattr(person, f"consent_{purpose}_at", clock.now())
        setattr(person, f"consent_{purpose}_source", source)
        person.save()
        audit.record(user, "consent", person=person, purpose=purpose, given=bool(given), source=source)
    return person


def get_person(person_id: int) -> Person:
    person = Person.get_or_none(Person.id == person_id)
    if person is None:
        raise NotFound("not_found.person", person_id=person_id)
    return person


_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.(\d{4})?$|^\d{1,2}\.\d{1,2}\.?$")
# above every character: "p" <= value < "p" + _TOP holds exactly the values starting with "p"
_TOP = "\U0010ffff"
# a mobile prefix shared by more persons than this is searched in name order instead
_FEW_MOBILES = 500


def _starting_with(field: pw.CharField[str] | pw.CharField[str | None], prefix: str) -> pw.Expression:
    """Values starting with ``prefix``.

    On SQLite a range the field's index serves (its case-insensitive LIKE cannot
    use the index and reads the whole table); the values compared are folded
    names or digits, so case does not matter. PostgreSQL keeps LIKE: its
    collation need not sort U+10FFFF after every other character.
    """
    if is_postgresql():
        return field.startswith(prefix)
    return (field >= prefix) & (field < prefix + _TOP)


def search_ids(text: str, limit: int = 50) -> list[int]:
    """Ids of the persons matching a name prefix, a birth date (dd.mm.yyyy) or a mobile prefix, by name.

    Only ids are read here, so that SQLite answers from the indexes alone
    (the name index holds the id too); :func:`search` reads the persons.
    """
    raw = (text or "").strip()
    by_name = (Person.search_name, Person.id)
    query = Person.select(Person.id)
    if not raw:
        return [i for (i,) in tuples_of(query.order_by(*by_name).limit(limit))]
    digits = re.sub(r"[^\d+]", "", raw)
    if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", raw):
        try:
            day = datetime.strptime(raw, "%d.%m.%Y").date()
        except ValueError:
            return []
        return [i for (i,) in tuples_of(query.where(Person.birth_date == day).order_by(*by_name).limit(limit))]
    if len(digits) >= 3 and len(digits) >= len(raw.replace(" ", "")) - 2:
        if digits.startswith("0") and not digits.startswith("00"):
            digits = "+41" + digits[1:]
        elif digits.startswith("00"):
            digits = "+" + digits[2:]
        matching = _starting_with(Person.mobile, digits)
        if not is_postgresql():
            # a long prefix: the few holders from the mobile index, then put in name order
            few = [i for (i,) in tuples_of(query.where(matching).limit(_FEW_MOBILES + 1))]
            if len(few) <= _FEW_MOBILES:
                if not few:
                    return []
                return [
                    i
                    for (i,) in tuples_of(
                        Person.select(Person.id).where(Person.id.in_(few)).order_by(*by_name).limit(limit)
                    )
                ]
        # a short prefix many share: walking the names in order meets a page of them at once
        # (LIKE, which SQLite does not serve from the mobile index, keeps it on the name index)
        return [i for (i,) in tuples_of(query.where(Person.mobile.startswith(digits)).order_by(*by_name).limit(limit))]
    words = fold(raw).split()
    # the first word is an indexed prefix on "last first"; the others narrow it
    condition = _starting_with(Person.search_name, words[0])
    first_word_any = Person.search_name.contains(" " + words[0])
    query = query.where(condition | first_word_any) if len(words) == 1 else query.where(condition)
    for word in words[1:]:
        query = query.where(Person.search_name.contains(word))
    return [i for (i,) in tuples_of(query.order_by(*by_name).limit(limit))]


def search(text: str, limit: int = 50) -> list[Person]:
    """Persons matching a name prefix, a birth date (dd.mm.yyyy) or a phone number, by name.

    Uses indexed prefix queries so that typing stays instant among 50,000.
    """
    ids = search_ids(text, limit)
    if not ids:
        return []
    found = {person.id: person for person in Person.select().where(Person.id.in_(ids))}
    return [found[i] for i in ids if i in found]


def refresh_search_names() -> int:
    """Recompute the search key of every person (after an upgrade)."""
    count = 0
    for person in Person.select(Person.id, Person.first_name, Person.last_name):
        Person.update(search_name=search_name_of(person.first_name, person.last_name)).where(
            Person.id == person.id
        ).execute()
        count += 1
    return count


def address_for(person: Person, channel: str) -> str:
    """The person's mobile number (``sms``) or e-mail address (``email``); Refused ``no_address`` without one."""
    address = person.mobile if channel == "sms" else person.email
    if not address:
        raise Refused(
            f"no_address.{'sms' if channel == 'sms' else 'email'}", name=person.full_name, person_id=person.id
        )
    return str(address)


def reachable_channel(person: Person, order: tuple[str, ...]) -> str:
    """The channel that reaches the person (:func:`channel_for`); Refused ``no_address`` when none does."""
    channel = channel_for(person, order)
    if channel is None:
        raise Refused("no_address.none", name=person.full_name, person_id=person.id)
    return channel


def channel_for(person: Person, order: tuple[str, ...] = ("sms", "email")) -> str | None:
    """The channel to reach a person: the preferred one if usable, else the first usable."""
    # a person who answered STOP gets no SMS (core.replies): e-mail, if there is an address
    usable = {
        "sms": bool(person.mobile) and getattr(person, "consent_sms", True) is not False,
        "email": bool(person.email),
    }
    if person.preferred_channel and usable.get(person.preferred_channel):
        return person.preferred_channel
    for channel in order:
        if usable.get(channel):
            return channel
    return None


def count() -> int:
    persons: int = Person.select(pw.fn.COUNT(Person.id)).scalar()
    return persons
