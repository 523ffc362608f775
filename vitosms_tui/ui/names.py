"""How the interface names a person: last name first, everywhere.

Lists sort and the desk searches by last name ("Morel François"), so every
view, dialog and answer line uses that order too; a patient is then never
"François Morel" on one screen and "Morel François" on the next.
"""

from __future__ import annotations

from .sanitize import clean


def person_name(person) -> str:
    """``Morel François``, cleaned of control characters (empty for no person)."""
    if person is None:
        return ""
    return clean(f"{person.last_name} {person.first_name}".strip())
