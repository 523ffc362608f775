"""``vitosms`` / ``vitosms ui``: open the terminal interface."""

from __future__ import annotations

import os
import sys

from ..core.errors import UsageError


def _in_browser() -> bool:
    # under `vitosms serve` the terminal is a browser tab, reached through pipes
    return os.environ.get("TEXTUAL_DRIVER", "").startswith("textual.drivers.web_driver:")


def run_ui(ctx, args, embedded_worker=None) -> int:
    """Open the database and run the TUI until the desk quits (Ctrl+Q)."""
    if not (_in_browser() or (sys.stdin.isatty() and sys.stdout.isatty())):
        raise UsageError("usage.interface_needs_terminal")
    ctx.open()
    from ..ui.app import VitoSmsApp

    app = VitoSmsApp(
        user=ctx.user,
        settings=ctx.settings,
        db_url=ctx.db_url,
        embedded_worker=embedded_worker,
        state_dir=ctx.state_dir,
    )
    app.run()
    return int(app.return_code or 0)


def register(sub, common) -> None:
    p = sub.add_parser("ui", parents=[common], help="open the terminal interface (the default)")
    p.set_defaults(handler=run_ui)
