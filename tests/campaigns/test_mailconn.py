"""Mail protocol adapters against real servers: Dovecot for IMAP (plain, STARTTLS, IMAPS) and
aiosmtpd with AUTH for SMTP, both with certificates from a test CA; the inbox classifier also
on arbitrary bytes."""

from __future__ import annotations

import imaplib
import uuid
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from penguin_desktop.core.campaigns.inbox import InboxEvent, classify, scan_inbox
from penguin_desktop.core.mailboxes.mailconn import (
    MailLoginRefused,
    MailServer,
    Tls,
    check_imap,
    check_smtp,
    find_in_sent,
    sent_folder,
)
from penguin_desktop.core.platform.errors import ExternalServiceError
from tests.campaigns.mail_servers import running_smtp_auth
from tests.servers.common import free_port
from tests.servers.dovecot import TLS_NAME, Dovecot, LoopbackPki
from tests.servers.mail_tls import TlsIdentity, make_pki, silent_listener

PASSWORD = "Harbor-kestrel-2026!z"
server_test = pytest.mark.needs_server


def _user() -> str:
    return f"anna-{uuid.uuid4().hex[:10]}@client-a.test"


def _mailbox(imap: Dovecot, tls: Tls = Tls.NONE) -> MailServer:
    """A fresh Dovecot user, so tests share the server but never a mailbox."""
    user = _user()
    imap.add_user(user, PASSWORD)
    if tls is Tls.IMPLICIT:
        assert imap.imaps_port is not None
        return MailServer(TLS_NAME, imap.imaps_port, tls, user)
    return MailServer(TLS_NAME if tls is Tls.STARTTLS else imap.host, imap.port, tls, user)


def _mail(subject: str, **headers: str) -> Message:
    msg = MIMEText("Hello,\n\nthanks for writing.\n")
    msg["From"] = headers.pop("From", "Bob Prospect <Bob@Prospect.test>")
    msg["To"] = "anna@client-a.test"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@prospect.test>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    return msg


def _fields(**values: str) -> Message:
    block = Message()
    for name, value in values.items():
        block[name.replace("_", "-")] = value
    return block


def _dsn(original_id: str, status: str, action: str = "failed") -> bytes:
    """A bounce as Postfix sends it: explanation, delivery-status, the original's headers."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@mx.prospect.test"
    report["To"] = "anna@client-a.test"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report.attach(MIMEText("I'm sorry to have to inform you that your message could not be"))
    status_part = MIMEBase("message", "delivery-status")
    status_part.set_payload(
        [
            _fields(Reporting_MTA="dns; mx.prospect.test"),
            _fields(
                Final_Recipient="rfc822; gone@prospect.test",
                Action=action,
                Status=status,
                Diagnostic_Code=f"smtp; 550 {status} <gone@prospect.test>: User unknown",
            ),
        ]
    )
    report.attach(status_part)
    original = f"From: anna@client-a.test\nTo: gone@prospect.test\nMessage-ID: {original_id}\n"
    report.attach(MIMEText(original, "rfc822-headers"))
    return report.as_bytes()


def _arf(original_id: str) -> bytes:
    report = MIMEMultipart("report", report_type="feedback-report")
    report["From"] = "FBL@Mailbox-Provider.test"
    report["Subject"] = "complaint about message from 192.0.2.1"
    report.attach(MIMEText("This is an email abuse report."))
    report.attach(MIMEMessage(_fields(Feedback_Type="abuse", Version="1"), "feedback-report"))
    original = _mail("Quick question", From="anna@client-a.test")
    original.replace_header("Message-ID", original_id)
    report.attach(MIMEMessage(original))
    return report.as_bytes()


# SMTP


@server_test
@pytest.mark.parametrize("tls", [Tls.STARTTLS, Tls.IMPLICIT])
def test_check_smtp_logs_in_over_tls(loopback_pki: LoopbackPki, tls: Tls) -> None:
    user = _user()
    identity = TlsIdentity(loopback_pki.leaf)
    with running_smtp_auth(identity, {user: PASSWORD}, implicit=tls is Tls.IMPLICIT) as smtp:
        server = MailServer(TLS_NAME, smtp.port, tls, user)
        line = check_smtp(server, PASSWORD, ca_file=str(loopback_pki.ca_file))
    label = "STARTTLS" if tls is Tls.STARTTLS else "implicit TLS"
    assert line == f"SMTP {TLS_NAME}:{smtp.port} {label}, logged in as {user}"


@server_test
def test_check_smtp_wrong_password_names_user_not_password(
    loopback_pki: LoopbackPki,
) -> None:
    user = _user()
    with running_smtp_auth(TlsIdentity(loopback_pki.leaf), {user: PASSWORD}) as smtp:
        server = MailServer(TLS_NAME, smtp.port, Tls.STARTTLS, user)
        with pytest.raises(MailLoginRefused) as caught:
            check_smtp(server, "Wrong-guess-77", ca_file=str(loopback_pki.ca_file))
    message = str(caught.value)
    assert user in message and f"{TLS_NAME}:{smtp.port}" in message
    assert "Wrong-guess-77" not in message and PASSWORD not in message
    assert isinstance(caught.value, ExternalServiceError) and caught.value.exit_code == 5


def test_check_smtp_nothing_listening() -> None:
    port = free_port()
    with pytest.raises(ExternalServiceError, match="connection refused") as caught:
        check_smtp(MailServer("127.0.0.1", port, Tls.NONE, "a@b.test"), PASSWORD)
    assert f"127.0.0.1:{port}" in str(caught.value)


def test_check_smtp_silent_server_times_out() -> None:
    with silent_listener() as quiet, pytest.raises(ExternalServiceError, match="timed out"):
        check_smtp(MailServer(quiet.host, quiet.port, Tls.NONE, "a@b.test"), PASSWORD, timeout=0.5)


@server_test
def test_check_smtp_certificate_for_another_host(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    user = _user()
    with running_smtp_auth(TlsIdentity(pki.wrong_host), {user: PASSWORD}) as smtp:
        server = MailServer(TLS_NAME, smtp.port, Tls.STARTTLS, user)
        with pytest.raises(ExternalServiceError) as caught:
            check_smtp(server, PASSWORD, ca_file=str(pki.ca_file))
    message = str(caught.value).lower()
    assert "certificate verify failed" in message and "hostname mismatch" in message
    assert f"{TLS_NAME}:{smtp.port}" in message and not isinstance(caught.value, MailLoginRefused)


@server_test
def test_check_smtp_untrusted_ca(loopback_pki: LoopbackPki) -> None:
    with running_smtp_auth(TlsIdentity(loopback_pki.leaf), {}, implicit=True) as smtp:
        server = MailServer(TLS_NAME, smtp.port, Tls.IMPLICIT, "a@b.test")
        with pytest.raises(ExternalServiceError, match="certificate verify failed"):
            check_smtp(server, PASSWORD)


# IMAP


@server_test
@pytest.mark.parametrize("tls", [Tls.NONE, Tls.STARTTLS, Tls.IMPLICIT])
def test_check_imap_logs_in(
    dovecot: Dovecot,
    loopback_pki: LoopbackPki,
    tls: Tls,
) -> None:
    server = _mailbox(dovecot, tls)
    line = check_imap(server, PASSWORD, ca_file=str(loopback_pki.ca_file))
    assert line.startswith(f"IMAP {server.host}:{server.port} ")
    assert line.endswith(f", logged in as {server.user}")


@server_test
def test_check_imap_wrong_password(dovecot: Dovecot) -> None:
    server = _mailbox(dovecot)
    with pytest.raises(MailLoginRefused) as caught:
        check_imap(server, "Wrong-guess-77")
    message = str(caught.value)
    assert server.user in message and f"{server.host}:{server.port}" in message
    assert "Wrong-guess-77" not in message and PASSWORD not in message


@server_test
def test_check_imaps_without_the_ca_is_refused(dovecot: Dovecot) -> None:
    server = _mailbox(dovecot, Tls.IMPLICIT)
    with pytest.raises(ExternalServiceError, match="certificate verify failed"):
        check_imap(server, PASSWORD)


@server_test
def test_find_in_sent(dovecot: Dovecot) -> None:
    server = _mailbox(dovecot)
    sent = _mail("Quick question", From=server.user)
    dovecot.append(server.user, PASSWORD, "Sent", sent.as_bytes())
    dovecot.append(server.user, PASSWORD, "INBOX", _mail("elsewhere").as_bytes())
    present, missing = sent["Message-ID"], "<never-sent@client-a.test>"
    assert find_in_sent(server, PASSWORD, [present, missing]) == {present}
    assert find_in_sent(server, PASSWORD, []) == set()


@server_test
def test_scan_inbox_classifies_and_leaves_mail_unread(dovecot: Dovecot) -> None:
    server = _mailbox(dovecot)
    ours = "<campaign-1@client-a.test>"
    for raw in (
        _dsn("<bounced-1@client-a.test>", "5.1.1"),
        _dsn("<deferred-1@client-a.test>", "4.4.1", action="delayed"),
        _arf("<complained-1@client-a.test>"),
        _mail("Unsubscribe AbC-12_x.9f").as_bytes(),
        _mail("Re: Quick question", In_Reply_To=ours, References=ours).as_bytes(),
        _mail("Out of office", In_Reply_To=ours, Auto_Submitted="auto-replied").as_bytes(),
        _mail("A newsletter you did not ask for").as_bytes(),
    ):
        dovecot.append(server.user, PASSWORD, "INBOX", raw)

    scan = scan_inbox(server, PASSWORD)

    assert scan.last_uid == 7 and scan.uidvalidity > 0
    hard, soft, complaint, unsubscribe, reply = scan.events
    assert (hard.kind, hard.uid, hard.hard) == ("bounce", 1, True)
    assert hard.sender == "mailer-daemon@mx.prospect.test"
    assert hard.refers_to == ("<bounced-1@client-a.test>",)
    assert hard.detail.startswith("5.1.1 smtp; 550 5.1.1") and len(hard.detail) <= 300
    assert (soft.kind, soft.hard, soft.refers_to) == (
        "bounce",
        False,
        ("<deferred-1@client-a.test>",),
    )
    assert complaint.kind == "complaint" and complaint.sender == "fbl@mailbox-provider.test"
    assert complaint.refers_to == ("<complained-1@client-a.test>",)
    assert (unsubscribe.kind, unsubscribe.token) == ("unsubscribe", "AbC-12_x.9f")
    assert reply == InboxEvent(
        "reply", 5, "bob@prospect.test", (ours,), False, "Re: Quick question", None
    )
    assert all(b"\\Seen" not in flags for flags in dovecot.flags(server.user, PASSWORD))


@server_test
def test_scan_inbox_resumes_after_uid_and_restarts_on_new_uidvalidity(
    dovecot: Dovecot,
) -> None:
    server = _mailbox(dovecot)
    for n in range(3):
        reply = _mail(f"Re: {n}", In_Reply_To=f"<c{n}@client-a.test>")
        dovecot.append(server.user, PASSWORD, "INBOX", reply.as_bytes())
    first = scan_inbox(server, PASSWORD, limit=2)
    assert [e.uid for e in first.events] == [1, 2] and first.last_uid == 2

    rest = scan_inbox(server, PASSWORD, after_uid=first.last_uid, uidvalidity=first.uidvalidity)
    assert [e.refers_to for e in rest.events] == [("<c2@client-a.test>",)]
    idle = scan_inbox(server, PASSWORD, after_uid=rest.last_uid, uidvalidity=rest.uidvalidity)
    assert idle.events == [] and idle.last_uid == 3

    rebuilt = scan_inbox(server, PASSWORD, after_uid=3, uidvalidity=first.uidvalidity + 1)
    assert [e.uid for e in rebuilt.events] == [1, 2, 3]


class _Listing:
    """Just the LIST answer of a server without RFC 6154 special-use flags."""

    def __init__(self, lines: list[bytes | tuple[bytes, bytes]]) -> None:
        self.lines = lines

    def list(self) -> tuple[str, list[bytes | tuple[bytes, bytes]]]:
        return "OK", self.lines


def test_sent_folder_falls_back_to_the_usual_names() -> None:
    listing = [b'(\\HasNoChildren) "/" INBOX', b'(\\HasNoChildren) "/" "Sent Items"']
    assert sent_folder(cast(imaplib.IMAP4, _Listing(listing))) == "Sent Items"
    literal = [(b'(\\HasNoChildren) "/" {17}', b"[Gmail]/Sent Mail"), b'() "/" INBOX']
    assert sent_folder(cast(imaplib.IMAP4, _Listing(literal))) == "[Gmail]/Sent Mail"
    with pytest.raises(ExternalServiceError, match="no Sent folder"):
        sent_folder(cast(imaplib.IMAP4, _Listing([b'() "/" INBOX'])))


# The classifier on its own


def test_unsubscribe_without_a_token_and_forwarded() -> None:
    plain = classify(1, _mail("unsubscribe me").as_bytes())
    forwarded = classify(2, _mail("Fwd: RE: UNSUBSCRIBE: tok_12345678").as_bytes())
    assert plain is not None and (plain.kind, plain.token) == ("unsubscribe", None)
    assert forwarded is not None and forwarded.token == "tok_12345678"
    assert classify(3, _mail("Unsubscribed already?").as_bytes()) is None


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_classify_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    assert classify(1, raw) is None or isinstance(classify(1, raw), InboxEvent)


REAL = [
    _dsn("<b@client-a.test>", "5.1.1"),
    _arf("<c@client-a.test>"),
    _mail("Re: hi", In_Reply_To="<r@client-a.test>").as_bytes(),
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(REAL),
    st.lists(st.tuples(st.integers(0, 10_000), st.binary(max_size=12)), max_size=8),
)
def test_classify_never_raises_on_mutated_real_mail(
    raw: bytes, edits: list[tuple[int, bytes]]
) -> None:
    data = bytearray(raw)
    for at, chunk in edits:
        at %= len(data) + 1
        data[at : at + len(chunk)] = chunk
    event = classify(7, bytes(data))
    assert event is None or (event.uid == 7 and len(event.detail) <= 300)
