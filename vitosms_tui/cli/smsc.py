"""``vitosms smsc [--port N]``: the mock gateway as an SMSC on loopback (CONTRACT.md).

It accepts the ``system_id`` and ``password`` of the ``[sms]`` settings (so a
worker with the same config file binds), or ``vitosms``/``vitosms`` when the
config names none. It runs until SIGTERM or SIGINT. The line saying where it
listens is printed once it does (with ``--json``: one JSON line), so a script
can wait for it.

With ``--tls-cert FILE --tls-key FILE`` it speaks SMPP over TLS, as a
provider does with ``[sms] tls = true``.

``vitosms smsc reply --from NUMBER --text TEXT``: the simulated handset of
that number answers the practice (delivered by the running simulator).
"""

from __future__ import annotations

import asyncio
import signal
import ssl
import sys

from ..core.errors import UsageError
from .arguments import not_negative

DEFAULT_LOGIN = "vitosms"


def smsc_login(settings) -> tuple[str, str]:
    """The system_id and password the simulator accepts (those of ``[sms]``, if any)."""
    return settings.sms.system_id or DEFAULT_LOGIN, settings.sms.password or DEFAULT_LOGIN


def _tls_context(args) -> ssl.SSLContext | None:
    if not (args.tls_cert or args.tls_key):
        return None
    if not (args.tls_cert and args.tls_key):
        raise UsageError("usage.smsc_tlscert_tlskey")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(args.tls_cert, args.tls_key)
    except (OSError, ssl.SSLError) as error:
        raise UsageError(
            "usage.smsc_cannot_certificate", tls_cert=args.tls_cert, value=getattr(error, "strerror", None) or error
        ) from None
    return context


async def _serve(ctx, args) -> None:
    from ..delivery.smsc.server import Smsc

    system_id, password = smsc_login(ctx.settings)
    smsc = Smsc(
        ctx.state_dir,
        system_id=system_id,
        password=password,
        report_delay_seconds=ctx.settings.delivery.report_delay_seconds,
        throttle_per_second=args.throttle,
        drop_after=args.drop_after,
        gsm7_packed=ctx.settings.sms.gsm7_packed,
    )
    tls = _tls_context(args)
    try:
        port = await smsc.start(args.host, args.port, tls)
    except OSError as error:
        raise UsageError("usage.smsc_cannot_listen", host=args.host, port=args.port, reason=error.strerror) from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    ctx.emit(
        {"listening": {"host": args.host, "port": port, "system_id": system_id}},
        lambda d: f"vitosms smsc: listening on {args.host}:{port} (system_id {system_id!r})",
    )
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await smsc.close()


def cmd_smsc(ctx, args) -> int:
    if args.action == "reply":
        from ..delivery.smsc.handset import write_reply

        ctx.emit(
            write_reply(ctx.state_dir, args.from_number, args.text),
            lambda d: f"reply {d['id']} from {d['from']} waits for the practice's link",
        )
        return 0
    asyncio.run(_serve(ctx, args))
    return 0


def register(sub, common) -> None:
    p = sub.add_parser("smsc", parents=[common], help="the mock gateway as an SMPP 3.4 SMSC on loopback")
    p.add_argument("--port", type=not_negative, default=2775, help="TCP port (0: any free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument(
        "--throttle",
        type=not_negative,
        default=0,
        metavar="N",
        help="answer 'throttled' beyond N submissions a second (0: never)",
    )
    p.add_argument(
        "--drop-after",
        type=not_negative,
        default=0,
        metavar="N",
        help="drop the link, unanswered, at every N-th submission (0: never)",
    )
    p.add_argument("--tls-cert", metavar="FILE", help="serve SMPP over TLS with this certificate (PEM)")
    p.add_argument("--tls-key", metavar="FILE", help="the certificate's private key (PEM)")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    reply = actions.add_parser("reply", parents=[common], help="the simulated handset answers")
    reply.add_argument("--from", dest="from_number", required=True, metavar="NUMBER")
    reply.add_argument("--text", required=True)
    p.set_defaults(handler=cmd_smsc, action=None)
