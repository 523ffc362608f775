"""F7 Persons: find a person as you type, see the master data and consents, edit.

The search runs as the key is handled on SQLite (a few milliseconds, less
than handing it to a thread and back costs) and in a thread worker on
PostgreSQL (exclusive: a newer keystroke replaces the running search), so
typing never waits for the network. Changes go through
``core.persons``; consent changes record date, user and source ``tui``.
"""

from __future__ import annotations

import peewee
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from ...core import clock, persons
from ...core.errors import NotFound, VitosmsError
from ...core.models import CONSENT_PURPOSES, Person
from ...core.phone import format_phone
from ..i18n import CHANNEL_NAMES, LANGUAGE_NAMES, N_, _, format_date, format_datetime
from ..modals.confirm import Confirm
from ..names import person_name
from ..sanitize import clean, plain
from ..widgets.person_rows import fetch_person_rows, row_of, search_inline
from ..widgets.person_table import PersonTable
from ..widgets.search_field import SearchField
from .base import ShellScreen

SEARCH_LIMIT = 100
CONSENT_TITLES = {
    "reminder": N_("Appointment reminders"),
    "recall": N_("Recall notices"),
    "birthday": N_("Birthday greetings"),
    "sms": N_("SMS at all"),  # withdrawn by the patient's STOP (core.replies)
}
CONSENT_KEYS = {"reminder": "1", "recall": "2", "birthday": "3", "sms": "4"}
LABEL_WIDTH = 13


class PersonsTable(PersonTable):
    """The result list; its keys act on the highlighted person.

    Typing a name or a date here goes on in the search field: a desk that
    starts a new search while the list has the focus must never edit a person
    by a letter of the name (so no letter opens a form, and the consent keys
    ask first, with "No" preselected).
    """

    BINDINGS = [
        Binding("enter", "screen.edit", N_("Edit"), key_display="⏎"),
        Binding(
            "1",
            "screen.consent('reminder')",
            N_("Reminders"),
            tooltip=N_("Record or withdraw the consent to appointment reminders"),
        ),
        Binding(
            "2",
            "screen.consent('recall')",
            N_("Recall"),
            tooltip=N_("Record or withdraw the consent to recall notices"),
        ),
        Binding(
            "3",
            "screen.consent('birthday')",
            N_("Birthday"),
            tooltip=N_("Record or withdraw the consent to birthday greetings"),
        ),
        Binding(
            "4",
            "screen.consent('sms')",
            N_("SMS"),
            tooltip=N_("Record or withdraw the consent to SMS at all (a STOP withdraws it)"),
        ),
        Binding("R", "screen.new_recall", N_("Recall"), tooltip=N_("Note a recall for this person")),
        Binding("slash", "screen.focus_search", N_("Search"), key_display="/"),
    ]
    BOUND_CHARACTERS = frozenset("1234R/")

    def on_key(self, event) -> None:
        character = event.character
        if event.is_printable and character and character not in self.BOUND_CHARACTERS:
            event.stop()
            event.prevent_default()
            self.screen.type_into_search(character)


def age_on(birth, today) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def describe(person: Person) -> Text:
    """The detail panel: master data and each consent with its date and source."""
    text = Text(end="")

    def line(label: str, value) -> None:
        text.append(f"{label:<{LABEL_WIDTH}}", "dim")
        text.append(value if isinstance(value, Text) else plain(value))
        text.append("\n")

    salutation = {"Herr": _("Mr"), "Frau": _("Ms")}.get(person.salutation, "")
    text.append(person_name(person), "bold")
    if salutation:
        text.append(f" · {salutation}", "dim")
    text.append("\n\n")
    if person.birth_date:
        years = age_on(person.birth_date, clock.today())
        age = _("{years} years").format(years=years)
        line(_("Birth date"), f"{format_date(person.birth_date)}  ({age})")
    else:
        line(_("Birth date"), "–")
    line(_("Mobile"), format_phone(person.mobile) or "–")
    line(_("E-mail"), person.email or "–")
    line(_("Language"), _(LANGUAGE_NAMES.get(person.language, person.language)))
    channel = _(CHANNEL_NAMES[person.preferred_channel]) if person.preferred_channel else _("automatic")
    line(_("Channel"), channel)
    mandant = person.mandant
    line(_("Mandant"), f"{mandant.code} {mandant.name}" if mandant else "–")
    state = _("deceased") if person.deceased else _("inactive") if person.inactive else _("active")
    line(_("State"), state)
    text.append("\n")
    text.append(_("Consents"), "bold")
    text.append("\n")
    for purpose in (*CONSENT_PURPOSES, "sms"):
        given = getattr(person, f"consent_{purpose}") is not False
        text.append(f"{CONSENT_KEYS[purpose]} ", "bold")
        text.append(f"{_(CONSENT_TITLES[purpose]):<22}")
        answer = _("yes") if given else _("no")
        text.append(f"{answer:<5}", "bold green" if given else "bold red")
        stamp = getattr(person, f"consent_{purpose}_at")
        source = getattr(person, f"consent_{purpose}_source") or ""
        text.append("\n  ")
        text.append(f"{format_datetime(stamp) or '–'} · {clean(source) or '–'}", "dim")
        text.append("\n")
    return text


class PersonsScreen(ShellScreen[None]):
    """Search, view, create and edit persons."""

    BINDINGS = [
        Binding("ctrl+n", "new", N_("New person")),
        # control keys: they work from the search as from the list and never type into a name
        Binding(
            "ctrl+o",
            "for_person('message')",
            N_("Message"),
            key_display="^o",
            tooltip=N_("Write a message to the highlighted person (Compose)"),
        ),
        # not Ctrl+B: tmux takes it for itself, and the desk may work inside tmux
        Binding(
            "ctrl+t",
            "for_person('book')",
            N_("Book"),
            key_display="^t",
            tooltip=N_("Book an appointment for the highlighted person (Agenda, at its cursor)"),
        ),
        Binding("down", "focus_list", N_("To the list"), show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.wanted_id: int | None = None  # a person to highlight when the results arrive
        self.wanted_query: str | None = None
        self._detail_id: int | None = None  # the person the detail panel shows

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="persons"):
            with Vertical(id="persons-list"):
                # what was typed stays as it is when the focus comes back: typing goes on
                # from the list (see PersonsTable), and F7 selects the old search to replace it
                yield SearchField(
                    placeholder=_("Search: name, birth date (dd.mm.yyyy) or mobile"),
                    id="person-search",
                    select_on_focus=False,
                    searcher=self.search,
                )
                yield Static("", id="person-count", markup=False)
                yield PersonsTable(id="persons-table")
            with Vertical(id="person-detail-box"):
                # the panel's height is the view's, whatever it shows: a new person
                # is painted into it without a layout of the screen
                yield Static(_("No person selected."), id="person-detail", markup=False)

    def on_mount(self) -> None:
        self.query_one("#person-search", Input).focus()
        if self.wanted_query:
            self._search_wanted()
        else:
            self.search(self.query_one("#person-search", Input).value)

    # -- search -----------------------------------------------------------------

    @on(Input.Submitted, "#person-search")
    def _search_submitted(self) -> None:
        self.action_focus_list()

    def search(self, text: str) -> None:
        """Search for ``text`` and show the answer: at once on SQLite, else in a thread (see search_inline)."""
        if search_inline():
            self.show_results(text, *self._fetch(text))
        else:
            self._search_in_thread(text)

    @staticmethod
    def _fetch(text: str) -> tuple[list, str | None]:
        try:
            return fetch_person_rows(text, SEARCH_LIMIT), None
        except peewee.PeeweeException as error:  # e.g. the database is busy: say so, keep typing
            return [], str(error)

    @work(thread=True, exclusive=True, group="person-search")
    def _search_in_thread(self, text: str) -> None:
        rows, problem = self._fetch(text)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_results, text, rows, problem)

    def show_results(self, text: str, rows, problem: str | None = None) -> None:
        if not self.is_attached:  # the answer came after the view was closed
            return
        if problem:
            self.query_one("#person-count", Static).update(
                _("The search failed: {reason}").format(reason=clean(problem))
            )
            return
        table = self.query_one(PersonsTable)
        keep = self.wanted_id if self.wanted_id is not None else table.current_id
        table.show_rows(rows, keep=keep)
        self.wanted_id = None
        if not rows:
            note = _("No person found.") if text.strip() else _("No persons yet: Ctrl+N adds one.")
        elif len(rows) >= SEARCH_LIMIT:
            note = _("The first {count} persons – type more to narrow the search.").format(count=len(rows))
        else:
            note = _("{count} persons").format(count=len(rows)) if len(rows) != 1 else _("1 person")
        # one line of fixed height: no new layout of the screen for it
        self.query_one("#person-count", Static).update(note, layout=False)
        self.show_detail(table.current_id)

    def show_person(self, person_id: int) -> None:
        """Highlight one person (the palette's "go to person"), searching for the name."""
        try:
            person = persons.get_person(person_id)
        except NotFound:
            return
        self.wanted_id = person.id
        self.wanted_query = f"{person.last_name} {person.first_name}"
        if self.is_mounted:
            self._search_wanted()

    def _search_wanted(self) -> None:
        search = self.query_one("#person-search", Input)
        query, self.wanted_query = self.wanted_query, None
        if search.value == query:
            self.search(query)
        else:
            search.value = query  # the field starts the search
        self.query_one(PersonsTable).focus()

    def focus_search(self) -> None:
        self.query_one("#person-search", Input).focus()

    def view_shown(self) -> None:
        """Opened with F7 or the palette: the search has the focus, ready for a name."""
        if self.is_mounted:  # the first time, on_mount gives it the focus
            self.focus_search()
            self.query_one("#person-search", Input).select_all()  # a new name replaces the old

    def type_into_search(self, character: str) -> None:
        """A key typed in the list: the first letter of a new search."""
        search = self.query_one("#person-search", Input)
        search.focus()
        search.value = character
        search.cursor_position = len(search.value)

    # -- detail -----------------------------------------------------------------

    @on(PersonTable.Highlighted, "#persons-table")
    def _highlighted(self, event: PersonTable.Highlighted) -> None:
        self.show_detail(event.person_id)

    def current_person(self) -> Person | None:
        person_id = self.query_one(PersonsTable).current_id
        return Person.get_or_none(Person.id == person_id) if person_id is not None else None

    def show_detail(self, person_id: int | None, again: bool = False) -> None:
        """Show a person's master data; the same person again only when ``again`` (after a change)."""
        if person_id == self._detail_id and not again:
            return  # typing on with the same person on top: no query, no new layout
        self._detail_id = person_id
        detail = self.query_one("#person-detail", Static)
        person = Person.get_or_none(Person.id == person_id) if person_id is not None else None
        detail.update(describe(person) if person else Text(_("No person selected.")), layout=False)

    def refresh_person(self, person_id: int) -> None:
        person = Person.get_or_none(Person.id == person_id)
        if person is None:
            return
        from ...core.models import Mandant

        codes = dict(Mandant.select(Mandant.id, Mandant.code).tuples())
        self.query_one(PersonsTable).update_person_row(row_of(person, codes))
        self.show_detail(person_id, again=True)

    # -- actions ----------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.focus_search()

    def action_focus_list(self) -> None:
        table = self.query_one(PersonsTable)
        if table.row_count:
            table.focus()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "focus_list":
            return isinstance(self.focused, Input)
        return True

    def action_new(self) -> None:
        from .person_form import PersonFormScreen, prefill_from_search

        prefill = prefill_from_search(self.query_one("#person-search", Input).value)
        self.app.push_screen(PersonFormScreen(None, prefill), self._saved)

    def action_edit(self) -> None:
        from .person_form import PersonFormScreen

        person = self.current_person()
        if person is not None:
            self.app.push_screen(PersonFormScreen(person.id), self._saved)

    def _saved(self, person_id: int | None) -> None:
        if person_id is None:
            return
        if person_id in self.query_one(PersonsTable).rows_by_id:
            self.refresh_person(person_id)
            self.query_one(PersonsTable).focus()
        else:
            self.show_person(person_id)  # a new person: search for the name

    def action_for_person(self, action: str) -> None:
        from ..person_actions import act_on_person

        person = self.current_person()
        if person is not None:
            act_on_person(self.app, action, person.id)

    def action_new_recall(self) -> None:
        from ..modals.recall_form import RecallForm

        person = self.current_person()
        if person is not None:
            RecallForm.open(self, person_id=person.id)

    def action_consent(self, purpose: str) -> None:
        person = self.current_person()
        if person is None:
            return
        given = not getattr(person, f"consent_{purpose}")
        title = _(CONSENT_TITLES[purpose])
        name = person_name(person)
        question = (
            _("{name}: record consent to {what}?")
            if given
            else _("{name}: record that consent to {what} is withdrawn?")
        ).format(name=name, what=title)

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                fresh = Person.get_by_id(person.id)
                persons.set_consent(fresh, purpose, given, user=self.app.user, source="tui")
            except (VitosmsError, peewee.PeeweeException) as error:
                # e.g. the database stayed busy: say so, keep the desk working
                self.app.notify(_("Not recorded: {reason}").format(reason=clean(str(error))), severity="error")
                return
            self.refresh_person(person.id)
            self.app.notify(
                (_("{what}: consent recorded.") if given else _("{what}: consent withdrawn.")).format(what=title)
            )

        # "No" has the focus: an Enter typed on the way never records or withdraws a consent
        self.app.push_screen(Confirm(question, default=False), answered)

    def back_out(self) -> bool:
        search = self.query_one("#person-search", Input)
        if search.value:
            search.value = ""
            search.focus()
            return True
        return False
