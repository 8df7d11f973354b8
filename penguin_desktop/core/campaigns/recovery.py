"""After a crash: the ledger's `sending` rows of an engine that is gone. A message found in
its mailbox's Sent folder (by Message-ID, over IMAP) went out; any other is `unknown`, for the
user to decide. Neither is ever sent again by itself: the lead has already moved on."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import update

from penguin_desktop.core.campaigns import ledger
from penguin_desktop.core.campaigns.sending_tables import SendRow
from penguin_desktop.core.mailboxes import SendingAccount, find_in_sent
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.store.database import Database

NOT_IN_SENT = "not in the Sent folder after the engine stopped mid-send"
NO_IMAP = "the engine stopped mid-send and the mailbox has no IMAP to check"


def reconcile(
    db: Database,
    me: str,
    now: datetime,
    accounts: Callable[[int], Mapping[str, SendingAccount]],
    password: Callable[[SendingAccount], str],
    ca_file: str | None,
) -> Counter[str]:
    """Claim the orphans (so one engine reconciles them), then look for each in Sent."""
    with db.write() as session:
        rows = ledger.orphans(session, me, now)
        found = [(r.id, r.workspace_id, r.sender, r.message_id) for r in rows]
        if found:
            session.execute(
                update(SendRow).where(SendRow.id.in_([f[0] for f in found])).values(engine=me)
            )
    groups: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for send_id, ws_id, sender, message_id in found:
        groups[(ws_id, sender)][message_id] = send_id
    counts: Counter[str] = Counter()
    for (ws_id, sender), by_id in groups.items():
        account = accounts(ws_id).get(sender)
        sent: set[str] = set()
        detail = NO_IMAP
        if account is not None and account.imap is not None:
            detail = NOT_IN_SENT
            try:
                sent = find_in_sent(account.imap, password(account), list(by_id), ca_file=ca_file)
            except PenguinError as exc:
                detail = f"the Sent folder could not be searched: {exc}"
        with db.write() as session:
            ledger.finish(session, [by_id[m] for m in sent], "sent", now)
            rest = [i for m, i in by_id.items() if m not in sent]
            ledger.finish(session, rest, "unknown", now, detail)
        counts["found in Sent"] += len(sent)
        counts["unknown"] += len(by_id) - len(sent)
    return counts
