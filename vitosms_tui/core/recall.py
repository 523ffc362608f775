"""Recalls: "your next check-up is due", noted per person and Mandant.

A recall is created from a person or from an appointment with an internal
reason (which may be medical and therefore never goes into a message: the
templates only know ``{due}``), a due date and optionally a repeat every N
months. Its life:

``open`` -> (notice sent) ``notified`` -> (an appointment with that Mandant
was booked after the notice) ``booked`` -> ``done``; or ``cancelled``.

- :func:`due_recalls` lists the recalls of a period with, for each, whether it
  may be notified (``eligible``) and if not why: deceased, inactive, no
  consent to recalls, no mobile number or e-mail address.
- :func:`quote_recalls` / :func:`notify_recalls` cost and send notices by each
  person's channel (or one given channel), all of one Mandant at a time.
- :func:`mark_booked_recalls` (run by every automation tick and before the due
  list) finds notified recalls whose person has since booked an appointment
  with the Mandant. A repeating recall then gets its successor at once: due
  = previous due + N months.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypedDict

import peewee as pw

from . import audit, clock, dates, mandanten, outbox, persons
from .db import tuples_of, write_transaction
from .drafts import Draft, Quote, quote
from .errors import NotFound, Refused, UsageError
from .mandanten import get_mandant
from .models import CHANNELS, Appointment, Mandant, Message, Person, Recall, id_of
from .states import PENDING

OPEN, NOTIFIED, BOOKED, DONE, CANCELLED = "open", "notified", "booked", "done", "cancelled"
NOTIFIABLE = (OPEN, NOTIFIED)
MAX_EVERY_MONTHS = 120
# `recall due` without a period: overdue ones and those of the next 30 days
DEFAULT_DAYS_AHEAD = 30
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass
class RecallRow:
    """A recall as the due list shows it: may it be notified, on which channel, if not why."""

    recall: Recall
    eligible: bool
    excluded: str | None = None  # stable code: deceased, inactive, no_consent, no_address, …
    reason_excluded: str | None = None  # one line for the desk
    channel: str | None = None
    key: str | None = None  # the refusal's key in the catalogue (core.errors), when not eligible


@dataclass
class RecallNotice:
    """What notifying (or previewing) a selection does: drafts, their quote, the messages queued."""

    mandant: Mandant
    recalls: list[Recall]
    drafts: list[Draft]
    quote: Quote
    messages: Sequence[Message] = field(default_factory=list)


# --- dates -------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def parse_due(value: date | str) -> date:
    """A due date as ``YYYY-MM-DD`` (or ``dd.mm.yyyy``)."""
    if isinstance(value, datetime):
        return clock.local(value).date()
    if isinstance(value, date):
        return value
    return dates.parse_date(value, "due date")


def _reason(text: str) -> str:
    value = (text or "").strip()
    if not value:
        raise Refused("invalid_reason.recall_empty")
    if _CONTROL.search(value) or len(value) > 200:
        raise Refused("invalid_reason.recall")
    return value


def _every(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_EVERY_MONTHS:
        raise Refused("invalid_repeat", limit=MAX_EVERY_MONTHS, value=value)
    return value


# --- records -------------------------------------------------------------------


def get_recall(recall_id: int) -> Recall:
    found = Recall.get_or_none(Recall.id == recall_id)
    if found is None:
        raise NotFound("not_found.recall", recall_id=recall_id)
    return found


def add_recall(
    person: Person | int | None = None,
    mandant: Mandant | str | None = None,
    reason: str = "",
    due: date | str | None = None,
    every_months: int | None = None,
    appointment: Appointment | int | None = None,
    user: str = "",
) -> Recall:
    """Note a recall for a person with a Mandant, or from an appointment.

    From an appointment, person and Mandant default to the appointment's and,
    without ``due``, the due date is the appointment's day plus
    ``every_months``. The reason is internal and never part of a message.
    """
    appt = None
    if appointment is not None:
        appt = Appointment.get_or_none(Appointment.id == id_of(appointment))
        if appt is None:
            raise NotFound("not_found.appointment", appointment_id=getattr(appointment, "id", appointment))
    every = _every(every_months)
    reason = _reason(reason)
    if person is not None:
        person_id = id_of(person)
    elif appt is not None:
        person_id = appt.person_id
    else:
        raise UsageError("usage.recall_needs_person")
    person = persons.get_person(person_id)
    if mandant is None:
        if appt is None:
            raise UsageError("usage.recall_needs_mandant")
        mandant = appt.mandant
    elif not isinstance(mandant, Mandant):
        mandant = get_mandant(mandant)
    if appt is not None and appt.person_id != person.id:
        raise Refused("invalid_appointment", appointment_id=appt.id, person_id=person.id)
    if due is None:
        if appt is None or every is None:
            raise UsageError("usage.recall_needs_due")
        due = add_months(clock.local(appt.start).date(), every)
    due = parse_due(due)
    if person.deceased:
        raise Refused("deceased.person", name=person.full_name, person_id=person.id)
    if not mandant.active:
        raise Refused("inactive_mandant", mandant=mandant.code)
    with write_transaction():
        recall = Recall.create(
            person=person,
            mandant=mandant,
            reason=reason,
            due=due,
            every_months=every,
            appointment=appt,
            created_by=user,
        )
        # the reason stays out of the audit too: it may be medical
        audit.record(
            user,
            "recall_add",
            mandant=mandant,
            person=person,
            recall=recall.id,
            due=due.isoformat(),
            every_months=every,
            appointment=appt.id if appt else None,
        )
    return recall


def _set_status(recall: Recall | int, status: str, allowed: tuple[str, ...], user: str) -> Recall:
    recall_id = id_of(recall)
    with write_transaction():
        current = get_recall(recall_id)
        if current.status not in allowed:
            raise Refused("invalid_status", status=current.status, recall_id=current.id)
        Recall.update(status=status).where(Recall.id == current.id).execute()
        if status == DONE:
            _schedule_next(current, user)
        audit.record(user, f"recall_{status}", mandant=current.mandant_id, person=current.person_id, recall=current.id)
    return get_recall(recall_id)


def cancel_recall(recall: Recall | int, user: str) -> Recall:
    """Cancel an open or notified recall (no repeat follows)."""
    return _set_status(recall, CANCELLED, (OPEN, NOTIFIED), user)


def complete_recall(recall: Recall | int, user: str) -> Recall:
    """Mark a recall done (the check-up took place); a repeating one gets its successor."""
    return _set_status(recall, DONE, (OPEN, NOTIFIED, BOOKED), user)


def _schedule_next(recall: Recall, user: str) -> Recall | None:
    """The next recall of a repeating one (once: call inside the write transaction)."""
    if not recall.every_months:
        return None
    existing = Recall.get_or_none(Recall.previous == recall.id)
    if existing is not None:
        return existing
    return Recall.create(
        person=recall.person_id,
        mandant=recall.mandant_id,
        reason=recall.reason,
        due=add_months(recall.due, recall.every_months),
        every_months=recall.every_months,
        previous=recall.id,
        created_by=user,
    )


# --- eligibility and the due list ------------------------------------------------


def eligibility(recall: Recall, channel: str | None = None) -> RecallRow:
    """Whether a notice may go out for ``recall`` (and on which channel), else why not."""
    person, mandant = recall.person, recall.mandant

    def no(code: str, text: str, key: str) -> RecallRow:
        return RecallRow(recall, False, code, text, key=f"{code}.{key}")

    if recall.status not in NOTIFIABLE:
        return no("status", f"the recall is {recall.status}", "recall")
    if not mandant.active:
        return no("inactive_mandant", f"Mandant {mandant.code} is not active", "recall")
    if person.deceased:
        return no("deceased", "the person is deceased", "recall")
    if person.inactive:
        return no("inactive", "the person is inactive", "recall")
    if not person.consent_recall:
        return no("no_consent", "no consent to recall messages", "recall")
    if channel is not None:
        if channel not in CHANNELS:
            raise UsageError("usage.unknown_channel_sms", channel=channel)
        if not (person.mobile if channel == "sms" else person.email):
            return no(
                "no_address", "no mobile number" if channel == "sms" else "no e-mail address", f"recall_{channel}"
            )
        return RecallRow(recall, True, channel=channel)
    found = persons.channel_for(person, mandanten.channel_order(mandant))
    if found is None:
        return no("no_address", "no mobile number or e-mail address", "recall")
    return RecallRow(recall, True, channel=found)


def due_recalls(
    mandant: Mandant | str | None = None,
    since: date | str | None = None,
    until: date | str | None = None,
    statuses: tuple[str, ...] = (OPEN,),
    check_booked: bool = True,
) -> list[RecallRow]:
    """Recalls due in [since, until] (default: up to today + 30 days, overdue included).

    Each comes with ``eligible`` and, when not, the excluded code and reason.
    Booked recalls are found first (``check_booked``), so the list is current.
    """
    if check_booked:
        mark_booked_recalls()
    until = parse_due(until) if until is not None else clock.today() + timedelta(days=DEFAULT_DAYS_AHEAD)
    query = Recall.select(Recall, Person, Mandant).join(Person).switch(Recall).join(Mandant).where(Recall.due <= until)
    if since is not None:
        query = query.where(Recall.due >= parse_due(since))
    if mandant is not None:
        code = mandant.code if isinstance(mandant, Mandant) else mandant
        query = query.where(Recall.mandant == get_mandant(code))
    if statuses:
        query = query.where(Recall.status.in_(list(statuses)))
    query = query.order_by(Recall.due, Person.search_name, Recall.id)
    return [eligibility(recall) for recall in query]


# --- notices -------------------------------------------------------------------


def _load(recall_ids: Iterable[Recall | int]) -> list[Recall]:
    ids = list(dict.fromkeys(id_of(r) for r in recall_ids))
    if not ids:
        raise UsageError("usage.name_least_one")
    found = {
        r.id: r
        for r in Recall.select(Recall, Person, Mandant)
        .join(Person)
        .switch(Recall)
        .join(Mandant)
        .where(Recall.id.in_(ids))
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound("not_found.recall", recall_id=missing[0])
    return [found[i] for i in ids]


def recall_draft(recall: Recall, channel: str | None = None) -> Draft:
    """The notice for one recall; Refused (with the excluded code) when it may not go out."""
    from . import templates

    row = eligibility(recall, channel)
    if not row.eligible:
        raise Refused(
            row.key or "status.recall",
            recall_id=recall.id,
            name=recall.person.full_name,
            status=recall.status,
            mandant=recall.mandant.code,
        )
    person = recall.person
    recipient = person.mobile if row.channel == "sms" else person.email
    # an eligible recall has its channel and the person's address on it
    assert row.channel is not None and recipient is not None
    subject, body = templates.render_message("recall", row.channel, person, recall.mandant, recall=recall)
    return Draft(
        channel=row.channel,
        recipient=recipient,
        body=body,
        subject=subject,
        person=person,
        recall=recall,
        purpose="recall",
    )


def _one_mandant(recalls: list[Recall]) -> Mandant:
    codes = sorted({r.mandant.code for r in recalls})
    if len(codes) > 1:
        raise Refused("several_mandanten", known=", ".join(codes))
    return recalls[0].mandant


def quote_recalls(recall_ids: Iterable[Recall | int], channel: str | None = None) -> RecallNotice:
    """Drafts and their cost for a selection of one Mandant's recalls; writes nothing.

    Refused when a recall may not be notified (its excluded code) or the
    selection spans Mandanten; a short balance is not refused here
    (``notice.quote.sufficient``).
    """
    recalls = _load(recall_ids)
    mandant = _one_mandant(recalls)
    drafts = [recall_draft(r, channel) for r in recalls]
    return RecallNotice(mandant, recalls, drafts, quote(mandant, drafts))


def notify_recalls(recall_ids: Iterable[Recall | int], user: str, channel: str | None = None) -> RecallNotice:
    """Queue the notices (one transaction: all or none) and mark the recalls ``notified``.

    Refused also when a recall's earlier notice is still waiting to be sent.
    """
    with write_transaction():
        notice = quote_recalls(recall_ids, channel)
        ids = [r.id for r in notice.recalls]
        pending = (
            Message.select(Message.id, Message.recall)
            .where(Message.recall.in_(ids) & Message.status.in_(PENDING))
            .first()
        )
        if pending is not None:
            raise Refused("already_prepared", recall_id=pending.recall_id, pending_id=pending.id)
        messages, notice.quote = outbox.enqueue_quoted(notice.mandant, notice.drafts, user)
        notice.messages = messages
        now = clock.now()
        Recall.update(status=NOTIFIED, notified_at=now).where(
            Recall.id.in_(ids) & Recall.status.in_(NOTIFIABLE)
        ).execute()
        audit.record(user, "recall_notify", mandant=notice.mandant, recalls=ids, messages=messages.ids)
    return notice


# --- booked ----------------------------------------------------------------------


def mark_booked_recalls(now: datetime | None = None, user: str = "automation") -> int:
    """Notified recalls whose person booked with the Mandant after the notice -> ``booked``.

    The earliest such appointment is noted; a repeating recall gets its next
    one (due + N months). Safe to run in several processes at once: only the
    process that changes the status creates the successor.
    """
    appt = Appointment.alias()
    rows = tuples_of(
        Recall.select(Recall.id, pw.fn.MIN(appt.id))
        .join(appt, on=((appt.person == Recall.person) & (appt.mandant == Recall.mandant)))
        .where((Recall.status == NOTIFIED) & (appt.status == "booked") & (appt.created_at >= Recall.notified_at))
        .group_by(Recall.id)
    )
    found = list(rows)
    booked = 0
    for recall_id, appointment_id in found:
        with write_transaction():
            changed = (
                Recall.update(status=BOOKED, booked_appointment=appointment_id)
                .where((Recall.id == recall_id) & (Recall.status == NOTIFIED))
                .execute()
            )
            if not changed:
                continue  # another process was first
            recall = get_recall(recall_id)
            successor = _schedule_next(recall, user)
            audit.record(
                user,
                "recall_booked",
                mandant=recall.mandant_id,
                person=recall.person_id,
                recall=recall.id,
                appointment=appointment_id,
                next_recall=successor.id if successor else None,
            )
            booked += 1
    return booked


# --- JSON ------------------------------------------------------------------------


class RecallJson(TypedDict):
    """The ``recall due`` object of CONTRACT.md."""

    id: int
    person_id: int
    person: str
    mandant: str
    reason: str
    due: str
    every_months: int | None
    status: str
    eligible: bool
    excluded: str | None
    reason_excluded: str | None
    channel: str | None
    appointment_id: int | None
    notified_at: str | None
    booked_appointment_id: int | None
    previous_id: int | None


def recall_json(row: RecallRow | Recall) -> RecallJson:
    """The ``recall due`` object: id, person, Mandant, reason, due, status, eligibility, channel."""
    if isinstance(row, Recall):
        row = eligibility(row)
    r = row.recall
    return {
        "id": r.id,
        "person_id": r.person_id,
        "person": r.person.full_name,
        "mandant": r.mandant.code,
        "reason": r.reason,
        "due": r.due.isoformat(),
        "every_months": r.every_months,
        "status": r.status,
        "eligible": row.eligible,
        "excluded": row.excluded,
        "reason_excluded": row.reason_excluded,
        "channel": row.channel,
        "appointment_id": r.appointment_id,
        "notified_at": clock.iso(r.notified_at),
        "booked_appointment_id": r.booked_appointment_id,
        "previous_id": r.previous_id,
    }
