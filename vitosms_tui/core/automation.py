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
  the old date); a reminder made by hand since the appointment took its
  current time (``remind``, a regenerated one) counts as its reminder. A
  cancelled appointment gets none.
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

import json
import logging
import operator
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from functools import reduce

from . import clock, outbox, persons, reminders
# keys and the journal of skipped messages are part of this module's API
from .auto_journal import (automation_warnings, birthday_key, existing_keys,  # noqa: F401
                           record_skip, reminder_key, skipped_key, skipped_messages, still_unpaid)
from .db import write_transaction
from .errors import Refused
from .models import Appointment, AuditEntry, Mandant, Message, Person
from .quiet_hours import latest_allowed_before, next_allowed_at_or_after

log = logging.getLogger("vitosms.automation")

USER = "automation"
# Messages are queued this long before their planned moment: a tick (every
# minute) always finds them in time, and they wait in the outbox until then.
LOOKAHEAD = timedelta(hours=6)
# candidates queued per write transaction (the desk waits at most for one chunk)
CHUNK = 20


@dataclass
class TickReport:
    """What one tick did: messages queued, skipped (journal entries written), recalls booked."""

    reminders: int = 0
    birthdays: int = 0
    skipped: int = 0
    recalls_booked: int = 0
    messages: list[int] = field(default_factory=list)   # ids of the messages queued
    excluded: Counter = field(default_factory=Counter)  # reason code -> count (not in the JSON)

    def as_dict(self) -> dict:
        data = asdict(self)
        return {key: data[key] for key in ("reminders", "birthdays", "skipped", "recalls_booked")}


@dataclass
class _Candidate:
    mandant: Mandant
    draft: outbox.Draft
    send_at: datetime
    kind: str  # reminder | birthday


def _channels(mandant: Mandant) -> tuple[str, ...]:
    return tuple(c for c in (mandant.channel_order or "sms,email").split(",") if c)


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

def _last_move(appointment_id: int) -> tuple[datetime, set[int]] | None:
    """When the appointment last got its current start, and the messages that move
    regenerated (None: never moved). Read from the audit trail of the agenda."""
    entries = (AuditEntry.select(AuditEntry.at, AuditEntry.detail)
               .where((AuditEntry.action == "appointment_move")
                      & AuditEntry.detail.contains(f'"appointment": {appointment_id}'))
               .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    for entry in entries:
        try:
            detail = json.loads(entry.detail)
        except ValueError:
            continue
        if detail.get("appointment") == appointment_id:
            return entry.at, set(detail.get("created") or ())
    return None


def _has_reminder_by_hand(appointments: list[Appointment]) -> set[int]:
    """Appointments with a reminder not made by automation since they took their current start
    (``remind``, or regenerated by the move itself)."""
    if not appointments:
        return set()
    made: dict[int, list[tuple[int, datetime]]] = {}
    for row in (Message.select(Message.id, Message.appointment, Message.created_at, Message.auto_key)
                .where(Message.appointment.in_([a.id for a in appointments])
                       & (Message.purpose == "reminder"))):
        if row.auto_key:  # automatic ones are known by their key (a skipped one is no reminder)
            continue
        made.setdefault(row.appointment_id, []).append((row.id, row.created_at))
    result = set()
    for appointment_id, rows in made.items():
        move = _last_move(appointment_id)
        if move is None or any(at >= move[0] or ident in move[1] for ident, at in rows):
            result.add(appointment_id)
    return result


@dataclass
class _Slot:
    """Just enough of an appointment to plan its reminder (no person loaded)."""

    id: int
    start: datetime
    mandant: Mandant
    status: str = "booked"


def _reminder_candidates(now: datetime, report: TickReport) -> list[_Candidate]:
    due: dict[str, tuple[Mandant, _Slot, reminders.ReminderPlan]] = {}
    for mandant in Mandant.select().where((Mandant.active == True)  # noqa: E712
                                          & (Mandant.auto_reminders == True)):  # noqa: E712
        lead = mandant.lead_hours or reminders.DEFAULT_LEAD_HOURS
        # quiet hours move a reminder earlier by less than a day; an hour more for DST
        horizon = now + timedelta(hours=lead + 25) + LOOKAHEAD
        # planned on (id, start) alone: most are not due yet or have their reminder
        for ident, start in (Appointment.select(Appointment.id, Appointment.start)
                             .where((Appointment.mandant == mandant) & (Appointment.status == "booked")
                                    & (Appointment.start > now) & (Appointment.start < horizon))
                             .order_by(Appointment.start, Appointment.id).tuples()):
            slot = _Slot(ident, start, mandant)
            plan = reminders.plan_reminder(slot, now)
            if not plan.sends:
                report.excluded[plan.reason] += 1
            elif plan.send_at <= now + LOOKAHEAD:
                due[reminder_key(slot)] = (mandant, slot, plan)
    existing = existing_keys(list(due))
    unpaid = still_unpaid([key for key in due if key not in existing])
    report.excluded["no_credits"] += len(unpaid)
    due = {key: value for key, value in due.items() if key not in existing | unpaid}
    loaded = {a.id: a for a in Appointment.select(Appointment, Person).join(Person)
              .where(Appointment.id.in_([slot.id for _, slot, _ in due.values()]))} if due else {}
    by_hand = _has_reminder_by_hand(list(loaded.values()))
    result = []
    for key, (mandant, slot, plan) in due.items():
        appointment = loaded.get(slot.id)
        if appointment is None or appointment.id in by_hand or appointment.start != slot.start:
            continue  # changed since the first look: the next tick sees it as it is
        appointment.mandant = mandant
        why = _person_excluded(appointment.person, "reminder", mandant)
        if why:
            report.excluded[why] += 1
            continue
        try:
            draft = reminders.reminder_draft(appointment, "reminder", auto_key=key)
        except Refused as exc:
            report.excluded[exc.code] += 1
            log.info("no automatic reminder for appointment %s: %s", appointment.id, exc.code)
            continue
        result.append(_Candidate(mandant, draft, plan.send_at, "reminder"))
    return result


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
    mandanten = {m.id: m for m in Mandant.select().where((Mandant.active == True)  # noqa: E712
                                                         & (Mandant.auto_birthday == True))}  # noqa: E712
    found = []
    for mandant in mandanten.values():
        send_at = birthday_send_time(mandant, day, now)
        if send_at is None or send_at > now + LOOKAHEAD:
            continue
        born = reduce(operator.or_, [Person.birth_date.cast("TEXT").endswith(e)
                                     for e in birthday_dates(day)])
        for person in (Person.select().where((Person.mandant == mandant) & born)
                       .order_by(Person.id)):
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
    greeted = _greeted_by_hand([p.id for _, p, _ in found], day)
    result = []
    for (mandant, person, send_at), key in zip(found, keys):
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


def _greeted_by_hand(person_ids: list[int], day: date) -> set[int]:
    """Persons with a birthday message of this year not made by automation (a resend)."""
    if not person_ids:
        return set()
    since = clock.zurich_datetime(date(day.year, 1, 1), 0)
    return {pid for (pid,) in Message.select(Message.person)
            .where(Message.person.in_(person_ids) & (Message.purpose == "birthday")
                   & Message.auto_key.is_null() & (Message.created_at >= since)
                   & Message.status.not_in(("failed", "cancelled"))).tuples()}


def _birthday_draft(person: Person, mandant: Mandant, key: str) -> outbox.Draft:
    from . import templates

    channel = persons.channel_for(person, _channels(mandant))
    recipient = person.mobile if channel == "sms" else person.email
    subject, body = templates.render_message("birthday", channel, person, mandant)
    return outbox.Draft(channel=channel, recipient=recipient, body=body, subject=subject,
                        person=person, purpose="birthday", auto_key=key)


# --- queueing and skipping ------------------------------------------------------------

def _queue_all(candidates: list[_Candidate], user: str, report: TickReport) -> None:
    """Queue the candidates a chunk per write transaction.

    Holding the write lock for a chunk makes the existence check final: a
    parallel worker waits, then finds every key there and does nothing, instead
    of racing message by message. Chunks keep the lock short for the desk.
    """
    for first in range(0, len(candidates), CHUNK):
        chunk = candidates[first:first + CHUNK]
        with write_transaction():
            existing = existing_keys([c.draft.auto_key for c in chunk])
            for candidate in chunk:
                if candidate.draft.auto_key not in existing:
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
    skipped = Message.get_or_none(Message.auto_key == skipped_key(draft.auto_key))
    if skipped is not None:
        outbox.note_event(skipped.id, "resent", f"queued as message {message.id} after all")


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
    _queue_all(candidates, user, report)
    if report.reminders or report.birthdays or report.skipped:
        log.info("automation: %s", report.as_dict())
    return report


