"""The SSH deployment of deploy/: a login opens the app as that login, and nothing else runs.

A real sshd (Debian's openssh-server) listens on a free loopback port with a
host key, authorised key and configuration of the test's own. The
configuration is the repository's snippet (deploy/sshd_config.d/vitosms.conf)
with two changes a test machine needs: the Match names the test's own account
instead of the group vitosms-desk, and ForceCommand starts the login wrapper
directly instead of through sudo as the vitosms account. The client runs in
tmux, which shows what the desk would see.

The unit files are checked too: they parse, name commands that exist, and pass
``systemd-analyze verify`` where systemd is installed.
"""

from __future__ import annotations

import configparser
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
from contextlib import contextmanager
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
    found = {"sshd": os.path.exists(SSHD)} | {name: bool(shutil.which(name))
                                              for name in ("ssh", "ssh-keygen", "tmux", *more)}
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
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(keys / name)],
                       check=True)
    return keys


def sshd_settings(port: int, keys: Path, folder: Path) -> str:
    """What every test sshd has before the deploy snippet: loopback, keys only."""
    return (f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host'}\nPidFile {folder / 'sshd.pid'}\n"
            "UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PubkeyAuthentication yes\n"
            # as in Debian's sshd_config: sftp offered to everyone, so ForceCommand has to win over it
            "Subsystem sftp /usr/lib/openssh/sftp-server\n")


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
    return ["ssh", "-p", str(port), "-i", str(keys / "client"), "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "LogLevel=ERROR",
            "-o", f"UserKnownHostsFile={folder / 'known_hosts'}", "-F", "/dev/null"]


def snippet_for_test(wrapper: Path) -> str:
    """The repository's sshd snippet, matching this account and without sudo."""
    text = (DEPLOY / "sshd_config.d" / "vitosms.conf").read_text()
    text, matched = re.subn(r"(?m)^Match Group vitosms-desk$", f"Match User {login_name()}", text)
    text, forced = re.subn(r"(?m)^(\s*)ForceCommand .*$", rf"\1ForceCommand {wrapper}", text)
    assert matched == 1 and forced == 1, "the snippet changed: adapt this test"
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
    config = (sshd_settings(port, keys, tmp_path)
              + f"AuthorizedKeysFile {authorized}\nStrictModes no\n"
              # CI runs as root: the test logs in as the account that runs it
              "PermitRootLogin prohibit-password\n"
              f"SetEnv VITOSMS_ENV_FILE={env_file}\n"
              + snippet_for_test(DEPLOY / "vitosms-login"))
    with running_sshd(config, tmp_path, port) as log:
        yield {"client": ssh_client(keys, port, tmp_path), "target": f"{login_name()}@127.0.0.1",
               "log": log, "tmp": tmp_path}


@pytest.fixture
def tmux(tmp_path):
    socket_path = tmp_path / "tmux.sock"

    def call(*args, check=True):
        return subprocess.run(["tmux", "-S", str(socket_path), *args], capture_output=True, text=True,
                              check=check)

    yield call
    call("kill-server", check=False)


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
    run = subprocess.run([*sshd["client"], "-T", sshd["target"], f"touch {marker}"], capture_output=True,
                         text=True, timeout=WAIT, stdin=subprocess.DEVNULL)
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip() == ("vitosms: the interface needs a terminal; "
                                  "use the commands (vitosms --help) in scripts")
    assert run.stdout == "" and not marker.exists()
    # sftp (and scp, which speaks it) get the app too, which finds no terminal: the app's exit code
    # 2 is the proof that no sftp server answered (sshd keeps a subsystem's stderr to itself)
    run = subprocess.run([*sshd["client"], "-T", "-s", sshd["target"], "sftp"], capture_output=True,
                         timeout=WAIT, stdin=subprocess.DEVNULL)
    assert run.returncode == 2 and run.stdout == b""


def test_forwarding_is_refused_for_the_desk(sshd):
    """A port forward asked for by a desk login is refused by sshd (the snippet's DisableForwarding)."""
    run = subprocess.run([*sshd["client"], "-T", "-N", "-o", "ExitOnForwardFailure=yes",
                          "-R", f"127.0.0.1:{free_port()}:127.0.0.1:9", sshd["target"]],
                         capture_output=True, text=True, timeout=WAIT, stdin=subprocess.DEVNULL)
    assert run.returncode == 255
    assert "remote port forwarding failed" in run.stderr


# -- the unit files -------------------------------------------------------------


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text())
    return parser


def in_checkout(path: str) -> Path:
    assert path.startswith(INSTALLED + "/"), path
    return REPO / path[len(INSTALLED) + 1:]


def test_the_worker_unit_runs_the_worker_as_the_vitosms_account_with_hardening():
    service = unit("vitosms-worker.service")["Service"]
    program, *args = shlex.split(service["ExecStart"])
    assert in_checkout(program) == REPO / ".venv" / "bin" / "vitosms" and args == ["worker"]
    from vitosms_tui.cli.main import build_parser

    assert build_parser().parse_args(args).command == "worker"
    assert service["User"] == "vitosms" and service["EnvironmentFile"] == "/etc/vitosms/env"
    assert service["Restart"] == "on-failure" and service["KillSignal"] == "SIGTERM"
    # longer than an SMTP hand-over may take (the config's default timeout is 30 s)
    assert int(service["TimeoutStopSec"].rstrip("s")) >= 60
    assert service["UMask"] == "0077" and service["ProtectSystem"] == "strict"
    assert service["NoNewPrivileges"] == "yes" and service["PrivateTmp"] == "yes"
    assert service["ReadWritePaths"] == "/var/lib/vitosms"


def test_the_backup_timer_starts_the_backup_service_each_night():
    timer = unit("vitosms-backup.timer")
    assert timer["Timer"]["OnCalendar"] == "*-*-* 02:30:00" and timer["Timer"]["Persistent"] == "true"
    assert "Unit" not in timer["Timer"]  # so it starts vitosms-backup.service, its namesake
    service = unit("vitosms-backup.service")["Service"]
    assert service["Type"] == "oneshot" and service["User"] == "vitosms"
    script = in_checkout(service["ExecStart"])
    assert script == DEPLOY / "vitosms-backup-nightly" and os.access(script, os.X_OK)
    assert "/opt/vitosms/.venv/bin" in service["Environment"]
    assert set(service["ReadWritePaths"].split()) == {"/var/lib/vitosms", "/var/backups/vitosms"}


def test_the_sshd_snippet_and_sudoers_name_the_login_wrapper():
    snippet = (DEPLOY / "sshd_config.d" / "vitosms.conf").read_text()
    [forced] = re.findall(r"(?m)^\s*ForceCommand (.*)$", snippet)
    sudo, *options, wrapper = shlex.split(forced)
    assert sudo == "/usr/bin/sudo" and options == ["-n", "-u", "vitosms"]
    assert in_checkout(wrapper) == DEPLOY / "vitosms-login" and os.access(DEPLOY / "vitosms-login", os.X_OK)
    sudoers = (DEPLOY / "sudoers.d" / "vitosms").read_text()
    # only the wrapper, without arguments, as vitosms
    assert f'%vitosms-desk ALL=(vitosms) NOPASSWD: {wrapper} ""' in sudoers.splitlines()


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_analyze_finds_nothing_to_say_about_the_units(tmp_path):
    names = ["vitosms-worker.service", "vitosms-backup.service", "vitosms-backup.timer"]
    for name in names:
        # point the units at this checkout so that verify finds the programs they start
        (tmp_path / name).write_text((DEPLOY / name).read_text().replace(INSTALLED, str(REPO)))
    run = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / n) for n in names)],
                         capture_output=True, text=True, timeout=WAIT)
    about_ours = [line for line in (run.stdout + run.stderr).splitlines() if "vitosms" in line]
    assert run.returncode == 0 and about_ours == []


def test_sshd_accepts_the_snippet_as_shipped(_ssh_tools, tmp_path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "host")], check=True)
    config = tmp_path / "sshd_config"
    config.write_text(f"HostKey {tmp_path / 'host'}\nUsePAM no\n"
                      + (DEPLOY / "sshd_config.d" / "vitosms.conf").read_text())
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    check = subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True)
    assert check.returncode == 0 and check.stderr == "", check.stderr


@pytest.mark.skipif(not shutil.which("visudo"), reason="sudo is not installed")
def test_visudo_accepts_the_sudoers_file():
    check = subprocess.run(["visudo", "-c", "-f", str(DEPLOY / "sudoers.d" / "vitosms")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
