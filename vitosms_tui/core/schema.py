"""Create the schema, or bring an older one up to date (``vitosms init``).

Adding a column or a table needs no hand-written step: :func:`migrate` adds
whatever a model has and the database lacks. Changes of data get a numbered
step in ``STEPS``. Running it twice changes nothing the second time.
"""

from __future__ import annotations

from typing import TypedDict

import peewee

from .db import database
from .models import ALL_MODELS, Setting

# 3: Staff.may_order and email; appointments from another agenda; the moments of messages
# 4: patients' replies (table reply), Appointment.answer, Person.consent_sms (no step: the
#    defaults fit the existing rows)
# 5: codes and values beside the English texts (MessageEvent.data, Message.error_code and
#    error_data, CreditEntry.note_code and note_data); no step: old rows keep their texts
SCHEMA_VERSION = 5


def _step_2_search_names() -> None:
    """Version 2 added Person.search_name: fill it for persons of version 1."""
    from .persons import refresh_search_names

    refresh_search_names()


def _step_3_moments() -> None:
    """Version 3 added Message.expires_at: the moment of the messages still pending.

    Its other additions (Staff.may_order and email, the external ids of imported
    appointments, the calendar_sync table) need no step: migrate() adds them and
    their defaults fit the existing rows.
    """
    from .expiry import fill_moments

    fill_moments()


# version -> what brings data from version-1 to it (after columns were added)
STEPS = {2: _step_2_search_names, 3: _step_3_moments}


def schema_version() -> int:
    """The version of the open database (0: empty)."""
    db = database.obj
    if not db.table_exists(Setting._meta.table_name):
        return 0
    row = Setting.get_or_none(Setting.key == "schema_version")
    if row is None:
        return 0
    try:
        return int(row.value)
    except (TypeError, ValueError):
        from .errors import UsageError

        raise UsageError("usage.database_schema_version", value=row.value, SCHEMA_VERSION=SCHEMA_VERSION) from None


def _add_missing_columns() -> list[str]:
    # imported here, not at the top: playhouse.migrate imports psycopg, when installed,
    # for its CockroachDB support, and every start reads schema_version() but rarely migrates
    from playhouse.migrate import SchemaMigrator
    from playhouse.migrate import migrate as run_migrations

    db = database.obj
    migrator = SchemaMigrator.from_database(db)
    added: list[str] = []
    for model in ALL_MODELS:
        table = model._meta.table_name
        existing = {c.name for c in db.get_columns(table)}
        operations, defaults = [], []
        for field in model._meta.sorted_fields:
            if field.column_name in existing:
                continue
            # A new column must accept the rows that are already there. It is added as a
            # nullable column and its default written into them: the migrator would make
            # a NOT NULL column on SQLite by rebuilding the table, and dropping the old
            # table fires ON DELETE SET NULL of the tables that refer to it (a message
            # would lose its appointment).
            if not field.null:
                if field.default is not None:
                    defaults.append(field)
                field = field.clone()
                field.null = True
            operations.append(migrator.add_column(table, field.column_name, field))
            added.append(f"{table}.{field.column_name}")
        if operations:
            run_migrations(*operations)
        for field in defaults:
            value = field.default() if callable(field.default) else field.default
            model.update({field: value}).where(field.is_null()).execute()
    return added


class Migration(TypedDict):
    """What `vitosms init` did (CONTRACT.md)."""

    from_version: int
    schema_version: int
    added_columns: list[str]


def migrate() -> Migration:
    """Create or upgrade the schema; return what was done."""
    db = database.obj
    before = schema_version()
    if before > SCHEMA_VERSION:
        from .errors import UsageError

        raise UsageError("usage.schema_version_newer_db", before=before, SCHEMA_VERSION=SCHEMA_VERSION)
    with db.atomic():
        existing = set(db.get_tables())
        db.create_tables([m for m in ALL_MODELS if m._meta.table_name not in existing])
        added = _add_missing_columns() if existing else []
        for model in ALL_MODELS:
            peewee.SchemaManager(model).create_indexes(safe=True)
        for version in range(max(before, 1) + 1, SCHEMA_VERSION + 1):
            if before and version in STEPS:
                STEPS[version]()
        (
            Setting.insert(key="schema_version", value=str(SCHEMA_VERSION))
            .on_conflict(conflict_target=[Setting.key], update={Setting.value: str(SCHEMA_VERSION)})
            .execute()
        )
    return {"from_version": before, "schema_version": SCHEMA_VERSION, "added_columns": added}
