"""The agenda's data: what a day or a week holds, loaded in one query, filed by slot.

:func:`fetch_columns` runs in a worker thread and returns plain values
(:class:`AgendaColumn` with :class:`AgendaItem` rows); :class:`GridLayout`
files each appointment under the slot it starts in, once, so that drawing a
line and moving the cursor never touch the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from babel.dates import format_date as babel_date

from ...core import agenda_view, clock, mandanten
from ...core.agenda_view import AgendaEntry
from ...core.db import connection
from ...core.models import Mandant
from ..i18n import N_, babel_locale
from ..sanitize import clean

# the reminder marker: state of the latest reminder or confirmation
MARKERS = {
    "queued": ("○", "pending"),
    "sending": ("○", "pending"),
    "sent": ("◐", "sent"),
    "delivered": ("●", "delivered"),
    "failed": ("✗", "failed"),
    "expired": ("✗", "failed"),  # its moment passed before it went out: the patient got nothing
}
# the patient's SMS answer speaks louder than the message's state; a "no" must stand out
ANSWER_MARKERS = {"confirmed": ("✔", "confirmed"), "declined": ("✘", "declined")}
ANSWER_NAMES = {
    "confirmed": N_("confirmed by the patient"),
    "declined": N_("declined by the patient: A offers a new date"),
}
IN_FLIGHT = ("queued", "sending", "sent")
MARKER_NAMES = {"pending": N_("pending"), "sent": N_("sent"), "delivered": N_("delivered"), "failed": N_("failed")}
# before the name of an appointment that another agenda (iCalendar, CalDAV, CSV) brought in
IMPORTED_MARK = "⇄"
SOURCE_NAMES = {"ical": N_("from the other agenda (iCalendar)"), "csv": N_("from the other agenda (CSV)")}


@dataclass(frozen=True)
class AgendaItem:
    """What the grid shows of an appointment (plain values, safe between threads)."""

    id: int
    mandant_id: int
    mandant_code: str
    person_id: int
    person_name: str  # "Last First", already cleaned
    short_name: str  # "Last F.", for narrow columns
    reason: str  # internal note, already cleaned; never part of a message
    start: datetime  # Europe/Zurich
    minutes: int
    reminder: str | None  # status of the latest reminder/confirmation (None: none)
    source: str = ""  # "" booked here, else the other agenda it came from
    answer: str | None = None  # the patient's SMS answer (confirmed, declined)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    @property
    def marker(self) -> tuple[str, str] | None:
        return ANSWER_MARKERS.get(self.answer or "") or MARKERS.get(self.reminder or "")


@dataclass
class AgendaColumn:
    """One column: a Mandant on a day, or a day of one Mandant's week."""

    key: str
    title: str
    day: date
    mandant_id: int
    mandant_code: str
    items: list[AgendaItem] = field(default_factory=list)
    today: bool = False
    short_title: str = ""  # for a narrow column ("Mo 30.11"), when the title does not fit


def _minutes_of(value: time) -> int:
    return value.hour * 60 + value.minute


def parse_clock(text: str, fallback: str) -> time:
    """``07:00`` from the settings (a broken value falls back to the default)."""
    for candidate in (text, fallback):
        try:
            hours, minutes = str(candidate).split(":")
            return time(int(hours), int(minutes))
        except (TypeError, ValueError):
            continue
    return time(0, 0)


class GridLayout:
    """Columns filed by slot: which appointments start in a slot, which continue through it."""

    def __init__(self, columns: list[AgendaColumn], day_start: time, day_end: time, slot_minutes: int) -> None:
        self.columns = columns
        self.slot_minutes = max(1, min(int(slot_minutes or 15), 240))
        size = self.slot_minutes
        office_start, office_end = _minutes_of(day_start), _minutes_of(day_end) or 24 * 60
        if office_end <= office_start:
            office_start, office_end = 7 * 60, 19 * 60
        first, last = office_start, office_end
        placed: list[tuple[int, int, int, AgendaItem]] = []
        for index, column in enumerate(columns):
            for item in column.items:
                local = clock.local(item.start)
                begin = (local.date() - column.day).days * 24 * 60 + local.hour * 60 + local.minute
                begin = max(0, min(begin, 24 * 60 - 1))
                end = min(24 * 60, begin + max(1, item.minutes))
                placed.append((index, begin, end, item))
                first, last = min(first, begin), max(last, end)
        self.first_minute = first - first % size
        last_minute = last + (-last) % size
        self.slots = max(1, (last_minute - self.first_minute) // size)
        self.office = (office_start, office_end)
        self.starts: dict[tuple[int, int], list[AgendaItem]] = {}
        self.covered: dict[tuple[int, int], tuple[AgendaItem, bool]] = {}
        self.position: dict[int, tuple[int, int, int]] = {}
        for index, begin, end, item in placed:
            slot = (begin - self.first_minute) // size
            entries = self.starts.setdefault((index, slot), [])
            self.position[item.id] = (index, slot, len(entries))
            entries.append(item)
            last_slot = (end - 1 - self.first_minute) // size
            for following in range(slot + 1, last_slot + 1):
                # the first row after the start shows the reason; later ones only the bar
                self.covered.setdefault((index, following), (item, following == slot + 1))

    def entries(self, column: int, slot: int) -> list[AgendaItem]:
        return self.starts.get((column, slot), [])

    def minute_of(self, slot: int) -> int:
        return self.first_minute + slot * self.slot_minutes

    def slot_of_minute(self, minute: int) -> int:
        return max(0, min(self.slots - 1, (minute - self.first_minute) // self.slot_minutes))

    def slot_start(self, column: int, slot: int) -> datetime:
        """The instant (UTC) where a slot of a column begins."""
        minute = self.minute_of(slot)
        return clock.zurich_datetime(self.columns[column].day, minute // 60, minute % 60)

    def in_office(self, slot: int) -> bool:
        return self.office[0] <= self.minute_of(slot) < self.office[1]

    def item(self, appointment_id: int) -> AgendaItem | None:
        position = self.position.get(appointment_id)
        return self.starts[position[:2]][position[2]] if position else None

    def in_flight(self) -> list[int]:
        """Appointments whose message may still change state (queued, being sent, sent)."""
        return [item.id for entries in self.starts.values() for item in entries if item.reminder in IN_FLIGHT]

    def update_reminders(self, appointment_ids: list[int], states: dict[int, str]) -> bool:
        """New marker states for these appointments; True when one changed."""
        changed = False
        for appointment_id in appointment_ids:
            position = self.position.get(appointment_id)
            if position is None:
                continue
            entries = self.starts[position[:2]]
            item = entries[position[2]]
            state = states.get(appointment_id)
            if item.reminder != state:
                entries[position[2]] = replace(item, reminder=state)
                changed = True
        return changed


@dataclass(frozen=True)
class AgendaRequest:
    """What to load: a day (all Mandanten or one) or one Mandant's week."""

    day: date
    week: bool
    all_mandanten: bool
    mandant_id: int | None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _item(entry: AgendaEntry, code: str) -> AgendaItem:
    return AgendaItem(
        id=entry.id,
        mandant_id=entry.mandant_id,
        mandant_code=code,
        person_id=entry.person_id,
        person_name=clean(f"{entry.last_name} {entry.first_name}"),
        short_name=clean(f"{entry.last_name} {entry.first_name[:1]}."),
        reason=clean(entry.reason),
        start=clock.local(entry.start),
        minutes=entry.minutes,
        reminder=entry.reminder,
        source=entry.source,
        answer=entry.answer,
    )


def fetch_columns(request: AgendaRequest) -> list[AgendaColumn]:
    """The columns of a day or a week, from one query (appointments with their reminder state)."""
    with connection():
        today = clock.today()
        mandant = Mandant.get_or_none(Mandant.id == request.mandant_id) if request.mandant_id else None
        if request.week:
            if mandant is None:
                return []
            first = week_start(request.day)
            columns = [
                AgendaColumn(
                    f"d{day.isoformat()}",
                    babel_date(day, "EEE dd.MM.", locale=babel_locale()),
                    day,
                    mandant.id,
                    clean(mandant.code),
                    today=day == today,
                    short_title=babel_date(day, "EEEEEE dd.MM", locale=babel_locale()),
                )
                for day in (first + timedelta(days=offset) for offset in range(7))
            ]
            since, until = first, first + timedelta(days=7)
            shown = [mandant]
        else:
            shown = (
                mandanten.list_mandanten(active_only=True)
                if request.all_mandanten
                else ([mandant] if mandant is not None else [])
            )
            columns = [
                AgendaColumn(
                    f"m{m.id}",
                    clean(f"{m.code} {m.name}"),
                    request.day,
                    m.id,
                    clean(m.code),
                    today=request.day == today and not request.all_mandanten,
                )
                for m in shown
            ]
            since, until = request.day, request.day + timedelta(days=1)
        if not columns:
            return []
        entries = agenda_view.agenda_entries(shown, clock.zurich_datetime(since, 0), clock.zurich_datetime(until, 0))
        codes = {m.id: clean(m.code) for m in shown}
        by_key = {(column.day if request.week else column.mandant_id): column for column in columns}
        for entry in entries:
            key = clock.local(entry.start).date() if request.week else entry.mandant_id
            column = by_key.get(key)
            if column is not None:
                column.items.append(_item(entry, codes[entry.mandant_id]))
        return columns
