"""One SQLite file, several processes: no process loses its locks on the live file.

On POSIX, closing *any* descriptor of a file drops *all* of the process's
advisory locks on it. A process that opened the live database by another route
than SQLite (and closed it) looks absent to the others: the next one to close
its last connection checkpoints and deletes the WAL under it, and from then on
its writes go into a deleted file nobody else sees. These tests run the
processes for real and read ``/proc/PID/fd`` for deleted ``-wal``/``-shm`` files.
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import free_port, wait_for

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc (Linux)")

MAIN = [sys.executable, "-m", "vitosms_tui.cli.main"]


def deleted_database_files(pid: int) -> list[str]:
    """The -wal/-shm (or database) files the process holds that were deleted."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.endswith(" (deleted)") and ".db" in target:
            found.append(target)
    return found


def rows(path: Path, table: str = "t") -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute(f"SELECT x FROM {table} ORDER BY rowid")]
    finally:
        conn.close()


# Process A of the reduction: opens the database, writes, opens it a second time in
# the same process (as `vitosms demo` did), waits for B, writes once more.
PROCESS_A = """
import os, sys
from pathlib import Path
from vitosms_tui.core.db import open_database
path = sys.argv[1]
db = open_database(path)
db.execute_sql("CREATE TABLE IF NOT EXISTS t (x TEXT)")
db.execute_sql("INSERT INTO t VALUES ('a1')")
open_database(path)
print("ready", flush=True)
sys.stdin.readline()
db.execute_sql("INSERT INTO t VALUES ('a2')")
print("written", flush=True)
sys.stdin.readline()
"""


def test_a_second_open_in_one_process_keeps_its_locks_for_the_other_processes(tmp_path):
    path = tmp_path / "practice.db"
    a = subprocess.Popen(
        [*MAIN[:1], "-c", PROCESS_A, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert a.stdout.readline().strip() == "ready"
        # B: another process writes and closes its last connection
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sqlite3, sys\n"
                "c = sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO t VALUES ('b1')\")\n"
                "c.commit(); c.close()",
                str(path),
            ],
            check=True,
        )
        a.stdin.write("\n")
        a.stdin.flush()
        assert a.stdout.readline().strip() == "written"
        assert deleted_database_files(a.pid) == []
        assert rows(path) == ["a1", "b1", "a2"]  # a new connection sees both processes' rows
    finally:
        a.kill()
        a.wait()


def test_no_command_creates_a_database_that_is_not_there(tmp_path):
    typo = tmp_path / "srv" / "typo.db"
    for argv in (
        ["messages"],
        ["credits"],
        ["worker", "--once"],
        ["backup", str(tmp_path / "b.db")],
        ["restore", str(tmp_path / "b.db")],
        ["--json", "send", "--mandant", "X", "--to", "+41791234567", "--text", "x"],
    ):
        run = subprocess.run(
            [*MAIN, "--db", str(typo), *argv], capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        assert run.returncode == 2, (argv, run.stderr)
        assert "Traceback" not in run.stderr, run.stderr
        assert run.stderr.count("\n") == 1, run.stderr
        assert str(typo) in run.stderr or argv[0] in ("backup", "restore")
    assert not typo.parent.exists()  # not even the folder


def _send(db: Path, state: Path, text: str) -> dict:
    run = subprocess.run(
        [
            *MAIN,
            "--db",
            str(db),
            "--state-dir",
            str(state),
            "--json",
            "send",
            "--mandant",
            "DUB",
            "--to",
            "+41794440001",
            "--text",
            text,
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _delivered(db: Path, message_id: int) -> bool | None:
    return _status(db, message_id) == "delivered" or None


def _status(db: Path, message_id: int) -> str | None:
    run = subprocess.run(
        [*MAIN, "--db", str(db), "--json", "messages"], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert run.returncode == 0, run.stderr
    return {m["id"]: m["status"] for m in json.loads(run.stdout)}.get(message_id)


@pytest.mark.skipif(
    not any((Path(d) / "tmux").exists() for d in os.environ.get("PATH", "").split(":")), reason="tmux not installed"
)
def test_the_demo_delivers_what_another_terminal_queued(tmp_path, tmux):
    db, state = tmp_path / "practice.db", tmp_path / "state"
    demo = " ".join(
        shlex.quote(str(part)) for part in [*MAIN, "--db", db, "--state-dir", state, "--user", "empfang", "demo"]
    )
    tmux("new-session", "-d", "-s", "desk", "-x", "120", "-y", "40", f"exec {demo}")
    pid = int(tmux("list-panes", "-t", "desk", "-F", "#{pane_pid}").stdout.split()[0])
    wait_for(lambda: "F1" in tmux("capture-pane", "-p", "-t", "desk").stdout, "the demo on screen")

    queued = _send(db, state, "Bitte rufen Sie die Praxis an.")
    message_id = queued["messages"][0]["id"]
    # the demo's own worker (a thread of the demo process) must see this write and deliver it
    assert (
        wait_for(lambda: _status(db, message_id) == "delivered" or None, "the demo's worker to deliver the message")
        is True
    )
    assert deleted_database_files(pid) == []
    handset = [json.loads(line) for line in (state / "sms-handset.jsonl").read_text().splitlines()]
    assert [entry["to"] for entry in handset].count("+41794440001") == 1
    tmux("send-keys", "-t", "desk", "C-q")
    wait_for(lambda: tmux("has-session", "-t", "desk", check=False).returncode != 0, "the demo to end")


def test_a_backup_beside_a_running_worker_leaves_the_worker_its_locks(tmp_path):
    db, state = tmp_path / "practice.db", tmp_path / "state"
    seed = subprocess.run(
        [*MAIN, "--db", str(db), "seed", "--persons", "20", "--appointments", "0"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert seed.returncode == 0, seed.stderr
    config = tmp_path / "vitosms.toml"
    config.write_text(
        "[delivery]\nreport_delay_seconds = 0.1\nbackoff_seconds = 0.1\n"
        f'[smtp]\nhost = "127.0.0.1"\nport = {free_port()}\n'
    )
    worker = subprocess.Popen(
        [*MAIN, "--db", str(db), "--config", str(config), "--state-dir", str(state), "worker"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        sent = []
        for number in range(3):
            sent.append(_send(db, state, f"Nachricht {number}")["messages"][0]["id"])
            backup = subprocess.run(
                [*MAIN, "--db", str(db), "backup", str(tmp_path / f"b{number}.db")],
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
            )
            assert backup.returncode == 0, backup.stderr
        for message_id in sent:
            assert wait_for(functools.partial(_delivered, db, message_id), f"message {message_id} delivered") is True
        assert deleted_database_files(worker.pid) == []
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    conn = sqlite3.connect(db)
    try:
        statuses = dict(
            conn.execute(f"SELECT id, status FROM message WHERE id IN ({','.join(map(str, sent))})").fetchall()
        )
    finally:
        conn.close()
    assert set(statuses.values()) == {"delivered"}
