"""The SSH deployment of deploy/: a login opens the app as that login, and nothing else runs.

A real sshd (Debian's openssh-server) listens on a free loopback port with a
host key, authorised key and configuration of the test's own. The
configuration is the repository's snippet (deploy/sshd_config.d/vitosms.conf)
with two changes a test machine needs: the Match names the test's own account
instead of the group vitosms-desk, and ForceCommand starts the login wrapper
directly instead of through sudo as the vitosms account. The client runs in
tmux, which shows what the desk would see.

The documented path itself, through sudo from a login in a desk group to the
account that owns the database, needs accounts and a sudoers file of its
own: that test runs as root with VITOSMS_SYSTEM_TESTS=1 (CI's throwaway
machine) and removes all it added, also what an interrupted run left.

The unit files are checked too: they parse, name commands that exist, and pass
``systemd-analyze verify`` where systemd is installed.
"""

from __future__ import annotations

import configparser
import fcntl
import grp
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

import pytest

from tests.processes import free_port, wait_for

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
INSTALLED = "/opt/vitosms"  # where the README installs the checkout; the units name it
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
WAIT = 30  # seconds: an upper bound for waiting on another process, not a timing assertion


def _require_ssh(*more: str):
    """Skip without sshd, ssh, tmux (and the programs named); but fail where CI installed them
    (VITOSMS_REQUIRE_SSH=1)."""
    found = {"sshd": os.path.exists(SSHD)} | {
        name: bool(shutil.which(name)) for name in ("ssh", "ssh-keygen", "tmux", *more)
    }
    missing = [name for name, there in found.items() if not there]
    if not missing:
        return
    reason = f"{', '.join(missing)} not installed (openssh-server, openssh-client, tmux, sudo, passwd)"
    if os.environ.get("VITOSMS_REQUIRE_SSH") == "1":
        pytest.fail(f"the SSH deployment tests are required here but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def _ssh_tools():
    _require_ssh()


def login_name() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


# -- a real sshd on loopback, shared by the tests below ---------------------------


def make_keys(folder: Path) -> Path:
    """A host key for sshd and a key for the client, in FOLDER/keys (0700)."""
    keys = folder / "keys"
    keys.mkdir(mode=0o700)
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(keys / name)], check=True)
    return keys


def sshd_settings(port: int, keys: Path, folder: Path) -> str:
    """What every test sshd has before the deploy snippet: loopback, keys only."""
    return (
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host'}\nPidFile {folder / 'sshd.pid'}\n"
        "UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PubkeyAuthentication yes\n"
        # as in Debian's sshd_config: sftp offered to everyone, so ForceCommand has to win over it
        "Subsystem sftp /usr/lib/openssh/sftp-server\n"
    )


@contextmanager
def running_sshd(config_text: str, folder: Path, port: int):
    """sshd with this configuration (checked by ``sshd -t`` first) until the block ends; gives its log."""
    config = folder / "sshd_config"
    config.write_text(config_text)
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation folder
    check = subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    log = folder / "sshd.log"
    with open(log, "w") as log_file:
        server = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=log_file)
    try:

        def listening():
            if server.poll() is not None:
                pytest.fail(f"sshd stopped: {log.read_text()}")
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        wait_for(listening, "sshd to listen")
        yield log
    finally:
        server.terminate()
        server.wait(timeout=WAIT)


def ssh_client(keys: Path, port: int, folder: Path) -> list[str]:
    """ssh with the client key, trusting the test's sshd and reading no configuration of the machine."""
    return [
        "ssh",
        "-p",
        str(port),
        "-i",
        str(keys / "client"),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "LogLevel=ERROR",
        "-o",
        f"UserKnownHostsFile={folder / 'known_hosts'}",
        "-F",
        "/dev/null",
    ]


def snippet_for_test(wrapper: Path) -> str:
    """The repository's sshd snippet, matching this account and without sudo."""
    text = (DEPLOY / "sshd_config.d" / "vitosms.conf").read_text()
    text, matched = re.subn(r"(?m)^Match Group vitosms-desk$", f"Match User {login_name()}", text)
    text, forced = re.subn(r"(?m)^(\s*)ForceCommand .*$", rf"\1ForceCommand {wrapper}", text)
    assert matched == 1, "the snippet changed: adapt this test"
    assert forced == 1, "the snippet changed: adapt this test"
    return text


@pytest.fixture
def sshd(_ssh_tools, tmp_path, db_path, mandant):
    """sshd on loopback with the deploy snippet, the wrapper run as this account; how to reach it."""
    keys = make_keys(tmp_path)
    authorized = keys / "authorized_keys"
    authorized.write_text((keys / "client.pub").read_text())
    authorized.chmod(0o600)
    env_file = tmp_path / "env"
    # what /etc/vitosms/env holds on a server, here pointing at the test's practice
    env_file.write_text(f"VITOSMS_DB={db_path}\nVITOSMS_STATE_DIR={tmp_path / 'state'}\n")
    port = free_port()
    config = (
        sshd_settings(port, keys, tmp_path) + f"AuthorizedKeysFile {authorized}\nStrictModes no\n"
        # CI runs as root: the test logs in as the account that runs it
        "PermitRootLogin prohibit-password\n"
        f"SetEnv VITOSMS_ENV_FILE={env_file}\n" + snippet_for_test(DEPLOY / "vitosms-login")
    )
    with running_sshd(config, tmp_path, port) as log:
        yield {
            "client": ssh_client(keys, port, tmp_path),
            "target": f"{login_name()}@127.0.0.1",
            "log": log,
            "tmp": tmp_path,
        }


def screen(tmux) -> str:
    return tmux("capture-pane", "-p", "-t", "desk").stdout


def test_a_login_opens_the_app_as_the_login_and_a_command_asked_for_does_not_run(sshd, tmux):
    marker = sshd["tmp"] / "the-command-ran"
    command = shlex.join([*sshd["client"], "-tt", sshd["target"], f"touch {marker}"])
    tmux("new-session", "-d", "-s", "desk", "-x", "120", "-y", "36", command)
    # the status line: "user · Mandant code name · balance"
    status = f"{login_name()} · HAU"
    text = wait_for(lambda: (lambda s: s if status in s else None)(screen(tmux)), "the app on screen")
    assert "Dr. med. Anna Hauser" in text
    assert not marker.exists()
    tmux("send-keys", "-t", "desk", "C-q")
    wait_for(lambda: tmux("has-session", "-t", "desk", check=False).returncode != 0, "the session to end")
    assert not marker.exists()


def test_without_a_terminal_the_login_gets_a_one_line_reason_and_no_shell(sshd):
    marker = sshd["tmp"] / "the-command-ran"
    run = subprocess.run(
        [*sshd["client"], "-T", sshd["target"], f"touch {marker}"],
        capture_output=True,
        text=True,
        timeout=WAIT,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip() == (
        "vitosms: the interface needs a terminal; use the commands (vitosms --help) in scripts"
    )
    assert run.stdout == ""
    assert not marker.exists()
    # sftp (and scp, which speaks it) get the app too, which finds no terminal: the app's exit code
    # 2 is the proof that no sftp server answered (sshd keeps a subsystem's stderr to itself)
    run = subprocess.run(
        [*sshd["client"], "-T", "-s", sshd["target"], "sftp"],
        capture_output=True,
        timeout=WAIT,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 2
    assert run.stdout == b""


def test_forwarding_is_refused_for_the_desk(sshd):
    """A port forward asked for by a desk login is refused by sshd (the snippet's DisableForwarding)."""
    run = subprocess.run(
        [
            *sshd["client"],
            "-T",
            "-N",
            "-o",
            "ExitOnForwardFailure=yes",
            "-R",
            f"127.0.0.1:{free_port()}:127.0.0.1:9",
            sshd["target"],
        ],
        capture_output=True,
        text=True,
        timeout=WAIT,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 255
    assert "remote port forwarding failed" in run.stderr


# -- the documented path: a desk group, a service account and sudo -----------------
#
# Exactly what the README's Deployment section sets up, with test names: the
# group vtdesk-test for vitosms-desk, the account vtsvc-test for vitosms, the
# staff login vtanna-test, and an install folder of the test's own for
# /opt/vitosms and /etc/vitosms. It adds accounts and a sudoers file to the
# machine and removes them again, so it runs only as root and only when asked
# (VITOSMS_SYSTEM_TESTS=1, set by CI on its throwaway machine).

SYSTEM_TESTS = "VITOSMS_SYSTEM_TESTS"
DESK, SERVICE, STAFF = "vtdesk-test", "vtsvc-test", "vtanna-test"
# the comment of the test's accounts and the sudoers file's first line: what an interrupted
# run left behind is recognised as the test's own, and an account that is not is never touched
MARK = "vitosms SSH login test"
FOLDER_PREFIX = "vitosms-ssh-test-"  # the test's install folder, in the temporary folder
SUDOERS = Path("/etc/sudoers.d") / SERVICE  # no dot in the name: sudo would skip the file


def _run(*command: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=WAIT, stdin=subprocess.DEVNULL, **options)


def _checked(*command: str) -> None:
    run = _run(*command)
    assert run.returncode == 0, f"{shlex.join(command)}: {run.stderr.strip()}"


def as_account(name: str, *command: str, groups: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """COMMAND as the account NAME (and its groups), from a folder every account may enter."""
    entry = pwd.getpwnam(name)
    try:
        return _run(
            *command,
            user=entry.pw_uid,
            group=entry.pw_gid,
            extra_groups=[grp.getgrnam(g).gr_gid for g in groups],
            cwd="/",
            env={"PATH": os.defpath, "HOME": entry.pw_dir, "LANG": "C.UTF-8"},
        )
    except PermissionError as exc:  # the program itself is out of the account's reach; a shell says 126
        return subprocess.CompletedProcess(command, 126, "", f"{exc.filename}: {exc.strerror}")


def _processes_of(uid: int | None) -> list[int]:
    """The processes of the account UID (None: of every account)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uids = next(line for line in status.read_text().splitlines() if line.startswith("Uid:"))
        except (OSError, StopIteration):
            continue  # ended meanwhile
        if uid is None or int(uids.split()[1]) == uid:
            found.append(int(status.parent.name))
    return found


def _command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().split("\0")[:-1]
    except OSError:
        return []  # ended meanwhile


def _end_processes_of(uid: int) -> None:
    """userdel refuses an account that still runs something: end what the test's logins left, by id."""
    for pid in _processes_of(uid):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not _processes_of(uid), f"the processes of uid {uid} to end")


def _remove_account(name: str) -> None:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    if entry.pw_gecos != MARK:
        pytest.skip(f"an account {name} exists that this test did not create; it is left alone")
    _end_processes_of(entry.pw_uid)
    # what the login left besides its account: sshd's record of the last login (read by uid, so
    # the next account with this uid would inherit it) and sudo's time stamp file
    if shutil.which("lastlog"):
        _run("lastlog", "--clear", "--user", name)
    with suppress(FileNotFoundError):
        (_sudo_timestamp_folder() / name).unlink()
    _checked("userdel", "--remove", name)


def _sudo_timestamp_folder() -> Path:
    """Where sudo keeps a file per login that used it (/run/sudo/ts on Debian), as sudo -V says."""
    for line in _run("sudo", "-V").stdout.splitlines():
        if line.startswith("Path to authentication timestamp dir: "):
            return Path(line.split(": ", 1)[1])
    return Path("/run/sudo/ts")


def _remove_group(name: str) -> None:
    try:
        group = grp.getgrnam(name)
    except KeyError:
        return
    # groups carry no comment: one with members is somebody's (the test's accounts are gone by now)
    if group.gr_mem or any(entry.pw_gid == group.gr_gid for entry in pwd.getpwall()):
        pytest.skip(f"a group {name} with members exists that this test did not create; it is left alone")
    _checked("groupdel", name)


def _remove_sudoers() -> None:
    if not SUDOERS.exists():
        return
    if not SUDOERS.read_text().startswith(f"# {MARK}\n"):
        pytest.skip(f"{SUDOERS} exists and is not this test's; it is left alone")
    SUDOERS.unlink()


def _leave_nothing_of_an_interrupted_run() -> None:
    """A run killed outright (SIGKILL) left its accounts, processes and install folder: all go now.

    The folder is found from the service account's home; its processes (sshd,
    tmux, ssh, the app) by the folder on their command line, which is unique."""
    try:
        entry = pwd.getpwnam(SERVICE)
    except KeyError:
        return
    home = Path(entry.pw_dir)
    root = home.parents[2] if len(home.parents) > 2 else home
    if entry.pw_gecos != MARK or not root.name.startswith(FOLDER_PREFIX):
        return  # not the test's: _leave_nothing says so
    for pid in _processes_of(None):
        # one word each, or all in one as sshd shows itself ("sshd: … -f FOLDER/sshd/sshd_config …")
        if f"{root}/" in " ".join(_command_line(pid)):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
    _leave_nothing()
    shutil.rmtree(root, ignore_errors=True)


def _leave_nothing() -> None:
    """What this test adds to the machine, removed; also what an interrupted run left behind."""
    _remove_sudoers()
    for name in (STAFF, SERVICE):
        _remove_account(name)
    for name in (DESK, SERVICE, STAFF):  # the accounts' own groups, should userdel have kept them
        _remove_group(name)


def _not_enterable(path: Path) -> Path | None:
    """The first folder above PATH that other accounts cannot enter, if any."""
    for folder in reversed(path.parents):
        if not folder.stat().st_mode & stat.S_IXOTH:
            return folder
    return None


def _install_program(venv: Path) -> None:
    """The checkout's .venv as VENV, usable by the service account.

    On a server the venv comes from Debian's python3, which every account may
    run. A development machine's venv may point at an interpreter in a home
    folder (pyenv in root's home): then VENV is a venv of an interpreter of the
    same version that the service account can run, with the checkout's
    installed packages (a .pth line) and its ``vitosms`` script."""
    probe = ("-c", "import vitosms_tui.cli.main")
    checkout = REPO / ".venv"
    if as_account(SERVICE, str(checkout / "bin" / "python"), *probe).returncode == 0:
        venv.symlink_to(checkout)
        return
    closed = _not_enterable((checkout / "bin" / "python").resolve())
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    folders = os.environ.get("PATH", "").split(os.pathsep) + os.defpath.split(os.pathsep)
    for candidate in (Path(folder) / name for folder in folders if folder for name in (f"python{version}", "python3")):
        if not candidate.is_file():
            continue
        answer = as_account(SERVICE, str(candidate), "-c", "import sys; print(*sys.version_info[:2], sep='.')")
        if answer.returncode == 0 and answer.stdout.strip() == version:
            break
    else:
        pytest.skip(
            f"{SERVICE} cannot run this checkout's Python (it cannot enter {closed}) "
            f"and finds no python{version} of its own"
        )
    _checked(str(candidate), "-m", "venv", "--without-pip", str(venv))
    site_packages = venv / "lib" / f"python{version}" / "site-packages"
    # addsitedir, not a bare folder: the checkout's editable install is itself a .pth file
    (site_packages / "vitosms-checkout.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_path('purelib')!r})\n"
    )
    script = (checkout / "bin" / "vitosms").read_text().split("\n", 1)[1]
    (venv / "bin" / "vitosms").write_text(f"#!{venv / 'bin' / 'python'}\n{script}")
    (venv / "bin" / "vitosms").chmod(0o755)
    answer = as_account(SERVICE, str(venv / "bin" / "python"), *probe)
    if answer.returncode != 0:
        pytest.skip(
            f"{SERVICE} cannot import this checkout ({answer.stderr.strip().splitlines()[-1]}); "
            f"clone it where every account may enter"
        )


def _with_test_names(text: str, install: Path, what: str, expected: dict[str, int]) -> str:
    """TEXT with the deployment's names and paths replaced by the test's, each as often as expected."""
    for old, count in expected.items():
        assert text.count(old) == count, f"{what} changed: adapt this test"
    # the names first: the paths put in hold other names
    text = (
        text.replace("vitosms-desk", DESK).replace("-u vitosms ", f"-u {SERVICE} ").replace("(vitosms)", f"({SERVICE})")
    )
    return text.replace("/opt/vitosms", str(install / "opt" / "vitosms")).replace(
        "/etc/vitosms", str(install / "etc" / "vitosms")
    )


def _make_practice(database: Path) -> None:
    """The practice of the other tests (Mandant HAU, 100 credits), owned by the service account alone."""
    from vitosms_tui.core import credits, mandanten
    from vitosms_tui.core.db import open_database
    from vitosms_tui.core.schema import migrate

    db = open_database(str(database))
    try:
        migrate()
        m = mandanten.add_mandant("HAU", "Dr. med. Anna Hauser", "Dr Hauser", user="test")
        credits.purchase(m, 100, user="test", note="test credits")
    finally:
        getattr(db, "close_all", db.close)()
    for path in database.parent.glob(database.name + "*"):  # also -wal and -shm, should they remain
        shutil.chown(path, SERVICE, SERVICE)
        path.chmod(0o600)


@pytest.fixture(scope="module")
def desk():
    """The deployment of the README for one staff login; how to reach it. Removed afterwards."""
    if os.environ.get(SYSTEM_TESTS) != "1":
        pytest.skip(f"adds and removes accounts, a group and a sudoers file: runs only with {SYSTEM_TESTS}=1")
    if os.geteuid() != 0:
        pytest.skip(f"adds accounts: runs only as root ({SYSTEM_TESTS}=1 is set)")
    _require_ssh("sudo", "visudo", "useradd", "userdel", "groupadd", "groupdel")
    closed = _not_enterable(REPO / "deploy")
    if closed:
        pytest.skip(
            f"the service account could not reach this checkout ({closed} is closed to other "
            "accounts): clone it where every account may enter, as /opt/vitosms"
        )
    with ExitStack() as undo:
        # the names are fixed, and `make test` runs two workers, which may both come here (and so
        # may two test runs): one at a time, held on the folder of the sudoers file until all is gone
        lock = os.open(SUDOERS.parent, os.O_RDONLY)
        undo.callback(os.close, lock)
        fcntl.flock(lock, fcntl.LOCK_EX)
        _leave_nothing_of_an_interrupted_run()
        _leave_nothing()
        # every account must be able to enter it, as /opt and /var/lib on a server
        root = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
        undo.callback(shutil.rmtree, root)
        root.chmod(0o755)
        closed = _not_enterable(root / "x")
        if closed:
            pytest.skip(f"the temporary folder is in {closed}, which other accounts cannot enter")
        undo.callback(_leave_nothing)

        # README step 1: the account that owns the database, in a folder of its own (0700)
        home = root / "var" / "lib" / SERVICE
        home.parent.mkdir(parents=True)
        _checked("groupadd", DESK)
        _checked(
            "useradd",
            "--system",
            "--user-group",
            "--home-dir",
            str(home),
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            "--comment",
            MARK,
            SERVICE,
        )
        home.mkdir(mode=0o700)
        (home / "state").mkdir(mode=0o700)
        for folder in (home, home / "state"):
            shutil.chown(folder, SERVICE, SERVICE)
        database = home / "practice.db"
        _make_practice(database)

        # step 2: the program, a checkout with deploy/ beside .venv/
        install = root / "opt" / "vitosms"
        (install / "deploy").mkdir(parents=True)
        _install_program(install / ".venv")
        wrapper = install / "deploy" / "vitosms-login"
        wrapper.write_text(
            _with_test_names((DEPLOY / "vitosms-login").read_text(), root, "the login wrapper", {"/etc/vitosms/env": 1})
        )
        wrapper.chmod(0o755)

        # step 3: /etc/vitosms/env, readable by the service account's group
        etc = root / "etc" / "vitosms"
        etc.mkdir(parents=True, mode=0o750)
        shutil.chown(etc, "root", SERVICE)
        (etc / "env").write_text(f"VITOSMS_DB={database}\nVITOSMS_STATE_DIR={home / 'state'}\n")
        (etc / "env").chmod(0o640)
        shutil.chown(etc / "env", "root", SERVICE)

        # step 5: the staff login in the desk group, with its key
        staff_home = root / "home" / STAFF
        staff_home.parent.mkdir()
        # "*", not useradd's locked "!": this test's sshd runs without PAM, and sshd without PAM
        # refuses an account whose password is locked; "*" lets no password in either
        _checked(
            "useradd",
            "--create-home",
            "--home-dir",
            str(staff_home),
            "--shell",
            "/bin/sh",
            "--user-group",
            "--groups",
            DESK,
            "--password",
            "*",
            "--comment",
            MARK,
            STAFF,
        )
        sshd_folder = root / "sshd"
        sshd_folder.mkdir(mode=0o700)
        keys = make_keys(sshd_folder)
        dot_ssh = staff_home / ".ssh"
        dot_ssh.mkdir(mode=0o700)
        (dot_ssh / "authorized_keys").write_text((keys / "client.pub").read_text())
        (dot_ssh / "authorized_keys").chmod(0o600)
        for path in (dot_ssh, dot_ssh / "authorized_keys"):
            shutil.chown(path, STAFF, STAFF)

        # the sudoers file, checked before it is installed, then put in place at once
        sudoers = _with_test_names(
            (DEPLOY / "sudoers.d" / "vitosms").read_text(),
            root,
            "the sudoers file",
            {"/opt/vitosms/deploy/vitosms-login": 2, "%vitosms-desk": 1, "(vitosms)": 1},
        )
        candidate = SUDOERS.with_name(SUDOERS.name + ".new")  # a name with a dot: sudo reads no such file
        undo.callback(candidate.unlink, missing_ok=True)
        candidate.write_text(f"# {MARK}\n{sudoers}")
        candidate.chmod(0o440)
        check = _run("visudo", "-c", "-f", str(candidate))
        if check.returncode != 0:
            pytest.fail(f"visudo refuses the sudoers file: {check.stdout}{check.stderr}")
        candidate.rename(SUDOERS)

        # the sshd snippet as shipped, with the test's names; only the desk's login may log in here
        snippet = _with_test_names(
            (DEPLOY / "sshd_config.d" / "vitosms.conf").read_text(),
            root,
            "the sshd snippet",
            {"Match Group vitosms-desk\n": 1, "/usr/bin/sudo -n -u vitosms /opt/vitosms/": 1},
        )
        port = free_port()
        config = sshd_settings(port, keys, sshd_folder) + f"AllowUsers {STAFF}\n" + snippet
        with running_sshd(config, sshd_folder, port) as log:
            yield {
                "client": ssh_client(keys, port, sshd_folder),
                "target": f"{STAFF}@127.0.0.1",
                "log": log,
                "database": database,
                "wrapper": wrapper,
            }


def last_line(stderr: str) -> str:
    """What sudo or the app said last: sudo may warn first, on a machine whose host name is not in
    /etc/hosts ("unable to resolve host")."""
    return (stderr.strip().splitlines() or [""])[-1]


def test_a_desk_login_goes_through_sudo_and_the_app_names_the_staff_login(desk, tmux):
    command = shlex.join([*desk["client"], "-tt", desk["target"]])
    tmux("new-session", "-d", "-s", "desk", "-x", "120", "-y", "36", command)

    def app_on_screen():
        if tmux("has-session", "-t", "desk", check=False).returncode != 0:
            pytest.fail(f"the login ended before the app showed; sshd said: {desk['log'].read_text()}")
        text = screen(tmux)
        return text if "· HAU" in text.partition("\n")[0] else None

    text = wait_for(app_on_screen, "the app on screen")
    # the status line, the screen's first: "user · Mandant code name · balance"
    status = text.partition("\n")[0].strip()
    assert status.startswith(f"{STAFF} · HAU Dr. med. Anna Hauser · 100 "), status
    assert SERVICE not in text
    assert "root" not in status
    # the app itself runs as the service account, the only one that can open the 0600 database
    running = [_command_line(pid) for pid in _processes_of(pwd.getpwnam(SERVICE).pw_uid)]
    assert any(len(line) >= 2 and Path(line[-2]).name == "vitosms" and line[-1] == "ui" for line in running), running
    tmux("send-keys", "-t", "desk", "C-q")
    wait_for(lambda: tmux("has-session", "-t", "desk", check=False).returncode != 0, "the session to end")


def test_the_staff_login_reaches_the_database_only_through_the_app(desk):
    database = str(desk["database"])
    for path, mode in ((desk["database"], 0o600), (desk["database"].parent, 0o700)):
        assert path.owner() == SERVICE, path
        assert stat.S_IMODE(path.stat().st_mode) == mode, path
    # a command asked for over SSH is not run: the wrapper is, and the app finds no terminal
    run = subprocess.run(
        [*desk["client"], "-T", desk["target"], f"cat {database}"],
        capture_output=True,
        timeout=WAIT,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 2, run.stderr
    assert b"the interface needs a terminal" in run.stderr
    assert run.stdout == b""
    # on the machine itself, the file and its folder are the service account's alone
    run = as_account(STAFF, "cat", database, groups=(DESK,))
    assert run.returncode != 0
    assert "Permission denied" in run.stderr
    assert run.stdout == ""
    # sudo lets the desk start the wrapper as the service account, and nothing else: another
    # command or arguments match no rule, so sudo wants the password the login does not have;
    # and the staff login cannot be passed in
    sudo = ("sudo", "-n", "-u", SERVICE)
    no_rule = "sudo: a password is required"
    for command, refusal in (
        ([*sudo, "cat", database], no_rule),
        ([*sudo, str(desk["wrapper"]), "ui"], no_rule),
        (
            [*sudo, "VITOSMS_USER=someone-else", str(desk["wrapper"])],
            "sudo: sorry, you are not allowed to set the following environment variables: VITOSMS_USER",
        ),
    ):
        run = as_account(STAFF, *command, groups=(DESK,))
        assert (run.returncode, run.stdout, last_line(run.stderr)) == (1, "", refusal), command
    # the wrapper alone it may start, and that is the app, which finds no terminal here (exit 2)
    run = as_account(STAFF, *sudo, str(desk["wrapper"]), groups=(DESK,))
    assert run.returncode == 2, run.stderr
    assert last_line(run.stderr) == (
        "vitosms: the interface needs a terminal; use the commands (vitosms --help) in scripts"
    )


# -- the unit files -------------------------------------------------------------


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text())
    return parser


def in_checkout(path: str) -> Path:
    assert path.startswith(INSTALLED + "/"), path
    return REPO / path[len(INSTALLED) + 1 :]


def test_the_worker_unit_runs_the_worker_as_the_vitosms_account_with_hardening():
    service = unit("vitosms-worker.service")["Service"]
    program, *args = shlex.split(service["ExecStart"])
    assert in_checkout(program) == REPO / ".venv" / "bin" / "vitosms"
    assert args == ["worker"]
    from vitosms_tui.cli.main import build_parser

    assert build_parser().parse_args(args).command == "worker"
    assert service["User"] == "vitosms"
    assert service["EnvironmentFile"] == "/etc/vitosms/env"
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    # longer than an SMTP hand-over may take (the config's default timeout is 30 s)
    assert int(service["TimeoutStopSec"].rstrip("s")) >= 60
    assert service["UMask"] == "0077"
    assert service["ProtectSystem"] == "strict"
    assert service["NoNewPrivileges"] == "yes"
    assert service["PrivateTmp"] == "yes"
    assert service["ReadWritePaths"] == "/var/lib/vitosms"


def test_the_backup_timer_starts_the_backup_service_each_night():
    timer = unit("vitosms-backup.timer")
    assert timer["Timer"]["OnCalendar"] == "*-*-* 02:30:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert "Unit" not in timer["Timer"]  # so it starts vitosms-backup.service, its namesake
    service = unit("vitosms-backup.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service["User"] == "vitosms"
    script = in_checkout(service["ExecStart"])
    assert script == DEPLOY / "vitosms-backup-nightly"
    assert os.access(script, os.X_OK)
    assert "/opt/vitosms/.venv/bin" in service["Environment"]
    assert set(service["ReadWritePaths"].split()) == {"/var/lib/vitosms", "/var/backups/vitosms"}


def test_the_sshd_snippet_and_sudoers_name_the_login_wrapper():
    snippet = (DEPLOY / "sshd_config.d" / "vitosms.conf").read_text()
    [forced] = re.findall(r"(?m)^\s*ForceCommand (.*)$", snippet)
    sudo, *options, wrapper = shlex.split(forced)
    assert sudo == "/usr/bin/sudo"
    assert options == ["-n", "-u", "vitosms"]
    assert in_checkout(wrapper) == DEPLOY / "vitosms-login"
    assert os.access(DEPLOY / "vitosms-login", os.X_OK)
    sudoers = (DEPLOY / "sudoers.d" / "vitosms").read_text()
    # only the wrapper, without arguments, as vitosms
    assert f'%vitosms-desk ALL=(vitosms) NOPASSWD: {wrapper} ""' in sudoers.splitlines()


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_analyze_finds_nothing_to_say_about_the_units(tmp_path):
    names = ["vitosms-worker.service", "vitosms-backup.service", "vitosms-backup.timer"]
    for name in names:
        # point the units at this checkout so that verify finds the programs they start
        (tmp_path / name).write_text((DEPLOY / name).read_text().replace(INSTALLED, str(REPO)))
    run = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / n) for n in names)], capture_output=True, text=True, timeout=WAIT
    )
    about_ours = [line for line in (run.stdout + run.stderr).splitlines() if "vitosms" in line]
    assert run.returncode == 0
    assert about_ours == []


def test_sshd_accepts_the_snippet_as_shipped(_ssh_tools, tmp_path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "host")], check=True)
    config = tmp_path / "sshd_config"
    config.write_text(
        f"HostKey {tmp_path / 'host'}\nUsePAM no\n" + (DEPLOY / "sshd_config.d" / "vitosms.conf").read_text()
    )
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    check = subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert check.stderr == "", check.stderr


@pytest.mark.skipif(not shutil.which("visudo"), reason="sudo is not installed")
def test_visudo_accepts_the_sudoers_file():
    check = subprocess.run(
        ["visudo", "-c", "-f", str(DEPLOY / "sudoers.d" / "vitosms")], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
