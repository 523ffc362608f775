"""The shell: views on function keys, the status line, help, palette and Escape.

Each view is one entry of :data:`MODES`; adding a view is one line there. The
screen class is imported when the view is first opened; while its module does
not exist yet, a calm "follows later" screen stands in.

How a view plugs in:

- ``MODES["name"] = ("f<n>", N_("Title"), "vitosms_tui.ui.screens.module:Class")``;
  the class is built without arguments and finds its context on ``self.app``:
  ``user``, ``settings``, ``db_url``, ``current_mandant``.
- Subclass ``screens.base.ShellScreen`` and yield the view from
  ``compose_body()``: the status line and the two key rows come with it.
- Escape asks ``screen.back_out()`` first (True: the screen took the step);
  then a pushed screen is dismissed, then the previous view returns.
- ``mandant_switched(mandant)`` runs when F8 switches the Mandant (the screen watches
  the app's reactive ``current_mandant``).
- Binding descriptions and every shown string are English msgids marked with
  ``N_``/``_`` from ``ui.i18n``; ``tools/i18n.py update`` collects them and the
  German ``msgstr`` goes into ``locale/de/LC_MESSAGES/vitosms.po``.
- Text typed by or about persons goes through ``ui.sanitize.plain``.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import weakref
from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.reactive import var
from textual.screen import Screen
from textual.worker import get_current_worker

from ..core import automation, mandanten
from ..core.config import Settings
from ..core.db import connection
from . import i18n
from .i18n import N_, _
from .views.status import read_status
from .widgets.status_line import ATTENTION_KEY, Status

# view name: (function key, title msgid, "module:ScreenClass")
MODES: dict[str, tuple[str, str, str]] = {
    "agenda": ("f2", N_("Agenda"), "vitosms_tui.ui.screens.agenda:AgendaScreen"),
    "compose": ("f3", N_("Compose"), "vitosms_tui.ui.screens.compose:ComposeScreen"),
    "journal": ("f4", N_("Journal"), "vitosms_tui.ui.screens.journal:JournalScreen"),
    "credits": ("f5", N_("Credits"), "vitosms_tui.ui.screens.credits:CreditsScreen"),
    "recall": ("f6", N_("Recall"), "vitosms_tui.ui.screens.recall:RecallScreen"),
    "persons": ("f7", N_("Persons"), "vitosms_tui.ui.screens.persons:PersonsScreen"),
    # F8 switches the Mandant, F9 rewrites to GSM-7 in Compose
    "inbox": ("f10", N_("Inbox"), "vitosms_tui.ui.screens.inbox:InboxScreen"),
}
START_MODE = "agenda"
STATUS_SECONDS = 2.0
HISTORY_LENGTH = 20
# automation warnings scan the skipped messages: read in a thread, not with every status refresh
WARNINGS_SECONDS = 30.0

__all__ = ["MODES", "START_MODE", "VitoSmsApp"]


def screen_class(name: str) -> type[Screen] | None:
    """The view's screen class (its module imported now); None while the module does not exist."""
    module_name, _sep, class_name = MODES[name][2].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:  # a broken import inside a built view must show
            raise
        return None
    return getattr(module, class_name)


def screen_factory(name: str, app: App | None = None) -> Callable[[], Screen]:
    """Build the view's screen on first use; a missing module means "not built yet"."""
    title = MODES[name][1]

    def build() -> Screen:
        cls = screen_class(name)
        if cls is None:
            from .screens.pending import PendingScreen

            screen: Screen = PendingScreen(_(title))
        else:
            screen = cls()
        if app is not None:
            # A new screen is styled with the current CSS when it mounts. Textual takes a
            # screen it has not styled yet for one whose CSS went stale, and parses all the
            # CSS again and restyles every widget of the app, twice (about 0.1 s for the first
            # view, as much for each view opened later): tell it this one is up to date.
            screen._css_update_count = app._css_update_count
        return screen

    return build


def _person_commands():
    """The palette's person search, imported when the palette first opens (not at start)."""
    from .commands import PersonCommands

    return PersonCommands


def _css_paths(start: str) -> list[Path]:
    """The app's stylesheet, the dialogs' and the first view's own (its CSS_PATH), read together at start.

    Textual reads a screen's CSS_PATH when the screen is first shown and then
    parses all the CSS again from scratch; the first view is always shown, so
    its stylesheet is read with the app's and parsed once (in the same order).
    """
    here = Path(__file__).parent
    paths = [here / "app.tcss", here / "modals" / "dialogs.tcss"]
    cls = screen_class(start)
    own = getattr(cls, "CSS_PATH", None) if cls is not None else None
    if own:
        folder = Path(inspect.getfile(cls)).parent
        paths += [folder / path for path in ([own] if isinstance(own, (str, Path)) else own)]
    return paths


class VitoSmsApp(App[None]):
    """The front-desk application."""

    CSS_PATH = "app.tcss"  # with the dialogs' and the first view's own: see _css_paths
    TITLE = "vitosms"
    ENABLE_COMMAND_PALETTE = True
    # a terminal of 80 columns or 24 lines gets the classes -narrow / -short on its
    # screens; the views' .tcss let columns and panels give way there
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    COMMANDS = App.COMMANDS | {_person_commands}

    # the Mandant the desk works for (F8): screens watch it (ShellScreen.mandant_switched)
    current_mandant: var[mandanten.Mandant | None] = var(None, init=False)
    # what the status line shows: it watches this
    status: var[Status | None] = var(None, init=False)

    BINDINGS = [
        Binding("f1", "help", N_("Help"), key_display="F1"),
        # the function keys in their order on the keyboard: F8 (Mandant) before F10 (Inbox)
        *sorted(
            [
                *[
                    Binding(key, f"go('{name}')", title, key_display=key.upper())
                    for name, (key, title, _target) in MODES.items()
                ],
                Binding("f8", "switch_mandant", N_("Mandant"), key_display="F8"),
            ],
            key=lambda binding: int(binding.key[1:]),
        ),
        # shown in the status line while failed messages wait, not in the key rows
        Binding(ATTENTION_KEY, "attention", N_("Failed messages"), show=False),
        Binding("escape", "back", N_("Back"), key_display="Esc"),
        Binding("ctrl+p", "command_palette", N_("Commands"), priority=True),
        Binding("ctrl+q", "quit", N_("Quit"), priority=True),
    ]

    def __init__(
        self,
        user: str,
        settings: Settings,
        db_url: str,
        embedded_worker: Callable | None = None,
        state_dir: Path | None = None,
    ) -> None:
        i18n.set_language(settings.ui_language)
        super().__init__(css_path=_css_paths(START_MODE))
        self.user = user
        self.settings = settings
        self.db_url = db_url
        self.embedded_worker = embedded_worker
        self.state_dir = state_dir  # exports go to its exports/ folder (None: as the CLI finds it)
        self.mode_history: list[str] = []
        # screens that may hold work not yet saved or sent (see holds_unsaved_work)
        self.unsaved_work_holders: weakref.WeakSet[Screen] = weakref.WeakSet()
        self.automation_warnings: tuple[str, ...] = ()  # core.automation.automation_warnings()
        self.newest_reply: int | None = None  # the newest patient's answer the views have seen
        for name in MODES:
            self.add_mode(name, screen_factory(name, self))
        # before the app runs: set quietly (a watcher would start a worker, and there is no loop yet)
        active = mandanten.list_mandanten(active_only=True)
        if active:
            self.set_reactive(VitoSmsApp.current_mandant, active[0])
        # read once before the first paint; later in a thread (refresh_status)
        _mandant, status, self.newest_reply = read_status(user, self._mandant_id(), ())
        self.set_reactive(VitoSmsApp.status, status)

    def run(self, *args, **kwargs):
        # What was imported and built until now (modules, classes, models, the first view's
        # module) lives as long as the program: the garbage collector's passes leave it out
        # instead of walking it again and again while the first screen is built (about 0.1 s).
        gc.freeze()
        return super().run(*args, **kwargs)

    @property
    def mode_titles(self) -> dict[str, str]:
        return {name: _(title) for name, (_key, title, _target) in MODES.items()}

    def on_mount(self) -> None:
        self.refresh_status()
        self.set_interval(STATUS_SECONDS, self.refresh_status)
        # after the first view is painted: the scan's thread would compete with it for the interpreter
        self.call_after_refresh(self.refresh_warnings)
        self.set_interval(WARNINGS_SECONDS, self.refresh_warnings)
        self.switch_mode(START_MODE)
        if self.embedded_worker is not None:
            self._start_embedded_worker()

    def _start_embedded_worker(self) -> None:
        # Started on the app, not on a screen: closing a view must not stop delivery.
        worker = self.embedded_worker
        if inspect.iscoroutinefunction(worker):
            self.run_worker(worker(), name="delivery", group="delivery", exit_on_error=False)
        else:
            self.run_worker(worker, name="delivery", group="delivery", thread=True, exit_on_error=False)

    # -- status line and Mandant -------------------------------------------------

    def _mandant_id(self) -> int | None:
        return self.current_mandant.id if self.current_mandant is not None else None

    def refresh_status(self) -> None:
        """Re-read balance, failures and replies in a thread; the status line follows when it answers."""
        self._read_status(self._mandant_id(), self.automation_warnings)

    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def _read_status(self, mandant_id: int | None, warnings: tuple[str, ...]) -> None:
        found = read_status(self.user, mandant_id, warnings)
        if not get_current_worker().is_cancelled:  # a newer reading was asked for
            self.call_from_thread(self._show_status, mandant_id, *found)

    def _show_status(self, mandant_id: int | None, mandant, status: Status, newest: int | None) -> None:
        if mandant_id != self._mandant_id():
            return  # switched meanwhile: the switch reads again
        if mandant is not None:
            # name, threshold or "active" may have been changed elsewhere: no switch, no watchers
            self.set_reactive(VitoSmsApp.current_mandant, mandant)
        if newest != self.newest_reply and self.newest_reply is not None:
            # a patient answered: the view on screen shows it now (the agenda's marks)
            getattr(self.screen_stack[0], "answers_arrived", lambda: None)()
        self.newest_reply = newest
        self.status = status

    @work(thread=True, exclusive=True, group="status-warnings", exit_on_error=False)
    def refresh_warnings(self) -> None:
        """Re-read the automation warnings (automatic messages skipped) for the status line."""
        with connection():
            found = tuple(automation.automation_warnings())
        if found != self.automation_warnings:
            self.call_from_thread(self._set_warnings, found)

    def _set_warnings(self, found: tuple[str, ...]) -> None:
        self.automation_warnings = found
        self.refresh_status()

    def set_mandant(self, mandant) -> None:
        """Make ``mandant`` the current one: the views watching it follow."""
        if mandant is not None:
            self.current_mandant = mandant  # the same Mandant again changes nothing

    def watch_current_mandant(self) -> None:
        self.refresh_status()

    def action_switch_mandant(self) -> None:
        from .modals.mandant_picker import MandantPicker

        def chosen(mandant_id: int | None) -> None:
            if mandant_id is not None:
                self.set_mandant(mandanten.Mandant.get_by_id(mandant_id))

        current = self.current_mandant.id if self.current_mandant else None
        self.push_screen(MandantPicker(current), chosen)

    # -- views, Escape, help, palette --------------------------------------------

    def action_go(self, name: str) -> None:
        self.go(name)

    def go(self, name: str) -> None:
        """Open a view, remembering where we came from for Escape."""
        if name == self.current_mode:
            return
        if self.current_mode in MODES:
            self.mode_history = (self.mode_history + [self.current_mode])[-HISTORY_LENGTH:]
        self.switch_mode(name)
        view_shown = getattr(self.screen_stack[0], "view_shown", None)
        if view_shown is not None:
            view_shown()

    def action_back(self) -> None:
        """Escape: the screen's own step first, then close a pushed screen, then the previous view."""
        screen = self.screen
        back_out = getattr(screen, "back_out", None)
        if back_out is not None and back_out():
            return
        if len(self.screen_stack) > 1:
            screen.dismiss(None)
        elif self.mode_history:
            self.switch_mode(self.mode_history.pop())

    def get_key_display(self, binding: Binding) -> str:
        """A key as it is labelled on the keyboard of the interface's language (Leertaste, Entf, Strg+S)."""
        return _(super().get_key_display(binding))

    def action_help(self) -> None:
        from .modals.help import HelpScreen

        self.push_screen(HelpScreen(self.screen, self.mode_titles.get(self.current_mode, "")))

    def action_command_palette(self) -> None:
        if not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette", placeholder=_("Search for commands…")))

    def action_attention(self) -> None:
        """The failed messages nobody has dealt with yet: the Journal's attention view."""
        self.go("journal")
        base = self.screen_stack[0]
        if hasattr(base, "show_attention"):
            base.show_attention()

    def action_find_person(self) -> None:
        self.go("persons")
        base = self.screen_stack[0]
        if hasattr(base, "focus_search"):
            base.focus_search()

    def open_person(self, person_id: int) -> None:
        """Show one person in the Persons view (from the palette or another view)."""
        self.go("persons")
        base = self.screen_stack[0]
        if hasattr(base, "show_person"):
            base.show_person(person_id)

    def get_system_commands(self, screen: Screen):
        for name, (key, title, _target) in MODES.items():
            yield SystemCommand(
                _(title),
                _("Open the view {title} ({key})").format(title=_(title), key=key.upper()),
                lambda name=name: self.go(name),
            )
        yield SystemCommand(
            _("Find person…"), _("Search a person by name, birth date or mobile"), self.action_find_person
        )
        yield SystemCommand(_("Switch Mandant…"), _("Choose the Mandant you work for (F8)"), self.action_switch_mandant)
        yield SystemCommand(
            _("Service settings…"),
            _("Automatic messages, quiet hours, templates (Recall: s)"),
            lambda: importlib.import_module(".screens.service_settings", __package__).open_service_settings(self),
        )
        yield SystemCommand(_("Help"), _("List the keys of this view (F1)"), self.action_help)
        yield SystemCommand(_("Quit"), _("Close vitosms (Ctrl+Q)"), self.action_quit)

    # -- quitting ------------------------------------------------------------------

    def holds_unsaved_work(self, screen: Screen) -> None:
        """``screen`` has ``unsaved_work()`` (what it holds, or None): Ctrl+Q asks about it."""
        self.unsaved_work_holders.add(screen)

    async def action_quit(self) -> None:
        """Ctrl+Q: quit, but first ask when a message or a form holds what would be lost."""
        held = [
            what for screen in list(self.unsaved_work_holders) if screen.is_attached and (what := screen.unsaved_work())
        ]
        if not held:
            self.exit()
            return
        from .modals.confirm import Confirm

        question = _("{what}: discard and quit?").format(what=" · ".join(held))
        self.push_screen(
            Confirm(question, yes=_("Quit"), no=_("Back"), default=False), lambda yes: self.exit() if yes else None
        )
