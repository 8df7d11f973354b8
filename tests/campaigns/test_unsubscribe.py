"""The one-click unsubscribe: signed tokens, applying an unsubscribe once, and the endpoint
`penguin unsubscribe serve` as a real process."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.container import Container
from penguin_desktop.core.campaigns import (
    UnsubscribeService,
    link_key,
    mailto_link,
    read_token,
    sign_token,
    unsubscribe_link,
)
from penguin_desktop.core.campaigns.importer import address_hash
from penguin_desktop.core.campaigns.sending_tables import (
    CampaignLeadRow,
    CampaignRow,
    CampaignStepRow,
    SendRow,
)
from penguin_desktop.core.campaigns.suppression import is_suppressed
from penguin_desktop.core.campaigns.tables import LeadListRow, LeadRow
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.store.tables import AuditEventRow, WorkspaceRow
from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD
from tests.servers.common import free_port

KEY = b"k" * 32
EMAIL = "ann@prospect.example"


@dataclass(frozen=True)
class Sent:
    token: str
    lead_id: int
    workspace_id: int


def _campaign(session: Session, ws: int, lead: int, name: str) -> tuple[int, int]:
    """A campaign of one step with the lead in it; (campaign id, step id)."""
    add, flush = session.add, session.flush
    lst = LeadListRow(workspace_id=ws, name=name, name_key=name.lower())
    add(lst)
    flush()
    campaign = CampaignRow(workspace_id=ws, name=name, name_key=name.lower(), list_id=lst.id)
    add(campaign)
    flush()
    step = CampaignStepRow(campaign_id=campaign.id, position=0)
    add(step)
    add(CampaignLeadRow(campaign_id=campaign.id, lead_id=lead))
    flush()
    return campaign.id, step.id


def seed(lite: Container, workspace: str = "Acme", campaigns: int = 2) -> Sent:
    """A lead of `workspace` in `campaigns` campaigns, and a send of the first one to it."""
    with lite.db.write() as session:
        ws = session.execute(
            select(WorkspaceRow).where(WorkspaceRow.name == workspace)
        ).scalar_one()
        lead = LeadRow(workspace_id=ws.id, email=EMAIL)
        session.add(lead)
        session.flush()
        ids = [_campaign(session, ws.id, lead.id, f"{workspace} c{n}") for n in range(campaigns)]
        token = secrets.token_urlsafe(12)
        session.add(
            SendRow(workspace_id=ws.id, campaign_id=ids[0][0], step_id=ids[0][1], lead_id=lead.id,
                    variant="A", sender="bob@agency.example", recipient_domain="prospect.example",
                    message_id=f"<{token}@agency.example>", token=token, engine="test")
        )  # fmt: skip
        return Sent(token, lead.id, ws.id)


def states(lite: Container, lead_id: int) -> list[tuple[str, str | None]]:
    with lite.db.read() as session:
        rows = session.execute(
            select(CampaignLeadRow.state, CampaignLeadRow.stop_reason).where(
                CampaignLeadRow.lead_id == lead_id
            )
        ).all()
        return [(state, reason) for state, reason in rows]


def suppressed(lite: Container, sent: Sent) -> bool:
    with lite.db.read() as session:
        return is_suppressed(session, sent.workspace_id, EMAIL)


def unsubscribe_events(lite: Container) -> list[AuditEventRow]:
    with lite.db.read() as session:
        rows = session.execute(
            select(AuditEventRow).where(AuditEventRow.action == "campaign.unsubscribe")
        ).scalars()
        return [row for row in rows]


# --- tokens and links --------------------------------------------------------------------------
def test_a_signed_token_reads_back() -> None:
    token = secrets.token_urlsafe(12)
    signed = sign_token(KEY, token)
    assert signed.startswith(f"{token}.") and len(signed) == len(token) + 17
    assert read_token(KEY, signed) == token
    assert read_token(b"x" * 32, signed) is None


@given(st.one_of(st.text(), st.binary().map(lambda b: b.decode("latin-1"))))
def test_read_token_never_raises(value: str) -> None:
    assert read_token(KEY, value) is None


@settings(max_examples=300)
@given(st.data())
def test_no_changed_character_is_accepted(data: st.DataObject) -> None:
    token = data.draw(
        st.text(
            alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP0123-_", min_size=16, max_size=16
        )
    )
    signed = sign_token(KEY, token)
    where = data.draw(st.integers(0, len(signed) - 1))
    other = data.draw(st.characters(codec="utf-8").filter(lambda c: c != signed[where]))
    assert read_token(KEY, signed[:where] + other + signed[where + 1 :]) is None


def test_links() -> None:
    assert unsubscribe_link("https://unsub.agency.example/u", "t.s") == (
        "https://unsub.agency.example/u/t.s"
    )
    assert unsubscribe_link("https://unsub.agency.example/u/", "t.s").endswith("/u/t.s")
    assert unsubscribe_link("https://x.example/?t={token}&a=1", "t.s") == (
        "https://x.example/?t=t.s&a=1"
    )
    assert mailto_link("bob@agency.example", "t.s") == (
        "mailto:bob@agency.example?subject=unsubscribe%20t.s"
    )


# --- applying ----------------------------------------------------------------------------------
def test_an_unsubscribe_suppresses_and_stops_every_campaign_once(
    lite: Container, boss: Actor
) -> None:
    sent = seed(lite)
    other = seed(lite, "Globex", campaigns=1)
    signed = sign_token(link_key(lite.db, lite.secrets, boss), sent.token)
    service = lite.unsubscribe
    assert isinstance(service, UnsubscribeService)

    first = service.apply(boss, signed, "link")
    assert (first.done, first.already, first.workspace) == (True, False, "Acme")
    assert suppressed(lite, sent) and not suppressed(lite, other)
    assert states(lite, sent.lead_id) == [("stopped", "unsubscribed")] * 2
    assert states(lite, other.lead_id) == [("active", None)]
    with lite.db.read() as session:
        when = session.execute(select(SendRow.unsubscribed_at).where(SendRow.token == sent.token))
        assert when.scalar_one() is not None
    [event] = unsubscribe_events(lite)
    summary = json.loads(event.summary)
    assert summary["via"] == "link" and summary["sha256"] == address_hash(EMAIL)
    assert EMAIL not in event.summary + event.target and event.workspace == "Acme"

    again = service.apply(boss, signed, "one-click")
    assert (again.done, again.already) == (True, True)
    assert len(unsubscribe_events(lite)) == 1


def test_bad_tokens_do_nothing(lite: Container, boss: Actor) -> None:
    sent = seed(lite)
    key = link_key(lite.db, lite.secrets, boss)
    for signed in (sign_token(KEY, sent.token), sign_token(key, "unknown-token123"), "", "x.y"):
        outcome = lite.unsubscribe.apply(boss, signed, "link")
        assert (outcome.done, outcome.workspace) == (False, None)
    assert not suppressed(lite, sent) and unsubscribe_events(lite) == []


def test_an_erased_lead_is_left_alone(lite: Container, boss: Actor) -> None:
    sent = seed(lite)
    lite.leads.erase(boss, "Acme", EMAIL)
    signed = sign_token(link_key(lite.db, lite.secrets, boss), sent.token)
    outcome = lite.unsubscribe.apply(boss, signed, "link")
    assert (outcome.done, outcome.already) == (True, True)
    assert unsubscribe_events(lite) == []


def test_the_key_is_made_once(lite: Container, boss: Actor) -> None:
    first = link_key(lite.db, lite.secrets, boss)
    assert len(first) == 32 and link_key(lite.db, lite.secrets, None) == first


# --- the endpoint ------------------------------------------------------------------------------
class Endpoint:
    """`penguin unsubscribe serve` as a real process on a free port; what it logged."""

    def __init__(self, lite: Container) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PENGUIN_DATA_DIR": str(lite.settings.data_dir),
            "PENGUIN_DB_URL": str(lite.settings.db_url),
            "PENGUIN_USER": OWNER_EMAIL,
            "PENGUIN_PASSWORD": OWNER_PASSWORD,
            "PENGUIN_MASTER_PASSWORD": MASTER_PASSWORD,
        }
        self.proc: subprocess.Popen[str] | None = None
        self.log = ""

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "penguin_desktop.cli.main", "unsubscribe", "serve",
             "--port", str(self.port)],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/healthz", timeout=1)
                return
            except httpx.TransportError:
                assert self.proc.poll() is None, self.proc.communicate()[1]
                time.sleep(0.1)
        raise AssertionError("unsubscribe serve did not start")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        _out, err = self.proc.communicate(timeout=10)
        self.proc, self.log = None, self.log + err
        assert "Traceback" not in err


@pytest.fixture
def endpoint(lite: Container, boss: Actor) -> Iterator[Endpoint]:
    server = Endpoint(lite)
    server.start()
    yield server
    server.stop()


ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded"}


def _one_click(url: str, body: str = "List-Unsubscribe=One-Click") -> httpx.Response:
    return httpx.post(url, content=body, headers=ONE_CLICK)


def test_a_get_only_asks(lite: Container, boss: Actor, endpoint: Endpoint) -> None:
    sent = seed(lite)
    signed = sign_token(link_key(lite.db, lite.secrets, boss), sent.token)
    health = httpx.get(f"{endpoint.url}/healthz")
    assert (health.status_code, health.text) == (200, "ok")
    page = httpx.get(unsubscribe_link(f"{endpoint.url}/u", signed))
    assert page.status_code == 200 and "Unsubscribe from these emails?" in page.text
    assert '<form method="post">' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["content-security-policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
    )
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert not suppressed(lite, sent), "a GET must not unsubscribe"


def test_bad_links_and_large_bodies_are_refused(
    lite: Container, boss: Actor, endpoint: Endpoint
) -> None:
    sent = seed(lite)
    key = link_key(lite.db, lite.secrets, boss)
    forged = _one_click(f"{endpoint.url}/u/{sign_token(KEY, sent.token)}")
    unknown = _one_click(f"{endpoint.url}/u/{sign_token(key, 'no-such-token123')}")
    assert forged.status_code == unknown.status_code == 400 and forged.text == unknown.text
    assert sent.token not in forged.text and "signature" not in forged.text.lower()
    link = unsubscribe_link(f"{endpoint.url}/u", sign_token(key, sent.token))
    huge = _one_click(link, "List-Unsubscribe=One-Click&x=" + "x" * 10_000)
    assert huge.status_code == 413
    assert _one_click(link, "confirm=yes").status_code == 400
    assert not suppressed(lite, sent) and unsubscribe_events(lite) == []


def test_a_one_click_post_unsubscribes_after_a_restart(
    lite: Container, boss: Actor, endpoint: Endpoint
) -> None:
    sent = seed(lite)
    signed = sign_token(link_key(lite.db, lite.secrets, boss), sent.token)
    link = unsubscribe_link(f"{endpoint.url}/u", signed)
    assert httpx.get(link).status_code == 200
    endpoint.stop()
    endpoint.start()  # the key is the organization's: links signed before still work

    done = _one_click(link)
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    assert done.headers["cache-control"] == "no-store"
    assert suppressed(lite, sent)
    assert states(lite, sent.lead_id) == [("stopped", "unsubscribed")] * 2
    [event] = unsubscribe_events(lite)
    assert json.loads(event.summary)["via"] == "one-click"
    page_form = httpx.post(
        f"{endpoint.url}/?t={signed}", data={"List-Unsubscribe": "One-Click", "from": "page"}
    )
    assert page_form.status_code == 200 and len(unsubscribe_events(lite)) == 1
    endpoint.stop()
    signature = signed.partition(".")[2]
    assert "POST /u/" in endpoint.log and signature not in endpoint.log
    assert sent.token not in endpoint.log
