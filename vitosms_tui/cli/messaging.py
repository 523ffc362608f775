"""Commands for messages and money: ``send``, ``messages`` and ``credits …``.

The rules (cost, consent, credits, who may move credits) live in core; this
module turns arguments into calls and answers into the JSON of CONTRACT.md.
"""

from __future__ import annotations

import argparse
import re

from ..core import clock, credits, journal, mandanten, outbox, persons, quotes
from ..core.drafts import Draft, check_send_time, quote, require_credits
from ..core.errors import UsageError
from ..core.models import CHANNELS, PURPOSES, STATUSES, CreditEntry, Mandant
from ..core.states import Status

_WHOLE = re.compile(r"^[+-]?\d+$")


def _whole_number(text: str) -> int:
    """An amount or id typed on the command line: a whole number, or a usage error."""
    value = (text or "").strip()
    if not _WHOLE.match(value):
        # argparse names the option and turns this into a usage error (exit 2)
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    return int(value)


def _count(text: str) -> int:
    """How many rows to show: at least one."""
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _person_ref(text: str) -> tuple[str, object]:
    return ("person", _whole_number(text))


def _to_ref(text: str) -> tuple[str, object]:
    return ("to", text)


# --- send ----------------------------------------------------------------


def _person_draft(mandant: Mandant, person_id: int, args) -> Draft:
    person = persons.get_person(person_id)
    channel = args.channel or persons.reachable_channel(person, mandanten.channel_order(mandant))
    recipient = persons.address_for(person, channel)
    # placeholders such as {first_name} are filled in the person's language, as in the compose view
    return quotes.fill("free", channel, recipient, person, args.text, args.subject, mandant)


def _address_draft(mandant: Mandant, recipient: str, args) -> Draft:
    channel = args.channel or ("email" if "@" in recipient else "sms")
    subject = ""
    if channel == "email":
        subject = (args.subject or "").strip() or outbox.default_subject(None, mandant)
    # a typed text to a bare number or address is sent as typed: braces stay braces
    return Draft(channel=channel, recipient=recipient, body=args.text, subject=subject)


def _drafts(mandant: Mandant, args) -> list[Draft]:
    if not args.recipients:
        raise UsageError("usage.send_name_least")
    if not (args.text or "").strip():
        raise UsageError("usage.send_text_empty")
    return [
        _person_draft(mandant, value, args) if kind == "person" else _address_draft(mandant, value, args)
        for kind, value in args.recipients
    ]


def _send_table(doc: dict) -> str:
    lines = [f"{'id':>6}  {'channel':<7} {'recipient':<32} {'encoding':<8} {'parts':>5} {'credits':>7}  status"]
    for m in doc["messages"]:
        ident = "-" if m["id"] is None else str(m["id"])
        parts = "" if m["segments"] is None else str(m["segments"])
        lines.append(
            f"{ident:>6}  {m['channel']:<7} {m['recipient']:<32} {m['encoding'] or '':<8} "
            f"{parts:>5} {m['credits']:>7}  {m['status']}"
        )
        if m["non_gsm"]:
            lines.append(f"{'':8}UCS-2 because of: {' '.join(m['non_gsm'])}")
    lines.append(f"total {doc['total_credits']} credits, balance after: {doc['balance_after']}")
    return "\n".join(lines)


def cmd_send(ctx, args) -> int:
    ctx.open()
    mandant = mandanten.get_mandant(args.mandant)
    if args.at is not None and not args.at.strip():
        # an empty value (a script's unset variable) must not quietly mean "now"
        raise UsageError("usage.empty_send_time")
    at = check_send_time(args.at)
    drafts = _drafts(mandant, args)
    if args.dry_run:
        found = quote(mandant, drafts)
        require_credits(mandant, found)
        rows = [(None, "preview", line) for line in found.lines]
    else:
        queued, found = outbox.enqueue_quoted(mandant, drafts, ctx.user, scheduled_at=at)
        rows = [(message_id, Status.QUEUED, line) for message_id, line in zip(queued.ids, found.lines, strict=True)]
    doc = {
        "messages": [
            {
                "id": ident,
                "channel": line.channel,
                "recipient": line.recipient,
                "encoding": line.encoding,
                "segments": line.segments,
                "credits": line.credits,
                "non_gsm": list(line.non_gsm),
                "status": status,
            }
            for ident, status, line in rows
        ],
        "total_credits": found.total_credits,
        "balance_after": found.balance_after,
    }

    def human(d):
        text = _send_table(d)
        if found.low_balance:
            text += f"\nthe balance of Mandant {mandant.code} is low: order credits soon"
        return text

    ctx.emit(doc, human)
    return 0


# --- messages --------------------------------------------------------------


def cmd_messages(ctx, args) -> int:
    ctx.open()
    mandant = mandanten.get_mandant(args.mandant) if args.mandant else None
    person = persons.get_person(args.person) if args.person is not None else None
    found = journal.list_messages(
        status=args.status,
        mandant=mandant,
        person=person,
        channel=args.channel,
        purpose=args.purpose,
        limit=args.limit,
        attention=args.attention,
    )
    rows = [journal.message_json(m) for m in found]

    def human(rs):
        if not rs:
            return "no messages"
        lines = [
            f"{'id':>6}  {'created':<16} {'mandant':<8} {'channel':<7} {'recipient':<28} "
            f"{'purpose':<12} {'status':<9} {'credits':>7}"
        ]
        for r in rs:
            created = clock.local(clock.parse_instant(r["created_at"])).strftime("%d.%m.%Y %H:%M")
            lines.append(
                f"{r['id']:>6}  {created:<16} {r['mandant']:<8} {r['channel']:<7} "
                f"{r['recipient']:<28} {r['purpose']:<12} {r['status']:<9} {r['credits']:>7}"
                + (f"  {r['error']}" if r["error"] else "")
            )
        return "\n".join(lines)

    ctx.emit(rows, human)
    return 0


# --- credits -----------------------------------------------------------------


def _entry_json(entry: CreditEntry, code: str) -> dict:
    return {
        "id": entry.id,
        "mandant": code,
        "delta": entry.delta,
        "kind": entry.kind,
        "message_id": entry.message_id,
        "order_id": entry.order_id,
        "note": entry.note,
        "user": entry.user,
        "at": clock.iso(entry.at),
    }


def cmd_credits(ctx, args) -> int:
    ctx.open()
    chosen = [mandanten.get_mandant(args.balance_mandant)] if args.balance_mandant else mandanten.list_mandanten()
    money = credits.balances()
    rows = [{"id": m.id, "mandant": m.code, "balance": money.get(m.id, 0)} for m in chosen]
    low = {m.code for m in chosen if credits.is_low(m, money.get(m.id, 0))}
    ctx.emit(
        rows,
        lambda rs: (
            "\n".join(
                f"{r['mandant']:<8} {r['balance']:>8} credits" + ("  (low)" if r["mandant"] in low else "") for r in rs
            )
            or "no Mandanten"
        ),
    )
    return 0


def cmd_ledger(ctx, args) -> int:
    ctx.open()
    mandant = mandanten.get_mandant(args.mandant)
    rows = [_entry_json(e, mandant.code) for e in credits.ledger(mandant)]

    def human(rs):
        lines = [
            f"{clock.local(clock.parse_instant(r['at'])).strftime('%d.%m.%Y %H:%M')}  "
            f"{r['delta']:>+7}  {r['kind']:<12} {r['user']:<12} "
            + (f"message {r['message_id']} " if r["message_id"] else "")
            + r["note"]
            for r in rs
        ]
        lines.append(f"balance: {credits.balance(mandant)} credits")
        return "\n".join(lines)

    ctx.emit(rows, human)
    return 0


def cmd_prices(ctx, args) -> int:
    rows = [{"id": p.id, "name": p.name, "credits": p.credits, "price_chf": p.price_chf} for p in credits.packages()]
    ctx.emit(
        rows,
        lambda rs: "\n".join(
            f"{r['id']:>3}  {r['name']:<12} {r['credits']:>7} credits  CHF {r['price_chf']:>9}" for r in rs
        ),
    )
    return 0


def cmd_order(ctx, args) -> int:
    ctx.open()
    mandant = mandanten.get_mandant(args.mandant)
    placed = credits.order(mandant, args.package, ctx.user)
    doc = {
        "id": placed.id,
        "mandant": mandant.code,
        "package": int(placed.package),
        "credits": placed.credits,
        "price_chf": f"{placed.price_rappen // 100}.{placed.price_rappen % 100:02d}",
        "customer_number": placed.customer_number,
        "balance": credits.balance(mandant),
        "user": placed.user,
        "at": clock.iso(placed.at),
    }
    ctx.emit(
        doc,
        lambda d: (
            f"ordered {d['credits']} credits for Mandant {d['mandant']} "
            f"(CHF {d['price_chf']}, customer number {d['customer_number']}); "
            f"balance {d['balance']}"
        ),
    )
    return 0


def cmd_transfer(ctx, args) -> int:
    ctx.open()
    source = mandanten.get_mandant(args.source)
    target = mandanten.get_mandant(args.target)
    out, into = credits.transfer(source, target, args.amount, ctx.user, note=args.note or "")
    doc = {
        "id": out.id,
        "from": source.code,
        "to": target.code,
        "amount": args.amount,
        "note": out.note,
        "balance_from": credits.balance(source),
        "balance_to": credits.balance(target),
        "entries": [_entry_json(out, source.code), _entry_json(into, target.code)],
    }
    ctx.emit(
        doc,
        lambda d: (
            f"moved {d['amount']} credits from {d['from']} to {d['to']}; "
            f"balances {d['from']} {d['balance_from']}, {d['to']} {d['balance_to']}"
        ),
    )
    return 0


def cmd_migrate_legacy(ctx, args) -> int:
    ctx.open()
    shares = credits.migrate_legacy(args.balance, ctx.user)
    money = credits.balances()
    rows = [
        {"id": m.id, "mandant": m.code, "credits": shares[m.code], "balance": money.get(m.id, 0)}
        for m in mandanten.list_mandanten()
        if m.code in shares
    ]
    ctx.emit(
        rows, lambda rs: "\n".join(f"{r['mandant']:<8} +{r['credits']} credits (balance {r['balance']})" for r in rs)
    )
    return 0


def register(sub, common) -> None:
    p = sub.add_parser("send", parents=[common], help="send a free text by SMS or e-mail")
    p.add_argument("--mandant", required=True, metavar="C")
    p.add_argument("--person", dest="recipients", action="append", type=_person_ref, metavar="ID")
    p.add_argument("--to", dest="recipients", action="append", type=_to_ref, metavar="NUMBER_OR_ADDRESS")
    p.add_argument("--text", required=True)
    p.add_argument("--subject")
    p.add_argument("--channel", choices=CHANNELS)
    p.add_argument("--at", metavar="ISO-8601")
    p.add_argument("--dry-run", action="store_true")
    p.set_defaults(handler=cmd_send, recipients=None)

    p = sub.add_parser("messages", parents=[common], help="the message journal")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--mandant", metavar="C")
    p.add_argument("--person", type=_whole_number, metavar="ID")
    p.add_argument("--channel", choices=CHANNELS)
    p.add_argument("--purpose", choices=PURPOSES)
    p.add_argument("--limit", type=_count, metavar="N")
    p.add_argument(
        "--attention",
        action="store_true",
        help="the failed messages nobody has dealt with yet (as the status line counts them)",
    )
    p.set_defaults(handler=cmd_messages)

    p = sub.add_parser("credits", parents=[common], help="balances, ledger, prices, orders")
    p.add_argument("--mandant", dest="balance_mandant", metavar="C")
    p.set_defaults(handler=cmd_credits)
    more = p.add_subparsers(dest="credits_command", metavar="ledger|prices|order|transfer|migrate-legacy")
    q = more.add_parser("ledger", parents=[common], help="a Mandant's ledger, newest first")
    q.add_argument("--mandant", required=True, metavar="C")
    q.set_defaults(handler=cmd_ledger)
    q = more.add_parser("prices", parents=[common], help="the credit packages")
    q.set_defaults(handler=cmd_prices)
    q = more.add_parser("order", parents=[common], help="order a credit package")
    q.add_argument("--mandant", required=True, metavar="C")
    q.add_argument("--package", required=True, type=_whole_number, metavar="ID")
    q.set_defaults(handler=cmd_order)
    q = more.add_parser("transfer", parents=[common], help="move credits (service desk)")
    q.add_argument("--from", dest="source", required=True, metavar="C")
    q.add_argument("--to", dest="target", required=True, metavar="C")
    q.add_argument("--amount", required=True, type=_whole_number, metavar="N")
    q.add_argument("--note")
    q.set_defaults(handler=cmd_transfer)
    q = more.add_parser("migrate-legacy", parents=[common], help="carry the old SMS balance over")
    q.add_argument("--balance", required=True, type=_whole_number, metavar="N")
    q.set_defaults(handler=cmd_migrate_legacy)
