"""Outside mailboxes and sending limits: connecting keeps only a secret reference, logins are
tested against real servers (aiosmtpd with AUTH, Dovecot), limits are validated, pauses are
audited, a stranger is refused; and the same through `penguin mailbox ...`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.mailboxes.mailconn import MailLoginRefused, MailServer, Tls
from penguin_desktop.core.platform.errors import (
    ConflictError,
    NotFoundError,
    UnknownToYou,
    ValidationError,
)
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.secrets import SecretKind
from tests.cli.conftest import Penguin
from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, add_user, fresh_sqlite
from tests.servers.common import free_port
from tests.servers.dovecot import TLS_NAME, Dovecot, LoopbackPki, make_loopback_pki
from tests.servers.mail_tls import HOST, TlsIdentity

EMAIL = "bob@outside.example"
PASSWORD = "Sesame-open-42-zq"
SECRETS_FILE = {"PENGUIN_MASTER_PASSWORD": MASTER_PASSWORD}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> LoopbackPki:
    return make_loopback_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def smtp_port(pki: LoopbackPki) -> Iterator[int]:
    """aiosmtpd with STARTTLS and AUTH that lets in EMAIL with PASSWORD only."""

    def authenticator(*args: Any) -> AuthResult:
        data = args[-1]
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            EMAIL.encode(), PASSWORD.encode())  # fmt: skip
        return AuthResult(success=ok, handled=False)

    class Sink:
        async def handle_DATA(self, *_: Any) -> str:
            return "250 OK"

    controller = Controller(
        Sink(), hostname=HOST, port=free_port(), server_hostname=TLS_NAME,
        tls_context=TlsIdentity(pki.leaf).context, require_starttls=False,
        authenticator=authenticator, auth_require_tls=True,
    )  # fmt: skip
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@pytest.fixture
def dovecot(pki: LoopbackPki) -> Iterator[Dovecot]:
    with Dovecot(tls=pki.leaf) as server:
        server.add_user(EMAIL, PASSWORD)
        yield server


def _smtp(port: int = 587, tls: Tls = Tls.STARTTLS) -> MailServer:
    return MailServer(TLS_NAME, port, tls, EMAIL)


def _connect(lite: Container, boss: Actor, **kwargs: Any) -> Any:
    smtp = kwargs.pop("smtp", _smtp())
    imap = kwargs.pop("imap", None)
    return lite.outside_mailboxes.connect(boss, "Acme", EMAIL, smtp, imap, PASSWORD, **kwargs)


def test_connect_keeps_only_a_reference(boss: Actor, lite: Container, tmp_path: Path) -> None:
    info = _connect(lite, boss, daily_limit=30)
    assert info.password_secret == f"mailbox/{EMAIL}" and info.limits.daily_limit == 30
    assert info.limits.min_gap_seconds == 60 and info.imap is None
    with pytest.raises(ConflictError, match="already connected"):
        _connect(lite, boss)
    events = lite.audit.page(boss, AuditFilter())
    assert "mailbox.connect" in [e.action for e in events]
    assert PASSWORD not in repr(events)
    database = next((tmp_path / "db").glob("*"))
    assert PASSWORD.encode() not in database.read_bytes()
    listed = lite.outside_mailboxes.all(boss)
    assert [(m.workspace, m.email) for m in listed] == [("Acme", EMAIL)]


@pytest.mark.parametrize(
    ("smtp", "field"),
    [
        (MailServer("smtp.example.com", 0, Tls.STARTTLS, EMAIL), "smtp_port"),
        (MailServer("smtp.example.com", 587, "ssl", EMAIL), "smtp_tls"),  # type: ignore[arg-type]
        (MailServer(" ", 587, Tls.STARTTLS, EMAIL), "smtp_host"),
    ],
)
def test_wrong_input_is_named(boss: Actor, lite: Container, smtp: MailServer, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _connect(lite, boss, smtp=smtp)
    assert raised.value.field == field
    assert lite.outside_mailboxes.all(boss) == []


def test_logins_are_tested_for_real(
    boss: Actor, lite: Container, pki: LoopbackPki, smtp_port: int, dovecot: Dovecot
) -> None:
    assert dovecot.imaps_port is not None
    imap = MailServer(TLS_NAME, dovecot.imaps_port, Tls.IMPLICIT, EMAIL)
    _connect(lite, boss, smtp=_smtp(smtp_port), imap=imap)
    lines = lite.outside_mailboxes.test(boss, EMAIL, ca_file=str(pki.ca_file))
    assert len(lines) == 2 and lines[0].startswith("SMTP") and lines[1].startswith("IMAP")
    lite.secrets.set(boss, "Acme", f"mailbox/{EMAIL}", SecretKind.SMTP_PASSWORD, "wrong-password-1")
    with pytest.raises(MailLoginRefused) as refused:
        lite.outside_mailboxes.test(boss, EMAIL, "Acme", ca_file=str(pki.ca_file))
    assert EMAIL in refused.value.message and "wrong-password-1" not in refused.value.message


def test_limits_pause_and_accounts(boss: Actor, lite: Container) -> None:
    _connect(lite, boss)
    sending = lite.sending
    [account] = sending.accounts(boss, "Acme")
    assert (account.kind, account.enabled, account.imap) == ("outside", True, None)
    assert (account.limits.daily_limit, account.limits.warmup_start) == (50, None)
    assert account.limits.bounce_threshold == pytest.approx(0.02)
    for bad, field in (
        ({"daily_limit": 0}, "daily_limit"),
        ({"min_gap_seconds": 86_401}, "min_gap_seconds"),
        ({"warmup_start": 51}, "warmup_start"),
        ({"warmup_step": 0}, "warmup_step"),
        ({"bounce_threshold": 0.0}, "bounce_threshold"),
        ({"bounce_threshold": 1.5}, "bounce_threshold"),
    ):
        with pytest.raises(ValidationError) as raised:
            sending.set_limits(boss, EMAIL, **bad)
        assert raised.value.field == field
    limits = sending.set_limits(boss, EMAIL, daily_limit=80, warmup_start=10, warmup_step=5)
    assert (limits.daily_limit, limits.warmup_start, limits.warmup_step) == (80, 10, 5)
    assert limits.warmup_since is not None
    assert sending.set_limits(boss, EMAIL, no_warmup=True).warmup_start is None
    paused = sending.pause(boss, EMAIL, "Acme", "SMTP login refused")
    assert paused.paused_at is not None and paused.pause_reason == "SMTP login refused"
    assert sending.accounts(boss, "Acme")[0].limits.pause_reason == "SMTP login refused"
    assert sending.resume(boss, EMAIL).paused_at is None
    with pytest.raises(NotFoundError):
        sending.set_limits(boss, "nobody@outside.example", daily_limit=5)
    assert sending.set_domain_limit(boss, "Acme", "Outside.Example", 120) == 120
    assert sending.domain_limits(boss, "Acme") == {"outside.example": 120}
    sending.set_domain_limit(boss, "Acme", "outside.example", None)
    assert sending.domain_limits(boss, "Acme") == {}
    actions = [e.action for e in lite.audit.page(boss, AuditFilter())]
    for action in ("mailbox.limits", "mailbox.pause", "mailbox.resume"):
        assert action in actions
    lite.outside_mailboxes.disconnect(boss, EMAIL)
    assert sending.accounts(boss, "Acme") == [] and lite.outside_mailboxes.all(boss) == []
    _connect(lite, boss)  # the address is free again, with fresh limits
    assert sending.accounts(boss, "Acme")[0].limits.daily_limit == 50


def test_a_stranger_is_refused_and_audited(boss: Actor, lite: Container) -> None:
    stranger = add_user(lite, boss, "stranger@agency.test")
    with pytest.raises(UnknownToYou):
        _connect(lite, stranger)
    with pytest.raises(UnknownToYou):
        lite.sending.accounts(stranger, "Acme")
    denied = [e.action for e in lite.audit.page(boss, AuditFilter()) if e.outcome == "denied"]
    assert sorted(denied) == ["mailbox.manage", "mailbox.read"]


@pytest.fixture
def cli(tmp_path: Path, sqlite_template: Path) -> Penguin:
    penguin = Penguin(fresh_sqlite(sqlite_template, tmp_path / "db" / "w.db"), tmp_path)
    made = penguin("init", "--org", "Agency", "--owner-email", OWNER_EMAIL,
                   env={"PENGUIN_PASSWORD": OWNER_PASSWORD}, user=None)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert penguin("workspace", "create", "Acme").exit_code == 0
    return penguin


def test_cli_connect_limits_and_list(cli: Penguin) -> None:
    connect = ("mailbox", "connect", EMAIL, "-w", "Acme", "--smtp-host", "smtp.outside.example",
               "--smtp-port", "587", "--smtp-tls", "starttls", "--imap-host",
               "imap.outside.example", "--password-stdin", "--daily-limit", "40")  # fmt: skip
    info = cli.json(*connect, stdin=PASSWORD + "\n", env=SECRETS_FILE)
    assert info["smtp"] == {"host": "smtp.outside.example", "port": 587, "tls": "starttls",
                            "user": EMAIL}  # fmt: skip
    assert info["imap"]["port"] == 993 and info["limits"]["daily_limit"] == 40
    assert PASSWORD not in str(info)
    again = cli(*connect, stdin=PASSWORD + "\n", env=SECRETS_FILE)
    assert again.exit_code != 0 and "already connected" in again.stderr
    bad = cli("mailbox", "connect", "x@outside.example", "-w", "Acme", "--smtp-host",
              "h.example", "--smtp-port", "0", "--smtp-tls", "none", "--password-stdin",
              stdin="pw\n")  # fmt: skip
    assert bad.exit_code != 0 and "--smtp-port" in bad.stderr
    limits = cli.json("mailbox", "set-limits", EMAIL, "--warmup-start", "5", "--warmup-step", "3")
    assert (limits["warmup_start"], limits["daily_limit"]) == (5, 40)
    assert cli.json("mailbox", "pause", EMAIL, "--reason", "bounces")["pause_reason"] == "bounces"
    listed = cli.json("mailbox", "outside", "-w", "Acme")
    assert [m["email"] for m in listed] == [EMAIL]
    assert listed[0]["limits"]["pause_reason"] == "bounces"
    text = cli("mailbox", "outside")
    assert (
        text.exit_code == 0 and "bounces" in text.stdout and "smtp.outside.example" in text.stdout
    )
    assert cli.json("mailbox", "resume", EMAIL)["paused_at"] is None
    assert cli.json("mailbox", "disconnect", EMAIL, env=SECRETS_FILE) == {"disconnected": EMAIL}
    assert cli.json("mailbox", "outside") == []
