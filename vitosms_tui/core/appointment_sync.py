"""Bring another agenda's appointments into ours, and keep them following it.

Running an import again is a sync (CONTRACT.md "Appointments from another
agenda"). Per Mandant and source (``ical`` for .ics files and CalDAV,
``csv``), each appointment is known by its external id:

- new there: booked here (automation reminds it as any other);
- changed there since the last import (time, duration, reason or patient):
  moved with :func:`core.agenda.move_appointment`, whose reminder rule applies
  (``moved`` says regenerate or withdraw), edited, or re-booked for the other
  patient;
- cancelled or vanished there (within the window the import reads: from now
  on): cancelled with :func:`core.agenda.cancel_appointment`, reminders
  withdrawn and refunded;
- unchanged there: left alone, also when the desk moved or cancelled it here.
  What the other agenda said last is kept (``external_version``), so a change
  made here stands until the other agenda changes that appointment again.

All of it is one write transaction; ``dry_run`` runs the same steps and rolls
them back, so the preview is exactly what the import would do. An appointment
that cannot be taken (no or several matching persons, the desk's rule refuses
it) is a rejection with its line or UID; the rest goes on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal, TypedDict

from . import agenda, audit, clock
from .appointment_feed import ExternalAppointment, Feed
from .appointment_match import match_person
from .db import write_transaction
from .errors import Refused, UsageError
from .mandanten import get_mandant
from .models import Appointment, Mandant, Person

SOURCES = ("ical", "csv")

# the counts an appointment falls under
Counted = Literal["added", "moved", "cancelled", "unchanged", "changed"]


class SyncReport(TypedDict):
    """An import's report (CONTRACT.md, plus ``changed`` and ``skipped``)."""

    added: int
    moved: int
    cancelled: int
    unchanged: int
    changed: int
    skipped: int
    rejected: list[dict[str, object]]  # where in the source, and "reason"
    dry_run: bool


class _DryRun(Exception):
    """Raised at the end of a dry run so the transaction rolls everything back."""


@dataclass
class _Run:
    source: str
    moved: str
    user: str
    report: SyncReport
    # Mandant id -> {external id: newest appointment}
    known: dict[int, dict[str | None, Appointment]] = field(default_factory=dict)
    taken: set[tuple[int, str]] = field(default_factory=set)  # (Mandant id, external id) already in this import


def _version(item: ExternalAppointment, person_id: int) -> str:
    reason = hashlib.sha256(item.reason.encode()).hexdigest()[:12]
    return f"{item.start:%Y%m%dT%H%MZ}|{item.minutes}|{person_id}|{reason}"


def _known(run: _Run, mandant: Mandant, external_id: str) -> Appointment | None:
    """The appointment an earlier import made of this external id (one query per Mandant)."""
    if mandant.id not in run.known:
        query = (
            Appointment.select()
            .where(
                (Appointment.mandant == mandant)
                & (Appointment.source == run.source)
                & Appointment.external_id.is_null(False)
            )
            .order_by(Appointment.id)
        )
        run.known[mandant.id] = {a.external_id: a for a in query}  # ids ascending: the newest wins
    return run.known[mandant.id].get(external_id)


def _book(run: _Run, mandant: Mandant, item: ExternalAppointment, person: Person) -> None:
    booking = agenda.add_appointment(mandant, person, item.start, item.minutes, item.reason, user=run.user)
    appointment = booking.appointment
    appointment.source, appointment.external_id = run.source, item.external_id
    appointment.external_version = _version(item, person.id)
    appointment.save()
    run.known[mandant.id][item.external_id] = appointment


def _follow(run: _Run, known: Appointment, item: ExternalAppointment, person: Person) -> Counted:
    """Apply what changed there; the name of the count it falls under."""
    version = _version(item, person.id)
    if known.person_id != person.id:
        agenda.cancel_appointment(known, run.user)
        _book(run, known.mandant, item, person)
        return "added"
    counted: Counted = "changed"
    if known.start != item.start:
        decision = run.moved if agenda.needs_reminder_decision(known) else None
        known = agenda.move_appointment(known, item.start, run.user, reminder=decision).appointment
        counted = "moved"
    if known.minutes != item.minutes or known.reason != item.reason:
        known = agenda.edit_appointment(known, run.user, minutes=item.minutes, reason=item.reason).appointment
    Appointment.update(external_version=version).where(Appointment.id == known.id).execute()
    return counted


def _take(run: _Run, mandant: Mandant, item: ExternalAppointment) -> Counted:
    """Bring one appointment in line; the name of the count it falls under.

    Reading and matching come first; only a change opens a savepoint, so that
    a refused change leaves no trace and an unchanged appointment costs no write.
    """
    key = (mandant.id, item.external_id)
    if key in run.taken:
        raise Refused("duplicate_id", external_id=item.external_id)
    run.taken.add(key)
    known = _known(run, mandant, item.external_id)
    if item.cancelled:
        if known is None or known.status != "booked":
            return "unchanged"
        with write_transaction():
            agenda.cancel_appointment(known, run.user)
        return "cancelled"
    person = match_person(item.patient)
    if known is not None and (known.status != "booked" or known.external_version == _version(item, person.id)):
        return "unchanged"  # a change made here stands until the other agenda changes
    with write_transaction():
        if known is None:
            _book(run, mandant, item, person)
            return "added"
        return _follow(run, known, item, person)


def _vanished(run: _Run, mandanten: list[Mandant], feed: Feed) -> None:
    """Cancel what an earlier import brought and the other agenda no longer has."""
    for mandant in mandanten:
        gone = (
            Appointment.select()
            .where(
                (Appointment.mandant == mandant)
                & (Appointment.source == run.source)
                & (Appointment.status == "booked")
                & Appointment.external_id.is_null(False)
                & (Appointment.start >= clock.to_utc(feed.since))
                & (Appointment.start < clock.to_utc(feed.until))
            )
            .order_by(Appointment.start)
        )
        for appointment in gone:
            external_id = appointment.external_id
            assert external_id is not None  # the query reads only those that have one
            # an occurrence of a series is "UID@start"; a series that could not be read keeps all
            if external_id in feed.seen_ids or external_id.rsplit("@", 1)[0] in feed.unreadable:
                continue
            try:
                with write_transaction():
                    agenda.cancel_appointment(appointment, run.user)
            except Refused as exc:
                key = "uid" if run.source == "ical" else "id"
                run.report["rejected"].append({key: appointment.external_id, "reason": exc.message})
                continue
            run.report["cancelled"] += 1


def _mandanten(feed: Feed, default: str) -> dict[str, Mandant]:
    codes = {item.mandant for item in feed.appointments} | ({default} if default else set())
    known = {}
    for code in sorted(codes):
        found = Mandant.get_or_none(Mandant.code == code)
        if found is not None:
            known[code] = found
    return known


def apply_feed(
    feed: Feed, source: str, mandant: str = "", moved: str = agenda.REGENERATE, user: str = "", dry_run: bool = False
) -> SyncReport:
    """Sync the agenda with ``feed``; the report of CONTRACT.md (plus ``changed``, ``skipped``).

    ``mandant`` (a code) is the Mandant of rows that name none; an unknown code
    there is a usage error, an unknown code in a row rejects that row.
    """
    if source not in SOURCES:
        raise UsageError("usage.unknown_source", source=source)
    if moved not in agenda.DECISIONS:
        raise UsageError("usage.moved_regenerate_withdraw", moved=moved)
    if mandant:
        get_mandant(mandant)  # NotFound: exit 1 before anything is read into the agenda
    report: SyncReport = {
        "added": 0,
        "moved": 0,
        "cancelled": 0,
        "unchanged": 0,
        "changed": 0,
        "skipped": feed.skipped,
        "rejected": list(feed.rejected),
        "dry_run": dry_run,
    }
    run = _Run(source, moved, user, report)
    try:
        with write_transaction():
            mandanten = _mandanten(feed, mandant)
            for item in feed.appointments:
                target = mandanten.get(item.mandant)
                if target is None:
                    report["rejected"].append({**item.ref, "reason": f"unknown Mandant {item.mandant!r}"})
                    continue
                try:
                    report[_take(run, target, item)] += 1
                except Refused as exc:
                    report["rejected"].append({**item.ref, "reason": exc.message})
            # only the Mandanten this import speaks for lose what vanished from it
            scope = [mandanten[mandant]] if mandant else list(mandanten.values())
            _vanished(run, scope, feed)
            audit.record(
                user,
                "import_appointments",
                source=source,
                dry_run=dry_run,
                **{k: v for k, v in report.items() if isinstance(v, int) and k != "dry_run"},
                rejected=len(report["rejected"]),
            )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report
