"""The command line of CONTRACT.md: ``vitosms …``.

Exit codes: 0 done, 1 refused by a rule of the practice, 2 usage or
configuration error. A reason is always one line on stderr (and a JSON error
document on stdout with ``--json``); a traceback is never the answer to bad
input.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

import peewee

from ..core.errors import UsageError, VitosmsError

# The command modules, in the order of `vitosms --help`, each with the commands its
# register(subparsers, common) adds: the one list of them. A start builds (and
# imports) only the module of the command given: `vitosms` and `vitosms ui` need
# none of the others' imports (phonenumbers, email_validator); help and an unknown
# command build them all. tests/unit/test_start_imports.py holds each module to its line.
COMMANDS_OF_MODULE = {
    "foundation": ("init", "seed", "import-persons", "mandant", "staff", "person"),
    "ui_command": ("ui",),
    "messaging": ("send", "messages", "credits"),
    "agenda": ("appointment",),
    "worker": ("worker",),
    "recall": ("recall", "automation"),
    "demo": ("demo",),
    "backup": ("backup", "restore"),
    "serve": ("serve",),
    "appointment_import": ("import-appointments", "sync"),
    "smsc": ("smsc",),
    "inbox": ("inbox",),
}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message):
        raise UsageError("usage.arguments", message=message, command=self.prog.removeprefix("vitosms "))


def _common_options() -> argparse.ArgumentParser:
    # Global options are accepted before and after the command name.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, metavar="URL_OR_PATH")
    common.add_argument("--config", default=argparse.SUPPRESS, metavar="PATH")
    common.add_argument("--state-dir", default=argparse.SUPPRESS, metavar="PATH")
    common.add_argument("--user", default=argparse.SUPPRESS, metavar="NAME")
    common.add_argument("--now", default=argparse.SUPPRESS, metavar="ISO-8601")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    return common


def build_parser(modules: tuple[str, ...] | None = None) -> argparse.ArgumentParser:
    """The parser with the commands of ``modules`` (None: of all, as help needs them)."""
    common = _common_options()
    parser = _Parser(
        prog="vitosms", parents=[common], description="Patient messaging (SMS and e-mail) for the practice front desk."
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for name in COMMANDS_OF_MODULE if modules is None else modules:
        module = importlib.import_module(f"{__package__}.{name}")
        module.register(sub, common)
    return parser


class _NotSure(Exception):
    pass


class _Prescan(argparse.ArgumentParser):
    def error(self, message):
        raise _NotSure(message)


def modules_for(argv: list[str]) -> tuple[str, ...] | None:
    """The command modules ``argv`` needs: the one of its command, None (all) when unsure.

    The global options are read by argparse itself (abbreviations, ``--db=…``),
    so the first word left over is the command, as the full parser sees it.
    No command and nothing else is the terminal interface; help, an unknown
    command or anything unexpected gets every module (and argparse's answer).
    """
    try:
        _known, rest = _Prescan(add_help=False, parents=[_common_options()]).parse_known_args(argv)
    except _NotSure:
        return None
    if not rest:
        return ("ui_command",)
    command = rest[0]
    for module, commands in COMMANDS_OF_MODULE.items():
        if command in commands:
            return (module,)
    return None


def _defaults(args) -> argparse.Namespace:
    for name in ("db", "config", "state_dir", "user", "now"):
        if not hasattr(args, name):
            setattr(args, name, None)
    if not hasattr(args, "json"):
        args.json = False
    return args


def _report(error: VitosmsError, as_json: bool) -> int:
    message = " ".join(error.message.split())  # one line, always
    print(f"vitosms: {message}", file=sys.stderr)
    if as_json:
        print(json.dumps({"error": {"code": error.code, "message": message}}, ensure_ascii=False))
    return error.exit_code


def main(argv: list[str] | None = None) -> int:
    os.umask(0o077)  # database, state and export files: owner only
    argv = sys.argv[1:] if argv is None else argv
    as_json = "--json" in argv
    try:
        for arg in argv:
            # bytes a terminal could not decode arrive as lone surrogates: refuse them here,
            # before they reach a file or the database
            if not arg.isascii() and any("\ud800" <= char <= "\udfff" for char in arg):
                raise UsageError("usage.argument_valid_utf", arg=arg)
        parser = build_parser(modules_for(argv))
        args = _defaults(parser.parse_args(argv))
        if not getattr(args, "handler", None):
            from .ui_command import run_ui

            args.handler = run_ui
        from .context import make_context

        context = make_context(args)
        result = args.handler(context, args)
        return int(result or 0)
    except VitosmsError as error:
        return _report(error, as_json)
    except OverflowError:
        # e.g. an id of 30 digits: more than the database can hold, so no such record
        return _report(UsageError("usage.number_given_out"), as_json)
    except peewee.DatabaseError as error:
        # e.g. the database stayed locked longer than the busy timeout, or the
        # PostgreSQL server went away
        return _report(VitosmsError("database", error=error), as_json)
    except KeyboardInterrupt:
        print("vitosms: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
