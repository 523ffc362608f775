"""Import persons from a CSV export of practice software.

A header row names the columns (English names or the German aliases of Swiss
practice software), UTF-8 with or without BOM, ``;`` or ``,`` separated. A row
with any invalid field is rejected whole and reported with its line number;
the good rows are stored in one transaction, so a crash leaves nothing half
imported.
"""

from __future__ import annotations

import csv
import io

from . import audit, clock
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
MAX_BYTES = 64 * 1024 * 1024


def _decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise UsageError("the CSV file is larger than 64 MiB")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"the CSV file is not UTF-8 (byte {exc.start})") from None


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def import_persons(raw: bytes, user: str = "", source: str = "import") -> dict:
    """Validate every row, store the good ones; return the report of CONTRACT.md."""
    text = _decode(raw)
    if not text.strip():
        raise UsageError("the CSV file is empty")
    header_line = text.splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(header_line))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise UsageError(f"the CSV header cannot be read: {exc}") from None
    mapping, ignored = {}, []
    for index, name in enumerate(header):
        key = _ALIASES.get(name.strip().casefold())
        if key is None:
            ignored.append(name.strip())
        elif key in mapping.values():
            raise UsageError(f"column {name.strip()!r} appears twice in the header")
        else:
            mapping[index] = key
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        raise UsageError("the CSV header lacks the column(s) "
                         + ", ".join(f"{c} ({COLUMNS[c].title()})" for c in missing))
    good, rejected = [], []
    stamp = clock.now()
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line = reader.line_num
            rejected.append({"line": line, "reason": f"unreadable row: {exc}"})
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            rejected.append({"line": line, "reason": f"{len(row)} fields, the header has {len(header)}"})
            continue
        values = {key: (row[i].strip() if i < len(row) else "") for i, key in mapping.items()}
        try:
            fields = validate(PersonInput(
                first_name=values.get("first_name", ""), last_name=values.get("last_name", ""),
                salutation=values.get("salutation", ""), birth_date=values.get("birth_date") or None,
                mobile=values.get("mobile") or None, email=values.get("email") or None,
                language=values.get("language") or "de", mandant=values.get("mandant") or None,
            ))
        except Refused as exc:
            rejected.append({"line": line, "reason": exc.message})
            continue
        for purpose, default in (("reminder", True), ("recall", True), ("birthday", False)):
            fields[f"consent_{purpose}"] = default
            fields[f"consent_{purpose}_at"] = stamp
            fields[f"consent_{purpose}_source"] = source
        good.append(fields)
    with write_transaction():
        for start in range(0, len(good), 500):
            Person.insert_many(good[start:start + 500]).execute()
        audit.record(user, "import_persons", imported=len(good), rejected=len(rejected))
    return {"imported": len(good), "rejected": rejected, "ignored_columns": ignored}
