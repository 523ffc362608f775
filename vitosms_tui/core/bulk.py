"""Writing and reading many rows at once: the outbox's only hand-written SQL.

Queueing 10,000 reminders writes 10,000 messages, ledger entries and timeline
lines in one transaction, and a worker records hundreds of answers a second.
peewee builds the SQL of every row (also for ``insert_many``) and converts
every value on the way: that cost 10 to 20 times the database's own work
(measured in docs/performance.md), so these statements are written out once
here. Everything else of the outbox is peewee.

Lists of ids go to the database :data:`CHUNK` at a time: SQLite and psycopg
limit the parameters of one statement, and a list of 500 keeps each statement
short for the other connections waiting for the lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import peewee as pw

from .db import database
from .models import UtcDateTimeField

CHUNK = 500

T = TypeVar("T")


def tuples(query: pw.SelectBase) -> list[tuple[Any, ...]]:
    """The rows of a peewee query as plain tuples (typed as such: the stubs say model instances)."""
    return [tuple(row) for row in query.tuples()]


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size`` (none for an empty list)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _names(fields: Sequence[pw.Field]) -> str:
    return ", ".join(f'"{field.column_name}"' for field in fields)


def _stored(fields: Sequence[pw.Field], rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """The rows as the database stores them: only instants need converting.

    Other values (text, numbers, ids, None, the string enums of core.states) go
    to the driver as they are. A batch shares a few instants: each is converted once.
    """
    instants = [i for i, field in enumerate(fields) if isinstance(field, UtcDateTimeField)]
    seen: dict[datetime, str] = {}
    out = []
    for row in rows:
        values = list(row)
        for i in instants:
            at = values[i]
            if isinstance(at, datetime):
                if at not in seen:
                    seen[at] = fields[i].db_value(at)
                values[i] = seen[at]
        out.append(values)
    return out


def select_in(fields: Sequence[pw.Field], key: pw.Field, values: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The ``fields`` of the rows whose ``key`` is one of ``values``, converted as peewee converts them.

    :data:`CHUNK` values to a statement. peewee builds a node for each of the
    parameters of an ``IN`` list, which cost more than running the query.
    """
    db = database.obj
    table = key.model._meta.table_name
    converters: list[Callable[[Any], Any]] = [field.python_value for field in fields]
    found: list[tuple[Any, ...]] = []
    for chunk in chunks(values):
        marks = ", ".join([db.param] * len(chunk))
        sql = f'SELECT {_names(fields)} FROM "{table}" WHERE "{key.column_name}" IN ({marks})'
        for row in db.execute_sql(sql, list(chunk)).fetchall():
            found.append(tuple(convert(value) for convert, value in zip(converters, row, strict=True)))
    return found


def insert(model: type[pw.Model], fields: Sequence[pw.Field], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (values in the order of ``fields``; ids for foreign keys) with one executemany."""
    if not rows:
        return
    db = database.obj
    marks = ", ".join([db.param] * len(fields))
    sql = f'INSERT INTO "{model._meta.table_name}" ({_names(fields)}) VALUES ({marks})'
    db.cursor().executemany(sql, _stored(fields, rows))


def insert_returning(
    model: type[pw.Model], fields: Sequence[pw.Field], rows: Sequence[Sequence[Any]], returning: Sequence[pw.Field]
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` and return the ``returning`` columns of each new row, in no particular order.

    One statement per :data:`CHUNK` rows with RETURNING: the new ids come back
    without a second read (SQLite and PostgreSQL alike). Neither database
    promises the order of the returned rows: return a unique column with the id.
    """
    db = database.obj
    one = "({})".format(", ".join([db.param] * len(fields)))
    stored = _stored(fields, rows)
    found: list[tuple[Any, ...]] = []
    for chunk in chunks(stored):
        sql = (
            f'INSERT INTO "{model._meta.table_name}" ({_names(fields)}) VALUES '
            f"{', '.join([one] * len(chunk))} RETURNING {_names(returning)}"
        )
        cursor = db.cursor()
        cursor.execute(sql, [value for row in chunk for value in row])
        found += [tuple(row) for row in cursor.fetchall()]
    return found


def update_each(
    model: type[pw.Model], fields: Sequence[pw.Field], where: Sequence[pw.Field], rows: Sequence[Sequence[Any]]
) -> None:
    """``UPDATE … SET fields WHERE where`` (equalities) once per row, with one executemany.

    Each row holds the new values of ``fields``, then the values ``where`` must
    match. For values that differ from row to row; one value for all rows is a
    plain peewee update.
    """
    if not rows:
        return
    db = database.obj
    assign = ", ".join(f'"{field.column_name}" = {db.param}' for field in fields)
    match = " AND ".join(f'"{field.column_name}" = {db.param}' for field in where)
    sql = f'UPDATE "{model._meta.table_name}" SET {assign} WHERE {match}'
    db.cursor().executemany(sql, _stored([*fields, *where], rows))
