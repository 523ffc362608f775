"""The frameworks' private parts that vitosms still leans on: all of them, here and nowhere else.

Textual and textual-serve keep the names below private (a leading underscore, or a
module of their own that the package does not export). Each is used because no public
way does the same job; everywhere else the package keeps to public names, which
tests/unit/test_private_imports.py checks. tests/unit/test_compat.py holds one test
per patch against the installed version: an upgrade that renames or changes one of
them fails there, by name, instead of somewhere on the desk. pyproject.toml keeps both
packages below their next major version.

``FooterKey`` (from ``textual.widgets._footer``)
    Why: the key rows (:class:`ui.widgets.footer.KeyBar`) are Textual's Footer with
    keys of our choosing (the view keys in a row of their own, translated, the open
    view marked). Footer draws each key with FooterKey, which ``textual.widgets`` does
    not export.
    Touches: the import only; KeyBar builds it as Footer does:
    ``FooterKey(key, key_display, description, action, disabled=, tooltip=, classes=)``.
    When Textual changes: once ``textual.widgets`` exports it, import it from there and
    drop it here; if its arguments change, adapt ``KeyBar.compose``; if it is gone, let
    KeyBar draw its keys with a widget of its own (their look: ``KeyBar FooterKey`` in
    app.tcss).

:func:`mark_styled` (``Screen._css_update_count``, ``App._css_update_count``)
    Why: Textual styles a screen when it mounts, but when a mode's screen is first
    shown it takes the screen's counter (-1 on a new screen) for stale CSS and parses
    the whole stylesheet again and restyles every widget of the app, twice: 14 such
    passes from the start through all seven views (docs/performance.md), none with
    the mark.
    Touches: sets the new screen's counter to the app's before the screen is mounted;
    read nowhere else by us.
    When Textual changes: if ``App._init_mode``/``switch_mode`` stop comparing the
    counters, or a new screen starts out current, delete the function and its call
    in app.py; if the names change, follow them (the test names the assumption).

:func:`node_bindings` (``DOMNode._bindings``)
    Why: F1 (ui.modals.help) lists every key of the view, also those of widgets that
    do not have the focus now. Textual's public ``Screen.active_bindings`` holds the
    focused chain only; a node's own keys, merged from its classes' BINDINGS as
    Textual merges them (``inherit_bindings=False`` included), are ``_bindings``.
    Touches: reads it; iterates (key, Binding) pairs.
    When Textual changes: if a node's bindings become public, read them there; if
    ``_bindings`` is renamed or no longer a BindingsMap, follow it.

:func:`web_application` (``textual_serve.server.Server._make_app``)
    Why: ``vitosms serve`` runs aiohttp's ``run_app`` itself, to print its address only
    once the port is bound, to say in one line why a port cannot be bound, and to end
    the browsers' sessions within seconds when stopped. ``Server.serve()``, the public
    entry, installs its own logging and signal handlers and prints nothing once bound.
    Touches: calls the coroutine that builds the aiohttp application (routes, templates).
    When textual-serve changes: if it offers the application (or a hook after binding)
    publicly, use that; if ``_make_app`` is renamed, follow it.

:func:`serve_sessions_with` (``textual_serve.server.AppService``)
    Why: ``Server.handle_websocket`` builds each browser's session from the name
    ``AppService`` of its own module; it takes no session class. The desk's session
    (cli.serve) waits for its ``vitosms ui`` process to end when stopped.
    Touches: rebinds that module global, once, when serve starts (serve is the only
    user of textual-serve in the process).
    When textual-serve changes: if Server takes a session class or factory, pass it
    there instead.

:func:`running_process` (``AppService._process``, ``AppService._task``)
    Why: ``AppService.stop()`` reads the app's output to its end but never waits for
    the process; an ``asyncio`` process not waited for outlives serve's event loop and
    prints a traceback on the way out. The session needs the process to wait for it.
    Touches: reads both attributes; writes neither.
    When textual-serve changes: if it waits for the process itself, drop the desk's
    ``stop`` (cli.serve) and this function; if the names change, follow them.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from collections.abc import Iterable

    from textual.app import App
    from textual.binding import Binding
    from textual.dom import DOMNode
    from textual.screen import Screen

__all__ = ["FooterKey", "mark_styled", "node_bindings", "running_process", "serve_sessions_with", "web_application"]


def mark_styled(screen: Screen, app: App) -> None:
    """Tell Textual that ``screen`` (new, not mounted yet) is styled with the app's current CSS."""
    screen._css_update_count = app._css_update_count


def node_bindings(node: DOMNode) -> Iterable[tuple[str, Binding]]:
    """A node's own keys (those of its classes' BINDINGS and any bound since), as (key, Binding)."""
    return node._bindings


def web_application(server: Any):
    """The aiohttp application (a coroutine) of a textual-serve ``Server``, for ``aiohttp.web.run_app``."""
    return server._make_app()


def serve_sessions_with(session_class: type) -> None:
    """Make textual-serve's server build each browser's session from ``session_class``."""
    from textual_serve import server

    # a module global, read by handle_websocket at each connection (mypy: a class name assigned)
    server.AppService = session_class  # type: ignore[misc,assignment]


def running_process(session: Any) -> asyncio.subprocess.Process | None:
    """The app process of a started textual-serve session while it runs; None otherwise."""
    process = session._process
    if session._task is None or process is None or process.returncode is not None:
        return None
    return process
