"""Note a recall: person, Mandant, reason, due date (dd.mm.yyyy), repeat every N months.

``push_screen(RecallForm(), callback)`` calls back with the new recall's id,
or None when left with Escape. Without a person the person picker opens
first (Ctrl+O opens it again). From an appointment
(``RecallForm(appointment_id=…)``) person and Mandant are the
appointment's, and an empty due date means the appointment's day plus the
repeat. Every rule is ``core.recall.add_recall``'s; its refusal is shown
beside the field it concerns, and nothing is stored.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ...core import mandanten, recall
from ...core.errors import VitosmsError
from ...core.models import Appointment, Person
from ..i18n import N_, _, format_date, format_datetime
from ..names import person_name
from ..sanitize import plain
from ..texts.refusals import refusal_text
from ..widgets.person_picker import PersonPicker

FIELDS = ("person", "mandant", "reason", "due", "every")
FIELD_OF_CODE = {
    "invalid_date": "due",
    "invalid_reason": "reason",
    "invalid_repeat": "every",
    "deceased": "person",
    "inactive_mandant": "mandant",
    "invalid_appointment": "person",
}


class RecallForm(ModalScreen[int | None]):
    """The fields of one new recall."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save")),
        Binding("ctrl+o", "choose_person", N_("Person")),
        Binding("escape", "cancel", N_("Cancel"), key_display="Esc"),
    ]

    @classmethod
    def open(cls, host, *, person_id: int | None = None, appointment_id: int | None = None, after=None) -> None:
        """Push the form from a view; the view's message line (or a notification) says what
        was noted, then ``after()`` runs."""
        say = getattr(host, "say", None) or host.app.notify

        def made(recall_id: int | None) -> None:
            if recall_id is None:
                return
            noted = recall.get_recall(recall_id)
            say(
                _("Recall noted for {name}, due {due}.").format(
                    name=person_name(noted.person), due=format_date(noted.due)
                )
            )
            if after is not None:
                after()

        host.app.push_screen(cls(person_id=person_id, appointment_id=appointment_id), made)

    def __init__(
        self, person_id: int | None = None, appointment_id: int | None = None, mandant_id: int | None = None
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.appointment = (
            Appointment.get_or_none(Appointment.id == appointment_id) if appointment_id is not None else None
        )
        if self.appointment is not None:
            person_id, mandant_id = self.appointment.person_id, self.appointment.mandant_id
        self.person_id = person_id
        self.mandant_id = mandant_id

    def compose(self) -> ComposeResult:
        current = self.mandant_id or getattr(getattr(self.app, "current_mandant", None), "id", None)
        options = [(plain(f"{m.code}  {m.name}"), m.id) for m in mandanten.list_mandanten(active_only=True)]
        known = {value for _label, value in options}
        with Vertical(id="recall-form", classes="dialog"):
            yield Static(_("New recall"), classes="dialog-title", markup=False)
            if self.appointment is not None:
                yield Static(
                    _("From the appointment of {when}").format(when=format_datetime(self.appointment.start)),
                    classes="form-label",
                    markup=False,
                )
            with Grid(classes="form-grid"):
                yield Label(_("Person"), classes="form-label")
                yield Button("", id="rf-person", compact=True)
                yield Static("", id="e-person", classes="field-error", markup=False)
                yield Label(_("Mandant"), classes="form-label")
                yield (
                    Select(
                        options,
                        allow_blank=False,
                        value=current if current in known else Select.NULL,
                        id="rf-mandant",
                        compact=True,
                    )
                    if options
                    else Static("–", id="rf-mandant")
                )
                yield Static("", id="e-mandant", classes="field-error", markup=False)
                yield Label(_("Reason (internal)"), classes="form-label")
                yield Input(placeholder=_("e.g. annual check-up"), id="rf-reason", compact=True)
                yield Static("", id="e-reason", classes="field-error", markup=False)
                yield Label(_("Due on"), classes="form-label")
                yield Input(placeholder=_("dd.mm.yyyy"), id="rf-due", compact=True)
                yield Static("", id="e-due", classes="field-error", markup=False)
                yield Label(_("Repeat every"), classes="form-label")
                yield Input(placeholder=_("months; empty: once"), id="rf-every", compact=True, type="integer")
                yield Static("", id="e-every", classes="field-error", markup=False)
            yield Static(
                _("The reason stays inside the practice: no message ever contains it."),
                classes="dialog-hint",
                markup=False,
            )
            yield Static("", id="rf-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Save"), id="rf-save", variant="primary")
                yield Button(_("Cancel"), id="rf-cancel")

    def on_mount(self) -> None:
        self._show_person()
        if self.person_id is None:
            self.action_choose_person()
        else:
            self.query_one("#rf-reason", Input).focus()

    def _show_person(self) -> None:
        person = Person.get_or_none(Person.id == self.person_id) if self.person_id is not None else None
        button = self.query_one("#rf-person", Button)
        if person is None:
            button.label = _("Choose… (Ctrl+O)")
        else:
            born = f" · {person.birth_date.strftime('%d.%m.%Y')}" if person.birth_date else ""
            button.label = plain(f"{person.last_name} {person.first_name}{born}")
        button.disabled = self.appointment is not None

    def action_choose_person(self) -> None:
        if self.appointment is not None:
            return  # the appointment's person

        def picked(ids: list[int] | None) -> None:
            if ids:
                self.person_id = ids[0]
                self.show_error("person", None)
                self._show_person()
            self.query_one("#rf-reason", Input).focus()

        self.app.push_screen(PersonPicker(title=_("Recall for which person?")), picked)

    def show_error(self, name: str, message: str | None) -> None:
        self.query_one(f"#e-{name}", Static).update(message or "")
        self.query_one(f"#rf-{name}").set_class(bool(message), "-invalid-field")

    def action_save(self) -> None:
        for name in FIELDS:
            self.show_error(name, None)
        error = self.query_one("#rf-error", Static)
        if self.person_id is None:
            self.show_error("person", _("Choose a person (Ctrl+O)."))
            error.update(_("Please correct the marked fields."))
            return
        select = self.query_one("#rf-mandant")
        mandant_id = select.value if isinstance(select, Select) and not select.is_blank() else None
        every_text = self.query_one("#rf-every", Input).value.strip()
        if every_text and not every_text.isdigit():
            self.show_error("every", _("A whole number of months."))
            error.update(_("Please correct the marked fields."))
            return
        mandant = mandanten.Mandant.get_or_none(mandanten.Mandant.id == mandant_id) if mandant_id else None
        try:
            made = recall.add_recall(
                person=self.person_id,
                mandant=mandant,
                reason=self.query_one("#rf-reason", Input).value,
                due=self.query_one("#rf-due", Input).value.strip() or None,
                every_months=int(every_text) if every_text else None,
                appointment=self.appointment.id if self.appointment is not None else None,
                user=self.app.user,
            )
        except VitosmsError as refused:
            field = FIELD_OF_CODE.get(refused.code) or ("due" if refused.key == "usage.recall_needs_due" else None)
            if field:
                self.show_error(field, refusal_text(refused))
                if field != "person":
                    self.query_one(f"#rf-{field}").focus()
            error.update(_("Not saved: {reason}").format(reason=refusal_text(refused)))
            return
        self.dismiss(made.id)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "rf-save":
            self.action_save()
        elif event.button.id == "rf-cancel":
            self.dismiss(None)
        elif event.button.id == "rf-person":
            self.action_choose_person()

    def action_cancel(self) -> None:
        self.dismiss(None)
