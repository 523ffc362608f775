"""The two ways the practice says no.

A :class:`Refused` is a rule of the practice (not enough credits, a landline
for an SMS, no consent, a role that may not do this): exit code 1.
A :class:`UsageError` is a wrong call or a broken configuration: exit code 2.

Each is raised with a key of the catalogue and the values it names, e.g.
``Refused("no_address.sms", name="Muster Anna", person_id=7)``. The part of the
key before the dot is the stable code that scripts read (``no_address``); the
part after it says which of the rule's sentences fits. The English one-line
message comes from one catalogue (:mod:`.refusal_texts`, :mod:`.usage_texts`),
so the command line always says the same thing for the same rule, and the
interface says it again in its own language from the key and the values.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from .refusal_texts import REFUSALS
from .usage_texts import USAGE

TEXTS: Mapping[str, str] = MappingProxyType({**REFUSALS, **USAGE})


def english(key: str, values: Mapping[str, object]) -> str:
    """The catalogue's English sentence for ``key`` with ``values`` filled in.

    A moment is said as the desk reads it, ``02.12.2026 11:00`` in Zurich.
    """
    shown = {name: _shown(value) for name, value in values.items()}
    return TEXTS[key].format(**shown)


def _shown(value: object) -> object:
    if isinstance(value, datetime):
        from .clock import local

        return local(value).strftime("%d.%m.%Y %H:%M")
    return value


class VitosmsError(Exception):
    """Base of every error that is shown to a user instead of a traceback."""

    exit_code = 1
    code = "error"

    def __init__(self, key: str, /, **values: object) -> None:
        self.key = key
        self.values = values
        self.code = key.partition(".")[0]
        super().__init__(english(key, values))

    @property
    def message(self) -> str:
        return str(self.args[0])


class Refused(VitosmsError):
    """A rule of the practice refuses the action (exit code 1)."""

    exit_code = 1


class UsageError(VitosmsError):
    """The call or the configuration is wrong (exit code 2); every key starts with ``usage.``."""

    exit_code = 2


class NotFound(Refused):
    """A named record does not exist; every key starts with ``not_found.``."""
