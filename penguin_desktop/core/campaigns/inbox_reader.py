"""What the mailboxes' inboxes say about the campaigns' sends: replies stop a lead (when the
campaign stops on reply), hard bounces and complaints suppress the address and stop the lead,
mailto unsubscribes suppress it everywhere in the workspace. Each mailbox is read from where
its last read ended; one audit event per mailbox read that found something."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from penguin_desktop.core.campaigns import suppression as supp
from penguin_desktop.core.campaigns.inbox import InboxEvent, scan_inbox
from penguin_desktop.core.campaigns.models import SuppressionKind, SuppressionReason
from penguin_desktop.core.campaigns.sending_tables import (
    CampaignLeadRow,
    CampaignRow,
    InboxCursorRow,
    SendRow,
)
from penguin_desktop.core.campaigns.tables import LeadRow
from penguin_desktop.core.campaigns.unsubscribe import UnsubscribeService
from penguin_desktop.core.mailboxes import SendingAccount
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.tables import WorkspaceRow

_STOPS = {"reply": "replied", "bounce": "bounced", "complaint": "complained"}
_REASONS = {"bounce": SuppressionReason.BOUNCE, "complaint": SuppressionReason.COMPLAINT}


def _stop(session: Session, campaign_id: int, lead_id: int, reason: str) -> None:
    session.execute(
        update(CampaignLeadRow)
        .where(
            CampaignLeadRow.campaign_id == campaign_id,
            CampaignLeadRow.lead_id == lead_id,
            CampaignLeadRow.state.in_(("active", "done")),
        )
        .values(state="stopped", stop_reason=reason)
    )


def _apply(session: Session, ws_id: int, event: InboxEvent, now: datetime) -> str | None:
    """One reply, bounce or complaint on the sends it refers to; what it counted as."""
    sends = list(
        session.execute(
            select(SendRow).where(
                SendRow.workspace_id == ws_id, SendRow.message_id.in_(event.refers_to)
            )
        ).scalars()
    )
    if not sends:
        return None
    if event.kind == "bounce" and not event.hard:
        return "soft bounce"
    for send in sends:
        if event.kind == "reply":
            send.replied_at = send.replied_at or now
        elif event.kind == "bounce":
            send.bounced_at, send.detail = send.bounced_at or now, event.detail[:300]
        else:
            send.complained_at = send.complained_at or now
        lead = session.get(LeadRow, send.lead_id) if send.lead_id is not None else None
        if lead is None:
            continue
        if event.kind in _REASONS:
            supp.record(session, ws_id, SuppressionKind.ADDRESS, lead.email,
                        _REASONS[event.kind], "inbox reader")  # fmt: skip
        campaign = session.get(CampaignRow, send.campaign_id)
        if event.kind != "reply" or (campaign is not None and campaign.stop_on_reply):
            _stop(session, send.campaign_id, lead.id, _STOPS[event.kind])
    return event.kind


def _unsubscribe_by_address(session: Session, ws_id: int, address: str) -> bool:
    """A mailto unsubscribe whose subject lost its token: the sender's own address is taken."""
    lead = session.execute(
        select(LeadRow).where(LeadRow.workspace_id == ws_id, LeadRow.email == address.lower())
    ).scalar_one_or_none()
    if lead is None:
        return False
    supp.record(session, ws_id, SuppressionKind.ADDRESS, lead.email,
                SuppressionReason.UNSUBSCRIBE, "recipient (mailto)")  # fmt: skip
    for (campaign_id,) in session.execute(
        select(CampaignLeadRow.campaign_id).where(CampaignLeadRow.lead_id == lead.id)
    ):
        _stop(session, campaign_id, lead.id, "unsubscribed")
    return True


class InboxReader(Service):
    def __init__(self, unsubscribe: UnsubscribeService) -> None:
        super().__init__(unsubscribe.db)
        self.unsubscribe = unsubscribe

    def read(
        self,
        actor: Actor,
        workspace: WorkspaceRow,
        accounts: Mapping[str, SendingAccount],
        password: Callable[[SendingAccount], str],
        ca_file: str | None,
        now: datetime,
    ) -> Counter[str]:
        """Every mailbox with IMAP; a mailbox that cannot be read is counted, not fatal."""
        counts: Counter[str] = Counter()
        for account in accounts.values():
            if account.imap is None:
                continue
            try:
                counts.update(self._one(actor, workspace, account, password(account), ca_file, now))
            except PenguinError:
                counts["unreadable mailboxes"] += 1
        return counts

    def _one(
        self,
        actor: Actor,
        ws: WorkspaceRow,
        account: SendingAccount,
        password: str,
        ca_file: str | None,
        now: datetime,
    ) -> Counter[str]:
        assert account.imap is not None
        with self.db.read() as session:
            cursor = session.get(InboxCursorRow, (ws.id, account.email))
            after, validity = (cursor.last_uid, cursor.uidvalidity) if cursor else (0, None)
        scan = scan_inbox(account.imap, password, after_uid=after, uidvalidity=validity,
                          ca_file=ca_file)  # fmt: skip
        counts: Counter[str] = Counter()
        for event in scan.events:
            signed = event.token if event.kind == "unsubscribe" else None
            if signed and self.unsubscribe.apply(actor, signed, "mailto").done:
                counts["unsubscribe"] += 1
        with self._writing(actor) as session:
            for event in scan.events:
                if event.kind == "unsubscribe":
                    if not event.token and _unsubscribe_by_address(session, ws.id, event.sender):
                        counts["unsubscribe"] += 1
                    continue
                kind = _apply(session, ws.id, event, now)
                if kind is not None:
                    counts[kind] += 1
            row = session.get(InboxCursorRow, (ws.id, account.email))
            if row is None:
                row = InboxCursorRow(workspace_id=ws.id, email=account.email)
                session.add(row)
            row.last_uid, row.uidvalidity, row.read_at = scan.last_uid, scan.uidvalidity, now
            if counts:
                target = f"mailbox:{account.email}"
                self._audit(session, actor, "campaign.inbox", target, ws, **dict(counts))
        return counts
