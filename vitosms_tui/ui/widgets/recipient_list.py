"""The recipients of a message being composed, and their texts.

A recipient is a person (reached on the channel :func:`persons.channel_for`
chooses with the paying Mandant's channel order, changeable) or a number or
address typed freely (SMS for a number, e-mail for an address). Each one gets
the editor's text filled in for them (:func:`render_for`): placeholders take
the person's values and language; a free recipient gets the text as written,
with only the practice's placeholders filled.

The functions here may run in a worker thread: they read the database but
touch no widget.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from ...core import persons, quotes, templates
from ...core.errors import Refused, VitosmsError
from ...core.models import Mandant, Person
from ...core.phone import format_phone, looks_like_email, normalize_email, normalize_mobile
from ..i18n import CHANNEL_NAMES, N_, _
from ..names import person_name
from ..sanitize import clean, plain
from ..texts.refusals import refusal_text
from .tables import FittedTable, cursor_key


@dataclass(frozen=True)
class Recipient:
    """One line of the recipient list (immutable: safe to hand to a worker thread)."""

    key: str  # "p:<person id>" or "f:<number or address>"
    name: str
    channel: str
    address: str  # E.164 number or address, for the channel
    person: Person | None = None
    channel_by_hand: bool = False

    @property
    def person_id(self) -> int | None:
        return self.person.id if self.person is not None else None

    @property
    def mandant_id(self) -> int | None:
        return self.person.mandant_id if self.person is not None else None

    @property
    def language(self) -> str:
        return templates.language_of(self.person)

    def address_text(self) -> str:
        return format_phone(self.address) if self.channel == "sms" else self.address


def _address_of(person: Person, channel: str) -> str:
    return (person.mobile if channel == "sms" else person.email) or ""


def person_recipient(person: Person, order: tuple[str, ...]) -> Recipient:
    """A person as recipient on their channel; Refused when deceased or unreachable."""
    name = clean(f"{person.last_name} {person.first_name}")
    if person.deceased:
        raise Refused("deceased.no_messages", name=person.full_name, person_id=person.id)
    channel = persons.reachable_channel(person, order)
    return Recipient(f"p:{person.id}", name, channel, _address_of(person, channel), person)


def free_recipient(text: str) -> Recipient:
    """A typed number (SMS) or address (e-mail), checked; Refused with the reason."""
    raw = (text or "").strip()
    if looks_like_email(raw):
        address = normalize_email(raw)
        return Recipient(f"f:{address.lower()}", address, "email", address)
    number = normalize_mobile(raw)
    return Recipient(f"f:{number}", format_phone(number), "sms", number)


def with_channel(recipient: Recipient, channel: str, by_hand: bool = True) -> Recipient:
    """The recipient on another channel; Refused when the person lacks that address."""
    if recipient.channel == channel:
        return recipient
    if recipient.person is None:
        raise Refused("fixed_channel")
    address = persons.address_for(recipient.person, channel)
    return replace(recipient, channel=channel, address=address, channel_by_hand=by_hand)


def other_channel(channel: str) -> str:
    return "email" if channel == "sms" else "sms"


def render_for(
    recipient: Recipient | None, purpose: str, body: str, subject: str, mandant: Mandant | None
) -> tuple[str, str]:
    """(subject, body) this recipient gets (``quotes.fill``); without a recipient as for a typed number."""
    if recipient is None:
        draft = quotes.fill(purpose, "sms", "", None, body, subject, mandant)
    else:
        draft = quotes.fill(purpose, recipient.channel, recipient.address, recipient.person, body, subject, mandant)
    return draft.subject, draft.body


class RecipientTable(FittedTable):
    """The recipients, one row each, keyed by :attr:`Recipient.key`.

    The address column takes the room that is left, so a narrow terminal
    (Compose at 80 columns) still shows all three columns.
    """

    COLUMNS = (
        ("name", N_("Recipient"), 14, False),
        ("channel", N_("Channel"), 7, False),
        ("address", N_("Number / address"), 14, False),
    )

    BINDINGS = [
        Binding(
            "c",
            "switch_channel",
            N_("Channel"),
            key_display="c",
            tooltip=N_("Send to this recipient by SMS or by e-mail"),
        ),
        Binding("delete,backspace", "remove", N_("Remove"), key_display="Del", tooltip=N_("Remove this recipient")),
    ]

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)

    def show(self, recipients: list[Recipient], keep: str | None = None) -> None:
        """Replace the rows; the cursor stays on ``keep`` when it is still listed."""
        self.clear()
        for recipient in recipients:
            channel = Text(_(CHANNEL_NAMES[recipient.channel]), style="bold" if recipient.channel_by_hand else "")
            self.add_row(plain(recipient.name), channel, plain(recipient.address_text()), key=recipient.key)
        keys = [recipient.key for recipient in recipients]
        if keys:
            self.move_cursor(row=keys.index(keep) if keep in keys else len(keys) - 1)

    @property
    def current_key(self) -> str | None:
        return cursor_key(self)

    def action_switch_channel(self) -> None:
        self.query_ancestor(RecipientPanel).switch_channel()

    def action_remove(self) -> None:
        self.query_ancestor(RecipientPanel).remove_current()


class RecipientPanel(Vertical):
    """The recipient list and the field for typed numbers and addresses.

    Posts :class:`RecipientPanel.Changed` when the list or the highlighted
    recipient changes.
    """

    class Changed(Message):
        """The recipients or the highlighted one changed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.recipients: list[Recipient] = []
        self.order: tuple[str, ...] = ("sms", "email")

    def compose(self) -> ComposeResult:
        yield RecipientTable(id="compose-recipients")
        free = Input(placeholder=_("Mobile number or e-mail address, ⏎ adds it"), id="compose-free")
        free.border_title = _("Add a number or address")
        yield free
        yield Static("", id="compose-free-reason", markup=False)

    @property
    def table(self) -> RecipientTable:
        return self.query_one(RecipientTable)

    @property
    def free_input(self) -> Input:
        return self.query_one("#compose-free", Input)

    @property
    def selected(self) -> Recipient | None:
        key = self.table.current_key
        return next((r for r in self.recipients if r.key == key), None)

    def _show(self, keep: str | None = None) -> None:
        self.table.show(self.recipients, keep=keep)
        self.post_message(self.Changed())

    def add_persons(self, people: list[Person]) -> list[str]:
        """Add persons not yet listed; returns "Name: reason" for those that cannot be reached."""
        listed = {recipient.key for recipient in self.recipients}
        refused, last = [], None
        for person in people:
            try:
                recipient = person_recipient(person, self.order)
            except Refused as error:
                refused.append(f"{person_name(person)}: {refusal_text(error)}")
                continue
            if recipient.key not in listed:
                self.recipients.append(recipient)
                listed.add(recipient.key)
                last = recipient.key
        if last is not None:
            self._show(keep=last)
        return refused

    def add_free(self, text: str) -> bool:
        """Add a typed number or address; False (and the reason shown) when it is not valid."""
        try:
            recipient = free_recipient(text)
        except VitosmsError as error:
            self._reason(Text("✗ " + refusal_text(error), style="bold red"))
            return False
        if recipient.key not in {r.key for r in self.recipients}:
            self.recipients.append(recipient)
        self.free_input.value = ""
        self._show(keep=recipient.key)
        return True

    def remove_current(self) -> None:
        recipient = self.selected
        if recipient is not None:
            index = self.recipients.index(recipient)
            self.recipients.remove(recipient)
            keep = self.recipients[min(index, len(self.recipients) - 1)].key if self.recipients else None
            self._show(keep=keep)

    def switch_channel(self) -> None:
        recipient = self.selected
        if recipient is None:
            return
        try:
            changed = with_channel(recipient, other_channel(recipient.channel))
        except Refused as error:
            self.app.notify(f"{clean(recipient.name)}: {refusal_text(error)}", severity="warning", markup=False)
            return
        self.recipients[self.recipients.index(recipient)] = changed
        self._show(keep=changed.key)

    def set_order(self, order: tuple[str, ...]) -> None:
        """The payer's channel order; persons whose channel was not chosen by hand follow it."""
        self.order = order
        changed = [
            with_channel(r, persons.channel_for(r.person, order) or r.channel, by_hand=False)
            if r.person is not None and not r.channel_by_hand
            else r
            for r in self.recipients
        ]
        if changed != self.recipients:
            self.recipients = changed
            self._show(keep=self.table.current_key)

    def clear(self) -> None:
        self.recipients = []
        self.free_input.value = ""
        self._show()

    def _reason(self, text: Text | str) -> None:
        self.query_one("#compose-free-reason", Static).update(text)

    @on(Input.Changed, "#compose-free")
    def _free_changed(self, event: Input.Changed) -> None:
        if not event.value.strip():
            self._reason("")
            return
        try:
            recipient = free_recipient(event.value)
        except VitosmsError as error:
            self._reason(Text("✗ " + refusal_text(error), style="bold red"))
            return
        self._reason(
            Text(
                f"✓ {clean(recipient.address_text())} · {_(CHANNEL_NAMES[recipient.channel])} · {_('⏎ adds it')}",
                style="green",
            )
        )

    @on(Input.Submitted, "#compose-free")
    def _free_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.add_free(event.value)

    @on(DataTable.RowHighlighted, "#compose-recipients")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Changed())
