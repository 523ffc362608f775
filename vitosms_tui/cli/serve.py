"""``vitosms serve``: the interface in a browser, through textual-serve.

Every browser connection starts its own ``vitosms ui`` process with the global
options serve was given, so a browser tab is a terminal like any other.

serve has no login of its own: whoever reaches the port works at the front
desk as ``--user``. So it listens on loopback, behind a reverse proxy (nginx
with TLS and authentication); another address needs ``--allow-remote``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import shlex
import sys
from pathlib import Path
from urllib.parse import urlsplit

from ..core.errors import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# textual-serve's page without the font from another host: a page with patient data tells
# no third party who opens it, and a practice network that drops outside traffic does not stall it
PAGE_FOLDER = Path(__file__).parent / "serve_page"
SHUTDOWN_SECONDS = 10.0  # a browser's app is told to quit; this bounds the wait for it

# (option, attribute): the global options a browser's `vitosms ui` inherits
FORWARDED_OPTIONS = (
    ("--db", "db"),
    ("--config", "config"),
    ("--state-dir", "state_dir"),
    ("--user", "user"),
    ("--now", "now"),
)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # any other name may resolve anywhere


def check_listen(host: str, port: int, allow_remote: bool) -> None:
    if not 1 <= port <= 65535:
        raise UsageError("usage.serve_port_between", port=port)
    if not is_loopback(host) and not allow_remote:
        raise UsageError("usage.serve_loopback_address", host=host)


def check_public_url(url: str) -> str:
    """The address browsers use (the proxy's), without a trailing slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise UsageError("usage.serve_publicurl_http", url=url)
    return url.rstrip("/")


def origin_of(url: str) -> str:
    """scheme://host[:port] as a browser sends it in Origin (no default port, lower case)."""
    parts = urlsplit(url.strip().lower())
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def allowed_origins(public_url: str, host: str, port: int) -> set[str]:
    """The pages that may open a session: the public address, and on loopback the
    local names of the same port (a browser on the server itself)."""
    origins = {origin_of(public_url)}
    if is_loopback(host):
        origins |= {f"http://{name}:{port}" for name in ("localhost", "127.0.0.1", "[::1]")}
    return origins


def ui_command(args) -> str:
    """The shell command textual-serve runs for each browser connection.

    The interpreter running serve, not a `vitosms` found on PATH, which could be
    another install; -P keeps the working folder off sys.path for the same reason.
    textual-serve hands the command to a shell, hence the quoting; exec makes the
    process serve stops the ui itself, not a shell in front of it.
    """
    argv = [sys.executable, "-P", "-m", "vitosms_tui.cli.main"]
    for option, name in FORWARDED_OPTIONS:
        value = getattr(args, name, None)
        if value is not None:
            argv += [option, str(value)]
    argv.append("ui")
    return "exec " + shlex.join(argv)


def _desk_session_class():
    from textual_serve.app_service import AppService

    from ..ui.compat import running_process

    class DeskSession(AppService):
        """One browser's `vitosms ui`: stopping it waits until that process has ended.

        textual-serve only reads the app's output to its end; a process not waited for
        outlives serve's event loop and leaves a traceback on the way out.
        """

        async def stop(self) -> None:
            process = running_process(self)
            if process is not None:
                await self.send_meta({"type": "quit"})
                try:
                    await asyncio.wait_for(process.wait(), SHUTDOWN_SECONDS)
                except TimeoutError:
                    process.kill()  # an app that does not quit does not keep serve from stopping
                    await process.wait()
            await super().stop()  # the rest: downloads, and the output read to its end

    return DeskSession


def _desk_server(command: str, host: str, port: int, public_url: str):
    from aiohttp import web
    from textual_serve.server import Server

    from ..ui.compat import serve_sessions_with

    serve_sessions_with(_desk_session_class())

    origins = allowed_origins(public_url, host, port)
    log = logging.getLogger("vitosms.serve")

    class DeskServer(Server):
        """textual-serve's server; sessions only from its own page, ended when serve stops."""

        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.sessions: set[asyncio.Task] = set()

        async def on_startup(self, app) -> None:
            pass  # the line saying where it listens comes once the port is bound

        async def handle_websocket(self, request):
            # A page of another site open in the desk's browser may open a websocket here
            # too (the browser sends the proxy's login along) and would see and type in the
            # desk: the browser names that page in Origin. Without Origin it is no browser.
            origin = request.headers.get("Origin")
            if origin is not None and origin_of(origin) not in origins:
                log.warning("refused a session opened by a page of %s", origin)
                raise web.HTTPForbidden(text="vitosms serve: a session opens only from its own page\n")
            task = asyncio.current_task()
            self.sessions.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                self.sessions.discard(task)

        async def on_shutdown(self, app) -> None:
            # cancelling a session tells its `vitosms ui` to quit and waits for it;
            # without this aiohttp would wait for open websockets until its timeout
            sessions = list(self.sessions)
            for task in sessions:
                task.cancel()
            if sessions:
                await asyncio.wait(sessions, timeout=SHUTDOWN_SECONDS)

    return DeskServer(command, host=host, port=port, title="vitosms", public_url=public_url, templates_path=PAGE_FOLDER)


def cmd_serve(ctx, args) -> int:
    host, port = args.host.strip("[]"), args.port  # [::1] as in a URL: aiohttp wants ::1
    check_listen(host, port, args.allow_remote)
    if args.public_url:
        public_url = check_public_url(args.public_url)
    else:
        public_url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    ctx.open()  # a wrong --db is one line now, not a blank page per browser
    from ..core.db import database

    # serve itself never reads the practice; each browser's process does
    getattr(database, "close_all", database.close)()

    from aiohttp import web

    from ..ui.compat import web_application

    server = _desk_server(ui_command(args), host, port, public_url)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    if not is_loopback(host):
        print(f"vitosms serve: warning: listening on {host} without a login of its own", file=sys.stderr)

    def announce(*_ignored) -> None:
        print(f"vitosms serve: {server.public_url} (listening on {host} port {port}; Ctrl+C stops)", flush=True)

    try:
        # handle_signals: SIGINT and SIGTERM end run_app normally, so serve exits 0
        web.run_app(
            web_application(server),
            host=host,
            port=port,
            handle_signals=True,
            shutdown_timeout=SHUTDOWN_SECONDS,
            print=announce,
        )
    except OSError as error:
        reason = os.strerror(error.errno).lower() if error.errno else str(error)
        raise UsageError("usage.serve_cannot_listen", host=host, port=port, reason=reason) from None
    return 0


def register(sub, common) -> None:
    p = sub.add_parser(
        "serve", parents=[common], help="the interface in a browser, for a reverse proxy (no login of its own)"
    )
    p.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8000)")
    p.add_argument(
        "--public-url", metavar="URL", help="the address browsers use, e.g. https://sms.praxis.example (the proxy's)"
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="listen on an address other than loopback (anyone reaching it is logged in)",
    )
    p.set_defaults(handler=cmd_serve)
