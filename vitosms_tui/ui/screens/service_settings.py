"""Service settings of the current Mandant, and the message templates.

Automatic reminders and their lead time, the channel order, automatic
birthday greetings and their time of day, quiet hours and the low-balance
threshold, and the practice's details in the Mandant's texts (phone, address,
signature; a sentence that needs an empty one is left out of a message) are
saved together with Ctrl+S by ``mandanten.update_settings``,
which checks every value before it saves any: a refused value is named
beside its field and nothing is stored. F8 switches the Mandant.

Below, each Mandant's CalDAV calendar with its last sync and error
(:mod:`ui.widgets.calendar_sync_table`; Ctrl+G reads the current Mandant's
calendar now), then every template by purpose, language and channel, with where its text
comes from (the Mandant's own, the practice's, the default file); Enter
opens the editor. Reached from the Recall view (``s``) and the command
palette (:func:`open_service_settings`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Checkbox, DataTable, Input, Label, Select, Static
from textual.worker import get_current_worker

from ...core import mandanten, templates
from ...core.db import connection
from ...core.errors import VitosmsError
from ...core.models import CHANNELS, LANGUAGES, PURPOSES, Mandant
from ..i18n import CHANNEL_NAMES, LANGUAGE_NAMES, N_, _
from ..modals.template_editor import PURPOSE_NAMES, TemplateEditor
from ..sanitize import clean, plain
from ..texts.refusals import refusal_text
from ..widgets.calendar_sync_table import CalendarSyncTable
from .base import ShellScreen

TEXT_FIELDS = ("lead_hours", "birthday_time", "quiet_start", "quiet_end", "low_balance")
DETAIL_FIELDS = ("practice_phone", "practice_address", "signature")
CHANNEL_ORDERS = {
    "sms,email": N_("SMS, else e-mail"),
    "email,sms": N_("E-mail, else SMS"),
    "sms": N_("SMS only"),
    "email": N_("E-mail only"),
}
SOURCE_NAMES = {"own": N_("own ({code})"), "practice": N_("practice"), "default": N_("default file")}
PREVIEW = 54


@dataclass(frozen=True)
class TemplateLine:
    purpose: str
    language: str
    channel: str
    source: str  # own | practice | default
    text: str


def fetch_templates(mandant_id: int | None) -> list[TemplateLine]:
    """The text in use for each purpose, language and channel, and where it comes from."""
    with connection():
        mandant = Mandant.get_or_none(Mandant.id == mandant_id) if mandant_id is not None else None
        lines = []
        for purpose in PURPOSES:
            for language in LANGUAGES:
                for channel in CHANNELS:
                    try:
                        found = templates.find_template(purpose, language, channel, mandant)
                    except VitosmsError:
                        continue
                    source = "default" if found.id is None else "own" if found.mandant_id else "practice"
                    if found.language != language:
                        source = "default"  # a German stand-in: nothing stored in this language
                    text = f"{found.subject} · {found.body}" if found.subject else found.body
                    lines.append(TemplateLine(purpose, language, channel, source, " ".join(text.split())))
        return lines


# the times of update_settings, by the name the core gives them in a refusal
_TIME_FIELDS = {
    "birthday time": "birthday_time",
    "start of quiet hours": "quiet_start",
    "end of quiet hours": "quiet_end",
}


def field_of(error: VitosmsError) -> str | None:
    """Which field a refusal of ``update_settings`` concerns."""
    if error.code == "invalid_lead_time":
        return "lead_hours"
    if error.code == "invalid_amount":
        return "low_balance"
    if error.code == "invalid_channel":
        return "channel_order"
    if error.code[len("invalid_") :] in DETAIL_FIELDS:
        return error.code[len("invalid_") :]
    if error.key == "invalid_time.quiet_hours":
        return "quiet_start"
    return _TIME_FIELDS.get(str(error.values.get("what")))


def open_service_settings(app) -> None:
    """Push the service settings over the current view (the palette and the Recall view use this)."""
    if not isinstance(app.screen, ServiceSettingsScreen):
        app.push_screen(ServiceSettingsScreen())


class TemplateTable(DataTable):
    BINDINGS = [Binding("enter", "screen.edit_template", N_("Edit template"), key_display="⏎")]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)


class ServiceSettingsScreen(ShellScreen[None]):
    """The current Mandant's service settings and the templates."""

    CSS_PATH = "recall.tcss"
    CRUMB = N_("Settings")
    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), tooltip=N_("Save the service settings of the Mandant")),
        Binding("ctrl+t", "focus_templates", N_("Templates"), tooltip=N_("To the list of templates")),
        Binding(
            "ctrl+g", "sync_calendar", N_("Calendar"), tooltip=N_("Read the Mandant's calendar server now (CalDAV)")
        ),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.template_keys: list[tuple[str, str, str]] = []

    def compose_body(self) -> ComposeResult:
        with Vertical(id="service-settings"):
            yield Static("", id="settings-title", markup=False)
            with Grid(id="settings-grid"):
                yield Label(_("Automatic reminders"), classes="form-label")
                yield Checkbox("", id="s-auto_reminders", compact=True)
                yield Static("", id="e-auto_reminders", classes="field-error", markup=False)
                yield Label(_("Lead time (hours)"), classes="form-label")
                yield Input(id="s-lead_hours", compact=True, type="integer", max_length=3)
                yield Static("", id="e-lead_hours", classes="field-error", markup=False)
                yield Label(_("Channel order"), classes="form-label")
                # every order core allows (sms and/or email, each once)
                yield Select(
                    [(_(label), value) for value, label in CHANNEL_ORDERS.items()],
                    allow_blank=False,
                    id="s-channel_order",
                    compact=True,
                )
                yield Static("", id="e-channel_order", classes="field-error", markup=False)
                yield Label(_("Automatic birthday greetings"), classes="form-label")
                yield Checkbox("", id="s-auto_birthday", compact=True)
                yield Static("", id="e-auto_birthday", classes="field-error", markup=False)
                yield Label(_("Birthday greetings at"), classes="form-label")
                yield Input(id="s-birthday_time", compact=True, max_length=5, placeholder="09:00")
                yield Static("", id="e-birthday_time", classes="field-error", markup=False)
                yield Label(_("Quiet hours"), classes="form-label")
                with Horizontal(classes="quiet-hours"):
                    yield Input(id="s-quiet_start", compact=True, max_length=5, placeholder="20:00")
                    yield Static("–", classes="quiet-dash", markup=False)
                    yield Input(id="s-quiet_end", compact=True, max_length=5, placeholder="08:00")
                yield Static("", id="e-quiet", classes="field-error", markup=False)
                yield Label(_("Low-balance warning at (credits)"), classes="form-label")
                yield Input(id="s-low_balance", compact=True, type="integer", max_length=7)
                yield Static("", id="e-low_balance", classes="field-error", markup=False)
                for name, label, hint in (
                    ("practice_phone", _("Practice phone"), _("e.g. 044 123 45 67")),
                    ("practice_address", _("Practice address"), _("Street, postcode, town")),
                    ("signature", _("Signature"), _("e.g. Dr. med. Anna Muster, Hausarztpraxis")),
                ):
                    yield Label(label, classes="form-label")
                    yield Input(
                        id=f"s-{name}", compact=True, placeholder=hint, max_length=200, classes="practice-detail"
                    )
                    yield Static("", id=f"e-{name}", classes="field-error", markup=False)
            yield Static("", id="settings-error", markup=False)
            yield Static(
                _("Ctrl+S saves the settings · Esc goes back without saving"), id="settings-hint", markup=False
            )
            yield Static(
                _(
                    "Calendars of other agendas (CalDAV) · set up with"
                    " vitosms sync caldav URL --mandant C --every MINUTES"
                ),
                id="calendars-title",
                markup=False,
            )
            yield CalendarSyncTable(id="calendar-table")
            yield Static(_("Templates · ⏎ edits the highlighted one"), id="templates-title", markup=False)
            yield TemplateTable(id="template-table")

    def on_mount(self) -> None:
        table = self.query_one(TemplateTable)
        table.add_column(_("Purpose"), key="purpose", width=18)
        table.add_column(_("Language"), key="language", width=12)
        table.add_column(_("Channel"), key="channel", width=8)
        table.add_column(_("Text from"), key="source", width=14)
        table.add_column(_("Text"), key="text", width=PREVIEW)
        self.fill_form()
        self.query_one("#s-auto_reminders", Checkbox).focus()
        self.load_templates()

    def mandant_switched(self, mandant) -> None:
        self.fill_form()
        self.load_templates()

    # -- the settings ---------------------------------------------------------------------

    def mandant(self) -> Mandant | None:
        current = self.app.current_mandant
        return Mandant.get_or_none(Mandant.id == current.id) if current is not None else None

    def fill_form(self) -> None:
        """The current Mandant's settings as stored (read in a thread: another desk may have changed them)."""
        current = self.app.current_mandant
        self._read_settings(current.id if current is not None else None)

    @work(thread=True, exclusive=True, group="settings-read")
    def _read_settings(self, mandant_id: int | None) -> None:
        with connection():
            mandant = Mandant.get_or_none(Mandant.id == mandant_id) if mandant_id is not None else None
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._fill, mandant)

    def _fill(self, mandant: Mandant | None) -> None:
        title = self.query_one("#settings-title", Static)
        if mandant is None:
            title.update(_("No Mandant: F8 chooses one."))
            return
        title.update(Text.assemble(_("Service settings of "), plain(f"{mandant.code} {mandant.name}", "bold")))
        for name in ("auto_reminders", "auto_birthday"):
            box = self.query_one(f"#s-{name}", Checkbox)
            box.value = bool(getattr(mandant, name))
            box.label = _("on") if box.value else _("off")
        for name in TEXT_FIELDS:
            value = getattr(mandant, name)
            self.query_one(f"#s-{name}", Input).value = str(value)
        for name in DETAIL_FIELDS:
            self.query_one(f"#s-{name}", Input).value = getattr(mandant, name) or ""
        order = self.query_one("#s-channel_order", Select)
        if mandant.channel_order in CHANNEL_ORDERS:
            order.value = mandant.channel_order
        self.show_errors(None, "")

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = _("on") if event.value else _("off")  # the state in words, not only colour

    def show_errors(self, field: str | None, message: str) -> None:
        for name in (
            "auto_reminders",
            "lead_hours",
            "channel_order",
            "auto_birthday",
            "birthday_time",
            "quiet_start",
            "quiet_end",
            "low_balance",
            *DETAIL_FIELDS,
        ):
            self.query_one(f"#s-{name}").set_class(name == field, "-invalid-field")
        for label in self.query(".field-error"):
            label.update("")
        if field is not None:
            target = "quiet" if field.startswith("quiet") else field
            self.query_one(f"#e-{target}", Static).update(message)
        self.query_one("#settings-error", Static).update(
            _("Not saved: {reason}").format(reason=message) if message else ""
        )

    def _number(self, name: str) -> int | str:
        text = self.query_one(f"#s-{name}", Input).value.strip()
        return int(text) if text.lstrip("-").isdigit() else text

    def action_save(self) -> None:
        mandant = self.mandant()
        if mandant is None:
            return
        value = {name: self.query_one(f"#s-{name}", Input).value.strip() for name in TEXT_FIELDS}
        order = self.query_one("#s-channel_order", Select)
        try:
            saved = mandanten.update_settings(
                mandant,
                self.app.user,
                auto_reminders=self.query_one("#s-auto_reminders", Checkbox).value,
                lead_hours=self._number("lead_hours"),
                auto_birthday=self.query_one("#s-auto_birthday", Checkbox).value,
                birthday_time=value["birthday_time"],
                quiet=f"{value['quiet_start']}-{value['quiet_end']}",
                low_balance=self._number("low_balance"),
                channel_order=str(order.value).split(",") if not order.is_blank() else [],
                **{name: self.query_one(f"#s-{name}", Input).value for name in DETAIL_FIELDS},
            )
        except VitosmsError as error:
            field = field_of(error)
            self.show_errors(field, refusal_text(error))
            if field is not None:
                self.query_one(f"#s-{field}").focus()
            return
        self.show_errors(None, "")
        self._fill(saved)
        self.app.refresh_status()  # the threshold decides the status line's "low"
        self.app.notify(_("Service settings of {code} saved.").format(code=clean(saved.code)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    # -- the templates ----------------------------------------------------------------------

    def load_templates(self) -> None:
        current = self.app.current_mandant
        self._fetch_templates(current.id if current is not None else None)

    @work(thread=True, exclusive=True, group="settings-templates")
    def _fetch_templates(self, mandant_id: int | None) -> None:
        lines = fetch_templates(mandant_id)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_templates, lines)

    def show_templates(self, lines: list[TemplateLine]) -> None:
        table = self.query_one(TemplateTable)
        keep = table.cursor_row
        table.clear()
        self.template_keys = []
        code = clean(self.app.current_mandant.code) if self.app.current_mandant is not None else ""
        for line in lines:
            source = _(SOURCE_NAMES[line.source]).format(code=code)
            table.add_row(
                _(PURPOSE_NAMES.get(line.purpose, line.purpose)),
                _(LANGUAGE_NAMES.get(line.language, line.language)),
                _(CHANNEL_NAMES.get(line.channel, line.channel)),
                Text(source, style="bold" if line.source == "own" else "dim"),
                plain(line.text[:PREVIEW]),
            )
            self.template_keys.append((line.purpose, line.language, line.channel))
        if 0 <= keep < len(lines):
            table.move_cursor(row=keep)

    def action_sync_calendar(self) -> None:
        current = self.app.current_mandant
        if current is not None:
            self.app.notify(_("Reading the calendar of {code} …").format(code=clean(current.code)))
            self.query_one(CalendarSyncTable).sync_now(current.id, current.code)

    def action_focus_templates(self) -> None:
        self.query_one(TemplateTable).focus()

    def action_edit_template(self) -> None:
        table = self.query_one(TemplateTable)
        if not 0 <= table.cursor_row < len(self.template_keys):
            return
        purpose, language, channel = self.template_keys[table.cursor_row]
        current = self.app.current_mandant

        def closed(saved: bool | None) -> None:
            if saved:
                self.app.notify(_("Template saved."))
                self.load_templates()

        editor = TemplateEditor(purpose, language, channel, current.id if current else None)
        self.app.push_screen(editor, closed)

    @on(DataTable.RowSelected, "#template-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit_template()
