"""Unsubscribe links: signed tokens, the links mails carry, and applying an unsubscribe.

A link carries the send's random ledger token and an HMAC of it under the organization's key,
so a link cannot be guessed or forged from another one, and it names no lead. The key lives in
the organization's secret store (as the audit trail's signing key does); the database records
only where. Applying an unsubscribe suppresses the address in the send's workspace and stops
the lead in every campaign of that workspace, once: a second click changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets as random
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from penguin_desktop.core.campaigns.importer import address_hash
from penguin_desktop.core.campaigns.models import SuppressionKind, SuppressionReason
from penguin_desktop.core.campaigns.sending_tables import CampaignLeadRow, CampaignRow, SendRow
from penguin_desktop.core.campaigns.suppression import record
from penguin_desktop.core.campaigns.tables import LeadRow
from penguin_desktop.core.platform.errors import DatabaseError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import MetaRow, WorkspaceRow, utcnow
from penguin_desktop.core.secrets import BackendKind

if TYPE_CHECKING:
    from penguin_desktop.core.secrets import SecretService

KEY_RECORD = "campaigns.unsubscribe_key"  # {"name", "backend"}: where the HMAC key is kept
SIG_CHARS = 16
MAX_SIGNED = 128
_PURPOSE = "sign unsubscribe links"
_keys: dict[str, bytes] = {}  # the key per recorded location: read from the store once
_making = threading.Lock()


def _recorded(db: Database) -> str | None:
    with db.read() as session:
        row = session.get(MetaRow, KEY_RECORD)
        return row.value if row else None


def _load(where: str, secrets: SecretService, actor: Actor | None, ask: bool) -> bytes:
    """The key at a recorded location, from the store the first time in this process."""
    if where in _keys:
        return _keys[where]
    place = json.loads(where)
    backend = BackendKind(place["backend"])
    text = secrets.system_secret(place["name"], backend, _PURPOSE, actor, ask=ask)
    if text is None:
        raise DatabaseError(
            f"the unsubscribe links' key {place['name']} is missing from the {place['backend']} "
            "secret store, so no link can be checked; restore the store from a backup"
        )
    _keys[where] = base64.urlsafe_b64decode(text)
    return _keys[where]


def link_key(
    db: Database, secrets: SecretService, actor: Actor | None, *, ask: bool = True
) -> bytes:
    """The organization's HMAC key for unsubscribe links, made on first use. When two
    processes make one at once, the first recorded wins and the other's stays unused."""
    where = _recorded(db)
    if where is not None:
        return _load(where, secrets, actor, ask)
    with _making:
        key = random.token_bytes(32)
        name = f"unsubscribe-key-{uuid.uuid4().hex[:12]}"
        text = base64.urlsafe_b64encode(key).decode()
        backend = secrets.put_system_secret(name, text, _PURPOSE, actor, ask=ask)
        mine = json.dumps({"name": name, "backend": backend.value})
        try:
            with db.write() as session:
                if session.get(MetaRow, KEY_RECORD) is None:
                    session.add(MetaRow(key=KEY_RECORD, value=mine))
                    _keys[mine] = key
        except IntegrityError:
            pass
    where = _recorded(db)
    if where is None:
        raise DatabaseError("the unsubscribe links' key could not be recorded")
    return _load(where, secrets, actor, ask)


def _signature(key: bytes, token: str) -> str:
    mac = hmac.new(key, token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")[:SIG_CHARS]


def sign_token(key: bytes, token: str) -> str:
    """`token.signature`: what a link carries."""
    return f"{token}.{_signature(key, token)}"


def read_token(key: bytes, signed: str) -> str | None:
    """The ledger token of a signed token whose signature holds; None for anything else (any
    input at all: it comes from the internet)."""
    if not isinstance(signed, str) or len(signed) > MAX_SIGNED or not signed.isascii():
        return None
    token, dot, sig = signed.rpartition(".")
    if not dot or not token or len(sig) != SIG_CHARS:
        return None
    return token if hmac.compare_digest(_signature(key, token), sig) else None


def unsubscribe_link(base_url: str, signed: str) -> str:
    """The workspace's https unsubscribe URL with the signed token: in place of `{token}`
    when the URL has it, else as the last path segment."""
    part = quote(signed, safe="")
    if "{token}" in base_url:
        return base_url.replace("{token}", part)
    return f"{base_url.rstrip('/')}/{part}"


def mailto_link(sender: str, signed: str) -> str:
    """The List-Unsubscribe mailto: the inbox reader finds `unsubscribe <signed>` in the
    subject of the mail it sends."""
    return f"mailto:{sender}?subject=unsubscribe%20{signed}"


@dataclass(frozen=True)
class UnsubscribeOutcome:
    """`done`: the link was good; `already`: nothing new was written (clicked before, or the
    lead was erased, whose hash the erasure suppressed). Names no address."""

    done: bool
    already: bool
    workspace: str | None


class UnsubscribeService(Service):
    """Applies unsubscribes from links (the web endpoint) and from mailto replies (the inbox
    reader). No role is checked: the signed token is the recipient's authority, and `actor`
    is the program's user the trail records as doing it."""

    def __init__(self, db: Database, secrets: SecretService) -> None:
        super().__init__(db)
        self._secrets = secrets

    def key(self, actor: Actor | None, *, ask: bool = True) -> bytes:
        """The links' key (made on first use): the server reads it once before serving, so
        answering a request never opens, or asks for, the secret store."""
        return link_key(self.db, self._secrets, actor, ask=ask)

    def apply(self, actor: Actor, signed: str, via: str) -> UnsubscribeOutcome:
        """Unsubscribe the lead a signed token names: suppressed in the workspace and stopped
        in all its campaigns there; `via` (link, one-click, mailto) goes to the trail."""
        token = read_token(self.key(actor, ask=False), signed)
        if token is None:
            return UnsubscribeOutcome(False, False, None)
        with self._writing(actor) as session:
            send = session.execute(
                select(SendRow).where(SendRow.token == token).with_for_update()
            ).scalar_one_or_none()  # locked: two clicks at once apply once
            if send is None:
                return UnsubscribeOutcome(False, False, None)
            ws = session.get(WorkspaceRow, send.workspace_id)
            assert ws is not None  # the send's workspace: a foreign key that cascades
            lead = session.get(LeadRow, send.lead_id) if send.lead_id is not None else None
            if lead is None:
                return UnsubscribeOutcome(True, True, ws.name)
            added = record(session, ws.id, SuppressionKind.ADDRESS, lead.email,
                           SuppressionReason.UNSUBSCRIBE, f"recipient ({via})")  # fmt: skip
            first = send.unsubscribed_at is None
            if first:
                send.unsubscribed_at = utcnow()
            stopped = self._stop_everywhere(session, ws.id, lead.id)
            if not (added or first or stopped):
                return UnsubscribeOutcome(True, True, ws.name)
            digest = address_hash(lead.email)
            self._audit(session, actor, "campaign.unsubscribe", f"lead:{digest[:16]}", ws,
                        via=via, sha256=digest, campaign_id=send.campaign_id,
                        campaigns_stopped=stopped)  # fmt: skip
            return UnsubscribeOutcome(True, False, ws.name)

    @staticmethod
    def _stop_everywhere(session: Session, workspace_id: int, lead_id: int) -> int:
        """Stop the lead in every campaign of the workspace not already stopped by an
        unsubscribe; how many."""
        campaigns = select(CampaignRow.id).where(CampaignRow.workspace_id == workspace_id)
        not_yet = or_(
            CampaignLeadRow.state != "stopped",
            CampaignLeadRow.stop_reason.is_distinct_from("unsubscribed"),
        )
        result = session.execute(
            update(CampaignLeadRow)
            .where(
                CampaignLeadRow.lead_id == lead_id,
                CampaignLeadRow.campaign_id.in_(campaigns),
                not_yet,
            )
            .values(state="stopped", stop_reason="unsubscribed")
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)
