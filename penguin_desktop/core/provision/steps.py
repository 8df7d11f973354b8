"""The MailU install plan: each step says whether it is already done (`check`) and how to do it
(`apply`). Running the plan again skips what is done, so a failed or cancelled run resumes at the
first step whose check fails. Secrets go to the server only inside files uploaded over SFTP,
never on a command line, and never into the log."""

from __future__ import annotations

import hashlib
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from penguin_desktop.core.errors import Cancelled, ExternalServiceError, PenguinError
from penguin_desktop.core.jobs import JobContext
from penguin_desktop.core.mailu.client import MailuClient
from penguin_desktop.core.provision.templates import render
from penguin_desktop.core.ssh.client import CommandResult, SshConnection

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
    _mailu: MailuClient | None = field(default=None, repr=False)

    def run(self, command: str, timeout: float = 120.0) -> CommandResult:
        self.log(f"$ {command}")
        result = self.conn.run(command, timeout=timeout)
        for line in result.output.splitlines():
            self.log(f"  {line}")
        return result

    def quiet(self, command: str, timeout: float = 60.0) -> CommandResult:
        """A check's probe: not logged line by line."""
        return self.conn.run(command, timeout=timeout)

    @property
    def dir(self) -> str:
        return shlex.quote(self.plan.mailu_dir)

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
        docker = remote.run("docker --version")
        if not docker.ok:
            problems.append(
                "Docker is not installed: install Docker Engine with the Compose plugin "
                "(https://docs.docker.com/engine/install/), then run provisioning again"
            )
        elif not remote.run("docker compose version").ok:
            problems.append(
                "Docker Compose v2 is missing: install the docker-compose-plugin package"
            )
        if problems:
            raise ExternalServiceError("; ".join(problems))
        remote.log(f"  {os_id}, {cpus} CPUs, {mem} MiB RAM, {disk} GiB free, ports free")
        made = remote.run(f"mkdir -p -m 700 {remote.dir} && touch {remote.dir}/{PREFLIGHT_MARK}")
        if not made.ok:
            raise ExternalServiceError(f"cannot create {remote.plan.mailu_dir}: {made.output}")


class Hostname:
    name, title = "hostname", "Host name"

    def check(self, remote: Remote) -> bool:
        return remote.quiet("hostnamectl --static").stdout.strip() == remote.plan.hostname

    def apply(self, remote: Remote) -> None:
        result = remote.run(f"hostnamectl set-hostname {shlex.quote(remote.plan.hostname)}")
        if not result.ok:
            raise ExternalServiceError(result.output or f"exit code {result.exit_code}")


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
        running = remote.quiet(f"cd {remote.dir} && {COMPOSE} ps --services --status running")
        return running.ok and {"admin", "front"} <= set(running.stdout.split())

    def apply(self, remote: Remote) -> None:
        result = remote.run(f"cd {remote.dir} && {COMPOSE} up -d", timeout=1800)
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
        Hostname(),
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
