"""What the models are built from: the instant field, and the id of a record or of an id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar, overload

import peewee as pw

from . import clock

_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

# what reading the field gives: datetime, or datetime | None for a field with null=True
_Instant = TypeVar("_Instant", datetime, datetime | None)


class UtcDateTimeField(pw.Field, Generic[_Instant]):
    """An aware instant stored as fixed-width UTC text, so text order is time order."""

    field_type = "DATETIME"

    if TYPE_CHECKING:
        # peewee's stubs type its own fields this way (its fields take no type parameter at run time)
        @overload
        def __new__(cls, *args: Any, null: Literal[True], **kwargs: Any) -> UtcDateTimeField[datetime | None]: ...
        @overload
        def __new__(cls, *args: Any, null: Literal[False] = ..., **kwargs: Any) -> UtcDateTimeField[datetime]: ...
        def __new__(cls, *args: Any, **kwargs: Any) -> UtcDateTimeField[Any]: ...
        @overload
        def __get__(self, instance: None, owner: Any) -> UtcDateTimeField[_Instant]: ...
        @overload
        def __get__(self, instance: object, owner: Any) -> _Instant: ...
        def __get__(self, instance: object, owner: Any) -> Any: ...
        def __set__(self, instance: object, value: _Instant) -> None: ...

    @overload
    def db_value(self, value: None) -> None: ...
    @overload
    def db_value(self, value: datetime | str) -> str: ...
    def db_value(self, value: datetime | str | None) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            return value
        return clock.to_utc(value).strftime(_FORMAT)

    def python_value(self, value: datetime | str | None) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):  # PostgreSQL hands back a naive timestamp
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        # the stored text is ISO: fromisoformat reads it ~20x faster than strptime
        # (it showed when the delivery worker claims hundreds of messages at a time)
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
        return parsed.replace(tzinfo=UTC)


class HasId(Protocol):
    """A record, or a row read of one (core.agenda_view.AgendaEntry)."""

    @property
    def id(self) -> int: ...


def id_of(value: HasId | int) -> int:
    """The id of a record, for the functions that take a record or its id."""
    return value if isinstance(value, int) else value.id
