"""Reminder or confirmation for one appointment, in two keystrokes after ``r``.

Step one picks the kind (``r`` reminder, ``c`` confirmation), step two the
channel (``⏎`` the person's default, ``s`` SMS, ``e`` e-mail); so a reminder
by the default channel is ``r r ⏎`` from the agenda. ``⏎`` at step one is the
everyday case at once, a reminder by the default channel: ``r ⏎``. Each line says already
when the message would go out, or why none would (the rule of
:mod:`core.reminders`), and what exists already ("● zugestellt 02.12. 10:02").
A choice that cannot work (no consent, no address, the rule sends none, one
is pending) is dimmed with its reason and not accepted. When one was sent
already, a second one is only an explicit choice: ``n`` sends again. The
text is the template in the person's language; the reason of the
appointment never goes into it.

The result is ``(kind, channel, again)`` (channel None: the person's
default) or None when left with Escape.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ...core import desk_answers, mandanten, persons, reminders
from ...core.phone import format_phone
from ..i18n import CHANNEL_NAMES, LANGUAGE_NAMES, N_, _, format_datetime
from ..sanitize import clean
from ..texts.appointment_text import appointment_line, describe_plan, gone_line, kind_name


class RemindChooser(ModalScreen[tuple[str, str | None, bool] | None]):
    """Kind, then channel; Escape goes back a step, then closes."""

    BINDINGS = [
        Binding("r", "kind('reminder')", N_("Reminder")),
        Binding("c", "kind('confirmation')", N_("Confirmation")),
        Binding("n", "again", N_("Send once more")),
        Binding("enter", "channel('')", N_("Default channel"), key_display="⏎"),
        Binding("s", "channel('sms')", N_("SMS")),
        Binding("e", "channel('email')", N_("E-mail")),
        Binding("escape", "back", N_("Back"), key_display="Esc"),
    ]

    def __init__(self, appointment) -> None:
        super().__init__(classes="dialog-screen")
        self.appointment = appointment
        self.kind: str | None = None
        person, mandant = appointment.person, appointment.mandant
        order = mandanten.channel_order(mandant)
        self.default_channel = persons.channel_for(person, order)
        self.addresses = {
            "sms": format_phone(person.mobile) if person.mobile else "",
            "email": clean(person.email or ""),
        }
        self.plans = {kind: reminders.plan(kind, appointment) for kind in reminders.KINDS}
        self.existing = {kind: desk_answers.existing(appointment, kind) for kind in reminders.KINDS}
        self.again = False
        self.asking_again: str | None = None  # the kind whose sent one the desk is asked about

    def _why_not(self, kind: str) -> str | None:
        """Why no message of ``kind`` can be queued now (None: it can)."""
        plan = self.plans[kind]
        if not plan.sends:
            return describe_plan(kind, plan)
        person = self.appointment.person
        if not person.consents(kind):
            return _("none: no consent to reminders")
        if self.default_channel is None:
            return _("none: neither mobile number nor e-mail address")
        pending = [m for m in self.existing[kind] if m.status in ("queued", "sending")]
        if pending:
            return _("none: one is already planned for {when}").format(when=format_datetime(pending[-1].scheduled_at))
        return None

    def _sent(self, kind: str):
        """The last message of ``kind`` that went out (a second one needs ``n``), or None."""
        gone = [m for m in self.existing[kind] if m.status in ("sent", "delivered")]
        return gone[-1] if gone else None

    def compose(self) -> ComposeResult:
        with Vertical(id="remind-chooser", classes="dialog"):
            yield Static(_("Remind or confirm"), classes="dialog-title", markup=False)
            yield Static(self._about(), id="remind-about")
            yield Static("", id="remind-options")
            yield Static("", id="remind-error", classes="field-error", markup=False)
            yield Static("", id="remind-hint", classes="dialog-hint", markup=False)

    def _about(self) -> Text:
        person = self.appointment.person
        text = Text(appointment_line(self.appointment), end="")
        language = _(LANGUAGE_NAMES.get(person.language, person.language))
        channel = _(CHANNEL_NAMES[self.default_channel]) if self.default_channel else _("cannot be reached")
        text.append("\n")
        text.append(
            _("Template in {language} · default channel: {channel}").format(language=language, channel=channel), "dim"
        )
        if not person.consent_reminder:
            text.append("\n")
            text.append(_("No consent to reminders (a confirmation is possible)."), "bold")
        return text

    def on_mount(self) -> None:
        self._show()

    def _line(self, key: str, label: str, note: str, usable: bool = True) -> Text:
        line = Text(end="")
        line.append(f" {key:<2} ", "bold reverse" if usable else "dim")
        line.append(f" {label:<16}", "" if usable else "dim")
        line.append(note, "dim")
        return line

    def _show(self) -> None:
        options = Text(end="")
        if self.asking_again is not None:
            kind = self.asking_again
            options.append(self._line("n", _("Send once more"), gone_line(self._sent(kind))))
            hint = _("{kind} went out already: n sends a second one · Esc back").format(kind=kind_name(kind))
        elif self.kind is None:
            for key, kind in (("r", "reminder"), ("c", "confirmation")):
                why = self._why_not(kind)
                note = why or describe_plan(kind, self.plans[kind])
                sent = self._sent(kind)
                if sent is not None and why is None:
                    note = f"{gone_line(sent)} · " + _("then n: once more")
                options.append(self._line(key, kind_name(kind), note, why is None))
                options.append("\n")
            hint = _("⏎ reminder by the default channel · r reminder · c confirmation · Esc cancels")
        else:
            default = self.default_channel
            note = f"{_(CHANNEL_NAMES[default])} {self.addresses[default]}" if default else _("cannot be reached")
            options.append(self._line("⏎", _("Default channel"), note, default is not None))
            for key, channel in (("s", "sms"), ("e", "email")):
                address = self.addresses[channel]
                options.append("\n")
                options.append(self._line(key, _(CHANNEL_NAMES[channel]), address or _("no address"), bool(address)))
            hint = _("{kind}: ⏎ default channel · s SMS · e e-mail · Esc back").format(kind=kind_name(self.kind))
        self.query_one("#remind-options", Static).update(options)
        self.query_one("#remind-hint", Static).update(hint)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "kind":
            return self.kind is None and self.asking_again is None
        if action == "again":
            return self.asking_again is not None
        if action == "channel":
            # at step one only ⏎ (the reminder by the default channel) is offered
            return self.kind is not None or (not parameters[0] and self.asking_again is None)
        return True

    def action_kind(self, kind: str) -> None:
        why = self._why_not(kind)
        if why is not None:  # shown dimmed with its reason: never accepted, then refused
            self.query_one("#remind-error", Static).update(why)
            return
        self.query_one("#remind-error", Static).update("")
        if self._sent(kind) is not None:
            self.asking_again = kind  # a second one only as an explicit choice
        else:
            self.kind = kind
        self._show()
        self.refresh_bindings()

    def action_again(self) -> None:
        self.kind, self.asking_again, self.again = self.asking_again, None, True
        self._show()
        self.refresh_bindings()

    def action_channel(self, channel: str) -> None:
        if self.kind is None:  # ⏎ at step one: a reminder by the default channel
            self.action_kind("reminder")
            if self.kind is None:
                return  # refused with its reason, or a sent one asks for n first
        wanted = channel or self.default_channel
        if wanted is None or not self.addresses.get(wanted):
            self.query_one("#remind-error", Static).update(_("The person cannot be reached on this channel."))
            return
        self.dismiss((self.kind, channel or None, self.again))

    def action_back(self) -> None:
        if self.kind is None and self.asking_again is None:
            self.dismiss(None)
            return
        self.kind = self.asking_again = None
        self.again = False
        self.query_one("#remind-error", Static).update("")
        self._show()
        self.refresh_bindings()
