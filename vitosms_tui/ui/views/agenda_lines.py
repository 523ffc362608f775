"""The agenda's lines of text: the title above the grid and the selection line under it."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_date as babel_date
from rich.text import Text

from ...core import clock
from ...core.models import Mandant
from ..i18n import _, babel_locale
from ..sanitize import clean, plain
from ..texts.appointment_text import when
from ..widgets.agenda_grid import AgendaGrid
from .agenda_data import ANSWER_NAMES, MARKER_NAMES, SOURCE_NAMES, AgendaRequest, week_start


def title(request: AgendaRequest, mandant: Mandant | None) -> Text:
    """``Freitag, 27.11.2026 · alle Mandanten · heute`` or ``Woche 48 · 23.11.–29.11.2026 · HAU …``.

    ``mandant`` is the request's (the app's current one, already read: nothing is read here).
    """
    who = clean(f"{mandant.code} {mandant.name}") if mandant else _("no Mandant")
    if request.week:
        first = week_start(request.day)
        last = first + timedelta(days=6)
        head = _("Week {number}").format(number=first.isocalendar()[1])
        text = f"{head} · {first:%d.%m.}–{last:%d.%m.%Y} · {who}"
    else:
        head = babel_date(request.day, "EEEE, dd.MM.yyyy", locale=babel_locale())
        text = f"{head} · {_('all Mandanten') if request.all_mandanten else who}"
        if request.day == clock.today():
            text += f" · {_('today')}"
    return plain(text, style="bold")


def selection(grid: AgendaGrid) -> Text | str:
    """What the cursor is on: a free slot, or the appointment with its reminder's state."""
    column = grid.cursor_column
    if column is None:
        return ""
    item = grid.cursor_item
    line = Text(end="")
    if item is None:
        line.append(f"{when(grid.cursor_start)} · {column.mandant_code} · ")
        line.append(_("free — n books an appointment here"), "dim")
        return line
    line.append(f"{when(item.start)}–{item.end:%H:%M} · {item.mandant_code} · ")
    line.append(item.person_name, "bold")
    if item.reason:
        line.append(f" · {item.reason}")
    marker = item.marker
    line.append(" · ")
    if item.answer in ANSWER_NAMES:
        line.append(_(ANSWER_NAMES[item.answer]), "bold" if item.answer == "declined" else "dim")
    else:
        line.append(
            _("message: {state}").format(state=_(MARKER_NAMES[marker[1]])) if marker else _("no reminder"), "dim"
        )
    if item.source in SOURCE_NAMES:
        line.append(f" · {_(SOURCE_NAMES[item.source])}", "dim")
    return line
