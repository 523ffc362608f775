"""F3 Compose: a free message to persons and typed numbers or addresses.

Recipients come from the person picker (Ctrl+O) or are typed (checked as
typed); each person on the channel ``persons.channel_for`` chooses (``c``
switches it). The text is filled in per recipient; the preview shows it for
the highlighted one with SMS encoding, parts and non-GSM characters (F9
rewrites them); the batch's cost (``drafts.quote``) is worked out in a thread.
Who pays is always said (the persons' Mandant, else the status line's; F8
chooses) and confirmed with the cost before ``outbox.enqueue_quoted``
(compose_sending.py). Other
views open it with :func:`open_compose` (from a reply: the conversation too).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Static, TextArea
from textual.worker import get_current_worker

from ...core import mandanten, sms_text
from ...core.db import connection
from ...core.errors import VitosmsError
from ...core.models import Mandant, Person
from ..i18n import CHANNEL_NAMES, LANGUAGE_NAMES, N_, _, ngettext
from ..modals.confirm import Confirm
from ..modals.template_picker import PURPOSE_NAMES, PickedTemplate, TemplatePicker
from ..sanitize import clean
from ..texts.refusals import refusal_text
from ..widgets.conversation import Conversation
from ..widgets.cost_meter import Batch, CostMeter, CostState, cost_of, preview, sms_meter
from ..widgets.person_picker import PersonPicker
from ..widgets.recipient_list import Recipient, RecipientPanel, render_for
from ..widgets.send_time import SendTime
from ..widgets.titled_input import TitledInput
from .base import ShellScreen
from .compose_sending import ComposeSending

QUOTE_DELAY = 0.15  # seconds after the last change before the batch is costed


class MessageEditor(TextArea, inherit_bindings=False):
    """The text editor, without TextArea's F6/F7: those keys open views here."""

    BINDINGS = [binding for binding in TextArea.BINDINGS if binding.key not in ("f6", "f7")]


def open_compose(app, person_ids: list[int], conversation_with: int | None = None) -> None:
    """Open Compose with these persons as recipients (from Persons, Agenda, the palette, a reply)."""
    app.go("compose")
    app.screen_stack[0].add_recipients(person_ids)
    app.screen_stack[0].show_conversation(conversation_with)


class ComposeScreen(ComposeSending, ShellScreen[None]):
    """Write one message to several recipients, see what it costs, send it now or later."""

    CSS_PATH = "compose.tcss"

    BINDINGS = [
        Binding("ctrl+s", "send", N_("Send"), tooltip=N_("Send (asks first, naming cost and Mandant)")),
        Binding("ctrl+o", "add_persons", N_("Persons"), tooltip=N_("Add persons as recipients")),
        # priority: Input and TextArea use Ctrl+E for "end of line"; the End key still does that
        Binding("ctrl+e", "focus_text", N_("Text"), priority=True, tooltip=N_("Go to the text of the message")),
        Binding("ctrl+t", "pick_template", N_("Template"), tooltip=N_("Put a template's text into the editor")),
        Binding(
            "f9",
            "gsm_rewrite",
            N_("GSM-7"),
            key_display="F9",
            tooltip=N_("Rewrite the text in GSM-7 characters (more text per SMS)"),
        ),
        Binding("ctrl+r", "gsm_rewrite", N_("GSM-7"), show=False),
        # F8, the Mandant key of every view: here it chooses who pays for this message
        # (Ctrl+G stays "failed messages", as everywhere else)
        Binding(
            "f8",
            "choose_mandant",
            N_("Paid by"),
            key_display="F8",
            tooltip=N_("Choose the Mandant who pays for this message"),
        ),
        Binding("ctrl+l", "focus_when", N_("Later"), tooltip=N_("Choose the date and time to send")),
        Binding("ctrl+n", "new_message", N_("New"), tooltip=N_("Empty the form for a new message")),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.purpose = "free"
        self.mandant: Mandant | None = None
        self.mandant_by_hand: int | None = None  # a Mandant chosen with F8
        self.cost = CostState()
        self.costed: Batch | None = None  # the form the cost area was worked out for
        self._pending_ids: list[int] = []  # persons handed over before the screen was mounted
        self.conversation_with: int | None = None  # writing back to a reply: whose SMS to show
        self._ready = False
        self._quote_timer = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="compose"):
            with Vertical(id="compose-left"):
                yield Static("", id="compose-header", markup=False)
                yield RecipientPanel(id="compose-recipient-panel")
                with Horizontal(id="compose-fields"):
                    yield TitledInput(
                        _("Subject (e-mail only)"),
                        _("Subject"),
                        id="compose-subject",
                        placeholder=_("empty: the template's subject"),
                    )
                    yield SendTime(id="compose-send-time")
                yield Conversation(id="compose-conversation")
                yield MessageEditor(id="compose-editor", soft_wrap=True)
            with Vertical(id="compose-right"):
                yield Static("", id="compose-preview-title", markup=False)
                with VerticalScroll(id="compose-preview-box", can_focus=False):
                    yield Static("", id="compose-preview", markup=False)
                yield Static("", id="compose-meter", markup=False)
                yield CostMeter(id="compose-cost")

    def on_mount(self) -> None:
        self._ready = True
        self.app.holds_unsaved_work(self)
        self._update_mandant()
        self.query_one("#compose-free", Input).focus()
        pending, self._pending_ids = self._pending_ids, []
        if pending:
            self.add_recipients(pending)
        self.show_conversation(self.conversation_with)

    # -- recipients -------------------------------------------------------------

    @property
    def recipients(self) -> list[Recipient]:
        return self.query_one(RecipientPanel).recipients

    def add_recipients(self, person_ids: list[int]) -> None:
        """Add persons as recipients (skipping listed ones, naming unreachable ones), read in a thread."""
        if not self._ready:
            self._pending_ids.extend(person_ids)
            return
        self._read_persons(list(dict.fromkeys(int(i) for i in person_ids)))

    @work(thread=True, group="compose-read")
    def _read_persons(self, wanted: list[int]) -> None:
        with connection():
            found = {person.id: person for person in Person.select().where(Person.id.in_(wanted))}
        self.app.call_from_thread(self._add_persons, [found[i] for i in wanted if i in found])

    def _add_persons(self, people: list[Person]) -> None:
        refused = self.query_one(RecipientPanel).add_persons(people)
        if refused:
            self.notify("\n".join(refused[:5]), title=_("Not added"), severity="warning", markup=False)

    def show_conversation(self, person_id: int | None) -> None:
        self.conversation_with = person_id  # the SMS exchanged, above the text (None: hidden)
        if self._ready:
            self.query_one(Conversation).show_for(person_id)

    def selected_recipient(self) -> Recipient | None:
        return self.query_one(RecipientPanel).selected

    def action_add_persons(self) -> None:
        def picked(ids: list[int] | None) -> None:
            if ids:
                self.add_recipients(ids)
                self.action_focus_text()  # the next step is writing the text

        self.app.push_screen(PersonPicker(multiple=True, title=_("Add recipients")), picked)

    def on_recipient_panel_changed(self, event: RecipientPanel.Changed) -> None:
        self._update_mandant()

    # -- paying Mandant -----------------------------------------------------------

    def _update_mandant(self) -> None:
        """Who pays, read in a thread; then the channels, the preview and the cost follow."""
        shared = {r.mandant_id for r in self.recipients if r.person is not None}
        self._read_mandant(self.mandant_by_hand, shared.pop() if len(shared) == 1 else None)

    @work(thread=True, exclusive=True, group="compose-mandant")
    def _read_mandant(self, by_hand: int | None, shared: int | None) -> None:
        """The Mandant chosen with F8; else the persons' when they all share one (and it is active)."""
        with connection():
            chosen = Mandant.get_or_none(Mandant.id == by_hand) if by_hand is not None else None
            if chosen is None and shared is not None:
                chosen = Mandant.get_or_none((Mandant.id == shared) & (Mandant.active == True))  # noqa: E712
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_mandant, chosen)

    def _show_mandant(self, chosen: Mandant | None) -> None:
        self.mandant = chosen or self.app.current_mandant
        self.query_one(RecipientPanel).set_order(mandanten.channel_order(self.mandant))
        self._show_header()
        self._changed()

    def _show_header(self) -> None:
        text = Text(end="", no_wrap=True, overflow="ellipsis")
        text.append(_("Paid by") + ": ", "dim")
        if self.mandant is None:
            text.append(_("no Mandant"), "bold red")
        else:
            text.append(f"{clean(self.mandant.code)} {clean(self.mandant.name)}", "bold")
            why = (
                _("chosen")
                if self.mandant_by_hand is not None
                else _("the persons' Mandant")
                if self.mandant != self.app.current_mandant
                else _("current Mandant")
            )
            text.append(f" ({why})", "dim")
        self.query_one("#compose-header", Static).update(text)
        self.query_one(MessageEditor).border_title = _("Text · {purpose}").format(
            purpose=_(PURPOSE_NAMES.get(self.purpose, self.purpose))
        )

    def action_choose_mandant(self) -> None:
        from ..modals.mandant_picker import MandantPicker

        def chosen(mandant_id: int | None) -> None:
            if mandant_id is not None:
                self.mandant_by_hand = mandant_id
                self._update_mandant()

        self.app.push_screen(MandantPicker(self.mandant.id if self.mandant else None), chosen)

    def mandant_switched(self, mandant) -> None:
        if self.mandant_by_hand is None:
            self._update_mandant()

    # -- text, preview and cost ---------------------------------------------------

    @on(TextArea.Changed, "#compose-editor")
    @on(Input.Changed, "#compose-subject")
    def _text_changed(self) -> None:
        self._changed()

    def _changed(self) -> None:
        """Refresh the preview now (cheap) and cost the batch a moment later (a worker)."""
        self.refresh_preview()
        if self._quote_timer is not None:
            self._quote_timer.stop()
        self._quote_timer = self.set_timer(QUOTE_DELAY, lambda: self.quote_batch(self.batch()))

    def batch(self) -> Batch:
        return Batch(
            tuple(self.recipients),
            self.purpose,
            self.query_one(MessageEditor).text,
            self.query_one("#compose-subject", Input).value,
            self.mandant.id if self.mandant else None,
        )

    def refresh_preview(self) -> None:
        recipient = self.selected_recipient()
        body = self.query_one(MessageEditor).text
        subject = self.query_one("#compose-subject", Input).value
        channel = recipient.channel if recipient else "sms"
        title = Text(_("Preview") + ": ", "bold")
        if recipient is None:
            title.append(_("as for a typed number"), "dim")
        else:
            title.append(
                f"{clean(recipient.name)} · {_(CHANNEL_NAMES[channel])} · "
                f"{_(LANGUAGE_NAMES.get(recipient.language, recipient.language))}"
            )
        self.query_one("#compose-preview-title", Static).update(title)
        self._fill_preview(recipient, self.purpose, body, subject, self.mandant)

    @work(thread=True, exclusive=True, group="compose-preview")
    def _fill_preview(
        self, recipient: Recipient | None, purpose: str, body: str, subject: str, mandant: Mandant | None
    ) -> None:
        """The text filled in for the recipient (templates and the practice's details are read)."""
        reason = ""
        try:
            with connection():
                subject, body = render_for(recipient, purpose, body, subject, mandant)
        except VitosmsError as error:
            reason = refusal_text(error) if body.strip() else ""
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(
                self._show_preview, recipient.channel if recipient else "sms", body, subject, reason
            )

    def _show_preview(self, channel: str, body: str, subject: str, reason: str) -> None:
        shown = preview(body, subject, channel)
        if reason:
            shown = Text.assemble(Text("✗ " + reason + "\n\n", style="bold red"), shown)
        self.query_one("#compose-preview", Static).update(shown)
        meter = (
            sms_meter(sms_text.analyse(body))
            if channel == "sms"
            else Text(_("E-mail: one message, whatever its length."))
        )
        self.query_one("#compose-meter", Static).update(meter)

    @work(thread=True, exclusive=True, group="compose-quote")
    def quote_batch(self, batch: Batch) -> None:
        state, _drafts = cost_of(batch)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_cost, state, batch)

    def _show_cost(self, state: CostState, batch: Batch | None = None) -> None:
        self.cost, self.costed = state, batch
        self.query_one(CostMeter).show(state)

    @property
    def cost_is_current(self) -> bool:
        """Whether the cost area shows the form as it is now (the quote runs a moment later)."""
        return self.costed == self.batch()

    def action_gsm_rewrite(self) -> None:
        editor = self.query_one(MessageEditor)
        text = editor.text
        rewritten = sms_text.gsm_rewrite(text)
        if rewritten == text:
            self.notify(_("The text is GSM-7 already."))
            return
        editor.replace(rewritten, (0, 0), editor.document.end)  # Ctrl+Z undoes it
        changed = sum(1 for char in set(text) if char not in sms_text.GSM_CHARS)
        self.notify(
            ngettext("{count} character rewritten in GSM-7.", "{count} characters rewritten in GSM-7.", changed).format(
                count=changed
            )
        )

    def action_pick_template(self) -> None:
        recipient = self.selected_recipient()
        language = recipient.language if recipient is not None else "de"

        def picked(template: PickedTemplate | None) -> None:
            if template is None:
                return
            self.purpose = template.purpose
            editor = self.query_one(MessageEditor)
            editor.replace(template.body, (0, 0), editor.document.end)
            self.query_one("#compose-subject", Input).value = template.subject
            self._show_header()
            editor.focus()
            self._changed()

        self.app.push_screen(TemplatePicker(language, self.mandant), picked)

    def action_focus_text(self) -> None:
        self.query_one(MessageEditor).focus()

    def action_focus_when(self) -> None:
        self.query_one(SendTime).field.focus()

    def clear_form(self) -> None:
        """Empty everything for a new message (the paying Mandant goes back to its default)."""
        self.purpose = "free"
        self.mandant_by_hand = None
        for selector in ("#compose-subject", "#compose-when"):
            self.query_one(selector, Input).value = ""
        self.query_one(MessageEditor).load_text("")
        self.query_one(RecipientPanel).clear()  # posts Changed: Mandant, preview and cost follow
        self.show_conversation(None)
        self.query_one("#compose-free", Input).focus()

    def action_new_message(self) -> None:
        if not self.recipients and not self.query_one(MessageEditor).text.strip():
            self.clear_form()
            return
        self.app.push_screen(
            Confirm(_("Discard this message and start a new one?"), default=False),
            lambda yes: self.clear_form() if yes else None,
        )

    def unsaved_work(self) -> str | None:
        """A message being written (Ctrl+Q asks before it is lost)."""
        if self.recipients or self.query_one(MessageEditor).text.strip():
            return _("A message not yet sent")
        return None

    def back_out(self) -> bool:
        """Escape empties the half-typed number first; the draft itself stays (Ctrl+N discards it)."""
        free = self.query_one("#compose-free", Input)
        if free.value:
            free.value = ""
            free.focus()
            return True
        return False
