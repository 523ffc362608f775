"""Commands for recalls and the automation: ``recall add|due|notify``, ``automation run``.

The rules live in :mod:`core.recall` and :mod:`core.automation`; this module
turns arguments into calls and answers into JSON. The recall's reason is
shown to staff (it is their note) but never goes into a message.
"""

from __future__ import annotations

import argparse
import re

from ..core import automation, recall
from ..core.errors import UsageError
from ..core.models import CHANNELS, RECALL_STATUSES

_WHOLE = re.compile(r"^\d+$")


def _id(text: str) -> int:
    if not _WHOLE.match((text or "").strip()):
        raise argparse.ArgumentTypeError(f"not an id: {text!r}")
    return int(text)


def _statuses(text: str) -> tuple[str, ...]:
    if text == "all":
        return RECALL_STATUSES
    chosen = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in chosen if s not in RECALL_STATUSES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown status {unknown[0] if unknown else text!r}: use {', '.join(RECALL_STATUSES)} or all"
        )
    return chosen


def _table(rows: list[dict]) -> str:
    if not rows:
        return "no recalls due"
    lines = [f"{'id':>6}  {'due':<10} {'mandant':<8} {'person':<28} {'status':<9} {'channel':<7} note"]
    for r in rows:
        note = "" if r["eligible"] else f"left out: {r['reason_excluded']}"
        lines.append(
            f"{r['id']:>6}  {r['due']:<10} {r['mandant']:<8} {r['person'][:28]:<28} "
            f"{r['status']:<9} {r['channel'] or '-':<7} {note}"
        )
    return "\n".join(lines)


def cmd_recall_add(ctx, args) -> int:
    ctx.open()
    if args.appointment is None and (args.person is None or args.mandant is None):
        raise UsageError("usage.recall_add_person")
    if args.due is None and (args.appointment is None or args.every_months is None):
        raise UsageError("usage.recall_add_due")
    made = recall.add_recall(
        person=args.person,
        mandant=args.mandant,
        reason=args.reason,
        due=args.due,
        every_months=args.every_months,
        appointment=args.appointment,
        user=ctx.user,
    )
    doc = recall.recall_json(made)
    ctx.emit(
        doc,
        lambda d: (
            f"recall {d['id']} for {d['person']} due {d['due']}"
            + (f", every {d['every_months']} months" if d["every_months"] else "")
        ),
    )
    return 0


def cmd_recall_due(ctx, args) -> int:
    ctx.open()
    rows = recall.due_recalls(mandant=args.mandant, since=args.since, until=args.until, statuses=args.status)
    ctx.emit([recall.recall_json(r) for r in rows], _table)
    return 0


def cmd_recall_notify(ctx, args) -> int:
    ctx.open()
    if args.dry_run:
        notice = recall.quote_recalls(args.ids, args.channel)
        from ..core.drafts import require_credits

        require_credits(notice.mandant, notice.quote)
        rows = [(None, "preview", draft, line) for draft, line in zip(notice.drafts, notice.quote.lines, strict=True)]
    else:
        notice = recall.notify_recalls(args.ids, ctx.user, args.channel)
        rows = [
            (m.id, m.status, draft, line)
            for m, draft, line in zip(notice.messages, notice.drafts, notice.quote.lines, strict=True)
        ]
    doc = {
        "messages": [
            {
                "id": ident,
                "recall_id": draft.recall.id,
                "person_id": draft.person.id,
                "channel": line.channel,
                "recipient": line.recipient,
                "encoding": line.encoding,
                "segments": line.segments,
                "credits": line.credits,
                "non_gsm": list(line.non_gsm),
                "status": status,
            }
            for ident, status, draft, line in rows
        ],
        "total_credits": notice.quote.total_credits,
        "balance_after": notice.quote.balance_after,
    }

    def human(d):
        lines = [
            f"{'-' if m['id'] is None else m['id']:>6}  recall {m['recall_id']:<6} "
            f"{m['channel']:<6} {m['recipient']:<32} {m['credits']:>3} credits  {m['status']}"
            for m in d["messages"]
        ]
        lines.append(f"total {d['total_credits']} credits, balance after: {d['balance_after']}")
        if notice.quote.low_balance:
            lines.append(f"the balance of Mandant {notice.mandant.code} is low: order credits soon")
        return "\n".join(lines)

    ctx.emit(doc, human)
    return 0


def cmd_automation_run(ctx, args) -> int:
    ctx.open()
    report = automation.run_tick()
    ctx.emit(
        report.as_dict(),
        lambda r: (
            f"reminders {r['reminders']}, birthdays {r['birthdays']}, "
            f"skipped {r['skipped']}, recalls booked {r['recalls_booked']}"
        ),
    )
    return 0


def _choose(group: str, commands: str):
    """The handler of a command group called without its sub-command."""

    def handler(ctx, args):
        raise UsageError("usage.choose_command", group=group, commands=commands)

    return handler


def register(sub, common) -> None:
    p = sub.add_parser("recall", parents=[common], help="recalls: add, list due, notify")
    more = p.add_subparsers(dest="recall_command", metavar="add|due|notify")
    p.set_defaults(handler=_choose("recall", "add, due or notify"))

    q = more.add_parser("add", parents=[common], help="note a recall for a person")
    q.add_argument("--person", type=_id, metavar="ID")
    q.add_argument("--mandant", metavar="C")
    q.add_argument("--appointment", type=_id, metavar="ID", help="take person and Mandant from it")
    q.add_argument("--reason", required=True, metavar="R", help="internal; never sent")
    q.add_argument("--due", metavar="YYYY-MM-DD")
    q.add_argument("--every-months", type=_id, metavar="N")
    q.set_defaults(handler=cmd_recall_add)

    q = more.add_parser("due", parents=[common], help="recalls due, with who is left out and why")
    q.add_argument("--mandant", metavar="C")
    q.add_argument("--from", dest="since", metavar="YYYY-MM-DD")
    q.add_argument(
        "--to", dest="until", metavar="YYYY-MM-DD", help=f"default: today + {recall.DEFAULT_DAYS_AHEAD} days"
    )
    q.add_argument("--status", type=_statuses, default=(recall.OPEN,), metavar="S[,S…]|all", help="default: open")
    q.set_defaults(handler=cmd_recall_due)

    q = more.add_parser("notify", parents=[common], help="send recall notices")
    q.add_argument("ids", nargs="+", type=_id, metavar="ID")
    q.add_argument("--channel", choices=CHANNELS)
    q.add_argument("--dry-run", action="store_true")
    q.set_defaults(handler=cmd_recall_notify)

    p = sub.add_parser("automation", parents=[common], help="automatic reminders and greetings")
    more = p.add_subparsers(dest="automation_command", metavar="run")
    p.set_defaults(handler=_choose("automation", "run"))
    q = more.add_parser("run", parents=[common], help="create what is due now, once")
    q.set_defaults(handler=cmd_automation_run)
