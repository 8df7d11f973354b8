"""`penguin mailbox ...` beyond create/list: enable, quota, settings and aliases, as a person
and a script use them, against the loopback MailU admin API (exit codes, --json, clear errors,
and never a password on screen)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from penguin_desktop.core.servers.mailu import MailuClient
from tests.cli.conftest import AddUser, Penguin
from tests.conftest import MASTER_PASSWORD
from tests.servers.mailu import MailuServer, running_mailu
from tests.servers.sshd import SshdServer


@pytest.fixture(autouse=True)
def _master_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mailbox passwords and the MailU token go to the encrypted secrets file."""
    monkeypatch.setenv("PENGUIN_MASTER_PASSWORD", MASTER_PASSWORD)


@pytest.fixture
def mailu() -> Iterator[MailuServer]:
    with running_mailu() as server:
        with MailuClient(server.base_url, server.state.token) as api:
            api.create_domain("client.test")
        yield server


@pytest.fixture
def penguin(initialized: Penguin, sshd: SshdServer, mailu: MailuServer) -> Penguin:
    """Acme with mx1, an adopted server whose MailU admin API is the loopback one, and a
    mailbox ann@client.test."""
    assert initialized("workspace", "create", "Acme").exit_code == 0
    adopted = initialized(
        "server", "adopt", "mx1", "-w", "Acme", "--host", sshd.host, "--port", str(sshd.port),
        "--user", sshd.user, "--accept-host-key", sshd.host_fingerprint,
        "--mailu-url", mailu.base_url, "--mailu-token-stdin", stdin=mailu.state.token + "\n",
    )  # fmt: skip
    assert adopted.exit_code == 0, adopted.stderr
    made = initialized("mailbox", "create", "ann@client.test", "--server", "mx1")
    assert made.exit_code == 0, made.stderr
    return initialized


def test_disable_enable_and_quota(penguin: Penguin, mailu: MailuServer) -> None:
    assert penguin("mailbox", "disable", "ann@client.test").exit_code == 0
    enabled = penguin("mailbox", "enable", "Ann@Client.test")
    assert enabled.exit_code == 0 and enabled.stdout.strip() == "Enabled ann@client.test"
    assert mailu.state.users["ann@client.test"]["enabled"] is True

    sized = penguin("mailbox", "quota", "ann@client.test", "2048")
    assert sized.exit_code == 0, sized.stderr
    assert "ann@client.test now has a quota of 2048 MB" in sized.stdout
    assert mailu.state.users["ann@client.test"]["quota_bytes"] == 2048 * 1024 * 1024
    as_json = penguin.json("mailbox", "quota", "ann@client.test", "100", "-w", "Acme")
    assert (as_json["quota_mb"], as_json["enabled"]) == (100, True)
    assert [m["quota_mb"] for m in penguin.json("mailbox", "list")] == [100]

    zero = penguin("mailbox", "quota", "ann@client.test", "0")
    assert zero.exit_code == 1 and "error: a quota is at least 1 MB" in zero.stderr
    words = penguin("mailbox", "quota", "ann@client.test", "lots")
    assert words.exit_code == 2 and "'lots' is not a valid integer" in words.stderr
    missing = penguin("mailbox", "enable", "zed@client.test")
    assert missing.exit_code == 1 and "no mailbox 'zed@client.test'" in missing.stderr
    bad = penguin("mailbox", "enable", "not-an-address")
    assert bad.exit_code == 1 and "bad mailbox address 'not-an-address'" in bad.stderr

    mailu.state.ready = False  # MailU's front answers 502 while the admin container restarts
    down = penguin("mailbox", "enable", "ann@client.test")
    assert down.exit_code == 5 and "MailU admin API error 502" in down.stderr


def test_settings_for_a_mail_client(penguin: Penguin, mailu: MailuServer) -> None:
    shown = penguin("mailbox", "settings", "ann@client.test")
    assert shown.exit_code == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "ann@client.test on mx1 (Acme)"
    assert "  SMTP  127.0.0.1:465  SSL/TLS" in lines
    assert "  SMTP  127.0.0.1:587  STARTTLS" in lines
    assert "  IMAP  127.0.0.1:993  SSL/TLS" in lines
    assert "  login ann@client.test" in lines
    assert "secret mailbox/ann@client.test" in shown.stdout
    assert mailu.state.passwords["ann@client.test"] not in shown.stdout

    data = penguin.json("mailbox", "settings", "ann@client.test")
    assert data["username"] == "ann@client.test"
    assert [(e["protocol"], e["port"], e["security"]) for e in data["endpoints"]] == [
        ("SMTP", 465, "SSL/TLS"),
        ("SMTP", 587, "STARTTLS"),
        ("IMAP", 993, "SSL/TLS"),
    ]
    assert "password" not in {k for k in data if k != "password_secret"}

    assert penguin("mailbox", "disable", "ann@client.test").exit_code == 0
    assert "disabled" in penguin("mailbox", "settings", "ann@client.test").stdout


def test_aliases(penguin: Penguin, mailu: MailuServer, add_user: AddUser) -> None:
    assert "No aliases yet" in penguin("mailbox", "alias", "list").stdout
    added = penguin(
        "mailbox", "alias", "add", "sales@client.test", "ann@client.test", "boss@outside.test",
        "--server", "mx1", "--comment", "sales team",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert "sales@client.test on mx1 now goes to ann@client.test, boss@outside.test" in added.stdout
    assert mailu.state.aliases["sales@client.test"]["comment"] == "sales team"
    listed = penguin("mailbox", "alias", "list")
    assert listed.stdout.splitlines()[0].split() == ["WORKSPACE", "ALIAS", "SERVER", "DESTINATIONS"]
    assert "ann@client.test, boss@outside.test" in listed.stdout
    rows = penguin.json("mailbox", "alias", "list", "--destination", "ann@client.test")
    assert [(a["email"], a["destinations"]) for a in rows] == [
        ("sales@client.test", ["ann@client.test", "boss@outside.test"])
    ]
    assert penguin.json("mailbox", "alias", "list", "--destination", "x@client.test") == []

    again = penguin(
        "mailbox", "alias", "add", "sales@client.test", "ann@client.test", "--server", "mx1"
    )
    assert again.exit_code == 1 and "sales@client.test already exists on mx1" in again.stderr
    no_dest = penguin("mailbox", "alias", "add", "info@client.test", "--server", "mx1")
    assert no_dest.exit_code == 2 and "Missing argument" in no_dest.stderr
    no_server = penguin("mailbox", "alias", "add", "info@client.test", "ann@client.test")
    assert no_server.exit_code == 2 and "--server" in no_server.stderr
    other = penguin("mailbox", "alias", "add", "x@nope.test", "ann@client.test", "--server", "mx1")
    assert other.exit_code == 1 and "Domain nope.test does not exist" in other.stderr

    add_user("viewer@agency.test")
    assert (
        penguin("member", "add", "viewer@agency.test", "-w", "Acme", "--role", "viewer").exit_code
        == 0
    )
    denied = penguin("mailbox", "alias", "list", "-w", "Acme", user="viewer@agency.test")
    assert denied.exit_code == 3 and "permission denied" in denied.stderr
    refused = penguin(
        "mailbox", "alias", "remove", "sales@client.test", "-w", "Acme", user="viewer@agency.test"
    )
    assert refused.exit_code == 3
    assert "sales@client.test" in mailu.state.aliases

    removed = penguin.json("mailbox", "alias", "remove", "sales@client.test")
    assert (removed["email"], removed["server"]) == ("sales@client.test", "mx1")
    assert mailu.state.aliases == {}
    gone = penguin("mailbox", "alias", "remove", "sales@client.test", "--server", "mx1")
    assert gone.exit_code == 1 and "no alias sales@client.test on mx1" in gone.stderr
    actions = [e["action"] for e in penguin.json("audit", "list", "-w", "Acme")]
    assert "mailbox.alias.add" in actions and "mailbox.alias.remove" in actions
