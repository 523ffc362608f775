"""New person / edit person: a form that says what is wrong next to the field.

Each field is checked by the same core function the CLI uses (on leaving the
field and on saving); saving goes through ``core.persons`` which validates
everything again, so nothing half-checked is ever stored. The screen returns
the saved person's id, or None when left without saving.
"""

from __future__ import annotations

import re

import peewee
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from ...core import mandanten, persons
from ...core.db import write_transaction
from ...core.errors import Refused
from ...core.models import CONSENT_PURPOSES, LANGUAGES, Person
from ...core.phone import format_phone, normalize_email, normalize_mobile
from ..i18n import CHANNEL_NAMES, LANGUAGE_NAMES, N_, _, format_date, format_datetime
from ..modals.confirm import Confirm
from ..sanitize import clean, plain
from ..texts.refusals import refusal_text
from .base import ShellScreen
from .persons import CONSENT_TITLES

TEXT_FIELDS = ("first_name", "last_name", "birth_date", "mobile", "email")
FIELD_TITLES = {
    "salutation": N_("Salutation"),
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "birth_date": N_("Birth date"),
    "mobile": N_("Mobile"),
    "email": N_("E-mail"),
    "language": N_("Language"),
    "mandant": N_("Mandant"),
    "preferred_channel": N_("Channel"),
    "deceased": N_("Deceased"),
    "inactive": N_("Inactive"),
}
# which field a refusal of core.persons.validate belongs to
FIELD_OF_CODE = {
    "invalid_date": "birth_date",
    "invalid_number": "mobile",
    "landline": "mobile",
    "invalid_email": "email",
    "invalid_salutation": "salutation",
    "invalid_language": "language",
    "invalid_channel": "preferred_channel",
    "unknown_mandant": "mandant",
}


def field_of(error: Refused) -> str | None:
    if error.code == "invalid_name":
        return "first_name" if error.values.get("what") == "first name" else "last_name"
    return FIELD_OF_CODE.get(error.code)


def consent_label(given: bool) -> str:
    return _("given") if given else _("not given")


def check_field(name: str, value: str) -> str | None:
    """The problem with one typed value, or None (the rules are core's)."""
    try:
        if name == "first_name":
            persons.clean_name(value, "first name")
        elif name == "last_name":
            persons.clean_name(value, "last name")
        elif name == "birth_date":
            persons.parse_birth_date(value)
        elif name == "mobile" and value.strip():
            normalize_mobile(value)
        elif name == "email" and value.strip():
            normalize_email(value)
    except Refused as error:
        return refusal_text(error)
    return None


def prefill_from_search(text: str) -> persons.PersonInput:
    """A new person's form starts with what was searched: a name, a birth date or a mobile."""
    raw = (text or "").strip()
    data = persons.PersonInput()
    if not raw:
        return data
    if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", raw):
        data.birth_date = raw
    elif re.fullmatch(r"[\d +()/.-]{3,}", raw):
        data.mobile = raw
    else:
        words = [w[:1].upper() + w[1:] for w in raw.split()]
        data.last_name = words[0]
        data.first_name = " ".join(words[1:])
    return data


class PersonFormScreen(ShellScreen[int | None]):
    """The master data and consents of one person (new when ``person_id`` is None)."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save")),
        Binding("escape", "app.back", N_("Cancel"), key_display="Esc"),
    ]

    def __init__(self, person_id: int | None, prefill: persons.PersonInput | None = None) -> None:
        super().__init__()
        self.person_id = person_id
        self.person = Person.get_by_id(person_id) if person_id is not None else None
        self.CRUMB = N_("Edit person") if person_id is not None else N_("New person")
        self.prefill = prefill or persons.PersonInput()
        self.initial: dict | None = None

    # -- building ---------------------------------------------------------------

    def _start_values(self) -> dict:
        p = self.person
        if p is None:
            data = self.prefill
            mandant = getattr(self.app, "current_mandant", None)
            return {
                "salutation": data.salutation,
                "first_name": data.first_name,
                "last_name": data.last_name,
                "birth_date": data.birth_date or "",
                "mobile": data.mobile or "",
                "email": data.email or "",
                "language": data.language or "de",
                "mandant": mandant.code if mandant else "",
                "preferred_channel": "",
                "deceased": False,
                "inactive": False,
                "consent_reminder": True,
                "consent_recall": True,
                "consent_birthday": False,
            }
        values = {
            "salutation": p.salutation,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "birth_date": format_date(p.birth_date),
            "mobile": format_phone(p.mobile),
            "email": p.email or "",
            "language": p.language,
            "mandant": p.mandant.code if p.mandant else "",
            "preferred_channel": p.preferred_channel or "",
            "deceased": p.deceased,
            "inactive": p.inactive,
        }
        values.update({f"consent_{purpose}": getattr(p, f"consent_{purpose}") for purpose in CONSENT_PURPOSES})
        return values

    def _field(self, name: str, value) -> Widget:
        if name in TEXT_FIELDS:
            placeholder = {"birth_date": _("dd.mm.yyyy"), "mobile": "079 123 45 67"}.get(name, "")
            return Input(clean(value), placeholder=placeholder, id=f"f-{name}", compact=True)
        if name in ("deceased", "inactive"):
            return Checkbox(_("yes") if value else _("no"), value=bool(value), id=f"f-{name}", compact=True)
        options, blank = {
            "salutation": ([(_("Mr"), "Herr"), (_("Ms"), "Frau")], "–"),
            "language": ([(_(LANGUAGE_NAMES[code]), code) for code in LANGUAGES], None),
            "mandant": ([(plain(f"{m.code}  {m.name}"), m.code) for m in mandanten.list_mandanten()], _("none")),
            "preferred_channel": ([(_(CHANNEL_NAMES[c]), c) for c in ("sms", "email")], _("automatic")),
        }[name]
        select = Select(
            options,
            prompt=blank or "",
            allow_blank=blank is not None,
            id=f"f-{name}",
            value=value if value else Select.NULL,
            compact=True,
        )
        return select

    def compose_body(self) -> ComposeResult:
        values = self._start_values()
        with VerticalScroll(id="person-form"):
            with Grid(classes="form-grid"):
                for name, title in FIELD_TITLES.items():
                    yield Label(_(title), classes="form-label")
                    yield self._field(name, values[name])
                    yield Static("", id=f"e-{name}", classes="field-error", markup=False)
            yield Static(_("Consents"), classes="form-heading", markup=False)
            with Grid(classes="form-grid"):
                for purpose in CONSENT_PURPOSES:
                    yield Label(_(CONSENT_TITLES[purpose]), classes="form-label")
                    given = bool(values[f"consent_{purpose}"])
                    yield Checkbox(consent_label(given), value=given, id=f"c-{purpose}", compact=True)
                    yield Static(self._consent_note(purpose), classes="consent-note", markup=False)
            yield Static("", id="form-error", markup=False)

    def _consent_note(self, purpose: str) -> Text:
        if self.person is None:
            return Text(_("recorded on saving, source tui"), style="dim")
        stamp = getattr(self.person, f"consent_{purpose}_at")
        source = clean(getattr(self.person, f"consent_{purpose}_source") or "–")
        return Text(_("since {when} · {source}").format(when=format_datetime(stamp) or "–", source=source), style="dim")

    def on_mount(self) -> None:
        self.initial = self.values()
        self.app.holds_unsaved_work(self)
        self.query_one("#f-first_name" if self.person is None else "#f-mobile", Input).focus()

    # -- reading and checking ---------------------------------------------------

    def values(self) -> dict:
        result = {}
        for name in FIELD_TITLES:
            widget = self.query_one(f"#f-{name}")
            if isinstance(widget, Select):
                result[name] = "" if widget.is_blank() else widget.value
            else:
                result[name] = widget.value
        for purpose in CONSENT_PURPOSES:
            result[f"consent_{purpose}"] = self.query_one(f"#c-{purpose}", Checkbox).value
        return result

    def as_input(self, values: dict) -> persons.PersonInput:
        return persons.PersonInput(
            first_name=values["first_name"],
            last_name=values["last_name"],
            salutation=values["salutation"],
            birth_date=values["birth_date"],
            mobile=values["mobile"],
            email=values["email"],
            language=values["language"] or "de",
            mandant=values["mandant"] or None,
            preferred_channel=values["preferred_channel"] or None,
            deceased=values["deceased"],
            inactive=values["inactive"],
        )

    def show_error(self, name: str, message: str | None) -> None:
        label = self.query_one(f"#e-{name}", Static)
        label.update(message or "")
        self.query_one(f"#f-{name}").set_class(bool(message), "-invalid-field")

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        # the state in words, not only in colour
        box = event.checkbox
        box.label = (
            consent_label(box.value) if (box.id or "").startswith("c-") else (_("yes") if box.value else _("no"))
        )

    def on_input_blurred(self, event: Input.Blurred) -> None:
        name = (event.input.id or "").removeprefix("f-")
        if name in TEXT_FIELDS:
            self.show_error(name, check_field(name, event.value))

    @property
    def dirty(self) -> bool:
        return self.initial is not None and self.values() != self.initial

    # -- saving and leaving -----------------------------------------------------

    def action_save(self) -> None:
        values = self.values()
        problems = {name: check_field(name, values[name]) for name in TEXT_FIELDS}
        for name, problem in problems.items():
            self.show_error(name, problem)
        first_bad = next((name for name, problem in problems.items() if problem), None)
        if first_bad:
            self.query_one("#form-error", Static).update(_("Please correct the marked fields."))
            self.query_one(f"#f-{first_bad}").focus()
            return
        try:
            person_id = self._store(values)
        except Refused as error:
            name = field_of(error)
            if name:
                self.show_error(name, refusal_text(error))
                self.query_one(f"#f-{name}").focus()
            self.query_one("#form-error", Static).update(refusal_text(error))
            return
        except peewee.PeeweeException as error:  # e.g. the database stayed busy
            self.query_one("#form-error", Static).update(_("Not saved: {reason}").format(reason=clean(str(error))))
            return
        self.dismiss(person_id)

    def _store(self, values: dict) -> int:
        data = self.as_input(values)
        user = self.app.user
        wanted = {purpose: bool(values[f"consent_{purpose}"]) for purpose in CONSENT_PURPOSES}
        if self.person is None:
            return persons.add_person(data, consents=wanted, user=user, source="tui").id
        with write_transaction():
            person = persons.update_person(Person.get_by_id(self.person.id), data, user=user)
            for purpose, given in wanted.items():
                if given != bool(getattr(person, f"consent_{purpose}")):
                    persons.set_consent(person, purpose, given, user=user, source="tui")
        return person.id

    def unsaved_work(self) -> str | None:
        return _("Changes to a person not yet saved") if self.dirty else None

    def back_out(self) -> bool:
        if not self.dirty:
            return False

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(Confirm(_("Discard the changes to this person?"), default=False), answered)
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter moves to the next field; only Ctrl+S saves (shown in the footer), so that
        # text typed into the wrong place is never stored by the Enter that ends it
        event.stop()
        self.focus_next()
