"""Appointments as another agenda describes them: read from iCalendar or CSV.

This module only reads; :mod:`core.appointment_sync` decides what changes.
Each appointment read is an :class:`ExternalAppointment` with its external id
(the iCalendar ``UID``, with the occurrence's start for a recurring event, or
the CSV column ``ID``) and what identifies the patient. What cannot be read
becomes a rejection naming its line (CSV) or UID (iCalendar); a file that is
not a calendar at all is a :class:`UsageError`, so nothing is imported from it.

Times without a zone are Zurich local time. A local time that does not exist
(the hour skipped when clocks go forward) or exists twice (the hour repeated
in autumn) is rejected rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from . import clock
from .csv_table import decode, read_table
from .errors import Refused, UsageError

if TYPE_CHECKING:
    import icalendar

# how far ahead recurring events are expanded and appointments are taken
HORIZON_DAYS = 366
MAX_MINUTES = 24 * 60
DEFAULT_MINUTES = 15

CSV_COLUMNS = {
    "id": ("id",),
    "date": ("datum",),
    "start": ("zeit", "beginn", "time"),
    "minutes": ("dauer", "duration"),
    "end": ("ende",),
    "mandant": ("mandant",),
    "last_name": ("name", "patient"),
    "first_name": ("vorname",),
    "birth_date": ("geburtsdatum",),
    "mobile": ("natel",),
    "reason": ("grund",),
}
_CSV_ALIASES = {alias: key for key, names in CSV_COLUMNS.items() for alias in (key, *names)}


@dataclass
class PatientKey:
    """What the other agenda says about the patient."""

    first_name: str = ""
    last_name: str = ""
    full_name: str = ""  # "Vorname Nachname" when first and last are not told apart
    birth_date: str = ""
    mobile: str = ""
    email: str = ""


@dataclass
class ExternalAppointment:
    ref: dict[str, object]  # {"line": n} or {"uid": "…"}: where to find it in the source
    external_id: str
    start: datetime  # aware UTC
    minutes: int = DEFAULT_MINUTES
    reason: str = ""
    mandant: str = ""
    patient: PatientKey = field(default_factory=PatientKey)
    cancelled: bool = False


@dataclass
class Feed:
    """Everything one import read: appointments, rejections, and what was left aside."""

    appointments: list[ExternalAppointment] = field(default_factory=list)
    rejected: list[dict[str, object]] = field(default_factory=list)  # ref and "reason"
    seen_ids: set[str] = field(default_factory=set)  # also of rejected ones: never cancel those
    unreadable: set[str] = field(default_factory=set)  # UIDs with an event that could not be read:
    # none of their occurrences is taken for vanished either
    skipped: int = 0  # all-day events, past or beyond the horizon
    since: datetime = field(kw_only=True)
    until: datetime = field(kw_only=True)


def window() -> tuple[datetime, datetime]:
    """From now to the horizon: what an import reads and may cancel."""
    now = clock.now()
    return now, now + timedelta(days=HORIZON_DAYS)


def zurich_instant(naive: datetime) -> datetime:
    """A Zurich wall-clock time as UTC; refuses the skipped and the repeated hour."""
    first = naive.replace(tzinfo=clock.ZURICH, fold=0)
    second = naive.replace(tzinfo=clock.ZURICH, fold=1)
    if first.utcoffset() != second.utcoffset():
        stamp = naive.strftime("%d.%m.%Y %H:%M")
        if first.astimezone(UTC).astimezone(clock.ZURICH).replace(tzinfo=None) != naive:
            raise Refused("dst_gap.zurich", stamp=stamp)
        raise Refused("dst_fold", stamp=stamp)
    return first.astimezone(UTC)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        return zurich_instant(value)
    # a zone's wall-clock time may fall in its gap as well (Outlook's "W. Europe Standard
    # Time" too): such a time does not survive the way to UTC and back
    naive = value.replace(tzinfo=None)
    there = value.astimezone(UTC).astimezone(value.tzinfo).replace(tzinfo=None)
    if there != naive:
        zone = getattr(value.tzinfo, "key", None) or value.tzname() or "its time zone"
        raise Refused("dst_gap.zone", stamp=f"{naive:%d.%m.%Y %H:%M}", zone=zone)
    return value.astimezone(UTC)


def _minutes(start: datetime, end: datetime | None, duration: timedelta | None) -> int:
    if end is not None:
        duration = end - start
    minutes = int(duration.total_seconds() // 60) if duration is not None else 0
    if minutes < 0:
        raise Refused("invalid_duration.ends_before")
    if minutes > MAX_MINUTES:
        raise Refused("invalid_duration.too_long", limit=MAX_MINUTES)
    return minutes or DEFAULT_MINUTES  # an event without an end: the agenda's usual slot


# --- iCalendar ---------------------------------------------------------------


def _attendee_key(event: icalendar.Component, description: str) -> PatientKey:
    key = PatientKey()
    attendees = event.get("ATTENDEE") or []
    if not isinstance(attendees, list):
        attendees = [attendees]
    for attendee in attendees:
        uri = str(attendee).strip()
        name = str(attendee.params.get("CN", "")).strip()
        if uri.lower().startswith("tel:"):
            key.mobile = key.mobile or uri[4:].strip()
        elif uri.lower().startswith("mailto:"):
            key.email = key.email or uri[7:].strip()
        if name and not (key.first_name or key.full_name):
            if "," in name:
                key.last_name, key.first_name = (part.strip() for part in name.split(",", 1))
            else:
                key.full_name = name
    for line in description.splitlines():
        label, _, value = line.partition(":")
        if label.strip().casefold() == "geburtsdatum" and value.strip():
            key.birth_date = value.strip()
    return key


def _recurring_uids(calendar: icalendar.Calendar) -> set[str]:
    return {
        str(e.get("UID")) for e in calendar.walk("VEVENT") if e.get("RRULE") or e.get("RDATE") or e.get("RECURRENCE-ID")
    }


def _occurrence(
    event: icalendar.Component, recurring: set[str], since: datetime, until: datetime
) -> ExternalAppointment | None:
    """The appointment of one (expanded) event; None when it is no appointment to take."""
    uid = str(event.get("UID", "")).strip()
    if not uid:
        raise Refused("no_uid")
    start_value = event.decoded("DTSTART")
    if not isinstance(start_value, datetime):
        return None  # all-day: holidays and absences, not patients
    start = _aware(start_value)
    external_id = uid
    if uid in recurring:
        # each occurrence keeps its own id: moving one of them moves only that one
        original = event.get("RECURRENCE-ID")
        at = _aware(original.dt) if original is not None else start
        external_id = f"{uid}@{at:%Y%m%dT%H%M%SZ}"
    end = event.decoded("DTEND") if event.get("DTEND") is not None else None
    duration = event.decoded("DURATION") if event.get("DURATION") is not None else None
    if isinstance(end, datetime):
        end = _aware(end)
    # the start tells the occurrences of a recurring event apart in the report
    item = ExternalAppointment(
        {"uid": uid, "start": clock.iso(start)},
        external_id,
        start,
        _minutes(start, end, duration),
        " ".join(str(event.get("SUMMARY", "")).split())[:200],
        patient=_attendee_key(event, str(event.get("DESCRIPTION", ""))),
        cancelled=str(event.get("STATUS", "")).upper() == "CANCELLED",
    )
    if not since <= start < until:
        return None
    return item


def _gist(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"the event has no {exc.args[0]}" if exc.args else "a property is missing"
    return " ".join(str(exc).split())[:160]


def _series(calendar: icalendar.Calendar) -> dict[str, icalendar.Calendar]:
    """The events by UID: a recurring event and its changed occurrences belong together."""
    import icalendar

    zones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
    series: dict[str, icalendar.Calendar] = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID", "")).strip()
        if uid not in series:
            part = icalendar.Calendar()
            for zone in zones:
                part.add_component(zone)
            series[uid] = part
        series[uid].add_component(event)
    return series


def _read_calendar(text: str) -> icalendar.Calendar:
    import icalendar

    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        raise UsageError("usage.file_icalendar", reason=_gist(exc)) from None
    if calendar.name != "VCALENDAR":
        raise UsageError("usage.file_icalendar_holds")
    return calendar


def parse_ics(raw: bytes | list[bytes], mandant: str) -> Feed:
    """Read one .ics file (or the calendar objects of a CalDAV collection) for ``mandant``.

    Each series (the events of one UID) is expanded on its own, so that one
    broken event is rejected with its UID and the others are still read.
    """
    import recurring_ical_events

    since, until = window()
    feed = Feed(since=since, until=until)
    chunks = raw if isinstance(raw, list) else [raw]
    calendars = [_read_calendar(decode(chunk, "iCalendar file")) for chunk in chunks]
    for calendar in calendars:
        recurring = _recurring_uids(calendar)
        for uid, part in _series(calendar).items():
            feed.seen_ids.add(uid)
            try:
                # a day of margin on both sides: the window itself is checked per occurrence
                events = recurring_ical_events.of(part).between(since - timedelta(days=1), until + timedelta(days=1))
            except Exception as exc:  # the library raises many kinds for broken rules and dates
                feed.rejected.append({"uid": uid, "reason": f"unreadable event: {_gist(exc)}"})
                feed.unreadable.add(uid)
                continue
            if not events and uid not in recurring:
                feed.skipped += 1  # a single event outside the window
            for event in events:
                _take_occurrence(feed, event, recurring, mandant)
    return feed


def _take_occurrence(feed: Feed, event: icalendar.Component, recurring: set[str], mandant: str) -> None:
    uid = str(event.get("UID", "")).strip()
    try:
        item = _occurrence(event, recurring, feed.since, feed.until)
    except Refused as exc:
        feed.rejected.append({"uid": uid, "reason": exc.message})
        feed.unreadable.add(uid)
        return
    except (ValueError, TypeError, KeyError) as exc:
        feed.rejected.append({"uid": uid, "reason": f"unreadable event: {_gist(exc)}"})
        feed.unreadable.add(uid)
        return
    if item is None:
        feed.skipped += 1
        return
    item.mandant = mandant
    feed.seen_ids.add(item.external_id)
    feed.appointments.append(item)


# --- CSV ---------------------------------------------------------------------


def _csv_date(text: str) -> date:
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise Refused("invalid_date.import", text=text)


def _csv_time(text: str, what: str) -> tuple[int, int]:
    try:
        parsed = datetime.strptime(text.replace(".", ":"), "%H:%M")
    except ValueError:
        raise Refused("invalid_time.import", what=what, text=text) from None
    return parsed.hour, parsed.minute


def _csv_row(values: dict[str, str], line: int, mandant: str) -> ExternalAppointment:
    if not values.get("id"):
        raise Refused("no_id")
    day = _csv_date(values.get("date", ""))
    hour, minute = _csv_time(values.get("start", ""), "time")
    start = zurich_instant(datetime(day.year, day.month, day.day, hour, minute))
    end = None
    if values.get("minutes"):
        if not values["minutes"].isdigit():
            raise Refused("invalid_duration.not_a_number", minutes=values["minutes"])
        duration = timedelta(minutes=int(values["minutes"]))
    elif values.get("end"):
        end_hour, end_minute = _csv_time(values["end"], "end")
        end = zurich_instant(datetime(day.year, day.month, day.day, end_hour, end_minute))
        duration = None
    else:
        duration = None
    first, last = values.get("first_name", ""), values.get("last_name", "")
    patient = PatientKey(
        first_name=first,
        last_name=last if first else "",
        full_name="" if first else last,
        birth_date=values.get("birth_date", ""),
        mobile=values.get("mobile", ""),
    )
    if not (patient.last_name or patient.full_name or patient.mobile):
        raise Refused("no_patient.row")
    return ExternalAppointment(
        {"line": line},
        values["id"],
        start,
        _minutes(start, end, duration),
        " ".join(values.get("reason", "").split())[:200],
        values.get("mandant") or mandant,
        patient,
    )


def parse_csv(raw: bytes, mandant: str = "") -> Feed:
    """Read a CSV export of appointments; a row without Mandant gets ``mandant``."""
    table = read_table(raw, _CSV_ALIASES)
    missing = [key for key in ("id", "date", "start") if key not in table.columns]
    if missing:
        columns = ", ".join(f"{key} ({CSV_COLUMNS[key][0].title()})" for key in missing)
        raise UsageError("usage.csv_header_lacks", columns=columns)
    if not {"last_name", "mobile"} & table.columns:
        raise UsageError("usage.csv_header_names")
    if not mandant and "mandant" not in table.columns:
        raise UsageError("usage.csv_file_mandant")
    since, until = window()
    feed = Feed(since=since, until=until)
    for row in table.rows:
        if row.problem:
            feed.rejected.append({"line": row.line, "reason": row.problem})
            continue
        if row.values.get("id"):
            feed.seen_ids.add(row.values["id"])
        try:
            item = _csv_row(row.values, row.line, mandant)
        except Refused as exc:
            feed.rejected.append({"line": row.line, "reason": exc.message})
            continue
        if not item.mandant:
            feed.rejected.append({"line": row.line, "reason": "no Mandant: the column is empty"})
        elif since <= item.start < until:
            feed.appointments.append(item)
        else:
            feed.skipped += 1
    return feed
