"""A line the core records for people: a code, its values, and its English wording.

Timeline lines, ledger notes and the reasons why a message failed are stored
as a code with its values (JSON) beside the English text. The command line and
older readers keep reading the English text; the interface says the code in its
own language. Rows written before the codes existed have the text alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Coded:
    """``code`` with ``values``; ``text`` is the same in English, as written for the command line."""

    code: str
    text: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def data(self) -> str:
        """The values as stored (JSON)."""
        return dumps(self.values)


def _plain(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"not storable: {type(value).__name__}")


def dumps(values: Mapping[str, Any]) -> str:
    return json.dumps(dict(values), ensure_ascii=False, default=_plain, separators=(",", ":"))


def loads(data: str | None) -> dict[str, Any] | None:
    """The stored values; None for a row without them (written before codes) or a damaged one."""
    if not data:
        return None
    try:
        values = json.loads(data)
    except ValueError:
        return None
    return values if isinstance(values, dict) else None
