"""What the desk does for one person, from wherever the person was found.

From Personen (``Ctrl+O`` message, ``Ctrl+T`` book (a Termin), ``R`` recall) and from
the command palette's person search (a hit per action), so that finding a
person by name and acting on them is one search: Compose opens with the
person as recipient, the agenda opens the booking form for the person at its
cursor (today's next free moment is where the cursor starts), the recall
form opens for the person.
"""

from __future__ import annotations

from .i18n import N_

ACTIONS = {
    "message": N_("Message to"),
    "book": N_("Appointment for"),
    "recall": N_("Recall for"),
}


def act_on_person(app, action: str, person_id: int) -> None:
    """Run one of :data:`ACTIONS` for the person (the views are imported when first used)."""
    if action == "message":
        from .screens.compose import open_compose

        open_compose(app, [person_id])
    elif action == "book":
        app.go("agenda")
        app.screen_stack[0].action_new(person_id=person_id)
    elif action == "recall":
        from .modals.recall_form import RecallForm

        RecallForm.open(app.screen_stack[0], person_id=person_id)
    else:
        raise ValueError(action)
