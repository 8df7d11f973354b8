"""The MailU install plan: each step says whether it is already done (`check`) and how to do it
(`apply`). Running the plan again skips what is done, so a failed or cancelled run resumes at the
first step whose check fails. Secrets go to the server only inside files uploaded over SFTP,
never on a command line, and never into the log.

Over the ~400-line habit: the ordered MailU install is read top to bottom as one list of
small check + apply steps, which is easier to review than the same steps spread out.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from penguin_desktop.core.domains import DnsClient, ResolverConfig, reverse_name
from penguin_desktop.core.platform.errors import Cancelled, ExternalServiceError, PenguinError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.servers.mailu import MailuClient
from penguin_desktop.core.servers.provision.templates import render
from penguin_desktop.core.servers.ssh.client import CommandResult, SshConnection

MAILU_VERSION = "2024.06"
REQUIRED_PORTS = (25, 80, 443, 465, 587, 993)
SUPPORTED_OS = ("debian", "ubuntu")
MIN_RAM_MB = 1024
MIN_DISK_GB = 5
PREFLIGHT_MARK = ".penguin-preflight"
COMPOSE = "docker compose -p mailu"


@dataclass(frozen=True)
class MailuPlan:
    """What to install; saved with the server so `--resume` needs no options again."""

    server: str
    domain: str
    hostname: str
    mailu_dir: str
    mailu_url: str
    mailu_version: str = MAILU_VERSION
    public_ip: str | None = None  # where mail leaves from, when SSH goes to another address
    admin_wait_s: float = 300.0
    poll_s: float = 2.0

    @property
    def postmaster(self) -> str:
        return f"postmaster@{self.domain}"


@dataclass(frozen=True)
class PlanSecrets:
    secret_key: str
    api_token: str
    postmaster_password: str

    def __repr__(self) -> str:
        return "PlanSecrets(<hidden>)"


class StepWarning(PenguinError):
    """A step that cannot finish its job but need not stop the run: the run goes on and
    reports `message` (state "warning"), or, with `state="skipped"`, only logs it."""

    def __init__(self, message: str, state: str = "warning") -> None:
        super().__init__(message)
        self.state = state


class StepFailed(ExternalServiceError):
    def __init__(self, step: Step, detail: str) -> None:
        super().__init__(f"step '{step.title}' failed: {detail}")
        self.step = step.name
        self.detail = detail


@dataclass
class Remote:
    """What a step works with: the SSH connection, the plan, its secrets, the job and the log."""

    conn: SshConnection
    plan: MailuPlan
    secrets: PlanSecrets
    job: JobContext
    log: Callable[[str], None]
    dns: ResolverConfig = field(default_factory=ResolverConfig)
    warnings: list[str] = field(default_factory=list)
    _mailu: MailuClient | None = field(default=None, repr=False)
    _admin: str | None = field(default=None, repr=False)

    def run(self, command: str, timeout: float = 120.0, stdin: str = "") -> CommandResult:
        """Run and log the command, its output streamed to the log line by line."""
        self.log(f"$ {command}")
        return self.conn.run(
            command, timeout=timeout, stdin=stdin, on_line=lambda line: self.log(f"  {line}")
        )

    def quiet(self, command: str, timeout: float = 60.0) -> CommandResult:
        """A check's probe: not logged line by line."""
        return self.conn.run(command, timeout=timeout)

    @property
    def dir(self) -> str:
        return shlex.quote(self.plan.mailu_dir)

    def as_admin(self, command: str) -> str:
        """`command` run as root: as it is when logged in as root, through `sudo -n` for a
        user with passwordless sudo (e.g. `ubuntu` on cloud images)."""
        if self._admin is None:
            prefix = _sudo(self)
            if prefix is None:
                raise ExternalServiceError(_NOT_ADMIN.format(user=self.conn.target.user))
            self._admin = prefix
        return self._admin + command

    def mailu(self) -> MailuClient:
        if self._mailu is None:
            self._mailu = MailuClient(self.plan.mailu_url, self.secrets.api_token, timeout=10)
        return self._mailu

    def close(self) -> None:
        if self._mailu is not None:
            self._mailu.close()


class Step(Protocol):
    name: str
    title: str

    def check(self, remote: Remote) -> bool: ...

    def apply(self, remote: Remote) -> None: ...


class Preflight:
    name, title = "preflight", "Preflight: OS, CPU/RAM/disk, free ports, Docker and Compose"

    def check(self, remote: Remote) -> bool:
        return remote.quiet(f"test -f {remote.dir}/{PREFLIGHT_MARK}").ok

    def apply(self, remote: Remote) -> None:
        problems: list[str] = []
        os_id = remote.run('. /etc/os-release && echo "$ID $VERSION_ID"').stdout.strip()
        if os_id.split(" ")[0] not in SUPPORTED_OS:
            remote.log(f"  note: {os_id or 'unknown OS'} is not Debian or Ubuntu; MailU may work")
        cpus = remote.run("nproc").stdout.strip()
        mem = remote.run("awk '/^MemTotal:/ {print int($2/1024)}' /proc/meminfo").stdout.strip()
        if not mem.isdigit() or int(mem) < MIN_RAM_MB:
            problems.append(f"MailU needs at least {MIN_RAM_MB} MiB of RAM (found {mem} MiB)")
        disk = remote.run("df -Pk / | awk 'NR==2 {print int($4/1048576)}'").stdout.strip()
        if not disk.isdigit() or int(disk) < MIN_DISK_GB:
            problems.append(f"MailU needs {MIN_DISK_GB} GiB free on / (found {disk} GiB)")
        listening = remote.run("ss -Htln").stdout
        busy = [
            port
            for port in REQUIRED_PORTS
            if any(line.split()[3].endswith(f":{port}") for line in listening.splitlines()
                   if len(line.split()) > 3)
        ]  # fmt: skip
        if busy:
            problems.append(
                "ports already in use: " + ", ".join(map(str, busy)) + " (stop what listens there)"
            )
        admin = _sudo(remote) is not None
        missing = _docker_missing(remote)
        if missing:
            why_not = _why_not_installable(remote, os_id) if admin else "no root access"
            if why_not is None:
                remote.log(f"  {missing}: the next step installs it with apt-get")
            else:
                problems.append(
                    f"{missing} and cannot be installed automatically ({why_not}): install "
                    "Docker Engine with the Compose v2 plugin (https://docs.docker.com/engine/"
                    "install/ — on Ubuntu 24.04 `apt-get install docker.io docker-compose-v2`), "
                    "then run provisioning again"
                )
        if not admin:
            problems.append(_NOT_ADMIN.format(user=remote.conn.target.user))
        if problems:
            raise ExternalServiceError("; ".join(problems))
        remote.log(f"  {os_id}, {cpus} CPUs, {mem} MiB RAM, {disk} GiB free, ports free")
        owner = remote.as_admin(f'chown "$(id -u):$(id -g)" {remote.dir}')
        made = remote.run(
            f"{remote.as_admin(f'mkdir -p -m 700 {remote.dir}')} && {owner} && "
            f"touch {remote.dir}/{PREFLIGHT_MARK}"
        )
        if not made.ok:
            raise ExternalServiceError(f"cannot create {remote.plan.mailu_dir}: {made.output}")


def _docker_missing(remote: Remote) -> str | None:
    """None when Docker and Compose v2 answer, else what is missing in plain words."""
    if not remote.quiet("docker --version").ok:
        return "Docker is not installed"
    if not remote.quiet("docker compose version").ok:
        return "Docker Compose v2 is missing (`docker compose version` fails)"
    return None


_NOT_ADMIN = (
    "{user} is not root and has no passwordless sudo, and installing MailU needs root (host "
    "name, Docker, the MailU directory): log in as root, or give {user} passwordless sudo"
)


def _sudo(remote: Remote) -> str | None:
    """The command prefix: empty for root, "sudo -n " with passwordless sudo, else None."""
    if remote.quiet("id -u").stdout.strip() == "0":
        return ""
    if remote.quiet("sudo -n true").ok:
        return "sudo -n "
    return None


def _why_not_installable(remote: Remote, os_id: str) -> str | None:
    """None when Docker can be installed here with apt-get, else the reason it cannot."""
    if os_id.split(" ")[0] not in SUPPORTED_OS:
        return f"{os_id or 'this OS'} is not Debian or Ubuntu"
    if not remote.quiet("command -v apt-get").ok:
        return "apt-get is not available"
    return None


# Ubuntu 24.04 packages Compose v2 (docker-compose-v2, next to docker.io); Debian 12 does not
# (its docker-compose is the retired Python v1, which MailU's compose file is not written for), so
# there Docker's own apt repository is added, as Docker documents for Debian and Ubuntu, and
# docker-ce with docker-compose-plugin comes from it. A server that has that repository already
# (docker-compose-plugin has a candidate) installs from it without adding anything.
INSTALL_DOCKER = r"""set -e
export DEBIAN_FRONTEND=noninteractive
S="$1"
candidate() { apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [0-9]'; }
$S apt-get update -q
if candidate docker-compose-v2; then
  echo "installing Docker Engine and Compose v2 from the distribution:" \
    "docker.io, docker-compose-v2"
  $S apt-get install -y -q docker.io docker-compose-v2
else
  if ! candidate docker-compose-plugin; then
    echo "adding Docker's apt repository (the distribution has no Compose v2 package)"
    . /etc/os-release
    $S apt-get install -y -q ca-certificates curl
    $S install -m 0755 -d /etc/apt/keyrings
    curl -fsSL "https://download.docker.com/linux/$ID/gpg" \
      | $S tee /etc/apt/keyrings/docker.asc >/dev/null
    $S chmod a+r /etc/apt/keyrings/docker.asc
    echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc]" \
      "https://download.docker.com/linux/$ID $VERSION_CODENAME stable" \
      | $S tee /etc/apt/sources.list.d/docker.list >/dev/null
    $S apt-get update -q
  fi
  echo "installing Docker Engine and Compose v2 from Docker's repository:" \
    "docker-ce, docker-compose-plugin"
  $S apt-get install -y -q docker-ce docker-ce-cli containerd.io docker-compose-plugin
fi
if command -v systemctl >/dev/null 2>&1; then $S systemctl enable --now docker || true; fi
docker --version
docker compose version
"""


class InstallDocker:
    """Installs Docker Engine and Compose v2 when preflight found them missing but installable
    (Debian or Ubuntu, apt-get, root or passwordless sudo). Done when both answer."""

    name, title = "docker", "Docker Engine and Compose v2"

    def check(self, remote: Remote) -> bool:
        return _docker_missing(remote) is None

    def apply(self, remote: Remote) -> None:
        sudo = remote.as_admin("").strip()
        result = remote.run(f"sh -s -- {shlex.quote(sudo)}", timeout=1800, stdin=INSTALL_DOCKER)
        if not result.ok:
            raise ExternalServiceError(
                f"installing Docker exited with {result.exit_code}; the log above has apt-get's "
                "output (install Docker Engine with the Compose v2 plugin by hand, then run "
                "provisioning again)"
            )


class Hostname:
    name, title = "hostname", "Host name"

    def check(self, remote: Remote) -> bool:
        return remote.quiet("hostnamectl --static").stdout.strip() == remote.plan.hostname

    def apply(self, remote: Remote) -> None:
        result = remote.run(
            remote.as_admin(f"hostnamectl set-hostname {shlex.quote(remote.plan.hostname)}")
        )
        if not result.ok:
            raise ExternalServiceError(result.output or f"exit code {result.exit_code}")


def ptr_names(ip: str, config: ResolverConfig) -> tuple[list[str], str | None]:
    """The PTR names of `ip` (lower case, no final dot), or ([], why the lookup failed);
    an address with no PTR at all is ([], None)."""

    async def lookup() -> tuple[list[str], str | None]:
        client = DnsClient(config)
        try:
            answer = await client.lookup(reverse_name(ip), "PTR")
        finally:
            client.close()
        if answer.failed:
            return [], answer.describe()
        return [v.rstrip(".").lower() for v in answer.values], None

    return asyncio.run(lookup())


def reverse_dns_problem(ip: str, hostname: str, config: ResolverConfig) -> str | None:
    """None when the PTR of `ip` is `hostname`, else what is wrong and the exact fix."""
    names, failed = ptr_names(ip, config)
    if names and hostname.lower().rstrip(".") in names:
        return None
    fix = (
        f'ask your hosting company (their control panel\'s "reverse DNS" or "PTR" field, or '
        f"support) to set the PTR record of {ip} to {hostname}."
    )
    if failed:
        return f"the reverse DNS of {ip} could not be looked up ({failed}); if it is not set, {fix}"
    if not names:
        return f"{ip} has no reverse DNS name; many receivers reject mail from such servers: {fix}"
    return (
        f"the reverse DNS of {ip} is {', '.join(names)}, not {hostname}; receivers compare it "
        f"with the server's greeting: {fix}"
    )


class ReverseDns:
    """The PTR record of the server's public address must name its host name, or receivers
    distrust its mail. A server created through a provider had it set through the provider's
    API at creation; an adopted one has no API to set it, so this step looks the PTR up (with
    the DNS server the domain checks use) and, when it is wrong, says the exact value to ask
    the hosting company for.

    A wrong PTR is a warning the run reports, not a failure: MailU installs and receives mail
    fine without it (only outgoing deliverability suffers), fixing it is a request to a third
    party that can take hours or days, and the domain checks keep reporting it afterwards.
    Stopping the install on it would hold up everything else for something this tool cannot
    do. A rerun checks it again. An address that is not public (behind NAT, a private or
    loopback address) is skipped: its PTR is not what receivers see; provision with the
    public address given (`public_ip`) to check that one instead."""

    name, title = "rdns", "Reverse DNS (PTR) of the server's address"

    def _address(self, remote: Remote) -> str:
        return remote.plan.public_ip or remote.conn.target.host

    def check(self, remote: Remote) -> bool:
        ip = self._address(remote)
        try:
            public = ipaddress.ip_address(ip).is_global or remote.plan.public_ip is not None
        except ValueError:
            return False
        if not public:
            return False
        return reverse_dns_problem(ip, remote.plan.hostname, remote.dns) is None

    def apply(self, remote: Remote) -> None:
        ip = self._address(remote)
        try:
            public = ipaddress.ip_address(ip).is_global or remote.plan.public_ip is not None
        except ValueError:
            public = False
        if not public:
            raise StepWarning(
                f"{ip} is not a public address, so its reverse DNS was not checked (give the "
                "public address mail leaves from to check that one)",
                state="skipped",
            )
        problem = reverse_dns_problem(ip, remote.plan.hostname, remote.dns)
        if problem is not None:
            raise StepWarning(problem[0].upper() + problem[1:])


def _rendered(remote: Remote) -> dict[str, bytes]:
    plan = remote.plan
    values = {
        "server": plan.server,
        "domain": plan.domain,
        "hostname": plan.hostname,
        "postmaster": plan.postmaster,
        "mailu_dir": plan.mailu_dir,
        "mailu_version": plan.mailu_version,
        "secret_key": remote.secrets.secret_key,
        "api_token": remote.secrets.api_token,
    }
    return {name: render(name, values).encode() for name in ("mailu.env", "docker-compose.yml")}


class Configuration:
    name, title = "config", "Render and upload mailu.env and docker-compose.yml"

    def check(self, remote: Remote) -> bool:
        files = _rendered(remote)
        paths = " ".join(f"{remote.dir}/{name}" for name in files)
        sums = remote.quiet(f"sha256sum {paths}")
        if not sums.ok:
            return False
        found = {
            line.split()[1].rsplit("/", 1)[-1]: line.split()[0] for line in sums.stdout.splitlines()
        }
        return all(found.get(n) == hashlib.sha256(data).hexdigest() for n, data in files.items())

    def apply(self, remote: Remote) -> None:
        for name, data in _rendered(remote).items():
            path = f"{remote.plan.mailu_dir}/{name}"
            remote.log(f"upload {path} ({len(data)} bytes)")
            remote.conn.upload(data, path, mode=0o600 if name.endswith(".env") else 0o644)


class ComposeUp:
    name, title = "compose-up", "Start MailU (docker compose up -d)"

    def check(self, remote: Remote) -> bool:
        running = remote.quiet(
            f"cd {remote.dir} && {remote.as_admin(COMPOSE)} ps --services --status running"
        )
        return running.ok and {"admin", "front"} <= set(running.stdout.split())

    def apply(self, remote: Remote) -> None:
        result = remote.run(f"cd {remote.dir} && {remote.as_admin(COMPOSE)} up -d", timeout=1800)
        if not result.ok:
            raise ExternalServiceError(
                f"docker compose up exited with {result.exit_code}:\n{result.output}"
            )


class WaitForAdmin:
    name, title = "admin", "Wait for the MailU admin API"

    def check(self, remote: Remote) -> bool:
        try:
            remote.mailu().ping()
        except PenguinError:
            return False
        return True

    def apply(self, remote: Remote) -> None:
        deadline = time.monotonic() + remote.plan.admin_wait_s
        last = ""
        while True:
            try:
                remote.mailu().ping()
                remote.log(f"  admin API answers at {remote.plan.mailu_url}")
                return
            except PenguinError as exc:
                if exc.message != last:
                    remote.log(f"  not yet: {exc.message}")
                    last = exc.message
            if remote.job.cancelled:
                raise Cancelled("provisioning cancelled while waiting for the MailU admin")
            if time.monotonic() >= deadline:
                raise ExternalServiceError(
                    f"the MailU admin did not answer within {remote.plan.admin_wait_s:g} s "
                    f"({last}); look at `docker compose -p mailu logs admin` on the server"
                )
            time.sleep(remote.plan.poll_s)


class FirstDomain:
    name, title = "domain", "Create the first mail domain and its postmaster"

    def check(self, remote: Remote) -> bool:
        try:
            api = remote.mailu()
            return any(d.name == remote.plan.domain for d in api.domains()) and any(
                u.email == remote.plan.postmaster for u in api.users()
            )
        except PenguinError:
            return False

    def apply(self, remote: Remote) -> None:
        api, plan = remote.mailu(), remote.plan
        if not any(d.name == plan.domain for d in api.domains()):
            api.create_domain(plan.domain)
            remote.log(f"  domain {plan.domain} created")
        if not any(u.email == plan.postmaster for u in api.users()):
            api.create_user(
                plan.postmaster, remote.secrets.postmaster_password, comment="postmaster"
            )
            remote.log(f"  mailbox {plan.postmaster} created (password in the secret store)")


class Dkim:
    name, title = "dkim", "Generate the domain's DKIM key"

    def check(self, remote: Remote) -> bool:
        try:
            return remote.mailu().domain(remote.plan.domain).dkim_public_key is not None
        except PenguinError:
            return False

    def apply(self, remote: Remote) -> None:
        record = remote.mailu().generate_dkim(remote.plan.domain).dkim_record
        remote.log(f"  {record}")


def mailu_steps() -> list[Step]:
    return [
        Preflight(),
        InstallDocker(),
        Hostname(),
        ReverseDns(),
        Configuration(),
        ComposeUp(),
        WaitForAdmin(),
        FirstDomain(),
        Dkim(),
    ]


StateCallback = Callable[[str, str], None]


def run_plan(steps: Sequence[Step], remote: Remote, on_state: StateCallback) -> None:
    """Run the steps in order; a done step is skipped, a failing one stops the run."""
    total = len(steps)
    for index, step in enumerate(steps):
        if remote.job.cancelled:
            raise Cancelled(f"provisioning cancelled before '{step.title}'; run it again to resume")
        remote.job.progress(index / total, step.title)
        if step.check(remote):
            remote.log(f"[{index + 1}/{total}] {step.title}: already done")
            on_state(step.name, "done")
            continue
        remote.log(f"[{index + 1}/{total}] {step.title}")
        on_state(step.name, "running")
        try:
            step.apply(remote)
        except StepWarning as warning:
            on_state(step.name, warning.state)
            if warning.state == "warning":
                remote.warnings.append(warning.message)
                remote.log(f"  WARNING: {warning.message}")
            else:
                remote.log(f"  {warning.message}")
            continue
        except Cancelled:
            on_state(step.name, "cancelled")
            raise
        except PenguinError as exc:
            on_state(step.name, "failed")
            remote.log(f"  FAILED: {exc.message}")
            raise StepFailed(step, exc.message) from None
        if not step.check(remote):
            on_state(step.name, "failed")
            raise StepFailed(step, "it ran, but its check still fails")
        on_state(step.name, "done")
    remote.job.progress(1.0, "MailU is installed")
