"""Leads for the every-page tests, made through the services: two lists, leads with every
field and a custom one (one in a country that asks for consent without it), an erased lead
(its hash suppressed), a suppressed domain in the workspace and an address agency-wide, and
the workspace's sender details; and a campaign over the first list (see `campaign`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import select

from penguin_desktop.container import Container
from penguin_desktop.core.campaigns.sending_tables import (
    CampaignRow,
    CampaignStepRow,
    HoldTallyRow,
    SendRow,
)
from penguin_desktop.core.campaigns.tables import LeadRow
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow

LEADS = (
    "email,first name,last name,company,title,phone,website,country,lawful basis,"
    "consent source,consent at,industry\n"
    "ann@example.com,Ann,Archer,Acme Ltd,CEO,+44 20 7946 0000,https://acme.example.com,GB,"
    "legitimate interest,,,SaaS\n"
    "jo@example.org,Jo,Jung,Müller GmbH,CTO,,,DE,,,,Retail\n"
    "kim@example.net,Kim,,,,,,FR,consent,fair 2026,2026-03-01,\n"
    "gone@example.com,Gone,,,,,,,,,,\n"
)


def build(container: Container, owner: Actor, workspace: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "leads.csv"
        source.write_text(LEADS, encoding="utf-8")
        container.leads.import_file(owner, workspace, "Fair 2026", source)
        source.write_text("email\nann@example.com\n", encoding="utf-8")
        container.leads.import_file(owner, workspace, "VIP", source)
    container.leads.erase(owner, workspace, "gone@example.com")
    container.suppression.add(owner, "blocked.example.com", workspace)
    container.suppression.add(owner, "never@example.org", None)
    container.compliance.set(
        owner, workspace, "1 Main Street, Springfield", "https://example.com/unsubscribe"
    )
    campaign(container, owner, workspace)


SENDER = "ann@client.test"
STATUSES = ("sending", "sent", "failed", "unknown")


def campaign(container: Container, owner: Actor, workspace: str) -> None:
    """A started campaign with a step of two variants, a send-ledger row in every status (one
    sent one replied to, bounced and unsubscribed) and a tally of each kind of hold, written
    as the send engine leaves them (no SMTP here)."""
    campaigns = container.campaigns
    campaigns.create(owner, workspace, "Spring outreach", "Fair 2026", [SENDER], daily_limit=50)
    for variant, subject in (("A", "Hello {{first_name|there}}"), ("B", "A question for you")):
        campaigns.add_step(
            owner, workspace, "Spring outreach", subject, "Hi {{first_name|there}},\n\nShort note.",
            variant=variant, step=1 if variant == "B" else None,
        )  # fmt: skip
    campaigns.start(owner, workspace, "Spring outreach")
    now = utcnow()
    with container.db.write() as session:
        ws = session.execute(select(WorkspaceRow).where(WorkspaceRow.name == workspace))
        ws_id = ws.scalar_one().id
        row = session.execute(select(CampaignRow).where(CampaignRow.workspace_id == ws_id))
        campaign_id = row.scalar_one().id
        step_id = session.execute(
            select(CampaignStepRow.id).where(CampaignStepRow.campaign_id == campaign_id)
        ).scalar_one()
        leads = session.execute(
            select(LeadRow.id, LeadRow.email).where(LeadRow.workspace_id == ws_id)
        ).all()
        # An erased lead's rows keep their place in the ledger without it (lead_id NULL).
        padded = [*leads, *[(None, "erased@example.com")] * len(STATUSES)]
        for index, (status, (lead_id, email)) in enumerate(zip(STATUSES, padded, strict=False)):
            done = status in ("sent", "failed")
            session.add(
                SendRow(
                    workspace_id=ws_id, campaign_id=campaign_id, step_id=step_id,
                    lead_id=lead_id, variant="AB"[index % 2], sender=SENDER,
                    recipient_domain=email.split("@")[1], message_id=f"<m{index}@client.test>",
                    token=f"token{index}", status=status, engine="tests", reserved_at=now,
                    sent_at=now if done else None,
                    detail="550 mailbox unavailable" if status == "failed" else None,
                    replied_at=now if status == "sent" else None,
                )
            )  # fmt: skip
        for kind, reason in (("deferred", "daily_limit"), ("blocked", "suppressed")):
            session.add(
                HoldTallyRow(campaign_id=campaign_id, step=1, kind=kind, reason=reason, count=3)
            )
