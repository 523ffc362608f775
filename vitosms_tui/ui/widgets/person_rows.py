"""Persons as a list shows them: the rows of a search, read as plain values.

:func:`fetch_person_rows` runs the core search and reads the shown columns of
the persons found in one statement; it holds its own database connection for
the call, so it runs in the key's handling or in a thread alike
(:func:`search_inline` says which). :class:`widgets.person_table.PersonTable`
draws the rows; the Persons view, the person picker and the palette use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from ...core import persons
from ...core.db import connection, is_postgresql
from ...core.models import Mandant, Person
from ...core.phone import format_phone
from ..i18n import _, format_date
from ..sanitize import clean


@dataclass(frozen=True)
class PersonRow:
    """What a list shows of a person (plain values, safe to pass between threads)."""

    id: int
    first_name: str
    last_name: str
    birth_date: date | None
    mobile: str | None
    email: str | None
    language: str
    mandant_code: str
    deceased: bool
    inactive: bool

    @property
    def plain_name(self) -> str:
        return clean(f"{self.last_name} {self.first_name}")

    def birth_text(self) -> str:
        return format_date(self.birth_date)

    def mobile_text(self) -> str:
        # formatted when a row is drawn, not when it is read: of a hundred found, a screenful is shown
        return _phone_text(self.mobile)

    def state_text(self) -> str:
        if self.deceased:
            return _("deceased")
        if self.inactive:
            return _("inactive")
        return ""


def row_of(person, codes: dict[int, str]) -> PersonRow:
    return PersonRow(
        id=person.id,
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date,
        mobile=person.mobile,
        email=person.email,
        language=person.language,
        mandant_code=codes.get(person.mandant_id, ""),
        deceased=bool(person.deceased),
        inactive=bool(person.inactive),
    )


# what a row shows, read as plain values: building 100 whole Person models took longer than the search
_ROW_COLUMNS = (
    Person.id,
    Person.first_name,
    Person.last_name,
    Person.birth_date,
    Person.mobile,
    Person.email,
    Person.language,
    Person.mandant,
    Person.deceased,
    Person.inactive,
)


@lru_cache(maxsize=64)
def _rows_sql(count: int, param: str) -> str:
    """The rows of ``count`` persons with their Mandant's code, in one statement written once per count.

    Built by peewee on every keystroke, the statements of a search took longer than
    the database took to answer them.
    """
    columns = ", ".join(f"p.{column.column_name}" for column in _ROW_COLUMNS)
    return (
        f"SELECT {columns}, m.code FROM {Person._meta.table_name} p"
        f" LEFT JOIN {Mandant._meta.table_name} m ON m.id = p.{Person.mandant.column_name}"
        f" WHERE p.id IN ({', '.join([param] * count)})"
    )


@lru_cache(maxsize=4096)
def _phone_text(mobile: str | None) -> str:
    return format_phone(mobile)  # parsed by phonenumbers: the same numbers come back with every keystroke


def fetch_person_rows(text: str, limit: int = 200) -> list[PersonRow]:
    """Search persons (name, ``dd.mm.yyyy`` or mobile) and return display rows."""
    with connection() as db:
        ids = persons.search_ids(text, limit)
        if not ids:
            return []
        found = {values[0]: values for values in db.execute_sql(_rows_sql(len(ids), db.param), ids).fetchall()}
    as_date = Person.birth_date.python_value  # SQLite hands back the date as text
    rows = []
    for person_id in ids:
        if person_id not in found:
            continue  # gone between the two reads
        _, first, last, birth, mobile, email, language, _mandant_id, deceased, inactive, code = found[person_id]
        rows.append(
            PersonRow(
                id=person_id,
                first_name=first,
                last_name=last,
                birth_date=as_date(birth),
                mobile=mobile,
                email=email,
                language=language,
                mandant_code=code or "",
                deceased=bool(deceased),
                inactive=bool(inactive),
            )
        )
    return rows


def search_inline() -> bool:
    """Whether a search is run as the key is handled instead of in a thread.

    On SQLite it is: the file is local, a reader never waits for a writer (WAL),
    and the query takes a few milliseconds, less than the way to a thread and
    back through the event loop. PostgreSQL is across a network that may stall.
    """
    return not is_postgresql()
