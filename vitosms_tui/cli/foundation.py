"""Commands for the practice's ground: init, seed, import, Mandanten, staff, persons."""

from __future__ import annotations

from ..core import mandanten, persons
from ..core.errors import Refused
from . import serialize
from .arguments import not_negative


def cmd_init(ctx, args) -> int:
    from ..core.db import open_database
    from ..core.schema import migrate
    from ..core.templates import install_default_templates

    open_database(ctx.db_url)
    result = migrate()
    result["templates_installed"] = install_default_templates()
    ctx.emit(result, lambda r: f"schema version {r['schema_version']} (was {r['from_version']})")
    return 0


def cmd_seed(ctx, args) -> int:
    from ..core.seed import seed_practice

    ctx.open(create=True)
    result = seed_practice(
        mandanten=args.mandanten, persons=args.persons, appointments=args.appointments, seed=args.seed, user=ctx.user
    )
    ctx.emit(result, lambda r: ", ".join(f"{k}: {v}" for k, v in r.items()))
    return 0


def cmd_import(ctx, args) -> int:
    from ..core.csv_table import MAX_BYTES
    from ..core.paths import read_limited
    from ..core.person_import import import_persons

    raw = read_limited(args.file, MAX_BYTES, "file")  # /dev/zero is refused after 64 MiB
    ctx.open()
    report = import_persons(raw, user=ctx.user)

    def human(r):
        lines = [f"imported {r['imported']}, rejected {len(r['rejected'])}"]
        lines += [f"line {x['line']}: {x['reason']}" for x in r["rejected"]]
        if r.get("ignored_columns"):
            lines.append("ignored columns: " + ", ".join(r["ignored_columns"]))
        return "\n".join(lines)

    ctx.emit(report, human)
    return 0


def cmd_mandant_add(ctx, args) -> int:
    ctx.open()
    m = mandanten.add_mandant(args.code, args.name, args.sender, user=ctx.user)
    ctx.emit(serialize.mandant(m, 0), lambda d: f"Mandant {d['code']} added (id {d['id']})")
    return 0


def cmd_mandant_list(ctx, args) -> int:
    from ..core.credits import balances

    ctx.open()
    money = balances()
    rows = [serialize.mandant(m, money.get(m.id, 0)) for m in mandanten.list_mandanten()]
    ctx.emit(
        rows,
        lambda rs: "\n".join(f"{r['code']:<8} {r['name']:<30} {r['sender']:<11} {r['balance']:>7} credits" for r in rs),
    )
    return 0


def _on_off(value):
    return None if value is None else value == "on"


def cmd_mandant_set(ctx, args) -> int:
    ctx.open()
    m = mandanten.get_mandant(args.code)
    m = mandanten.update_settings(
        m,
        user=ctx.user,
        auto_reminders=_on_off(args.auto_reminders),
        lead_hours=args.lead_hours,
        auto_birthday=_on_off(args.auto_birthday),
        birthday_time=args.birthday_time,
        quiet=args.quiet,
        low_balance=args.low_balance,
        channel_order=args.channel_order.split(",") if args.channel_order else None,
    )
    ctx.emit(serialize.mandant(m), lambda d: f"Mandant {d['code']} updated")
    return 0


def cmd_staff_add(ctx, args) -> int:
    ctx.open()
    s = mandanten.add_staff(args.login, args.name, args.role, user=ctx.user, may_order=args.may_order, email=args.email)
    ctx.emit(
        {"id": s.id, "login": s.login, "name": s.name, "role": s.role, "may_order": s.may_order, "email": s.email},
        lambda d: f"staff {d['login']} ({d['role']}{', may order' if d['may_order'] else ''}) added",
    )
    return 0


def cmd_person_add(ctx, args) -> int:
    ctx.open()
    data = persons.PersonInput(
        first_name=args.first,
        last_name=args.last,
        birth_date=args.birth,
        mobile=args.mobile,
        email=args.email,
        language=args.lang,
        mandant=args.mandant,
        preferred_channel=args.channel,
        deceased=args.deceased,
        salutation=args.salutation or "",
    )
    consents = {"reminder": not args.no_reminders, "recall": not args.no_recalls, "birthday": args.birthday_greetings}
    p = persons.add_person(data, consents, user=ctx.user, source="cli")
    ctx.emit(serialize.person(p), lambda d: f"person {d['first_name']} {d['last_name']} added (id {d['id']})")
    return 0


def cmd_person_list(ctx, args) -> int:
    ctx.open()
    found = persons.search(args.search or "", limit=args.limit)
    rows = [serialize.person(p) for p in found]
    ctx.emit(
        rows,
        lambda rs: (
            "\n".join(
                f"{r['id']:>6} {r['last_name']}, {r['first_name']}  {r['birth_date'] or '':<10} "
                f"{r['mobile'] or '':<13} {r['email'] or ''}"
                for r in rs
            )
            or "no persons found"
        ),
    )
    return 0


def register(sub, common) -> None:
    p = sub.add_parser("init", parents=[common], help="create or migrate the schema")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("seed", parents=[common], help="build a deterministic demo practice")
    p.add_argument("--mandanten", type=not_negative, default=3)
    p.add_argument("--persons", type=not_negative, default=300)
    p.add_argument("--appointments", type=not_negative, default=None)
    p.add_argument("--seed", type=not_negative, default=1)
    p.set_defaults(handler=cmd_seed)

    p = sub.add_parser("import-persons", parents=[common], help="import persons from CSV")
    p.add_argument("file", metavar="FILE.csv")
    p.set_defaults(handler=cmd_import)

    mandant = sub.add_parser("mandant", parents=[common], help="Mandanten").add_subparsers(
        dest="mandant_command", metavar="add|list|set", required=True
    )
    p = mandant.add_parser("add", parents=[common])
    p.add_argument("--code", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--sender")
    p.set_defaults(handler=cmd_mandant_add)
    p = mandant.add_parser("list", parents=[common])
    p.set_defaults(handler=cmd_mandant_list)
    p = mandant.add_parser("set", parents=[common])
    p.add_argument("code", metavar="C")
    p.add_argument("--auto-reminders", choices=("on", "off"))
    p.add_argument("--lead-hours", type=not_negative)
    p.add_argument("--auto-birthday", choices=("on", "off"))
    p.add_argument("--birthday-time", metavar="HH:MM")
    p.add_argument("--quiet", metavar="HH:MM-HH:MM")
    p.add_argument("--low-balance", type=not_negative)
    p.add_argument("--channel-order", metavar="sms,email")
    p.set_defaults(handler=cmd_mandant_set)

    staff = sub.add_parser("staff", parents=[common], help="staff logins").add_subparsers(
        dest="staff_command", metavar="add", required=True
    )
    p = staff.add_parser("add", parents=[common])
    p.add_argument("--login", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=("frontdesk", "servicedesk"))
    p.add_argument("--may-order", action="store_true", help="may order credit packages (costs money)")
    p.add_argument("--email", help="the staff member's own address: exports made over SSH are sent there")
    p.set_defaults(handler=cmd_staff_add)

    person = sub.add_parser("person", parents=[common], help="persons").add_subparsers(
        dest="person_command", metavar="add|list", required=True
    )
    p = person.add_parser("add", parents=[common])
    p.add_argument("--first", required=True)
    p.add_argument("--last", required=True)
    p.add_argument("--birth", metavar="YYYY-MM-DD")
    p.add_argument("--mobile")
    p.add_argument("--email")
    p.add_argument("--lang", default="de", choices=("de", "fr", "it", "en"))
    p.add_argument("--mandant", metavar="C")
    p.add_argument("--channel", choices=("sms", "email"))
    p.add_argument("--salutation", choices=("Herr", "Frau"))
    p.add_argument("--no-reminders", action="store_true")
    p.add_argument("--no-recalls", action="store_true")
    p.add_argument("--birthday-greetings", action="store_true")
    p.add_argument("--deceased", action="store_true")
    p.set_defaults(handler=cmd_person_add)
    p = person.add_parser("list", parents=[common])
    p.add_argument("--search", metavar="TEXT")
    p.add_argument("--limit", type=not_negative, default=100)
    p.set_defaults(handler=cmd_person_list)


__all__ = ["register", "Refused"]
