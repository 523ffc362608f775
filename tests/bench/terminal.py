"""Real processes in a real pseudo-terminal: cold start and peak memory.

The program runs as the desk runs it (``vitosms --db … ui``) in a pty of
140x40; the clocks run from ``fork`` to the first output that contains the
agenda's title (its frame) and to the output in which the grid shows the day's
appointments (names of patients booked that morning, read from the practice).
The baseline is a bare Textual app (a header, a table with the same marker, a
footer) run the same way by the same Python: its table is its data, so both of
its clocks stop at the same output. Peak memory is the child's ``VmHWM`` (the
high-water mark of its resident memory since it exec'd) after it walked
through the views, read before it quits: ``ru_maxrss`` would also count what the
forked child held of this process before the exec (the practice's build).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from dataclasses import dataclass, field

COLUMNS, LINES = 140, 40
# what a painted agenda of the benchmark's day shows first: its title (German, the default)
AGENDA_MARKER = b"Freitag, 27.11.2026"
# escape sequences (CSI, OSC, DCS, charset and keypad switches): stripped before looking for text
_ESCAPES = re.compile(
    rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    rb"|\x1bP.*?\x1b\\|\x1b[()][0-9A-Za-z]|\x1b[=>NOPMc78]"
)

BARE_APP = """
from textual.app import App
from textual.widgets import DataTable, Footer, Header


class Bare(App):
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Zeit", "Person", "Grund")
        table.add_row("09:00", "MARKER", "Kontrolle")


Bare().run()
""".replace("MARKER", AGENDA_MARKER.decode())

KEYS = {"f2": b"\x1bOQ", "f4": b"\x1bOS", "f5": b"\x1b[15~", "f6": b"\x1b[17~", "f7": b"\x1b[18~", "ctrl+q": b"\x11"}


# the agenda grid counts as painted when this many names of the morning's patients show
GRID_NAMES = 3


@dataclass
class Run:
    first_paint: float | None = None  # seconds from fork to the marker (the agenda's title)
    grid_paint: float | None = None  # seconds from fork to the day's appointments in the grid
    max_rss_kb: int = 0
    output: bytes = b""
    notes: list[str] = field(default_factory=list)


def plain_text(data: bytes) -> bytes:
    return _ESCAPES.sub(b"", data)


class Terminal:
    """One child process in a pty: read its output, type keys, wait for text or quiet."""

    def __init__(self, argv: list[str], env: dict | None = None):
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: become the program, in a terminal of its size from the start (as a real one)
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
            os.environ.update(env or {})
            os.environ["TERM"] = "xterm-256color"
            os.environ["COLUMNS"], os.environ["LINES"] = str(COLUMNS), str(LINES)
            try:
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self.output = b""
        self.closed = False

    def _read(self, timeout: float) -> bool:
        if self.closed:
            return False
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return False
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:  # the child closed the terminal
            data = b""
        if not data:
            self.closed = True
            return False
        self.output += data
        return True

    def wait_for(self, marker: bytes, timeout: float = 30.0, since: int = 0) -> float | None:
        """Seconds from the start until ``marker`` showed (after ``since``); None: it did not."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end and not self.closed:
            if self._read(end - time.perf_counter()) and marker in plain_text(self.output[since:]):
                return time.perf_counter() - self.started
        return None

    def wait_for_any(self, markers: list[bytes], count: int, timeout: float = 30.0) -> float | None:
        """Seconds from the start until ``count`` of ``markers`` showed; None: they did not."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end and not self.closed:
            if self._read(end - time.perf_counter()):
                shown = plain_text(self.output)
                if sum(marker in shown for marker in markers) >= count:
                    return time.perf_counter() - self.started
        return None

    def settle(self, quiet: float = 0.6, timeout: float = 20.0) -> None:
        """Read until the program wrote nothing for ``quiet`` seconds (its view is painted)."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end and self._read(quiet):
            pass

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def finish(self, timeout: float = 10.0) -> int:
        """Quit (Ctrl+Q), reap the child and return its peak memory in KiB."""
        peak = _high_water_kib(self.pid)
        if not self.closed:
            try:
                self.type(KEYS["ctrl+q"])
            except OSError:
                pass
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            self._read(0.05)
            pid, _status, _usage = os.wait4(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return peak
        os.kill(self.pid, signal.SIGKILL)
        os.wait4(self.pid, 0)
        os.close(self.fd)
        return peak


def _high_water_kib(pid: int) -> int:
    """The peak resident memory of process ``pid`` since its exec, in KiB (Linux)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


# The practice is SQLite, installed without the postgresql extra; the venv has psycopg for the
# tests, and peewee would import it at every start: the program runs here as without it.
WITHOUT_DRIVER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "without_postgresql_driver")


def vitosms_argv(db: str) -> list[str]:
    vitosms = os.path.join(os.path.dirname(sys.executable), "vitosms")
    argv = [vitosms, "--db", db, "--now", "2026-11-27T09:00", "--user", "empfang", "ui"]
    return ["env", f"PYTHONPATH={WITHOUT_DRIVER}", *argv]  # env execs the program: the same process


def compile_package() -> None:
    """Write the package's bytecode, as an installed program has it (``pip install`` writes it).

    Without it, where ``PYTHONDONTWRITEBYTECODE`` is set (as on the benchmark's own
    machine), every start compiles the package's sixty modules from source again
    (0.07 s), which no desk's start does; Textual, the baseline's, comes compiled.
    """
    import compileall

    import vitosms_tui

    compileall.compile_dir(os.path.dirname(vitosms_tui.__file__), quiet=1)


def grid_markers(db: str) -> list[bytes]:
    """Names of the patients booked on the benchmark's day between 09:00 and 12:00, as the grid shows them.

    Names that also appear in a Mandant's name (shown in the status line and the
    column heads) are left out: they would show before the grid does.
    """
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        mandanten = " ".join(name for (name,) in connection.execute("SELECT name FROM mandant"))
        rows = connection.execute(
            "SELECT DISTINCT p.last_name || ' ' || p.first_name FROM appointment a JOIN person p ON p.id = a.person_id"
            " WHERE a.start >= ? AND a.start < ? AND a.status = 'booked' ORDER BY a.start",
            ("2026-11-27 08:00", "2026-11-27 11:00"),  # UTC: 09:00-12:00 in Zurich
        ).fetchall()
    # the grid cuts a long name with "…": the last name and the first letter of the first name
    names = {f"{name.split(' ')[0]} {name.split(' ')[1][:1]}" for (name,) in rows if " " in name}
    return [name.encode() for name in sorted(names) if name.split(" ")[0] not in mandanten]


def cold_start(argv: list[str], env: dict | None = None, grid: list[bytes] | None = None) -> Run:
    """One start in the pty; ``grid``: the names that tell the agenda's grid is painted (None: the bare app)."""
    terminal = Terminal(argv, env)
    run = Run(first_paint=terminal.wait_for(AGENDA_MARKER))
    run.grid_paint = run.first_paint if grid is None else terminal.wait_for_any(grid, min(GRID_NAMES, len(grid)))
    terminal.settle(0.3)
    run.max_rss_kb = terminal.finish()
    run.output = terminal.output
    return run


def bare_argv() -> list[str]:
    return [sys.executable, "-c", BARE_APP]


def tour(db: str, env: dict | None = None) -> Run:
    """The TUI on the practice through its views: agenda day and week, persons with a search,
    journal, credits, recall, back to the agenda; then quit. Its peak memory."""
    terminal = Terminal(vitosms_argv(db), env)
    run = Run(first_paint=terminal.wait_for(AGENDA_MARKER))
    steps = [
        b"w",
        b"]",
        b"w",
        KEYS["f7"],
        "mül".encode(),
        b"\x7f\x7f\x7fros",
        KEYS["f4"],
        KEYS["f5"],
        KEYS["f6"],
        KEYS["f2"],
        b".",
    ]
    for keys in steps:
        terminal.type(keys)
        terminal.settle()
    run.max_rss_kb = terminal.finish()
    run.output = terminal.output
    return run
