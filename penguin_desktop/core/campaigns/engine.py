"""The send engine: passes over the workspaces' active campaigns, each one reconciling what a
crashed engine left, enrolling new list members, reading the inboxes, pausing mailboxes whose
bounce rate passed their threshold, then planning what may go now and sending it.

Headless (`campaign run`, `--once` for one pass) and in the console alike: progress and
cancellation through the job context; between passes it sleeps until the next send could be
due, waking every quarter second to see whether it was cancelled. Several engines may run at
once: the ledger's reservations keep every limit and the once-only rule between them."""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from penguin_desktop.core.campaigns import dispatch, ledger, loading, planner
from penguin_desktop.core.campaigns.campaigns import enrol
from penguin_desktop.core.campaigns.gatekeeper import Rules
from penguin_desktop.core.campaigns.inbox_reader import InboxReader
from penguin_desktop.core.campaigns.models import RunReport
from penguin_desktop.core.campaigns.outbox import Outbox
from penguin_desktop.core.campaigns.recovery import reconcile
from penguin_desktop.core.campaigns.sending_tables import CampaignRow
from penguin_desktop.core.campaigns.unsubscribe import UnsubscribeService
from penguin_desktop.core.mailboxes import SendingAccount, SendingService
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow
from penguin_desktop.core.secrets import SecretService

ENV_CA_BUNDLE = "PENGUIN_CA_BUNDLE"
INBOX_EVERY = timedelta(minutes=5)
IDLE_SLEEP = 30.0
KEEP_PASSWORD = timedelta(hours=1)


class SendEngine(Service):
    def __init__(
        self,
        db: Database,
        sending: SendingService,
        secrets: SecretService,
        unsubscribe: UnsubscribeService,
        *,
        clock: Callable[[], datetime] = utcnow,
        ca_file: str | None = None,
    ) -> None:
        super().__init__(db)
        self.sending, self.secrets, self.unsubscribe = sending, secrets, unsubscribe
        self.clock = clock
        self.ca_file = ca_file or os.environ.get(ENV_CA_BUNDLE) or None
        self.inboxes = InboxReader(unsubscribe)

    def run(
        self,
        actor: Actor,
        workspace: str | None = None,
        *,
        once: bool = False,
        ctx: JobContext | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_pass: Callable[[RunReport], None] | None = None,
    ) -> RunReport:
        """One pass with `once`, else passes until cancelled; the totals of all of them.
        `on_pass` hears each pass that sent, held back, or read something (a service's log)."""
        with self._reading(actor) as session:
            spaces = {
                i: (w.id, w.name)
                for i, w in self._workspaces_in_scope(
                    session, actor, workspace, Permission.CAMPAIGN_SEND
                ).items()
            }
        me = ledger.engine_token()
        with self.db.write() as session:
            ledger.register(session, me, self.clock())
        totals = _Totals()
        outbox = Outbox(ca_file=self.ca_file)
        last_inbox: datetime | None = None
        try:
            while True:
                read_inbox = last_inbox is None or self.clock() - last_inbox >= INBOX_EVERY
                if read_inbox:
                    last_inbox = self.clock()
                before = totals.report()
                finished = self._pass(actor, spaces, me, outbox, totals, ctx, read_inbox)
                if on_pass is not None and totals.report() != before:
                    on_pass(totals.since(before))
                if once or not finished or (ctx is not None and ctx.cancelled):
                    totals.cancelled = not finished or (ctx is not None and ctx.cancelled)
                    break
                self._wait(me, ctx, sleep, totals.wake_at)
        finally:
            outbox.close()
            with self.db.write() as session:
                ledger.unregister(session, me)
        return totals.report()

    def _wait(
        self,
        me: str,
        ctx: JobContext | None,
        sleep: Callable[[float], None],
        wake_at: datetime | None,
    ) -> None:
        """Until a mailbox held by its gap is free again (the pass said when), at most
        IDLE_SLEEP: new leads, replies and settings are picked up that often."""
        now = self.clock()
        with self.db.write() as session:
            ledger.beat(session, me, now)
        pause = IDLE_SLEEP
        if wake_at is not None:
            pause = min(IDLE_SLEEP, max(0.25, (wake_at - now).total_seconds()))
        waited = 0.0
        while waited < pause and not (ctx is not None and ctx.cancelled):
            sleep(0.25)
            waited += 0.25

    def _password(self, actor: Actor) -> Callable[[SendingAccount], str]:
        """Each mailbox's password read once a pass (one audited use), not once a message."""
        read: dict[tuple[str, str], str] = {}

        def password(account: SendingAccount) -> str:
            key = (account.workspace, account.password_secret)
            if key not in read:
                read[key] = self.secrets.use(
                    actor, account.workspace, account.password_secret, "campaign send",
                    keep_for=KEEP_PASSWORD,
                )  # fmt: skip
            return read[key]

        return password

    def _pass(
        self,
        actor: Actor,
        spaces: Mapping[int, tuple[int, str]],
        me: str,
        outbox: Outbox,
        totals: _Totals,
        ctx: JobContext | None,
        read_inbox: bool,
    ) -> bool:
        password = self._password(actor)
        totals.held_by.clear()  # what holds the leads now: the last pass's, not a sum
        totals.wake_at = None
        accounts = {
            ws_id: {a.email: a for a in self.sending.accounts(actor, name)}
            for ws_id, (_, name) in spaces.items()
        }
        totals.reconciled.update(
            reconcile(self.db, me, self.clock(), lambda w: accounts.get(w, {}), password,
                      self.ca_file)
        )  # fmt: skip
        for ws_id, (_, name) in spaces.items():
            if ctx is not None and ctx.cancelled:
                return False
            self._enrol(ws_id)
            with self.db.read() as session:
                ws = session.get(WorkspaceRow, ws_id)
                assert ws is not None
                session.expunge(ws)
            if read_inbox:
                totals.inbox.update(
                    self.inboxes.read(actor, ws, accounts[ws_id], password, self.ca_file,
                                      self.clock())
                )  # fmt: skip
            self._pause_bouncing(actor, name, accounts[ws_id], totals)
            if not self._send(actor, ws, accounts[ws_id], password, me, outbox, totals, ctx):
                return False
        return True

    def _enrol(self, ws_id: int) -> None:
        with self.db.write() as session:
            specs = loading.campaigns(session, [ws_id])
            for spec in specs.values():
                row = session.get(CampaignRow, spec.id)
                if row is not None:
                    enrol(session, row, spec.steps[0].delay_days, self.clock())

    def _pause_bouncing(
        self, actor: Actor, workspace: str, accounts: dict[str, SendingAccount], totals: _Totals
    ) -> None:
        """Auto-pause: a bounce and complaint rate over the mailbox's threshold, once it has
        sent enough for the rate to mean something."""
        with self.db.read() as session:
            rates = loading.rates(session, list(accounts), self.clock())
        for email, (sends, bad) in rates.items():
            account = accounts[email]
            rate = loading.bad_rate(sends, bad)
            if account.limits.paused_at is None and rate > account.limits.bounce_threshold:
                reason = (
                    f"bounce rate {rate:.1%} over {account.limits.bounce_threshold:.1%} "
                    f"after {sends} sends"
                )
                self.sending.pause(actor, email, workspace, reason)
                totals.paused[email] = reason
                accounts[email] = _paused(account, reason, self.clock())

    def _send(
        self,
        actor: Actor,
        ws: WorkspaceRow,
        accounts: Mapping[str, SendingAccount],
        password: Callable[[SendingAccount], str],
        me: str,
        outbox: Outbox,
        totals: _Totals,
        ctx: JobContext | None,
    ) -> bool:
        now = self.clock()
        with self.db.read() as session:
            specs = loading.campaigns(session, [ws.id])
            if not specs:
                return True
            rules = Rules.read(session, ws.id)
            due, held_before = loading.due_leads(session, specs, now)
            senders = loading.senders(session, accounts, now, random.uniform(0, planner.JITTER))
            domain_limits = self.sending.domain_limits(actor, ws.name)
            caps = loading.domain_caps(session, domain_limits, accounts, now)
            plans = loading.campaign_plans(session, specs, now)
        plan = planner.plan(now, plans, senders, caps, due)
        if any(h.reason == planner.MIN_GAP for h in plan.held):
            later = [s.next_free for s in senders if s.next_free > now and s.paused is None]
            if later:
                totals.wake_at = min([*later, *([totals.wake_at] if totals.wake_at else [])])
        tally = dispatch.Tally()
        p = dispatch.Pass(
            self.db, ws.name, ws.id, me, rules, specs, accounts, password,
            lambda email, reason: self.sending.pause(actor, email, ws.name, reason),
            self.unsubscribe.key(actor), outbox, self.clock, tally,
        )  # fmt: skip
        dispatch.record_holds(p, plan.held, held_before)
        finished = dispatch.send_planned(
            p, plan.sends, {s.email: s for s in senders}, domain_limits, held_before, ctx, 0,
            len(plan.sends),
        )  # fmt: skip
        totals.add(tally)
        if tally.sent or tally.failed or tally.blocked_by or tally.paused:
            with self._writing(actor) as session:
                self._audit(
                    session, actor, "campaign.run", f"workspace:{ws.name}", ws,
                    sent=tally.sent, failed=tally.failed, blocked=dict(tally.blocked_by),
                    paused=sorted(tally.paused),
                )  # fmt: skip
        return finished


def _paused(account: SendingAccount, reason: str, now: datetime) -> SendingAccount:
    return replace(account, limits=replace(account.limits, paused_at=now, pause_reason=reason))


class _Totals:
    def __init__(self) -> None:
        self.sent = self.failed = 0
        self.held_by: Counter[str] = Counter()
        self.blocked_by: Counter[str] = Counter()
        self.reconciled: Counter[str] = Counter()
        self.inbox: Counter[str] = Counter()
        self.paused: dict[str, str] = {}
        self.cancelled = False
        self.wake_at: datetime | None = None

    def add(self, tally: dispatch.Tally) -> None:
        self.sent += tally.sent
        self.failed += tally.failed
        self.held_by.update(tally.held_by)
        self.blocked_by.update(tally.blocked_by)
        self.paused.update(tally.paused)

    def since(self, before: RunReport) -> RunReport:
        """This pass alone: the counts added since `before` (what holds leads is per pass)."""
        now = self.report()
        return RunReport(
            now.sent - before.sent, now.failed - before.failed, now.held_by,
            dict(Counter(now.blocked_by) - Counter(before.blocked_by)),
            dict(Counter(now.reconciled) - Counter(before.reconciled)),
            dict(Counter(now.inbox) - Counter(before.inbox)),
            {k: v for k, v in now.paused_mailboxes.items() if k not in before.paused_mailboxes},
            now.cancelled,
        )  # fmt: skip

    def report(self) -> RunReport:
        return RunReport(
            self.sent, self.failed, dict(self.held_by), dict(self.blocked_by),
            dict(self.reconciled), dict(self.inbox), dict(self.paused), self.cancelled,
        )  # fmt: skip
