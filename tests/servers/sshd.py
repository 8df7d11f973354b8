"""A real OpenSSH sshd on a free loopback port (TESTING.md recipe), in a temp directory.

`SetEnv PATH=$D/bin:/usr/bin:/bin` gives the "remote" its own tools: tests place stand-ins in
`bin` (a `docker` that records `compose` calls and answers like Compose v2). The client key
authorized for the current user is generated here too.
"""

from __future__ import annotations

import getpass
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from penguin_desktop.core.servers.ssh.keys import KeyPair, generate_ed25519
from tests.servers.common import free_port

SSHD = "/usr/sbin/sshd"

DOCKER_STANDIN = r"""#!/bin/sh
# Stand-in for Docker on the test "remote": records every call, answers like Compose v2.
# `up` marks the project running (state file next to the log); a file `compose-fail` next to
# it makes `up` fail the way a busy port does. Next to it too: `containers-down` (services
# shown exited, one a line), `compose-ps-array` (`ps --format json` prints one JSON array, as
# Compose before 2.21 did, instead of one object a line) and `postqueue.json` (what
# `exec -T smtp postqueue -j` prints). `config --services` answers where a compose file is.
dir="$(dirname "$0")/.."
echo "$*" >> "$dir/docker-calls.log"
SERVICES="admin antispam front imap redis smtp"
is_down() { grep -qx "$1" "$dir/containers-down" 2>/dev/null; }
ps_json() {
  array=""; [ -f "$dir/compose-ps-array" ] && array=1
  sep=""; [ -n "$array" ] && printf '['
  if [ -f "$dir/compose-running" ]; then
    for s in $SERVICES; do
      if is_down "$s"; then state=exited; status="Exited (1) 3 minutes ago"; code=1
      else state=running; status="Up 2 hours"; code=0; fi
      line="{\"Name\":\"mailu-$s-1\",\"Project\":\"mailu\",\"Service\":\"$s\",\"State\":\"$state\",\"Status\":\"$status\",\"Health\":\"\",\"ExitCode\":$code}"
      if [ -n "$array" ]; then printf '%s%s' "$sep" "$line"; sep=","; else echo "$line"; fi
    done
  fi
  [ -z "$array" ] || echo ']'
}
case "$1" in
  --version) echo "Docker version 27.3.1, build ce12230"; exit 0 ;;
  info) echo "Server Version: 27.3.1"; exit 0 ;;
  compose)
    shift
    while [ "${1#-}" != "$1" ]; do
      case "$1" in -f|-p|--project-directory|--env-file|--project-name) shift 2 ;; *) shift ;; esac
    done
    case "$1" in
      version) echo "Docker Compose version v2.29.7"; exit 0 ;;
      up)
        if [ -f "$dir/compose-fail" ]; then
          echo " Container mailu-front-1  Starting" >&2
          echo "Error response from daemon: driver failed programming external" \
               "connectivity on endpoint mailu-front-1: Bind for 0.0.0.0:25" \
               "failed: port is already allocated" >&2
          exit 1
        fi
        for s in redis front admin imap smtp antispam; do
          echo " Container mailu-$s-1  Started" >&2
        done
        touch "$dir/compose-running"; exit 0 ;;
      ps)
        case " $* " in *" --format json "*) ps_json; exit 0 ;; esac
        if [ -f "$dir/compose-running" ]; then
          for s in $SERVICES; do is_down "$s" || echo "$s"; done
        fi
        exit 0 ;;
      config)
        if [ -f docker-compose.yml ] || [ -f compose.yml ]; then
          for s in $SERVICES; do echo "$s"; done; exit 0
        fi
        echo "no configuration file provided: not found" >&2; exit 1 ;;
      exec)
        shift; [ "$1" = -T ] && shift
        if [ ! -f "$dir/compose-running" ] || is_down "$1"; then
          echo "service \"$1\" is not running" >&2; exit 1
        fi
        if [ "$*" = "smtp postqueue -j" ]; then cat "$dir/postqueue.json" 2>/dev/null; exit 0; fi
        echo "OCI runtime exec failed: exec: \"$2\": executable file not found in \$PATH" >&2
        exit 126 ;;
      pull) echo " Pulled" >&2; exit 0 ;;
      down) rm -f "$dir/compose-running"; echo " Container mailu-admin-1  Removed" >&2; exit 0 ;;
      *) echo "unknown compose command: $1" >&2; exit 1 ;;
    esac ;;
  *) echo "docker: '$1' is not a docker command." >&2; exit 1 ;;
esac
"""

NPROC_STANDIN = r"""#!/bin/sh
# Stand-in for nproc: the "remote" is this machine, whose load is the test suite's own (and its
# neighbours'); a many-CPU answer keeps that load from deciding a health check's result.
echo 64
"""

HOSTNAMECTL_STANDIN = r"""#!/bin/sh
# Stand-in for hostnamectl: keeps the "remote" host name in a file, never touches this machine.
state="$(dirname "$0")/../hostname"
case "$1" in
  --static|hostname) cat "$state" 2>/dev/null || echo "localhost"; exit 0 ;;
  set-hostname) echo "$2" > "$state"; exit 0 ;;
  *) echo "hostnamectl: unknown command $1" >&2; exit 1 ;;
esac
"""

APT_GET_STANDIN = r"""#!/bin/sh
# Stand-in for apt-get on the test "remote": records calls; `install docker.io ...` or
# `install docker-ce ...` puts the docker stand-in in place. Never touches this machine.
dir="$(dirname "$0")/.."
echo "$*" >> "$dir/apt-calls.log"
case "$1" in
  update) echo "Reading package lists... Done"; exit 0 ;;
  install)
    case " $* " in
      *" docker.io "*|*" docker-ce "*)
        echo "Setting up docker.io (26.1.3-0ubuntu1~24.04.1) ..."
        cp "$dir/docker-standin" "$dir/bin/docker" && chmod 755 "$dir/bin/docker"
        echo "Setting up docker-compose-v2 (2.27.1+ds1-0ubuntu1~24.04.1) ..." ;;
    esac
    exit 0 ;;
  *) echo "E: Invalid operation $1" >&2; exit 100 ;;
esac
"""

APT_CACHE_STANDIN = r"""#!/bin/sh
# Stand-in for apt-cache: `policy docker-compose-v2` has a candidate, like on Ubuntu 24.04.
if [ "$1" = policy ] && [ "$2" = docker-compose-v2 ]; then
  printf '%s:\n  Installed: (none)\n  Candidate: 2.27.1+ds1-0ubuntu1~24.04.1\n' "$2"
else
  printf '%s:\n  Installed: (none)\n  Candidate: (none)\n' "$2"
fi
"""

ID_STANDIN = r"""#!/bin/sh
# Stand-in for `id -u` answering the uid in the file `uid` next to the log (a non-root login).
dir="$(dirname "$0")/.."
if [ "$1" = -u ]; then cat "$dir/uid"; else exec /usr/bin/id "$@"; fi
"""

SUDO_STANDIN = r"""#!/bin/sh
# Stand-in for sudo: `sudo -n CMD` runs CMD as is when the file `sudo-ok` exists, else asks
# for a password like a sudo without NOPASSWD.
dir="$(dirname "$0")/.."
[ "$1" = -n ] && shift
if [ ! -f "$dir/sudo-ok" ]; then echo "sudo: a password is required" >&2; exit 1; fi
echo "$*" >> "$dir/sudo-calls.log"
exec "$@"
"""


BROKEN_TOOLS = ("touch",)
MAILU_STATE = ("containers-down", "compose-ps-array", "postqueue.json")


@dataclass(frozen=True)
class SshdServer:
    port: int
    user: str
    directory: Path
    client_key: KeyPair
    keys_file: Path  # the AuthorizedKeysFile sshd reads

    host = "127.0.0.1"

    @property
    def bin_dir(self) -> Path:
        return self.directory / "bin"

    @property
    def authorized_keys(self) -> Path:
        """~/.ssh/authorized_keys of the remote user (HOME is set to a temp directory)."""
        return self.directory / "home" / ".ssh" / "authorized_keys"

    @property
    def host_fingerprint(self) -> str:
        out = subprocess.run(
            ["ssh-keygen", "-l", "-E", "sha256", "-f", str(self.directory / "host_ed25519.pub")],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return out.split()[1]

    def authorize(self, public_line: str) -> None:
        """Let `public_line` log in (appended to the file sshd reads)."""
        with self.keys_file.open("a") as handle:
            handle.write(public_line.strip() + "\n")

    def docker_calls(self) -> list[str]:
        """Every `docker ...` command line the remote ran, oldest first."""
        log = self.directory / "docker-calls.log"
        return log.read_text().splitlines() if log.exists() else []

    def install_docker_standin(self) -> None:
        for name, text in (
            ("docker", DOCKER_STANDIN),
            ("hostnamectl", HOSTNAMECTL_STANDIN),
            ("nproc", NPROC_STANDIN),
        ):
            path = self.bin_dir / name
            path.write_text(text)
            path.chmod(0o755)
        (self.directory / "docker-standin").write_text(DOCKER_STANDIN)

    def sudo_calls(self) -> list[str]:
        """Every command run through the stand-in `sudo -n`, oldest first."""
        log = self.directory / "sudo-calls.log"
        return log.read_text().splitlines() if log.exists() else []

    def apt_calls(self) -> list[str]:
        """Every `apt-get ...` command line the stand-in ran, oldest first."""
        log = self.directory / "apt-calls.log"
        return log.read_text().splitlines() if log.exists() else []

    def pretend_login(self, *, uid: int, sudo: bool) -> None:
        """Make the "remote" look like a login as `uid` (stand-in `id -u`), with or without
        passwordless sudo, with stand-in apt-get/apt-cache that "install" the docker stand-in
        (so nothing is ever installed on this machine). `reset_remote` undoes it."""
        for name, text in (("id", ID_STANDIN), ("sudo", SUDO_STANDIN)):
            (self.bin_dir / name).write_text(text)
            (self.bin_dir / name).chmod(0o755)
        (self.directory / "uid").write_text(f"{uid}\n")
        if sudo:
            (self.directory / "sudo-ok").touch()
        for name, text in (("apt-get", APT_GET_STANDIN), ("apt-cache", APT_CACHE_STANDIN)):
            (self.bin_dir / name).write_text(text)
            (self.bin_dir / name).chmod(0o755)

    def reset_remote(self) -> None:
        """Forget what earlier tests did on the "remote" (running project, host name, calls,
        pretended login); the docker stand-in is put back."""
        for name in (
            "compose-running", "compose-fail", "hostname", "docker-calls.log", "apt-calls.log",
            "uid", "sudo-ok", "sudo-calls.log", *MAILU_STATE,
        ):  # fmt: skip
            (self.directory / name).unlink(missing_ok=True)
        for name in ("id", "sudo", "apt-get", "apt-cache", *BROKEN_TOOLS):
            (self.bin_dir / name).unlink(missing_ok=True)
        self.install_docker_standin()

    def break_tool(self, name: str, message: str) -> None:
        """Make the remote's `name` (one of BROKEN_TOOLS) fail with `message` on stderr, like a
        full disk would; `reset_remote` mends it."""
        assert name in BROKEN_TOOLS
        path = self.bin_dir / name
        path.write_text(f"#!/bin/sh\necho {shlex.quote(message)} >&2\nexit 1\n")
        path.chmod(0o755)

    def run_mailu(self, down: Sequence[str] = (), old_compose: bool = False) -> None:
        """Make the stand-in show MailU's containers running, but `down` exited; with
        `old_compose`, `ps --format json` prints one JSON array as Compose before 2.21 did.
        `reset_remote` undoes it."""
        (self.directory / "compose-running").touch()
        (self.directory / "containers-down").write_text("".join(f"{s}\n" for s in down))
        array = self.directory / "compose-ps-array"
        if old_compose:
            array.touch()
        else:
            array.unlink(missing_ok=True)

    def set_mail_queue(self, arrivals: Sequence[float], text: str | None = None) -> None:
        """What `postqueue -j` in the smtp container prints: one message a line, arrived at the
        unix times `arrivals`, or `text` as given."""
        if text is None:
            text = "".join(
                json.dumps(
                    {
                        "queue_name": "deferred", "queue_id": f"4F{i:04X}",
                        "arrival_time": int(arrival), "message_size": 1024,
                        "forced_expire": False, "sender": "anna@client-a.test",
                        "recipients": [{"address": f"lead{i}@prospect.test",
                                        "delay_reason": "connect to mx.prospect.test: timeout"}],
                    }
                ) + "\n"
                for i, arrival in enumerate(arrivals)
            )  # fmt: skip
        (self.directory / "postqueue.json").write_text(text)

    def remove_docker_standin(self) -> None:
        (self.bin_dir / "docker").unlink(missing_ok=True)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            return sock.recv(4).startswith(b"SSH-")
    except OSError:
        return False


@contextmanager
def running_sshd(keys_outside_home: bool = False) -> Iterator[SshdServer]:
    """Start sshd for the current user; RuntimeError if it cannot. With `keys_outside_home`
    sshd reads the authorized keys from a file outside the user's ~/.ssh (as with
    `AuthorizedKeysFile /etc/ssh/authorized_keys/%u`), so keys added to ~/.ssh do not count."""
    if not os.path.exists(SSHD) or shutil.which("ssh-keygen") is None:
        raise RuntimeError("OpenSSH server is not installed (apt-get install openssh-server)")
    base = Path(tempfile.mkdtemp(prefix="sshd-test-"))
    base.chmod(0o755)
    (base / "bin").mkdir()
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(base / "host_ed25519")],
        check=True,
    )
    client = generate_ed25519("tests")
    home_keys = base / "home" / ".ssh" / "authorized_keys"
    home_keys.parent.mkdir(parents=True)
    home_keys.write_text(client.public_openssh + "\n")
    keys = base / "etc-authorized-keys" if keys_outside_home else home_keys
    keys.write_text(client.public_openssh + "\n")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    proc: subprocess.Popen[bytes] | None = None
    port = 0
    for _attempt in range(5):
        port = free_port()
        (base / "sshd_config").write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {base}/host_ed25519\n"
            f"PidFile {base}/sshd.pid\nAuthorizedKeysFile {keys}\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n"
            "MaxStartups 200:30:400\nMaxSessions 50\n"
            # SHLVL=1 keeps bash from sourcing the test user's ~/.bashrc (bash does so for sshd
            # commands only at shell level 1), and HOME points into the temp directory, so
            # ~/.ssh/authorized_keys is the file above: a clean, predictable "remote".
            f"SetEnv PATH={base}/bin:/usr/bin:/bin SHLVL=1 HOME={base}/home\n"
            "Subsystem sftp internal-sftp\n"
        )
        proc = subprocess.Popen(
            [SSHD, "-D", "-f", str(base / "sshd_config"), "-E", str(base / "sshd.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None and not _listening(port):
            time.sleep(0.05)
        if proc.poll() is None and _listening(port):
            break
        proc.kill()
        proc.wait()
        proc = None
    if proc is None:
        log = base / "sshd.log"
        text = log.read_text(errors="replace")[-1500:] if log.exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"sshd did not start: {text}")
    try:
        yield SshdServer(port, getpass.getuser(), base, client, keys)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(base, ignore_errors=True)
