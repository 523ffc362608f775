"""``vitosms backup FILE`` and ``vitosms restore FILE [--force]``.

Neither needs the workers or the terminals stopped to take a backup; a restore
is refused while a worker is sending (see :mod:`vitosms_tui.core.backup`).
"""

from __future__ import annotations


def _size(size: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return str(size)


def _contents(r: dict) -> str:
    return f"{r['persons']} persons, {r['messages']} messages, {r['credit_entries']} ledger entries"


def cmd_backup(ctx, args) -> int:
    from ..core import backup

    result = backup.backup(ctx.db_url, args.file)
    ctx.emit(
        result,
        lambda r: f"backup {r['file']}: schema version {r['schema_version']}, {_contents(r)}, {_size(r['size'])}",
    )
    return 0


def cmd_restore(ctx, args) -> int:
    from ..core import backup

    result = backup.restore(ctx.db_url, args.file, force=args.force)

    def human(r):
        text = (
            f"restored {r['file']} (schema version {r['backup_schema_version']}"
            f"{', now ' + str(r['schema_version']) if r['backup_schema_version'] != r['schema_version'] else ''}): "
            f"{_contents(r)}"
        )
        if r["forced_over_leases"]:
            text += f"; {r['forced_over_leases']} message(s) a worker was sending will be sent again"
        return text

    ctx.emit(result, human)
    return 0


def register(sub, common) -> None:
    p = sub.add_parser("backup", parents=[common], help="copy the database into FILE while everything keeps running")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(handler=cmd_backup)
    p = sub.add_parser("restore", parents=[common], help="replace the database by the backup FILE (workers stopped)")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--force", action="store_true", help="restore even while a worker is sending (those messages are sent again)"
    )
    p.set_defaults(handler=cmd_restore)
