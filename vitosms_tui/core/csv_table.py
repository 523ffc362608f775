"""Reading a CSV export of practice software, shared by the person and appointment imports.

UTF-8 with or without BOM, ``;`` or ``,`` (whichever the header holds more
of), a header row whose names are matched case-insensitively against English
names and German aliases, and rows numbered as a text editor shows them (the
header is line 1) so that a rejected row can be found in the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import UsageError

if TYPE_CHECKING:
    from _csv import Reader

MAX_BYTES = 64 * 1024 * 1024


def decode(raw: bytes, what: str = "CSV file") -> str:
    """The text of an export (size-limited, UTF-8 with or without BOM)."""
    if len(raw) > MAX_BYTES:
        raise UsageError("usage.larger_than_64_mib", what=what)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError("usage.utf_byte", what=what, start=exc.start) from None


def delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") else ","


@dataclass
class Row:
    """One data row: its line number and either its values by column key or why it is unreadable."""

    line: int
    values: dict[str, str] = field(default_factory=dict)
    problem: str | None = None


@dataclass
class Table:
    columns: set[str]  # the keys the header names
    ignored: list[str]  # header names that are no known column
    rows: Iterator[Row]


def read_table(raw: bytes, aliases: dict[str, str]) -> Table:
    """Open a CSV export; ``aliases`` maps each accepted header name (casefolded) to its key.

    A header naming one key twice is a usage error; so is an empty file.
    Blank rows are skipped; a row with more fields than the header is a problem row.
    """
    text = decode(raw)
    if not text.strip():
        raise UsageError("usage.csv_file_empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text.splitlines()[0]))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise UsageError("usage.csv_header_cannot", reason=exc) from None
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        key = aliases.get(name.strip().casefold())
        if key is None:
            ignored.append(name.strip())
        elif key in mapping.values():
            raise UsageError("usage.column_appears_twice", column=name.strip())
        else:
            mapping[index] = key
    return Table(set(mapping.values()), ignored, _rows(reader, mapping, len(header)))


def _rows(reader: Reader, mapping: dict[int, str], width: int) -> Iterator[Row]:
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Row(reader.line_num, problem=f"unreadable row: {exc}")
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > width:
            yield Row(reader.line_num, problem=f"{len(row)} fields, the header has {width}")
            continue
        yield Row(reader.line_num, {key: (row[i].strip() if i < len(row) else "") for i, key in mapping.items()})
