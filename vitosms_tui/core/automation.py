"""The SMS service's automation: reminders and birthday greetings, once each.

:func:`run_tick` is run by every delivery worker about once a minute and by
``vitosms automation run``. Each tick looks at the present only, so a restart
or a second worker changes nothing:

- **Reminders.** For each active Mandant with ``auto_reminders`` on, every
  booked appointment still ahead whose reminder (by :func:`reminders.plan_reminder`:
  lead time, quiet hours, short notice) is due within :data:`LOOKAHEAD`. It is
  queued ahead of time with ``scheduled_at`` = the planned moment, so it never
  goes out in quiet hours. Not for deceased or inactive persons, nor without
  consent to reminders or without a mobile number / address by the Mandant's
  channel order. The key ``reminder:<appointment>:<start UTC>`` is unique in
  the database: a parallel worker's duplicate fails there and counts as
  "already created". A moved appointment has a new key, so it gets a reminder
  for the new time (``agenda.move_appointment`` withdrew the queued one with
  the old date), unless the desk answered "no reminder" (the move's
  ``withdraw``, a reminder withdrawn in the journal: ``no_reminder``); a
  reminder made by hand since the appointment took its current time
  (``remind``, a regenerated one) counts as its reminder. A cancelled
  appointment gets none.
- **Birthday greetings.** For persons whose Mandant has ``auto_birthday`` on,
  who consented, are neither deceased nor inactive, on their birthday
  (Zurich date; 29 February is greeted on 28 February in other years), at the
  Mandant's ``birthday_time`` or, when later or in quiet hours, at the next
  allowed moment of that day (if none is left that day: the last allowed
  moment before the quiet hours; if that has passed, none). Key
  ``birthday:<person>:<year>``. A birthday is greeted on the day only: after
  downtime a missed birthday is not greeted the day after.
- **Catching up.** After downtime, reminders of appointments still ahead are
  planned as usual (the short-notice rule applies); past ones get none.
- **Out of credits.** A message the Mandant cannot pay is not queued. It is
  written to the journal once, as a message in state ``failed`` with 0 credits,
  the error "not enough credits (needs N, has M)", an event ``skipped`` and the
  key ``skipped:<key>``. That key does not block the real one: every tick tries
  again, and once credits were bought the message is queued if still in time
  (the skipped row then gets an event ``resent``). Each message is paid or
  skipped on its own, earliest first: what the balance covers still goes out.
- **Recalls.** :func:`recall.mark_booked_recalls` runs with every tick.
"""

from __future__ import annotations

import logging
import operator
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from functools import reduce

import peewee as pw

from . import clock, mandanten, outbox, persons, reminders

# keys and the journal of skipped messages are part of this module's API
from .auto_journal import (  # noqa: F401
    Unpaid,
    automation_warnings,
    birthday_key,
    existing_keys,
    greeted_by_hand,
    record_skip,
    reminded_by_hand,
    reminder_key,
    skipped_key,
    skipped_messages,
    still_unpaid,
)
from .db import tuples_of, write_transaction
from .drafts import Draft
from .errors import Refused
from .models import Appointment, Mandant, Message, Person
from .quiet_hours import latest_allowed_before, next_allowed_at_or_after, window_of

log = logging.getLogger("vitosms.automation")

USER = "automation"
# Messages are queued this long before their planned moment: a tick (every
# minute) always finds them in time, and they wait in the outbox until then.
LOOKAHEAD = timedelta(hours=6)
# candidates queued per write transaction (the desk waits at most for one chunk)
CHUNK = 20
# a tick stays short (the worker delivers nothing meanwhile): what is due later
# follows at the next tick, e.g. when automation is switched on in a full agenda
MAX_PER_TICK = 500


@dataclass
class TickReport:
    """What one tick did: messages queued, skipped (journal entries written), recalls booked."""

    reminders: int = 0
    birthdays: int = 0
    skipped: int = 0
    recalls_booked: int = 0
    deferred: int = 0  # left for the next tick (not in the JSON)
    messages: list[int] = field(default_factory=list)  # ids of the messages queued
    excluded: Counter[str] = field(default_factory=Counter)  # reason code -> count (not in the JSON)

    def as_dict(self) -> dict[str, int]:
        data = asdict(self)
        return {key: data[key] for key in ("reminders", "birthdays", "skipped", "recalls_booked")}


@dataclass
class _Candidate:
    mandant: Mandant
    draft: Draft
    send_at: datetime
    kind: str  # reminder | birthday

    @property
    def key(self) -> str:
        """The automation key of its draft (every candidate's draft has one)."""
        assert self.draft.auto_key is not None
        return self.draft.auto_key


def _channels(mandant: Mandant) -> tuple[str, ...]:
    return mandanten.channel_order(mandant)


def _person_excluded(person: Person, purpose: str, mandant: Mandant) -> str | None:
    """Why ``person`` gets no automatic ``purpose`` message (None: it may)."""
    if person.deceased:
        return "deceased"
    if person.inactive:
        return "inactive"
    if not person.consents(purpose):
        return "no_consent"
    if persons.channel_for(person, _channels(mandant)) is None:
        return "no_address"
    return None


# --- reminders -------------------------------------------------------------------


@dataclass
class _Slot:
    """Just enough of an appointment to plan its reminder (nothing else loaded)."""

    id: int
    start: datetime
    mandant: Mandant
    status: str = "booked"


def _quiet_length(mandant: Mandant) -> timedelta:
    start, end = window_of(mandant)
    minutes = (end.hour * 60 + end.minute - start.hour * 60 - start.minute) % (24 * 60)
    return timedelta(minutes=minutes)


def _known_reminders(mandant: Mandant, window: pw.Expression) -> dict[int, list[Message]]:
    """Automatic reminders and skipped entries of the appointments in ``window``, per appointment."""
    in_window = Appointment.select(Appointment.id).where(
        (Appointment.mandant == mandant) & (Appointment.status == "booked") & window
    )
    known: dict[int, list[Message]] = {}
    for row in Message.select(
        Message.appointment, Message.mandant, Message.auto_key, Message.channel, Message.segments, Message.error
    ).where(Message.appointment.in_(in_window) & Message.auto_key.is_null(False) & (Message.purpose == "reminder")):
        if row.appointment_id is not None:  # always: the query reads messages of appointments
            known.setdefault(row.appointment_id, []).append(row)
    return known


_PERSON = (
    Person.deceased,
    Person.inactive,
    Person.consent_reminder,
    Person.mobile,
    Person.email,
    Person.preferred_channel,
    Person.consent_sms,
)


def _reminder_candidates(now: datetime, report: TickReport) -> list[_Candidate]:
    """Appointments whose reminder is due within the look-ahead and not yet made.

    Read as plain rows first (id, start, the person's flags): in a busy agenda
    almost all of them have their reminder or are not due yet, and only the
    few to be made are loaded, checked once more and rendered.
    """
    unpaid = Unpaid()
    due: dict[str, tuple[Mandant, _Slot, datetime]] = {}  # key -> Mandant, appointment, when to send
    for mandant in Mandant.select().where(
        (Mandant.active == True)  # noqa: E712
        & (Mandant.auto_reminders == True)
    ):  # noqa: E712
        lead = mandant.lead_hours or reminders.DEFAULT_LEAD_HOURS
        # quiet hours move a reminder earlier by at most their length; an hour more for DST
        horizon = now + timedelta(hours=lead + 1) + _quiet_length(mandant) + LOOKAHEAD
        window = (Appointment.start > now) & (Appointment.start < horizon)
        known = _known_reminders(mandant, window)
        order = _channels(mandant)
        rows = tuples_of(
            Appointment.select(Appointment.id, Appointment.start, *_PERSON)
            .join(Person)
            .where(
                (Appointment.mandant == mandant)
                & (Appointment.status == "booked")
                & window
                # the desk said "no reminder" (core.desk_answers): never against its answer
                & (Appointment.no_reminder == False)
            )  # noqa: E712
            .order_by(Appointment.start, Appointment.id)
        )
        for ident, start, deceased, inactive, consent, mobile, email, preferred, sms_ok in rows:
            mobile = mobile if sms_ok is not False else None  # answered STOP: no SMS
            slot = _Slot(ident, start, mandant)
            key = reminder_key(slot)
            made = {row.auto_key: row for row in known.get(ident, ())}
            if key in made:
                continue
            skipped = made.get(skipped_key(key))
            why = (
                "deceased"
                if deceased
                else "inactive"
                if inactive
                else "no_consent"
                if not consent
                else "no_address"
                if not _reachable(mobile, email, preferred, order)
                else "no_credits"
                if skipped is not None and unpaid(skipped)
                else None
            )
            if why:
                report.excluded[why] += 1
                continue
            plan = reminders.plan_reminder(slot, now)
            if not plan.sends:
                report.excluded[plan.reason] += 1
            elif plan.send_at is not None and plan.send_at <= now + LOOKAHEAD:  # sends: it has its time
                due[key] = (mandant, slot, plan.send_at)
    if not due:
        return []
    loaded = {
        a.id: a
        for a in Appointment.select(Appointment, Person)
        .join(Person)
        .where(Appointment.id.in_([slot.id for _, slot, _ in due.values()]))
    }
    by_hand = reminded_by_hand(list(loaded.values()))
    result = []
    for key, (mandant, slot, send_at) in due.items():
        appointment = loaded.get(slot.id)
        if (
            appointment is None
            or appointment.id in by_hand
            or appointment.start != slot.start
            or appointment.no_reminder
        ):
            continue  # changed since the first look: the next tick sees it as it is
        appointment.mandant = mandant
        if _person_excluded(appointment.person, "reminder", mandant):
            continue
        try:
            draft = reminders.reminder_draft(appointment, "reminder", auto_key=key)
        except Refused as exc:
            report.excluded[exc.code] += 1
            log.info("no automatic reminder for appointment %s: %s", appointment.id, exc.code)
            continue
        result.append(_Candidate(mandant, draft, send_at, "reminder"))
    return result


def _reachable(mobile: str | None, email: str | None, preferred: str | None, order: tuple[str, ...]) -> bool:
    usable: dict[str | None, bool] = {"sms": bool(mobile), "email": bool(email)}
    return bool(usable.get(preferred)) or any(usable.get(c) for c in order)


# --- birthdays ---------------------------------------------------------------------


def birthday_dates(day: date) -> list[str]:
    """The ``-MM-DD`` endings of birth dates greeted on ``day`` (29.2. on 28.2. in other years)."""
    endings = [f"-{day:%m-%d}"]
    if (day.month, day.day) == (2, 28) and not _leap(day.year):
        endings.append("-02-29")
    return endings


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def birthday_send_time(mandant: Mandant, day: date, now: datetime) -> datetime | None:
    """When a greeting for ``day`` goes out: the birthday time, or the next allowed moment
    that day; None when no allowed moment of that day is left."""
    try:
        hours, minutes = (int(x) for x in (mandant.birthday_time or "09:00").split(":"))
    except ValueError:
        hours, minutes = 9, 0
    target = max(clock.zurich_datetime(day, hours, minutes), now)
    at = next_allowed_at_or_after(target, mandant)
    if clock.local(at).date() == day:
        return at
    # the quiet hours last beyond the day: the last allowed moment before them
    before = latest_allowed_before(target, mandant)
    if before >= now and clock.local(before).date() == day:
        return before
    return None


def _birthday_candidates(now: datetime, report: TickReport) -> list[_Candidate]:
    day = clock.local(now).date()
    mandanten = {
        m.id: m
        for m in Mandant.select().where(
            (Mandant.active == True)  # noqa: E712
            & (Mandant.auto_birthday == True)
        )
    }  # noqa: E712
    found = []
    for mandant in mandanten.values():
        send_at = birthday_send_time(mandant, day, now)
        if send_at is None or send_at > now + LOOKAHEAD:
            continue
        born = reduce(operator.or_, [Person.birth_date.cast("TEXT").endswith(e) for e in birthday_dates(day)])
        for person in Person.select().where((Person.mandant == mandant) & born).order_by(Person.id):
            why = _person_excluded(person, "birthday", mandant)
            if why:
                report.excluded[why] += 1
                continue
            found.append((mandant, person, send_at))
    keys = [birthday_key(p, day.year) for _, p, _ in found]
    existing = existing_keys(keys)
    unpaid = still_unpaid([key for key in keys if key not in existing])
    report.excluded["no_credits"] += len(unpaid)
    existing |= unpaid
    greeted = greeted_by_hand([p.id for _, p, _ in found], day)
    result = []
    for (mandant, person, send_at), key in zip(found, keys, strict=True):
        if key in existing or person.id in greeted:
            continue
        try:
            draft = _birthday_draft(person, mandant, key)
        except Refused as exc:
            report.excluded[exc.code] += 1
            log.info("no birthday greeting for person %s: %s", person.id, exc.code)
            continue
        result.append(_Candidate(mandant, draft, send_at, "birthday"))
    return result


def _birthday_draft(person: Person, mandant: Mandant, key: str) -> Draft:
    from . import templates

    channel = persons.channel_for(person, _channels(mandant))
    recipient = person.mobile if channel == "sms" else person.email
    # the person passed _person_excluded(): reachable on a channel, with its address
    assert channel is not None and recipient is not None
    subject, body = templates.render_message("birthday", channel, person, mandant)
    return Draft(
        channel=channel,
        recipient=recipient,
        body=body,
        subject=subject,
        person=person,
        purpose="birthday",
        auto_key=key,
    )


# --- queueing and skipping ------------------------------------------------------------


def _queue_all(candidates: list[_Candidate], user: str, report: TickReport) -> None:
    """Queue the candidates a chunk per write transaction.

    Holding the write lock for a chunk makes the existence check final: a
    parallel worker waits, then finds every key there and does nothing, instead
    of racing message by message. Chunks keep the lock short for the desk.
    """
    for first in range(0, len(candidates), CHUNK):
        chunk = candidates[first : first + CHUNK]
        with write_transaction():
            existing = existing_keys([c.key for c in chunk])
            for candidate in chunk:
                if candidate.key not in existing:
                    _queue(candidate, user, report)


def _queue(candidate: _Candidate, user: str, report: TickReport) -> None:
    draft = candidate.draft
    try:
        # "at once" is the tick's own instant: a replayed tick schedules alike
        [message] = outbox.enqueue(candidate.mandant, [draft], user, scheduled_at=candidate.send_at)
    except Refused as exc:
        if exc.code == "duplicate":
            return  # another worker created it a moment ago
        if record_skip(candidate.mandant, draft, candidate.send_at, exc, user):
            report.skipped += 1
        return
    setattr(report, candidate.kind + "s", getattr(report, candidate.kind + "s") + 1)
    report.messages.append(message.id)
    skipped = Message.get_or_none(Message.auto_key == skipped_key(candidate.key))
    if skipped is not None:
        outbox.note_event(
            skipped.id, "resent", f"queued as message {message.id} after all", {"queued_as_id": message.id}
        )


# --- the tick ---------------------------------------------------------------------------


def run_tick(now: datetime | None = None, user: str = USER) -> TickReport:
    """Create the due automatic reminders and birthday greetings; mark booked recalls.

    Idempotent: running it again, in parallel or after a restart, creates
    nothing twice (the database keeps the keys unique).
    """
    from . import recall

    now = clock.to_utc(now or clock.now())
    report = TickReport()
    report.recalls_booked = recall.mark_booked_recalls(now, user)
    candidates = _reminder_candidates(now, report) + _birthday_candidates(now, report)
    # earliest first: when credits run short, the soonest messages are paid
    candidates.sort(key=lambda c: c.send_at)
    report.deferred = max(0, len(candidates) - MAX_PER_TICK)
    _queue_all(candidates[:MAX_PER_TICK], user, report)
    if report.reminders or report.birthdays or report.skipped:
        log.info("automation: %s", report.as_dict())
    return report
