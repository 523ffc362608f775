"""Commands for the agenda: ``appointment add|move|copy|cancel|remind|show``.

The rules (overlaps, reminders on copy and move, short notice, quiet hours)
live in :mod:`core.agenda` and :mod:`core.reminders`; this module turns
arguments into calls and answers into JSON. Warnings for people (an overlap,
a reminder that was not regenerated, a message already on its way) go to
stderr, so stdout stays one JSON document with ``--json``.
"""

from __future__ import annotations

import argparse
import re
import sys

from ..core import agenda, clock, replies
from ..core.journal import message_json
from ..core.models import Appointment, Message

_WHOLE = re.compile(r"^\d+$")


def _id(text: str) -> int:
    if not _WHOLE.match((text or "").strip()):
        raise argparse.ArgumentTypeError(f"not an id: {text!r}")
    return int(text)


def _minutes(text: str) -> int:
    if not _WHOLE.match((text or "").strip()):
        raise argparse.ArgumentTypeError(f"not a whole number of minutes: {text!r}")
    return int(text)


def appointment_json(appt: Appointment, messages: list[Message] | None = None) -> dict:
    """An appointment as JSON: times ISO-8601 with offset, in Zurich."""
    data = {
        "id": appt.id,
        "mandant": appt.mandant.code,
        "person_id": appt.person_id,
        "person": appt.person.full_name,
        "start": clock.iso(appt.start),
        "end": clock.iso(appt.end),
        "minutes": appt.minutes,
        "reason": appt.reason,
        "status": appt.status,
        "copied_from": appt.copied_from_id,
        # brought in from another agenda: "ical" or "csv" and its id there ("" and null: booked here)
        "source": appt.source,
        "external_id": appt.external_id,
        "no_reminder": bool(appt.no_reminder),
        "answer": appt.answer,  # the patient's SMS answer: confirmed, declined or null
    }
    if messages is not None:
        data["messages"] = [message_json(m) for m in messages]
    return data


def _warn(text: str) -> None:
    print(f"vitosms: warning: {text}", file=sys.stderr)


def _warn_overlaps(booking: agenda.Booking) -> None:
    if booking.overlaps:
        names = ", ".join(f"{a.id} ({clock.local(a.start):%d.%m.%Y %H:%M}, {a.minutes} min)" for a in booking.overlaps)
        _warn(
            f"appointment {booking.appointment.id} overlaps with appointment(s) {names}"
            f" of Mandant {booking.appointment.mandant.code}"
        )


def _line(doc: dict) -> str:
    start = clock.local(clock.parse_instant(doc["start"]))
    return (
        f"appointment {doc['id']}: {start:%a %d.%m.%Y %H:%M}, {doc['minutes']} min,"
        f" {doc['person']} (person {doc['person_id']}), Mandant {doc['mandant']}, {doc['status']}"
    )


def cmd_add(ctx, args) -> int:
    ctx.open()
    booking = agenda.add_appointment(
        args.mandant, args.person, args.start, args.minutes, args.reason or "", user=ctx.user, confirm=args.confirm
    )
    doc = appointment_json(booking.appointment)
    doc["overlaps"] = [a.id for a in booking.overlaps]
    if booking.confirmation is not None:
        doc["confirmation"] = message_json(booking.confirmation.message)
        doc["confirmation"].update(plan=booking.confirmation.plan.reason, plan_detail=booking.confirmation.plan.detail)
    _warn_overlaps(booking)
    ctx.emit(
        doc,
        lambda d: (
            _line(d)
            + (
                f"\nconfirmation message {d['confirmation']['id']}"
                f" ({d['confirmation']['channel']}): {d['confirmation']['plan_detail']}"
                if "confirmation" in d
                else ""
            )
        ),
    )
    return 0


def cmd_copy(ctx, args) -> int:
    ctx.open()
    booking = agenda.copy_appointment(args.id, args.start, user=ctx.user)
    doc = appointment_json(booking.appointment, [])
    doc["overlaps"] = [a.id for a in booking.overlaps]
    _warn_overlaps(booking)
    ctx.emit(doc, lambda d: _line(d) + f" (copy of {d['copied_from']}, no reminder)")
    return 0


def cmd_move(ctx, args) -> int:
    ctx.open()
    result = agenda.move_appointment(args.id, args.start, user=ctx.user, reminder=args.reminder)
    doc = appointment_json(result.appointment)
    doc.update(
        old_start=clock.iso(result.old_start),
        overlaps=[a.id for a in result.overlaps],
        withdrawn=[m.id for m in result.withdrawn],
        new_messages=[message_json(m) for m in result.created],
        notes=[{"code": n.reason, "message": n.detail} for n in result.notes],
    )
    _warn_overlaps(result)
    for note in result.notes:
        _warn(f"no new message: {note.detail}")

    def human(d):
        lines = [_line(d)]
        if d["withdrawn"]:
            lines.append("withdrawn (refunded): " + ", ".join(f"message {i}" for i in d["withdrawn"]))
        lines += [
            f"new {m['purpose']}: message {m['id']} ({m['channel']}) for {m['scheduled_at']}" for m in d["new_messages"]
        ]
        return "\n".join(lines)

    ctx.emit(doc, human)
    return 0


def cmd_cancel(ctx, args) -> int:
    ctx.open()
    result = agenda.cancel_appointment(args.id, user=ctx.user)
    doc = appointment_json(result.appointment)
    doc.update(
        withdrawn=[m.id for m in result.withdrawn], refunded=result.refunded, in_flight=[m.id for m in result.in_flight]
    )
    for message in result.in_flight:
        _warn(f"message {message.id} ({message.purpose}) was already being sent and could not be withdrawn")
    ctx.emit(
        doc,
        lambda d: (
            _line(d)
            + (
                f"; withdrew {len(d['withdrawn'])} message(s), {d['refunded']} credit(s) refunded"
                if d["withdrawn"]
                else ""
            )
        ),
    )
    return 0


def cmd_remind(ctx, args) -> int:
    ctx.open()
    result = agenda.remind(args.id, user=ctx.user, kind=args.kind, channel=args.channel, again=args.again)
    doc = message_json(result.message)
    doc.update(plan=result.plan.reason, plan_detail=result.plan.detail)
    ctx.emit(
        doc,
        lambda d: (
            f"{d['purpose']} message {d['id']} ({d['channel']} to {d['recipient']},"
            f" {d['credits']} credit(s)): {d['plan_detail']}"
        ),
    )
    return 0


def cmd_show(ctx, args) -> int:
    ctx.open()
    appt = agenda.get_appointment(args.id)
    doc = appointment_json(appt, agenda.appointment_timeline(appt))
    doc["replies"] = [replies.reply_json(r) for r in replies.appointment_replies(appt)]

    def human(d):
        lines = [_line(d)]
        if d["answer"]:
            lines.append(f"the patient answered: {d['answer']}")
        lines += [
            f"  reply   {r['id']:>5} {r['action']:<12} {r['received_at']}  {' '.join(r['text'].split())}"
            for r in d["replies"]
        ]
        if d["copied_from"]:
            lines.append(f"copy of appointment {d['copied_from']}")
        lines += [
            f"  message {m['id']:>5} {m['purpose']:<12} {m['channel']:<5} {m['status']:<9}"
            f" scheduled {m['scheduled_at']}"
            for m in d["messages"]
        ]
        if not d["messages"]:
            lines.append("  no messages")
        return "\n".join(lines)

    ctx.emit(doc, human)
    return 0


def register(sub, common) -> None:
    appointment = sub.add_parser("appointment", parents=[common], help="the agenda").add_subparsers(
        dest="appointment_command", metavar="add|move|copy|cancel|remind|show", required=True
    )

    p = appointment.add_parser("add", parents=[common], help="book an appointment")
    p.add_argument("--mandant", required=True, metavar="C")
    p.add_argument("--person", required=True, type=_id, metavar="ID")
    p.add_argument("--start", required=True, metavar="ISO")
    p.add_argument("--minutes", required=True, type=_minutes, metavar="N")
    p.add_argument("--reason", metavar="R")
    p.add_argument(
        "--confirm",
        choices=("sms", "email", "auto"),
        help="queue the confirmation in the same step (auto: the person's channel)",
    )
    p.set_defaults(handler=cmd_add)

    p = appointment.add_parser("move", parents=[common], help="move to another time")
    p.add_argument("id", type=_id, metavar="ID")
    p.add_argument("--start", required=True, metavar="ISO")
    p.add_argument(
        "--reminder",
        required=True,
        choices=agenda.DECISIONS,
        help="what becomes of a prepared reminder: a new one for the new time, or none",
    )
    p.set_defaults(handler=cmd_move)

    p = appointment.add_parser("copy", parents=[common], help="copy to another time (no reminder)")
    p.add_argument("id", type=_id, metavar="ID")
    p.add_argument("--start", required=True, metavar="ISO")
    p.set_defaults(handler=cmd_copy)

    p = appointment.add_parser("cancel", parents=[common], help="cancel (withdraws pending messages)")
    p.add_argument("id", type=_id, metavar="ID")
    p.set_defaults(handler=cmd_cancel)

    p = appointment.add_parser("remind", parents=[common], help="queue a reminder or confirmation")
    p.add_argument("id", type=_id, metavar="ID")
    p.add_argument("--kind", choices=("reminder", "confirmation"), default="reminder")
    p.add_argument("--channel", choices=("sms", "email"))
    p.add_argument(
        "--again", action="store_true", help="a second one is meant although one was already sent or delivered"
    )
    p.set_defaults(handler=cmd_remind)

    p = appointment.add_parser("show", parents=[common], help="the appointment and its messages")
    p.add_argument("id", type=_id, metavar="ID")
    p.set_defaults(handler=cmd_show)
