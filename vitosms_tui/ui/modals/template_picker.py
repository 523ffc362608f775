"""Choose a message template; the compose view puts its text into the editor.

The list holds one entry per purpose and channel, in one language, as
``templates.find_template`` finds it (the Mandant's own text, the practice's,
or the default). The result is a :class:`PickedTemplate`, or None (Escape).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...core import templates
from ...core.errors import VitosmsError
from ...core.models import CHANNELS, PURPOSES
from ..i18n import CHANNEL_NAMES, LANGUAGE_NAMES, N_, _
from ..sanitize import clean

PURPOSE_NAMES = {
    "free": N_("Free text"),
    "reminder": N_("Appointment reminder"),
    "confirmation": N_("Appointment confirmation"),
    "recall": N_("Recall notice"),
    "birthday": N_("Birthday greeting"),
}
# Placeholders the compose view has no record for: the desk fills them by hand.
_BY_HAND = {
    "date": N_("an appointment"),
    "time": N_("an appointment"),
    "weekday": N_("an appointment"),
    "due": N_("a recall"),
}


@dataclass(frozen=True)
class PickedTemplate:
    purpose: str
    channel: str
    language: str
    subject: str
    body: str


def template_entries(language: str, mandant=None) -> list[PickedTemplate]:
    """Every purpose and channel's template in ``language`` (German where none exists)."""
    found = []
    for purpose in PURPOSES:
        for channel in CHANNELS:
            try:
                row = templates.find_template(purpose, language, channel, mandant)
            except VitosmsError:
                continue
            found.append(PickedTemplate(purpose, channel, row.language, row.subject or "", row.body))
    return found


def _label(entry: PickedTemplate) -> Text:
    label = Text(end="", no_wrap=True, overflow="ellipsis")
    label.append(f"{_(PURPOSE_NAMES.get(entry.purpose, entry.purpose))} · ", "bold")
    label.append(f"{_(CHANNEL_NAMES[entry.channel])} · {entry.language}")
    missing = {_BY_HAND[name] for name in _placeholders(entry) if name in _BY_HAND}
    if missing:
        label.append(
            "  " + _("needs {what}: fill in by hand").format(what=", ".join(_(what) for what in sorted(missing))),
            "italic yellow",
        )
    if entry.subject:
        first = _("Subject: {subject}").format(subject=entry.subject)
    else:
        first = next((line for line in entry.body.splitlines() if line.strip()), "")
    label.append("\n  " + clean(first)[:80], "dim")
    return label


def _placeholders(entry: PickedTemplate) -> list[str]:
    try:
        return templates.placeholders_in(entry.subject) + templates.placeholders_in(entry.body)
    except VitosmsError:
        return []


class TemplatePicker(ModalScreen[PickedTemplate | None]):
    """A list of templates; Enter takes one, Escape leaves the editor as it is."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), key_display="Esc")]

    def __init__(self, language: str = "de", mandant=None) -> None:
        super().__init__(classes="dialog-screen")
        self.language = language
        self.mandant = mandant
        self.entries: list[PickedTemplate] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="template-picker", classes="dialog"):
            yield Static(
                _("Choose a template ({language})").format(
                    language=_(LANGUAGE_NAMES.get(self.language, self.language))
                ),
                classes="dialog-title",
                markup=False,
            )
            yield OptionList(id="template-options")
            yield Static(_("⏎ puts the text into the editor · Esc cancels"), classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.entries = template_entries(self.language, self.mandant)
        options = self.query_one(OptionList)
        for index, entry in enumerate(self.entries):
            options.add_option(Option(_label(entry), id=str(index)))
        options.highlighted = 0 if self.entries else None
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.entries[int(event.option.id)])

    def action_cancel(self) -> None:
        self.dismiss(None)
