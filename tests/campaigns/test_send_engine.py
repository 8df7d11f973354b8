"""The send engine against a real (recording) SMTP server: what arrives, once; the gate's
blocks and the limits' deferrals, each with its reason; bounces and refused logins."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from penguin_desktop.container import Container
from penguin_desktop.core.campaigns.models import RunReport
from penguin_desktop.core.mailboxes import MailServer, Tls
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor
from tests.campaigns.conftest import write_csv
from tests.campaigns.send_servers import Recorder, recording_smtp

PASSWORD = "smtp-Secret-4417"
SENDER = "anna@acme-mail.test"
POSTAL = "1 Main St, Springfield, USA"
UNSUB = "https://unsub.agency.test/u"
LEADS = (
    "Email,First Name,Company,Country\n"
    "jane@example.com,Jane,Example Inc,US\n"
    "omar@example.org,Omar,,US\n"
    "li@example.net,,Net Co,US\n"
)


@dataclass
class Sending:
    c: Container
    boss: Actor
    recorder: Recorder
    port: int
    tmp: Path

    def campaign(self, name: str = "Q1", **options: object) -> None:
        self.c.campaigns.create(
            self.boss, "Acme", name, "Q1 list", [SENDER],
            window=str(options.pop("window", "Mon-Sun 00:00-24:00")), **options,  # type: ignore[arg-type]
        )  # fmt: skip

    def step(self, name: str = "Q1", subject: str = "Hello {{first_name|there}}",
             body: str = "Hi {{first_name|there}}, about {{company|your company}}.",
             **options: object) -> None:  # fmt: skip
        self.c.campaigns.add_step(self.boss, "Acme", name, subject, body, **options)  # type: ignore[arg-type]

    def run(self) -> object:
        return self.c.send_engine().run(self.boss, "Acme", once=True)


@pytest.fixture
def sending(lite: Container, boss: Actor, tmp_path: Path) -> Iterator[Sending]:
    with recording_smtp({SENDER: PASSWORD}) as (port, recorder):
        lite.outside_mailboxes.connect(
            boss, "Acme", SENDER, MailServer("127.0.0.1", port, Tls.NONE, SENDER), None,
            PASSWORD, daily_limit=100, min_gap_seconds=0,
        )  # fmt: skip
        lite.leads.import_file(boss, "Acme", "Q1 list", write_csv(tmp_path / "l.csv", LEADS))
        lite.compliance.set(boss, "Acme", POSTAL, UNSUB)
        yield Sending(lite, boss, recorder, port, tmp_path)


def test_a_started_campaign_sends_each_lead_its_step_once_with_what_the_law_asks(
    sending: Sending,
) -> None:
    sending.campaign()
    sending.step()
    sending.c.campaigns.start(sending.boss, "Acme", "Q1")
    report = sending.run()
    assert report.sent == 3, report  # type: ignore[attr-defined]
    got = {r.recipient: r.message for r in sending.recorder.received}
    assert set(got) == {"jane@example.com", "omar@example.org", "li@example.net"}
    jane = got["jane@example.com"]
    assert jane["Subject"] == "Hello Jane"
    assert jane["From"] == SENDER
    assert jane["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    links = str(jane["List-Unsubscribe"])
    assert f"<{UNSUB}/" in links and "<mailto:anna@acme-mail.test?subject=unsubscribe%20" in links
    body = jane.get_body(("plain",)).get_content()
    assert "Hi Jane, about Example Inc." in body and POSTAL in body and UNSUB in body
    omar = got["omar@example.org"].get_body(("plain",)).get_content()
    assert "about your company" in omar
    assert got["li@example.net"]["Subject"] == "Hello there"

    again = sending.run()
    assert again.sent == 0  # type: ignore[attr-defined]
    assert len(sending.recorder.received) == 3
    stats = sending.c.campaign_insight.stats(sending.boss, "Acme", "Q1")
    assert [(v.step, v.variant, v.sent) for v in stats.variants] == [(1, "A", 3)]
    assert stats.finished == 3


def test_the_gate_blocks_with_the_rule_that_blocked(
    sending: Sending,
) -> None:
    sending.c.suppression.add(sending.boss, "jane@example.com", "Acme")
    sending.campaign()
    sending.step(subject="For {{company}}")
    sending.c.campaigns.start(sending.boss, "Acme", "Q1")
    report = sending.run()
    assert sending.recorder.recipients() == ["li@example.net"]
    missing = "token {{company}} has no value for this lead and no fallback"
    assert report.blocked_by == {"suppressed address": 1, missing: 1}  # type: ignore[attr-defined]
    stats = sending.c.campaign_insight.stats(sending.boss, "Acme", "Q1")
    assert stats.stopped == {"suppressed address": 1, missing: 1}
    assert stats.blocked_by == {"suppressed address": 1, missing: 1}
    assert sending.run().blocked_by == {}  # type: ignore[attr-defined]


def test_a_mailbox_cap_holds_and_says_so(sending: Sending) -> None:
    sending.c.sending.set_limits(sending.boss, SENDER, "Acme", daily_limit=2)
    sending.campaign()
    sending.step()
    sending.c.campaigns.start(sending.boss, "Acme", "Q1")
    report = sending.run()
    assert len(sending.recorder.received) == 2
    assert report.held_by == {"mailbox daily cap": 1}  # type: ignore[attr-defined]
    stats = sending.c.campaign_insight.stats(sending.boss, "Acme", "Q1")
    assert stats.deferred_by == {"mailbox daily cap": 1}


def test_without_sender_details_nothing_goes_and_the_leads_wait(
    lite: Container, boss: Actor, tmp_path: Path
) -> None:
    with recording_smtp({SENDER: PASSWORD}) as (port, recorder):
        lite.outside_mailboxes.connect(
            boss, "Acme", SENDER, MailServer("127.0.0.1", port, Tls.NONE, SENDER), None, PASSWORD
        )
        lite.leads.import_file(boss, "Acme", "Q1 list", write_csv(tmp_path / "l.csv", LEADS))
        lite.campaigns.create(boss, "Acme", "Q1", "Q1 list", [SENDER], window="Mon-Sun 00:00-24:00")
        lite.campaigns.add_step(boss, "Acme", "Q1", "Hi", "Hello")
        lite.campaigns.start(boss, "Acme", "Q1")
        report = lite.send_engine().run(boss, "Acme", once=True)
        assert recorder.received == []
        assert Counter(report.blocked_by) == Counter(
            {"the workspace has no postal address and unsubscribe link yet": 1}
        )
        stats = lite.campaign_insight.stats(boss, "Acme", "Q1")
        assert stats.active == 3


def test_a_running_engine_tells_each_pass_and_stops_when_cancelled(sending: Sending) -> None:
    sending.campaign()
    sending.step()
    sending.c.campaigns.start(sending.boss, "Acme", "Q1")
    job = JobContext()
    heard: list[RunReport] = []

    def on_pass(report: RunReport) -> None:
        heard.append(report)
        job.cancel()

    report = sending.c.send_engine().run(
        sending.boss, "Acme", ctx=job, on_pass=on_pass, sleep=lambda _: None
    )
    assert [r.sent for r in heard] == [3]
    assert report.sent == 3 and report.cancelled
    assert len(sending.recorder.received) == 3
