"""No lead gets one step twice: two engines at once (SQLite and PostgreSQL), an engine killed
with SIGKILL in the middle of a batch and then resumed, the Sent folder read over IMAP
(Dovecot) to tell what went; and what the inboxes say: replies, bounces, unsubscribes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from penguin_desktop.container import Container
from penguin_desktop.core.campaigns.sending_tables import CampaignLeadRow, SendRow
from penguin_desktop.core.campaigns.suppression import is_suppressed
from penguin_desktop.core.mailboxes import MailServer, Tls
from penguin_desktop.core.platform.models import Actor, Face
from tests.campaigns.conftest import write_csv
from tests.campaigns.send_servers import Received, Recorder, recording_smtp
from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD
from tests.servers.dovecot import Dovecot

pytestmark = pytest.mark.needs_server

SENDER = "ben@acme-mail.test"
PASSWORD = "imap-And-smtp-9921"
POSTAL = "1 Main St, Springfield, USA"


def _leads(tmp: Path, count: int) -> Path:
    rows = "".join(f"lead{i}@client{i % 7}.example,Lead{i}\n" for i in range(count))
    return write_csv(tmp / "leads.csv", "Email,First Name\n" + rows)


def _campaign(
    c: Container, boss: Actor, tmp: Path, port: int, count: int,
    imap: MailServer | None = None, daily: int = 1000, steps: int = 1,
) -> None:  # fmt: skip
    c.outside_mailboxes.connect(
        boss, "Acme", SENDER, MailServer("127.0.0.1", port, Tls.NONE, SENDER), imap, PASSWORD,
        daily_limit=daily, min_gap_seconds=0,
    )  # fmt: skip
    c.leads.import_file(boss, "Acme", "List", _leads(tmp, count))
    c.compliance.set(boss, "Acme", POSTAL, "https://unsub.agency.test/u")
    c.campaigns.create(boss, "Acme", "Q1", "List", [SENDER], window="Mon-Sun 00:00-24:00")
    for n in range(steps):
        c.campaigns.add_step(boss, "Acme", "Q1", f"Step {n + 1} for {{{{first_name}}}}", "Hello")
    c.campaigns.start(boss, "Acme", "Q1")


def _statuses(c: Container) -> Counter[str]:
    with c.db.read() as session:
        return Counter(session.execute(select(SendRow.status)).scalars())


def test_two_engines_at_once_keep_the_cap_and_send_no_lead_twice(
    container: Container, tmp_path: Path
) -> None:
    boss = container.auth.initialize("Agency Two", OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
    container.workspaces.create(boss, "Acme")
    with recording_smtp({SENDER: PASSWORD}, Recorder(delay=0.01)) as (port, recorder):
        _campaign(container, boss, tmp_path, port, 30, daily=12)
        engines = [container.send_engine() for _ in range(2)]
        threads = [
            threading.Thread(target=e.run, args=(boss, "Acme"), kwargs={"once": True})
            for e in engines
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        sent = recorder.recipients()
    assert len(sent) == 12, sent
    assert len(set(sent)) == 12
    assert _statuses(container) == Counter({"sent": 12})


def _engine(c: Container) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PENGUIN_DATA_DIR": str(c.settings.data_dir),
        "PENGUIN_DB_URL": c.settings.db_url or "",
        "PENGUIN_USER": OWNER_EMAIL,
        "PENGUIN_PASSWORD": OWNER_PASSWORD,
        "PENGUIN_MASTER_PASSWORD": MASTER_PASSWORD,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "penguin_desktop.cli.main", "campaign", "run", "--once"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Iterator[MailServer]:
    dovecot.add_user(SENDER, PASSWORD)
    yield MailServer("127.0.0.1", dovecot.port, Tls.NONE, SENDER)


def test_an_engine_killed_mid_batch_resumes_without_mailing_anyone_twice(
    lite: Container, boss: Actor, tmp_path: Path, dovecot: Dovecot, mailbox: MailServer,
) -> None:  # fmt: skip
    def keep_in_sent(got: Received) -> None:
        """The provider's copy in Sent, as Gmail and Microsoft 365 keep one."""
        dovecot.append(SENDER, PASSWORD, "Sent", got.raw)

    recorder = Recorder(delay=0.05, on_message=keep_in_sent)
    with recording_smtp({SENDER: PASSWORD}, recorder) as (port, recorder):
        _campaign(lite, boss, tmp_path, port, 40, imap=mailbox)
        engine = _engine(lite)
        deadline = time.monotonic() + 60
        while len(recorder.received) < 8 and time.monotonic() < deadline:
            assert engine.poll() is None, engine.communicate()
            time.sleep(0.02)
        os.kill(engine.pid, signal.SIGKILL)
        engine.wait(10)
        killed_at = len(recorder.received)
        assert 8 <= killed_at < 40
        report = lite.send_engine().run(boss, "Acme", once=True)
        sent = recorder.recipients()
    assert len(sent) == len(set(sent)), Counter(sent).most_common(3)
    statuses = _statuses(lite)
    assert statuses["sent"] == len(sent)
    assert statuses["sent"] + statuses["unknown"] == 40, statuses
    assert sum(report.reconciled.values()) >= 1, report
    assert report.reconciled.get("unknown", 0) == statuses["unknown"]


def test_the_inbox_stops_a_lead_on_reply_and_suppresses_bounces_and_unsubscribes(
    lite: Container, boss: Actor, tmp_path: Path, dovecot: Dovecot, mailbox: MailServer,
) -> None:  # fmt: skip
    with recording_smtp({SENDER: PASSWORD}) as (port, recorder):
        _campaign(lite, boss, tmp_path, port, 3, imap=mailbox, steps=2)
        lite.send_engine().run(boss, "Acme", once=True)
        first = {r.recipient: r.message for r in recorder.received}
        replier, bouncer, leaver = sorted(first)
        reply = (
            f"From: {replier}\r\nTo: {SENDER}\r\nSubject: Re: hi\r\n"
            f"In-Reply-To: {first[replier]['Message-ID']}\r\n\r\nInterested!\r\n"
        )
        dovecot.append(SENDER, PASSWORD, "INBOX", reply.encode())
        dovecot.append(SENDER, PASSWORD, "INBOX", _dsn(bouncer, first[bouncer]["Message-ID"]))
        mailto = str(first[leaver]["List-Unsubscribe"]).split("subject=unsubscribe%20")[1]
        leave = (
            f"From: {leaver}\r\nTo: {SENDER}\r\nSubject: unsubscribe {mailto.rstrip('>')}\r\n"
            "\r\n\r\n"
        )
        dovecot.append(SENDER, PASSWORD, "INBOX", leave.encode())
        report = lite.send_engine().run(boss, "Acme", once=True)
    assert report.inbox == {"reply": 1, "bounce": 1, "unsubscribe": 1}, report
    assert len(recorder.received) == 3  # the second step went to nobody: all three stopped
    with lite.db.read() as session:
        states = dict(
            session.execute(select(CampaignLeadRow.lead_id, CampaignLeadRow.stop_reason)).all()
        )
        ws_id = 1
        assert sorted(states.values()) == ["bounced", "replied", "unsubscribed"]
        assert is_suppressed(session, ws_id, bouncer)
        assert is_suppressed(session, ws_id, leaver)
        assert not is_suppressed(session, ws_id, replier)


def _dsn(recipient: str, message_id: str) -> bytes:
    return (
        "From: MAILER-DAEMON@acme-mail.test\r\n"
        f"To: {SENDER}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.acme-mail.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {message_id}\r\nTo: {recipient}\r\n\r\n--b1--\r\n"
    ).encode()


def test_a_refused_recipient_is_a_hard_bounce_and_a_refused_login_pauses_the_mailbox(
    lite: Container, boss: Actor, tmp_path: Path
) -> None:
    recorder = Recorder(refuse={"lead1@client1.example": "550 5.1.1 no such user"})
    with recording_smtp({SENDER: PASSWORD}, recorder) as (port, recorder):
        _campaign(lite, boss, tmp_path, port, 3)
        report = lite.send_engine().run(boss, "Acme", once=True)
        assert report.sent == 2 and report.failed == 1
        with lite.db.read() as session:
            assert is_suppressed(session, 1, "lead1@client1.example")
        lite.secrets.set(boss, "Acme", f"mailbox/{SENDER}", _kind(), "a-wrong-password")
        lite.campaigns.add_step(boss, "Acme", "Q1", "Again", "Hello again")
        with lite.db.write() as session:
            for row in session.execute(select(CampaignLeadRow)).scalars():
                row.state = "active" if row.stop_reason is None else row.state
        report = lite.send_engine().run(boss, "Acme", once=True)
    assert report.sent == 0
    assert SENDER in report.paused_mailboxes, report
    assert "login refused" in report.paused_mailboxes[SENDER].lower()
    limits = {a.email: a.limits for a in lite.sending.accounts(boss, "Acme")}
    assert limits[SENDER].paused_at is not None
    assert "login refused" in (limits[SENDER].pause_reason or "").lower()


def _kind():  # type: ignore[no-untyped-def]
    from penguin_desktop.core.secrets.models import SecretKind

    return SecretKind.SMTP_PASSWORD


def test_a_follow_up_goes_through_the_same_mailbox_in_the_same_thread(
    lite: Container, boss: Actor, tmp_path: Path
) -> None:
    with recording_smtp({SENDER: PASSWORD}) as (port, recorder):
        _campaign(lite, boss, tmp_path, port, 1, steps=2)
        lite.send_engine().run(boss, "Acme", once=True)
        lite.send_engine().run(boss, "Acme", once=True)
    first, second = (r.message for r in recorder.received)
    assert first["Subject"] == "Step 1 for Lead0" and second["Subject"] == "Step 2 for Lead0"
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["From"] == first["From"]
