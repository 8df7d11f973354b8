"""Canary: one unique value stored through every backend never shows up in the database (or its
WAL), the logs, any command's output but `reveal`, or any export."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import click
import keyring
from click.testing import CliRunner

from penguin_desktop.cli.main import cli
from penguin_desktop.core.servers.ssh.keys import generate_ed25519
from penguin_desktop.core.servers.vps.hostwinds import ENV_API
from tests.billing.seed import seed_agency
from tests.campaigns.send_servers import recording_smtp
from tests.cli.test_commands import _all_commands
from tests.servers.bind import BindServer
from tests.servers.dns_zones import SERVER_IP
from tests.servers.file_keyring import FileBackedKeyring
from tests.servers.hostwinds import running_hostwinds
from tests.servers.mailu import running_mailu
from tests.servers.sshd import SshdServer
from tests.servers.stripe import running_stripe
from tests.servers.vault import VaultServer
from tests.servers.webhook_receiver import running_webhook_receiver

CANARY = "canary-9f1c2e7d4b5a"
OWNER = {
    "PENGUIN_USER": "o@agency.test",
    "PENGUIN_PASSWORD": "Velvet-otter-2026!x",
    "PENGUIN_MASTER_PASSWORD": "Master-of-secrets-2026",
}


def test_the_canary_is_nowhere(
    tmp_path: Path, vault: VaultServer, bind: BindServer, sshd: SshdServer
) -> None:
    data = tmp_path / "data"
    exports = tmp_path / "exports"
    exports.mkdir()
    env = {**OWNER, "PENGUIN_DATA_DIR": str(data)}
    ran: set[str] = set()
    outputs: list[str] = []

    def run(*args: str, stdin: str | None = None, extra: dict[str, str] | None = None) -> None:
        result = CliRunner().invoke(
            cli, ["--debug", *args], env={**env, **(extra or {})}, input=stdin
        )
        assert result.exit_code == 0, (args, result.stderr)
        words = [a for a in args if not a.startswith("-")]
        ran.add(" ".join(words[:2]) if words[0] in _GROUPS else words[0])
        ran.add(" ".join(words[:3]))
        if args[:2] != ("secrets", "reveal"):
            outputs.append(result.output + result.stderr)

    run("init", "--org", "Canary", "--owner-email", "o@agency.test")
    run("workspace", "create", "Acme")
    run("workspace", "create", "Globex")
    run(
        "secrets",
        "set",
        "in-file",
        "--kind",
        "api_key",
        "-w",
        "Acme",
        "--value-stdin",
        stdin=CANARY + "-file",
    )
    run(
        "secrets",
        "backend",
        "set",
        "vault",
        "--address",
        vault.address,
        "--token-stdin",
        "-w",
        "Globex",
        stdin=vault.root_token + "\n",
    )
    run(
        "secrets",
        "set",
        "in-vault",
        "--kind",
        "smtp_password",
        "-w",
        "Globex",
        "--value-stdin",
        stdin=CANARY + "-vault",
    )
    previous = keyring.get_keyring()
    keyring.set_keyring(FileBackedKeyring(tmp_path / "keyring.json"))
    try:
        run("secrets", "backend", "set", "keyring", "-w", "Acme")
        run(
            "secrets",
            "set",
            "in-keyring",
            "--kind",
            "ssh_key",
            "-w",
            "Acme",
            "--value-stdin",
            stdin=CANARY + "-keyring",
        )
        run("secrets", "backend", "show")
        run("secrets", "backend", "test", "-w", "Acme")
        run("secrets", "list")
        run("secrets", "due")
        for name, ws in (("in-file", "Acme"), ("in-vault", "Globex"), ("in-keyring", "Acme")):
            run("secrets", "reveal", name, "-w", ws, "--yes", "--reason", "canary")
        run("secrets", "migrate", "--to", "file")
        run(
            "secrets",
            "backend",
            "set",
            "vault",
            "--address",
            vault.address,
            "--token-stdin",
            stdin=vault.root_token + "\n",
        )
        run("secrets", "migrate", "--to", "vault")
        run("audit", "checkpoint")
        run("audit", "public-key")
        # Scheduled backups keep their passphrase in the organization's Vault, whose token
        # sits in this keyring.
        scheduled = tmp_path / "scheduled"
        scheduled.mkdir()
        run("backup", "schedule", "--enable", "--folder", str(scheduled), "--passphrase-stdin",
            stdin="Backup-passphrase-2026\n")  # fmt: skip
        run("backup", "run-due")
        _billing(run, exports)  # the agency's Stripe key goes to the organization's Vault
        _campaigns(run, exports)
        run(
            "secrets",
            "set",
            "in-file",
            "--kind",
            "api_key",
            "-w",
            "Acme",
            "--value-stdin",
            stdin=CANARY + "-replaced",
        )
        run(
            "secrets",
            "set",
            "doomed",
            "--kind",
            "webhook_secret",
            "-w",
            "Acme",
            "--value-stdin",
            stdin=CANARY + "-doomed",
        )
        run("secrets", "delete", "doomed", "-w", "Acme")
        run("secrets", "backend", "clear", "-w", "Acme")
    finally:
        keyring.set_keyring(previous)
    # Sending domains: a generated DKIM key and a TSIG secret go to Globex's Vault too.
    run(
        "domain",
        "add",
        "good.test",
        "-w",
        "Globex",
        "--lab",
        "--ip",
        SERVER_IP,
        "--dkim-selector",
        "pm",
    )
    run("domain", "list")
    run("domain", "records", "good.test")
    run("domain", "export-zone", "good.test")
    run("domain", "check", "good.test", "--nameserver", bind.address, "--no-blacklists")
    run("domain", "check", "--all", "--nameserver", bind.address, "--no-blacklists")
    run(
        "dns",
        "provider",
        "add",
        "bind",
        "-w",
        "Globex",
        "--kind",
        "rfc2136",
        "--server",
        bind.address,
        "--key-name",
        bind.key_name,
        "--secret-stdin",
        stdin=bind.key_secret + "\n",
    )
    run("dns", "provider", "list")
    run("dns", "nameserver")
    run("dns", "nameserver", "--clear")
    run("dns", "provider", "test", "bind", "-w", "Globex")
    # A dry run: good.test is shared with the other DNS tests and must stay as it is.
    run("domain", "fix", "good.test", "--dry-run", "--provider", "bind")
    run("domain", "report", "good.test")
    run("domain", "set-provider", "good.test", "bind")
    run("domain", "set-provider", "good.test", "--manual")
    run(
        "dns",
        "provider",
        "add",
        "spare",
        "-w",
        "Globex",
        "--kind",
        "rfc2136",
        "--server",
        bind.address,
        "--key-name",
        bind.key_name,
        "--secret-stdin",
        stdin=bind.key_secret + "\n",
    )
    run("dns", "provider", "remove", "spare", "-w", "Globex")
    run("domain", "add", "gone.test", "-w", "Globex", "--dkim-selector", "s1")
    run("domain", "remove", "gone.test")
    # Servers: the SSH private key and a MailU token go to Globex's Vault, nowhere else.
    key_file = tmp_path / "id_ed25519"
    key_file.write_text(sshd.client_key.private_openssh)
    ssh = ("--host", sshd.host, "--port", str(sshd.port), "--user", sshd.user)
    with running_mailu(token=CANARY + "-mailu") as existing:  # an already running MailU
        run(
            "server", "adopt", "mx1", "-w", "Globex", *ssh, "--key-file", str(key_file),
            "--mailu-url", existing.base_url, "--mailu-token-stdin", stdin=CANARY + "-mailu\n",
        )  # fmt: skip
    run("server", "accept-host-key", "mx1", sshd.host_fingerprint)
    # Provisioning renders the MailU token into mailu.env on the "remote" (outside tmp_path,
    # which is scanned): the only place besides the secret store it may be.
    remote = Path(tempfile.mkdtemp(prefix="canary-remote-"))
    remote.chmod(0o777)
    sshd.reset_remote()
    mailu_env = remote / "mailu" / "mailu.env"
    with running_mailu(env_file=mailu_env, started_by=sshd.directory / "compose-running") as api:
        run(
            "server", "provision", "mx1", "--domain", "canary.test", "--mailu-url", api.base_url,
            "--mailu-dir", str(remote / "mailu"),
        )  # fmt: skip
        run("server", "provision", "mx1", "--resume")
        run("domain", "attach", "canary.test", "--server", "mx1")
        run("server", "backup", "mx1", "--out", str(exports / "mx1.pmbak"))
        run(
            "server", "restore", "mx1", "--from", str(exports / "mx1.pmbak"),
            "--mailu-dir", str(remote / "restored"),
        )  # fmt: skip
        run("mailbox", "create", "ann@canary.test", "--server", "mx1", "--quota-mb", "100")
        run("mailbox", "list")
        run("mailbox", "passwd", "ann@canary.test")
        run("mailbox", "disable", "ann@canary.test")
        run("mailbox", "enable", "ann@canary.test")
        run("mailbox", "quota", "ann@canary.test", "200")
        run("mailbox", "settings", "ann@canary.test")
        run("mailbox", "alias", "add", "sales@canary.test", "ann@canary.test", "--server", "mx1")
        run("mailbox", "alias", "list")
        run("mailbox", "alias", "remove", "sales@canary.test")
        run("mailbox", "remove", "ann@canary.test")
    assert f"API_TOKEN={CANARY}-mailu" in mailu_env.read_text()
    shutil.rmtree(remote)
    sshd.reset_remote()
    # A server created through Hostwinds: the provider API key never leaves the secret store.
    with running_hostwinds(api_key=CANARY + "-hostwinds") as hostwinds:
        hostwinds.state.build_polls = 0
        api = {ENV_API: hostwinds.url}
        run(
            "secrets", "set", "provider/hostwinds", "--kind", "api_key", "-w", "Globex",
            "--value-stdin", stdin=CANARY + "-hostwinds",
        )  # fmt: skip
        run(
            "server", "create", "hw1", "-w", "Globex", "--region", "2", "--plan", "1001",
            "--image", "ubuntu-24.04", "--hostname", "mail.canary.test", "--port", str(sshd.port),
            extra=api,
        )  # fmt: skip
        run("server", "remove", "hw1", "--destroy", extra=api)
        assert hostwinds.state.instances == {}
    run("server", "run-check", "mx1")
    run("server", "list")
    run("server", "show", "mx1")
    rotating = generate_ed25519("canary-rotation")
    sshd.authorize(rotating.public_openssh)
    rot_key = tmp_path / "id_rotating"
    rot_key.write_text(rotating.private_openssh)
    run(
        "server", "adopt", "rot", "-w", "Globex", *ssh, "--key-file", str(rot_key),
        "--accept-host-key", sshd.host_fingerprint,
    )  # fmt: skip
    run("server", "rotate-key", "rot")
    run("server", "adopt", "gone", "-w", "Globex", *ssh, "--accept-host-key", sshd.host_fingerprint)
    run("server", "remove", "gone")
    _monitoring(run, outputs)
    run("roles")
    run("user", "add", "u@agency.test", "--password-stdin", stdin="Lantern-fjord-2026!y\n")
    run("user", "list")
    run("user", "whoami")
    run("user", "unlock", "u@agency.test")
    run("user", "set-role", "u@agency.test", "manager")
    run("user", "idle-timeout", "20")
    run("member", "add", "u@agency.test", "-w", "Acme", "--role", "member")
    run("member", "list", "-w", "Acme")
    run("member", "set-role", "u@agency.test", "-w", "Acme", "--role", "viewer")
    run("member", "remove", "u@agency.test", "-w", "Acme")
    run("workspace", "list")
    run("workspace", "rename", "Globex", "Globex Corp")
    run("audit", "list")
    run("audit", "verify")
    for fmt in ("csv", "json", "pdf"):
        run("audit", "export", "--format", fmt, "--out", str(exports / f"audit.{fmt}"))
    run("login-activity")
    run("user", "set-email", "boss@agency.test")
    env["PENGUIN_USER"] = "boss@agency.test"
    run("user", "passwd", "--new-password-stdin", stdin="Another-fjord-2027!\n")
    env["PENGUIN_PASSWORD"] = "Another-fjord-2027!"
    run("workspace", "archive", "Globex Corp")
    sealed = {"PENGUIN_BACKUP_PASSPHRASE": "Backup-passphrase-2026"}
    run("backup", "create", "--out", str(exports / "agency.pmbk"), extra=sealed)
    run("backup", "verify", str(exports / "agency.pmbk"), extra=sealed)
    run("backup", "restore", str(exports / "agency.pmbk"), "--data-dir", str(tmp_path / "back"),
        extra=sealed)  # fmt: skip

    leaves = {name for name, cmd in _all_commands(cli) if not isinstance(cmd, click.Group)}
    # `billing webhook-serve` and `unsubscribe serve` run until stopped: their own tests
    # (tests/billing/test_billing_cli.py, tests/campaigns/test_unsubscribe.py) run them as
    # processes, with their keys only in the store.
    unrun = leaves - ran - {"secrets rotate", "billing webhook-serve", "unsubscribe serve"}
    assert unrun == set(), "add new commands to the canary"

    assert all(CANARY not in text for text in outputs)
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "keyring.json"]
    assert any(p.name == "workspace.db" for p in files)
    assert any(p.name.startswith("audit.") for p in files)
    for path in files:
        assert CANARY.encode() not in path.read_bytes(), f"canary found in {path}"
    key_body = sshd.client_key.private_openssh.splitlines()[1].encode()
    assert all(key_body.decode() not in text for text in outputs)
    for path in files:
        if path not in (key_file, rot_key):
            assert key_body not in path.read_bytes(), f"SSH private key found in {path}"


_GROUPS = {
    "billing",
    "plan",
    "flags",
    "monitor",
    "alert",
    "notifier",
    "workspace",
    "user",
    "member",
    "audit",
    "secrets",
    "domain",
    "dns",
    "server",
    "mailbox",
    "lead",
    "suppression",
    "compliance",
    "campaign",
    "backup",
}


def _monitoring(run: Callable[..., None], outputs: list[str]) -> None:
    """Checks, rounds, alerts, rules and notifiers whose routing key and signing secret are
    the canary: the signing secret signs what reaches the receiver and is in nothing else."""
    routing_key = (CANARY + "-" + "0" * 32)[:32]
    run("monitor", "settings")
    run("monitor", "check", "add", "smtp", "-w", "Globex", "--server", "mx1", "--port", "9",
        "--json")  # fmt: skip
    added = str(json.loads(outputs[-1])["id"])
    run("monitor", "check", "list", "-w", "Globex")
    with running_webhook_receiver() as receiver:
        run(
            "notifier",
            "add",
            "pagerduty",
            "pd",
            "-w",
            "Globex",
            "--routing-key-stdin",
            stdin=routing_key,
        )
        run(
            "notifier", "add", "webhook", "hook", "-w", "Globex", "--url", receiver.url,
            "--secret-stdin", stdin=f"{CANARY}-hook",
        )  # fmt: skip
        run("notifier", "list")
        run("notifier", "test", "hook")
        for _ in range(2):
            run("monitor", "run", "--once", "-w", "Globex")
        assert receiver.state.received
        assert all(CANARY.encode() not in r.body for r in receiver.state.received)
    run("monitor", "status", "-w", "Globex")
    run("monitor", "check", "set", added, "--interval", "120")
    run("monitor", "history", added, "--since", "1h")
    run("alert", "list", "--all", "--json")
    first = str(json.loads(outputs[-1])[0]["id"])
    run("alert", "ack", first)
    run("alert", "resolve", first)
    run("alert", "rule", "set", "disk", "--warning", "80", "--critical", "90")
    run("alert", "rule", "list")
    run("notifier", "log")
    run("notifier", "disable", "hook")
    run("notifier", "enable", "hook")
    run("notifier", "remove", "pd")
    run("notifier", "remove", "hook")
    run("monitor", "check", "remove", added)


def _campaigns(run: Callable[..., None], exports: Path) -> None:
    """Every lead, suppression and compliance command once: none of them holds a secret, and
    none may print or keep one."""
    leads = exports / "leads.csv"
    leads.write_text("Email,First Name,Country\nann@example.com,Ann,DE\nbad,Bob,FR\n")
    run("lead", "import", str(leads), "-w", "Acme", "--list", "canary", "--preview")
    run("lead", "import", str(leads), "-w", "Acme", "--list", "canary",
        "--rejects", str(exports / "rejects.csv"))  # fmt: skip
    run("lead", "list", "-w", "Acme", "--where", "country=DE")
    run("lead", "export", "-w", "Acme", "--out", str(exports / "leads-out.csv"))
    run("lead", "erase", "ann@example.com", "-w", "Acme")
    run("suppression", "add", "example.net", "-w", "Acme")
    run("suppression", "list", "-w", "Acme")
    run("suppression", "remove", "example.net", "-w", "Acme")
    run("compliance", "set", "-w", "Acme", "--postal-address", "1 Main St",
        "--unsubscribe-url", "https://acme.example/u")  # fmt: skip
    run("compliance", "countries")
    _sending(run, exports)


def _sending(run: Callable[..., None], exports: Path) -> None:
    """An outside mailbox whose password is the canary, and a campaign sending through it: the
    password goes to the store and to the SMTP server's AUTH, nowhere else."""
    box = "carl@acme-mail.test"
    leads = exports / "more-leads.csv"
    leads.write_text("Email,First Name\ncy@example.org,Cy\n")
    run("lead", "import", str(leads), "-w", "Acme", "--list", "canary")
    body = exports / "step.txt"
    body.write_text("Hello {{first_name|there}}")
    with recording_smtp({box: CANARY + "-smtp"}) as (port, recorder):
        run("mailbox", "connect", box, "-w", "Acme", "--smtp-host", "127.0.0.1", "--smtp-port",
            str(port), "--smtp-tls", "none", "--password-stdin", "--daily-limit", "10",
            "--min-gap-seconds", "0", stdin=CANARY + "-smtp\n")  # fmt: skip
        run("mailbox", "test", box, "-w", "Acme")
        run("mailbox", "outside", "-w", "Acme")
        run("mailbox", "set-limits", box, "-w", "Acme", "--daily-limit", "20")
        run("mailbox", "domain-limit", "acme-mail.test", "-w", "Acme", "--daily-limit", "50")
        run("campaign", "create", "C", "-w", "Acme", "--list", "canary", "--mailbox", box,
            "--window", "Mon-Sun 00:00-24:00")  # fmt: skip
        run("campaign", "step", "add", "C", "-w", "Acme", "--subject", "Hi",
            "--body-file", str(body))  # fmt: skip
        run("campaign", "list", "-w", "Acme")
        run("campaign", "show", "C", "-w", "Acme")
        run("campaign", "start", "C", "-w", "Acme")
        run("campaign", "preview", "C", "-w", "Acme", "--lead", "cy@example.org")
        run("campaign", "plan", "-w", "Acme")
        run("campaign", "run", "--once", "-w", "Acme")
        run("campaign", "stats", "C", "-w", "Acme")
        run("campaign", "unknown", "C", "-w", "Acme", "--mark-sent")
        run("campaign", "pause", "C", "-w", "Acme")
        run("mailbox", "pause", box, "-w", "Acme", "--reason", "canary")
        run("mailbox", "resume", box, "-w", "Acme")
        assert recorder.recipients() == ["cy@example.org"]
        assert all(CANARY.encode() not in got.raw for got in recorder.received)
    run("workspace", "export", "Acme", "--format", "sqlite", "--out", str(exports / "acme.db"))
    sealed = {"PENGUIN_BACKUP_PASSPHRASE": "Bundle-passphrase-2026"}
    run("workspace", "export", "Acme", "--out", str(exports / "acme.pmwb"), extra=sealed)
    run("workspace", "import", str(exports / "acme.pmwb"), "--replace", "--force", "--yes",
        extra=sealed)  # fmt: skip
    run("mailbox", "disconnect", box, "-w", "Acme")


def _billing(run: Callable[..., None], exports: Path) -> None:
    """Stripe's API key and webhook secret are the canary: kept in the store, sent only as
    Stripe's Authorization header, shown nowhere."""
    with running_stripe() as stripe_server:
        seeded = seed_agency(stripe_server.url)
        run("billing", "connect", "--key-stdin", "--api-base", stripe_server.url,
            stdin=f"sk_test_{CANARY}\n")  # fmt: skip
        run("billing", "webhook-secret", "--secret-stdin", stdin=f"whsec_{CANARY}\n")
        run("billing", "test")
        run("billing", "sync")
        run("billing", "sync", "--full")
        run("billing", "status")
        run("billing", "customers")
        run("billing", "link", seeded.umbrella, "-w", "Acme")
        run("billing", "payments", "--csv", str(exports / "payments.csv"))
        run("billing", "invoices", "--failed")
        run("billing", "refund", seeded.acme_charge, "--amount", "100", "--reason", "canary",
            "--yes")  # fmt: skip
        run("billing", "revenue", "--json")
        run("plan", "list")
        run("plan", "show", seeded.pro)
        run("plan", "usage", "-w", "Acme")
        run("flags", "list", "-w", "Acme")
        run("flags", "set", "warmup", "on", "-w", "Acme")
