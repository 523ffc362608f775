"""Edit one message template: purpose, language and channel fixed, the text in a TextArea.

``push_screen(TemplateEditor(purpose, language, channel, mandant_id), callback)``
calls back with True when a text was saved, False when left with Escape.
The placeholders are listed beside the editor. Saving goes through
``core.templates.save_template``, which checks every placeholder: an unknown
one is refused with the reason shown under the editor, and nothing is saved.
The text is kept for the Mandant alone or for the whole practice.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Static, TextArea

from ...core import templates
from ...core.errors import VitosmsError
from ...core.models import Mandant
from ..i18n import CHANNEL_NAMES, LANGUAGE_NAMES, N_, _
from ..sanitize import clean
from ..texts.refusals import refusal_text

PURPOSE_NAMES = {
    "free": N_("Free text"),
    "reminder": N_("Reminder"),
    "confirmation": N_("Confirmation"),
    "recall": N_("Recall"),
    "birthday": N_("Birthday greeting"),
}
PLACEHOLDER_NAMES = {
    "greeting": N_("opening words, e.g. 'Guten Tag Frau Muster'"),
    "salutation": N_("Herr / Frau in the person's language"),
    "first_name": N_("first name"),
    "last_name": N_("last name"),
    "date": N_("appointment date, e.g. 30.11.2026"),
    "time": N_("appointment time, HH:MM"),
    "weekday": N_("appointment weekday, written out"),
    "mandant": N_("the Mandant's name"),
    "practice": N_("the practice's name"),
    "practice_phone": N_("the practice's phone number"),
    "practice_address": N_("the practice's address (empty: its sentence is left out)"),
    "signature": N_("the Mandant's signature (empty: left out)"),
    "due": N_("the recall's due date"),
    "today": N_("today's date"),
}


def placeholder_help() -> Text:
    """Every placeholder with a short description (core's text for one the UI does not know)."""
    text = Text(end="")
    text.append(_("Placeholders"), "bold")
    text.append("\n")
    for name, description in templates.PLACEHOLDERS.items():
        text.append("{" + name + "}", "bold")
        known = _(PLACEHOLDER_NAMES[name]) if name in PLACEHOLDER_NAMES else description
        text.append(f"\n  {known}\n", "dim")
    text.append("\n" + _("{{ and }} write a literal brace."), "dim")
    return text


def kind_title(purpose: str, language: str, channel: str) -> str:
    return " · ".join(
        (
            _(PURPOSE_NAMES.get(purpose, purpose)),
            _(LANGUAGE_NAMES.get(language, language)),
            _(CHANNEL_NAMES.get(channel, channel)),
        )
    )


class TemplateBody(TextArea, inherit_bindings=False):
    """The text editor, without TextArea's F6/F7: those keys open views here."""

    BINDINGS = [binding for binding in TextArea.BINDINGS if binding.key not in ("f6", "f7")]


class TemplateEditor(ModalScreen[bool]):
    """One template's text, checked on saving."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save")),
        Binding("escape", "cancel", N_("Cancel"), key_display="Esc"),
    ]

    def __init__(self, purpose: str, language: str, channel: str, mandant_id: int | None) -> None:
        super().__init__(classes="dialog-screen")
        self.purpose, self.language, self.channel = purpose, language, channel
        self.mandant = Mandant.get_or_none(Mandant.id == mandant_id) if mandant_id is not None else None
        found = templates.find_template(purpose, language, channel, self.mandant)
        # a German stand-in (no text in this language yet) is offered as the start
        self.body, self.subject = found.body, found.subject
        self.own = found.id is not None and found.mandant_id is not None

    def compose(self) -> ComposeResult:
        with Vertical(id="template-editor", classes="dialog"):
            kind = kind_title(self.purpose, self.language, self.channel)
            yield Static(_("Template: {kind}").format(kind=kind), classes="dialog-title", markup=False)
            with Horizontal(id="template-columns"):
                with Vertical(id="template-main"):
                    if self.channel == "email":
                        yield Input(clean(self.subject), placeholder=_("Subject"), id="template-subject", compact=True)
                    yield TemplateBody(self.body, id="template-body", soft_wrap=True, show_line_numbers=False)
                    if self.mandant is not None:
                        yield Checkbox(
                            _("Only for Mandant {code} (otherwise for the whole practice)").format(
                                code=clean(self.mandant.code)
                            ),
                            value=self.own,
                            id="template-scope",
                            compact=True,
                        )
                    yield Static("", id="template-error", markup=False)
                with VerticalScroll(id="placeholder-list", can_focus=False):
                    yield Static(placeholder_help(), id="placeholder-help", markup=False)
            yield Static(
                _("Ctrl+S saves · Esc cancels · the text is checked before it is saved"),
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one(TemplateBody).focus()

    def action_save(self) -> None:
        body = self.query_one(TemplateBody).text
        subject = self.query_one("#template-subject", Input).value if self.channel == "email" else ""
        scope = self.query(Checkbox)
        mandant = self.mandant if scope and scope.first().value else None
        try:
            templates.save_template(
                self.purpose, self.language, self.channel, body, subject, mandant=mandant, user=self.app.user
            )
        except VitosmsError as error:
            self.query_one("#template-error", Static).update(
                _("Not saved: {reason}").format(reason=refusal_text(error))
            )
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
