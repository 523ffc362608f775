"""``vitosms inbox [--unread]``: patients' SMS replies (CONTRACT.md, Replies).

Listing does not mark anything read: the desk does that in the TUI's inbox.
"""

from __future__ import annotations

from ..core import clock, replies


def cmd_inbox(ctx, args) -> int:
    ctx.open()
    rows = [replies.reply_json(r) for r in replies.inbox(unread=args.unread)]

    def human(rs):
        if not rs:
            return "no unread replies" if args.unread else "no replies"
        lines = [f"{'id':>5}  {'received':<16} {'from':<14} {'person':>6}  {'action':<9} text"]
        for r in rs:
            received = clock.local(clock.parse_instant(r["received_at"])).strftime("%d.%m.%Y %H:%M")
            person = r["person_id"] if r["person_id"] is not None else "-"
            mark = " " if r["read_at"] else "*"
            text = " ".join(r["text"].split())
            lines.append(f"{r['id']:>5}{mark} {received:<16} {r['from']:<14} {person:>6}  {r['action']:<9} {text}")
        return "\n".join(lines)

    ctx.emit(rows, human)
    return 0


def register(sub, common) -> None:
    p = sub.add_parser("inbox", parents=[common], help="patients' SMS replies, unread first")
    p.add_argument("--unread", action="store_true", help="only the replies nobody has read yet")
    p.set_defaults(handler=cmd_inbox)
