"""Import persons from a CSV export of practice software.

A header row names the columns (English names or the German aliases of Swiss
practice software), UTF-8 with or without BOM, ``;`` or ``,`` separated. A row
with any invalid field is rejected whole and reported with its line number;
the good rows are stored in one transaction, so a crash leaves nothing half
imported.
"""

from __future__ import annotations

from typing import TypedDict

from . import audit, bulk, clock
from .csv_table import read_table
from .db import write_transaction
from .errors import Refused, UsageError
from .models import Person
from .persons import PersonInput, validate

COLUMNS = {
    "first_name": "vorname",
    "last_name": "name",
    "birth_date": "geburtsdatum",
    "mobile": "natel",
    "email": "e-mail",
    "language": "sprache",
    "mandant": "mandant",
    "salutation": "anrede",
}
REQUIRED = ("first_name", "last_name")
_ALIASES = {alias: key for key, alias in COLUMNS.items()} | {key: key for key in COLUMNS}


class Rejection(TypedDict):
    line: int
    reason: str


class ImportReport(TypedDict):
    """What `vitosms import persons` prints (CONTRACT.md)."""

    imported: int
    rejected: list[Rejection]
    ignored_columns: list[str]


def import_persons(raw: bytes, user: str = "", source: str = "import") -> ImportReport:
    """Validate every row, store the good ones; return the report of CONTRACT.md."""
    table = read_table(raw, _ALIASES)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        columns = ", ".join(f"{c} ({COLUMNS[c].title()})" for c in missing)
        raise UsageError("usage.csv_header_lacks", columns=columns)
    good: list[dict[str, object]] = []
    rejected: list[Rejection] = []
    stamp = clock.now()
    for row in table.rows:
        if row.problem:
            rejected.append({"line": row.line, "reason": row.problem})
            continue
        values = row.values
        try:
            fields = validate(
                PersonInput(
                    first_name=values.get("first_name", ""),
                    last_name=values.get("last_name", ""),
                    salutation=values.get("salutation", ""),
                    birth_date=values.get("birth_date") or None,
                    mobile=values.get("mobile") or None,
                    email=values.get("email") or None,
                    language=values.get("language") or "de",
                    mandant=values.get("mandant") or None,
                )
            )
        except Refused as exc:
            rejected.append({"line": row.line, "reason": exc.message})
            continue
        for purpose, default in (("reminder", True), ("recall", True), ("birthday", False)):
            fields[f"consent_{purpose}"] = default
            fields[f"consent_{purpose}_at"] = stamp
            fields[f"consent_{purpose}_source"] = source
        good.append(fields)
    with write_transaction():
        for chunk in bulk.chunks(good):
            Person.insert_many(chunk).execute()
        audit.record(user, "import_persons", imported=len(good), rejected=len(rejected))
    return {"imported": len(good), "rejected": rejected, "ignored_columns": table.ignored}
