"""What every command gets: settings, the acting user, where state lives, output."""

from __future__ import annotations

import getpass
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..core import clock
from ..core.config import Settings, load_settings
from ..core.db import open_database, resolve_path
from ..core.errors import UsageError

DEFAULT_DB = "vitosms.db"


@dataclass
class Context:
    db_url: str
    settings: Settings
    user: str
    state_dir: Path
    json: bool = False
    out: object = None  # None: whatever sys.stdout is at the time

    def open(self, create: bool = False) -> None:
        """Open the database and bring its schema up to date.

        Only ``init``, ``seed`` and ``demo`` may create a SQLite file: for every
        other command a path that does not exist is a typo, not a new practice.
        """
        from ..core.schema import SCHEMA_VERSION, migrate, schema_version

        open_database(self.db_url, create=create)
        if schema_version() != SCHEMA_VERSION:
            migrate()
            from ..core.templates import install_default_templates

            install_default_templates()

    def emit(self, document, human=None) -> None:
        """One JSON document with --json, else the human text (or the JSON pretty)."""
        if self.json:
            print(json.dumps(document, ensure_ascii=False, default=str), file=self.out or sys.stdout)
        elif human is not None:
            text = human(document) if callable(human) else human
            if text:
                print(text, file=self.out or sys.stdout)
        else:
            print(json.dumps(document, ensure_ascii=False, indent=2, default=str), file=self.out or sys.stdout)


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"


def make_context(args) -> Context:
    db_url = args.db or os.environ.get("VITOSMS_DB") or DEFAULT_DB
    now = args.now or os.environ.get("VITOSMS_NOW")
    if now:
        clock.set_now(now)
    settings = load_settings(args.config)
    for warning in settings.warnings:
        print(f"vitosms: warning: {warning}", file=sys.stderr)
    state = args.state_dir or os.environ.get("VITOSMS_STATE_DIR")
    if state:
        state_dir = Path(state).expanduser()
    else:
        path = resolve_path(db_url)
        state_dir = (path.parent if path else Path.cwd()) / "vitosms-state"
    user = args.user or os.environ.get("VITOSMS_USER") or _login()
    if not user.strip():
        raise UsageError("usage.user_empty")
    return Context(db_url=db_url, settings=settings, user=user.strip(), state_dir=state_dir, json=bool(args.json))
