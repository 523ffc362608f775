"""Which person of the master data another agenda's appointment is for.

CONTRACT.md: by mobile, else by name and birth date; no match or more than
one is a rejection, never a guess. A family often shares one Natel, so the
persons found by the mobile are narrowed by the name (and birth date) when the
other agenda gives them; a mobile that belongs to someone of another name
falls back to the name, so a child is never booked onto a parent's record.
"""

from __future__ import annotations

import peewee as pw

from .appointment_feed import PatientKey
from .errors import Refused, VitosmsError
from .models import Person
from .persons import parse_birth_date, search_name_of
from .phone import normalize_phone


def _name_keys(key: PatientKey) -> set[str]:
    """The folded "last first" names the patient may be stored as."""
    if key.first_name or key.last_name:
        return {search_name_of(key.first_name, key.last_name)}
    words = key.full_name.split()
    # "Anna Maria Muster" may be first "Anna Maria" or "Anna", and practice software writes
    # "Muster Anna" as often: every split in both orders is tried (two hits reject, never guess)
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    return {search_name_of(a, b) for a, b in splits} | {search_name_of(b, a) for a, b in splits}


def _mobile(text: str) -> str | None:
    if not text.strip():
        return None
    try:
        return normalize_phone(text)
    except VitosmsError:
        return None  # an unreadable number is no clue; the name still is


def _described(key: PatientKey) -> str:
    name = key.full_name or " ".join(p for p in (key.first_name, key.last_name) if p)
    return name or "the patient"


def match_person(key: PatientKey) -> Person:
    """The one person the key names; Refused (``no_match``, ``ambiguous``) otherwise."""
    names = _name_keys(key) if (key.first_name or key.last_name or key.full_name) else set()
    born = parse_birth_date(key.birth_date) if key.birth_date else None
    mobile = _mobile(key.mobile)

    def narrowed(query: pw.ModelSelect[Person]) -> list[Person]:
        if born is not None:
            query = query.where(Person.birth_date == born)
        return list(query.order_by(Person.id).limit(3))

    if mobile:
        by_mobile = Person.select().where(Person.mobile == mobile)
        if names:
            by_mobile = by_mobile.where(Person.search_name.in_(names))
        found = narrowed(by_mobile)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise Refused("ambiguous.mobile", count=len(found), described=_described(key))
    if not names:
        if not key.mobile.strip():
            raise Refused("no_patient.event")
        raise Refused("no_match.mobile")
    found = narrowed(Person.select().where(Person.search_name.in_(names)))
    born_text = f" born {born:%d.%m.%Y}" if born else ""
    if not found:
        raise Refused("no_match.name", described=_described(key), born_text=born_text)
    if len(found) > 1:
        hint = "" if born else ": add the birth date (Geburtsdatum)"
        raise Refused("ambiguous.name", count=len(found), described=_described(key), born_text=born_text, hint=hint)
    return found[0]
