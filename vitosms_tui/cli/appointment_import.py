"""``vitosms import-appointments FILE`` and ``vitosms sync caldav URL --mandant C``.

Both read another agenda and bring its appointments into ours (CONTRACT.md
"Appointments from another agenda"); the rules live in
:mod:`core.appointment_sync`. The CalDAV password comes from the config file
or ``VITOSMS_CALDAV_PASSWORD``, never from the command line.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import UsageError

MOVED = ("regenerate", "withdraw")
MAX_EVERY = 7 * 24 * 60  # a week: a calendar read less often is one read by hand


def _human(report: dict) -> str:
    head = "would be (dry run): " if report.get("dry_run") else ""
    lines = [
        f"{head}added {report['added']}, moved {report['moved']}, "
        f"cancelled {report['cancelled']}, changed {report['changed']}, "
        f"unchanged {report['unchanged']}, skipped {report['skipped']}, "
        f"rejected {len(report['rejected'])}"
    ]
    for rejected in report["rejected"]:
        where = f"line {rejected['line']}" if "line" in rejected else f"UID {rejected.get('uid') or rejected.get('id')}"
        if rejected.get("start"):  # which visit of a recurring event
            where += f" ({rejected['start'][:16].replace('T', ' ')})"
        lines.append(f"{where}: {rejected['reason']}")
    return "\n".join(lines)


def _read(path: Path) -> bytes:
    from ..core.csv_table import MAX_BYTES
    from ..core.paths import read_limited

    return read_limited(path, MAX_BYTES, "file")  # the size is checked while reading


def cmd_import_appointments(ctx, args) -> int:
    from ..core.appointment_feed import parse_csv, parse_ics
    from ..core.appointment_sync import apply_feed

    path = Path(args.file)
    kind = path.suffix.lower()
    if kind not in (".ics", ".csv"):
        raise UsageError("usage.ics_csv_file", name=path.name)
    raw = _read(path)
    if kind == ".ics" and not args.mandant:
        raise UsageError("usage.icalendar_file_names")
    ctx.open()
    if kind == ".ics":
        feed, source = parse_ics(raw, args.mandant), "ical"
    else:
        feed, source = parse_csv(raw, args.mandant or ""), "csv"
    report = apply_feed(feed, source, args.mandant or "", args.moved, ctx.user, args.dry_run)
    ctx.emit(report, _human)
    return 0


def cmd_sync_caldav(ctx, args) -> int:
    from ..core.calendar_syncs import remember_sync
    from ..delivery.caldav_sync import sync_calendar

    if args.every is not None and not 0 <= args.every <= MAX_EVERY:
        raise UsageError("usage.every_hand_only", limit=MAX_EVERY)
    ctx.open()
    report = sync_calendar(
        ctx.settings, args.mandant, args.url, login=args.login, moved=args.moved, user=ctx.user, dry_run=args.dry_run
    )
    if not args.dry_run:
        remember_sync(args.mandant, args.url, args.login or ctx.settings.caldav.login, args.moved, args.every, ctx.user)
    ctx.emit(report, _human)
    return 0


def register(sub, common) -> None:
    p = sub.add_parser(
        "import-appointments", parents=[common], help="import or sync appointments from an .ics or .csv file"
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--mandant", metavar="C")
    p.add_argument("--moved", choices=MOVED, default="regenerate")
    p.add_argument("--dry-run", action="store_true")
    p.set_defaults(handler=cmd_import_appointments)

    sync = sub.add_parser("sync", parents=[common], help="sync appointments from a calendar server")
    kinds = sync.add_subparsers(dest="sync_command", metavar="caldav", required=True)
    p = kinds.add_parser("caldav", parents=[common])
    p.add_argument("url", metavar="URL")
    p.add_argument("--mandant", metavar="C", required=True)
    p.add_argument("--login", metavar="L")
    p.add_argument("--moved", choices=MOVED, default="regenerate")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument(
        "--every", type=int, metavar="MINUTES", help="the worker syncs this calendar every MINUTES (0: by hand only)"
    )
    p.set_defaults(handler=cmd_sync_caldav)
