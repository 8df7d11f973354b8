"""The billing capability's door: the Stripe connection, the sync, customers and their
workspaces, payments, invoices and refunds; `revenue` and `plans` beside it.

The API key and the webhook signing secret live in the organization's secret store as the
program's own secrets (only their store is noted here); every read of them is audited by name.
Network calls run outside database transactions; each page or event is its own transaction.
At about 450 lines it is over the house's 400: it is the one door of five concerns, each a few
lines of permission, audit and hand-off to its own module (connection, sync, links, payments,
refunds); splitting the door would give the faces five objects to hold for one capability."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import IO, TYPE_CHECKING, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from penguin_desktop.core.billing import mirror, payments, settings
from penguin_desktop.core.billing.models import (
    ConnectionInfo,
    CustomerInfo,
    InvoiceInfo,
    KeyTest,
    Payment,
    RefundResult,
    SyncReport,
    SyncStatus,
)
from penguin_desktop.core.billing.payments import PaymentFilter
from penguin_desktop.core.billing.revenue import RevenueService
from penguin_desktop.core.billing.tables import BillingAccountRow, CustomerRow, RefundRequestRow
from penguin_desktop.core.platform.errors import (
    ConflictError,
    ExternalServiceError,
    NotFoundError,
    PenguinError,
    Remedy,
    ValidationError,
)
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.names import name_key
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow

if TYPE_CHECKING:
    from penguin_desktop.core.billing.client import Stripe
    from penguin_desktop.core.billing.webhooks import WebhookReceiver
    from penguin_desktop.core.secrets import SecretService

# The modules that talk to Stripe load the stripe library (0.4 s) and are imported where a
# call goes to the network, so that the status line and Home never pay for it.

KEY_NAME = "stripe-api-key"
WEBHOOK_NAME = "stripe-webhook-secret"
PURPOSE = "billing"


T = TypeVar("T")


def _not_connected() -> NotFoundError:
    return NotFoundError("billing is not connected to Stripe yet", remedy=Remedy("billing.connect"))


class BillingService(Service):
    def __init__(self, db: Database, secrets: Callable[[], SecretService]) -> None:
        super().__init__(db)
        self._secrets = secrets
        self.revenue = RevenueService(db)

    def _allow(self, actor: Actor, permission: Permission, target: str) -> None:
        """The organization role check for calls that open no transaction of their own before
        the network: a denial is still audited."""
        with self._reading(actor):
            self._require_org(actor, permission, target)

    # --- the connection ------------------------------------------------------------------------
    def connect(self, actor: Actor, key: str, api_base: str | None = None) -> ConnectionInfo:
        """Check the key against Stripe, then keep it; a key of another account than the one
        already synced is refused (its rows would mix with this one's)."""
        self._allow(actor, Permission.BILLING_CONNECT, "billing")
        from penguin_desktop.core.billing import client, connection

        key = settings.check_key(key)
        saved = settings.check_api_base(api_base) if api_base else None
        base, _ = settings.api_base(saved)
        acct_id, name, live = connection.account(client.connect(key, base, retries=1), key)
        with self.db.read() as session:
            row = session.get(BillingAccountRow, 1)
            if row is not None and row.account_id and acct_id and row.account_id != acct_id:
                raise ConflictError(
                    f"billing is synced from Stripe account {row.account_id}; this key opens "
                    f"{acct_id}",
                    field="key",
                )
        backend = self._secrets().put_system_secret(KEY_NAME, key, PURPOSE, actor)
        with self._writing(actor) as session:
            row = session.get(BillingAccountRow, 1) or BillingAccountRow(id=1)
            row.key_backend, row.account_id, row.account_name = backend.value, acct_id, name
            row.livemode, row.connected_at = live, utcnow()
            if api_base is not None:
                row.api_base = saved
            session.add(row)
            self._audit(
                session,
                actor,
                "billing.connect",
                "billing",
                None,
                account=acct_id,
                livemode=live,
                api_base=base,
                key_backend=backend.value,
            )
            session.flush()
            return self._info(row)

    def connection(self, actor: Actor) -> ConnectionInfo | None:
        self._allow(actor, Permission.BILLING_READ, "billing")
        with self.db.read() as session:
            row = session.get(BillingAccountRow, 1)
            return self._info(row) if row is not None else None

    @staticmethod
    def _info(row: BillingAccountRow) -> ConnectionInfo:
        base, base_from = settings.api_base(row.api_base)
        return ConnectionInfo(
            row.account_id,
            row.account_name,
            row.livemode,
            row.key_backend,
            base,
            base_from,
            row.connected_at,
            row.webhook_backend is not None,
        )

    def set_webhook_secret(self, actor: Actor, secret: str) -> None:
        self._allow(actor, Permission.BILLING_CONNECT, "billing")
        value = secret.strip()
        if not value.startswith("whsec_") or len(value) < 10 or " " in value:
            raise ValidationError(
                "a Stripe webhook signing secret starts with whsec_", field="webhook_secret"
            )
        self._account_row(actor)
        backend = self._secrets().put_system_secret(WEBHOOK_NAME, value, PURPOSE, actor)
        with self._writing(actor) as session:
            row = session.get(BillingAccountRow, 1)
            assert row is not None
            row.webhook_backend = backend.value
            self._audit(
                session, actor, "billing.webhook-secret", "billing", None, backend=backend.value
            )

    def _account_row(self, actor: Actor) -> BillingAccountRow:
        with self._reading(actor) as session:
            row = session.get(BillingAccountRow, 1)
            if row is None:
                raise _not_connected()
            session.expunge(row)
            return row

    def _api(self, actor: Actor, retries: int | None = None) -> tuple[Stripe, str]:
        from penguin_desktop.core.billing import client

        row = self._account_row(actor)
        key = self._system_secret(actor, KEY_NAME, row.key_backend)
        base, _ = settings.api_base(row.api_base)
        return client.connect(key, base, client.RETRIES if retries is None else retries), key

    def _system_secret(self, actor: Actor, name: str, backend: str) -> str:
        from penguin_desktop.core.secrets import BackendKind

        value = self._secrets().system_secret(name, BackendKind(backend), PURPOSE, actor)
        if value is None:
            raise NotFoundError(
                f"the {name} is not in the organization's secret store",
                remedy=Remedy("billing.connect"),
            )
        return value

    def test(self, actor: Actor) -> KeyTest:
        self._allow(actor, Permission.BILLING_SYNC, "billing")
        from penguin_desktop.core.billing import connection

        api, key = self._api(actor, retries=1)
        return connection.test_key(api, key)

    # --- the sync ------------------------------------------------------------------------------
    def sync(self, actor: Actor, full: bool = False, ctx: JobContext | None = None) -> SyncReport:
        self._allow(actor, Permission.BILLING_SYNC, "billing")
        import stripe

        from penguin_desktop.core.billing import client
        from penguin_desktop.core.billing.sync import Syncer

        api, key = self._api(actor)
        try:
            report = Syncer(self.db, api, ctx or JobContext()).run(full)
        except stripe.StripeError as exc:
            raise client.translate(exc, api.api_base, key) from None
        with self._writing(actor) as session:
            self._audit(
                session,
                actor,
                "billing.sync",
                "billing",
                None,
                kind=report.kind.value,
                requests=report.requests,
                written=report.written,
                events=report.events_applied,
            )
        return report

    def status(self, actor: Actor) -> SyncStatus:
        self._allow(actor, Permission.BILLING_READ, "billing")
        with self.db.read() as session:
            row = session.get(BillingAccountRow, 1)
            unlinked = session.execute(
                select(func.count())
                .select_from(CustomerRow)
                .where(CustomerRow.workspace_id.is_(None), CustomerRow.deleted.is_(False))
            ).scalar_one()
            counts = tuple(mirror.counts(session))
            if row is None:
                return SyncStatus(
                    False, None, False, None, None, None, None, None, counts, unlinked
                )
            return SyncStatus(
                True,
                row.account_name or row.account_id,
                row.full_sync_done,
                row.sync_resource,
                row.last_sync_at,
                row.last_sync_kind,
                row.last_sync_requests,
                row.last_sync_error,
                counts,
                unlinked,
            )

    # --- customers and workspaces --------------------------------------------------------------
    def customers(self, actor: Actor) -> list[CustomerInfo]:
        self._allow(actor, Permission.BILLING_READ, "billing")
        with self.db.read() as session:
            rows = session.execute(
                select(CustomerRow, WorkspaceRow.name)
                .outerjoin(WorkspaceRow, WorkspaceRow.id == CustomerRow.workspace_id)
                .where(CustomerRow.deleted.is_(False))
                .order_by(CustomerRow.name, CustomerRow.id)
            ).all()
            return [self._customer(c, ws) for c, ws in rows]

    @staticmethod
    def _customer(row: CustomerRow, workspace: str | None) -> CustomerInfo:
        import json

        wanted = json.loads(row.metadata_json or "{}").get(mirror.WORKSPACE_KEY)
        return CustomerInfo(row.id, row.name, row.email, workspace, row.link, wanted)

    def link(self, actor: Actor, customer: str, workspace: str | None) -> CustomerInfo:
        """Link a customer to a workspace by hand, or (`workspace` None) hand it back to its
        metadata."""
        with self._writing(actor) as session:
            self._require_org(actor, Permission.BILLING_LINK, f"customer:{customer}")
            row = session.get(CustomerRow, customer.strip())
            if row is None:
                raise NotFoundError(
                    f"no Stripe customer {customer!r} in the synced customers",
                    field="customer",
                    value=customer,
                )
            ws = self._workspace_row(session, workspace) if workspace else None
            if ws is not None:
                row.workspace_id, row.link = ws.id, "manual"
            else:
                row.link = None
                mirror.link_by_metadata(session, row)
            self._audit(
                session,
                actor,
                "billing.link",
                f"customer:{row.id}",
                ws,
                linked_to=ws.name if ws else None,
                link=row.link,
            )
            linked = session.get(WorkspaceRow, row.workspace_id) if row.workspace_id else None
            return self._customer(row, linked.name if linked else None)

    @staticmethod
    def _workspace_row(session: Session, workspace: str) -> WorkspaceRow:
        row = session.execute(
            select(WorkspaceRow).where(WorkspaceRow.name_key == name_key(workspace))
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(
                f"no workspace named {workspace!r}", field="workspace", value=workspace
            )
        return row

    # --- payments, invoices, refunds -----------------------------------------------------------
    def _listed(
        self,
        actor: Actor,
        workspace: str | None,
        asked: PaymentFilter,
        statuses: tuple[str, ...],
        read: Callable[[Session, PaymentFilter], list[T]],
    ) -> list[T]:
        """The checks payments and invoices share, then `read` over the filter they make."""
        self._allow(actor, Permission.BILLING_READ, "billing")
        status = payments.check_status(asked.status, statuses)
        if asked.since is not None and asked.until is not None and asked.since > asked.until:
            raise ValidationError(
                "the period ends before it starts", field="until", value=asked.until
            )
        if asked.limit is not None and asked.limit < 1:
            raise ValidationError("a limit is at least 1", field="limit", value=asked.limit)
        with self.db.read() as session:
            ws = self._workspace_row(session, workspace) if workspace else None
            flt = replace(asked, workspace_id=ws.id if ws else None, status=status)
            return read(session, flt)

    def payments(
        self,
        actor: Actor,
        workspace: str | None = None,
        *,
        failed: bool = False,
        status: str | None = None,
        since: date | None = None,
        until: date | None = None,
        limit: int | None = None,
    ) -> list[Payment]:
        """Charges and refunds, newest first."""
        flt = PaymentFilter(None, failed, status, since, until, limit)
        return self._listed(actor, workspace, flt, payments.CHARGE_STATUSES, payments.payments)

    def invoices(
        self,
        actor: Actor,
        workspace: str | None = None,
        *,
        failed: bool = False,
        status: str | None = None,
        since: date | None = None,
        until: date | None = None,
        limit: int | None = None,
    ) -> list[InvoiceInfo]:
        """Invoices, newest first (`failed`: open ones Stripe tried and will try again)."""
        flt = PaymentFilter(None, failed, status, since, until, limit)
        return self._listed(actor, workspace, flt, payments.INVOICE_STATUSES, payments.invoices)

    def export_csv(
        self,
        actor: Actor,
        kind: type[Payment] | type[InvoiceInfo],
        rows: Sequence[Payment] | Sequence[InvoiceInfo],
        out: IO[str],
        destination: str,
    ) -> int:
        """Write listed payments or invoices (`kind`, which names the columns even when there
        are no rows) as CSV; the export is audited (what and where)."""
        self._allow(actor, Permission.BILLING_READ, "billing")
        count = payments.write_csv(rows, out, kind)
        with self._writing(actor) as session:
            self._audit(
                session,
                actor,
                "billing.export",
                "billing",
                None,
                kind=kind.__name__,
                rows=count,
                destination=destination,
            )
        return count

    def refund(
        self,
        actor: Actor,
        charge: str,
        *,
        reason: str,
        idempotency_key: str,
        amount: int | None = None,
    ) -> RefundResult:
        from penguin_desktop.core.billing import refunds

        text = refunds.check_request(amount, reason, idempotency_key)
        with self._writing(actor) as session:
            self._require_org(actor, Permission.BILLING_REFUND, f"charge:{charge}")
            claimed = refunds.claim(session, charge, amount, text, idempotency_key, actor.email)
        if isinstance(claimed, RefundResult):
            return claimed
        api, key = self._api(actor)
        try:
            obj = refunds.send(api, key, charge, claimed, text, idempotency_key)
        except PenguinError as exc:
            self._forget_request(idempotency_key, unknown=isinstance(exc, ExternalServiceError))
            raise
        with self._writing(actor) as session:
            result = refunds.record(session, obj, idempotency_key)
            self._audit(
                session,
                actor,
                "billing.refund",
                f"charge:{charge}",
                None,
                refund=result.refund_id,
                amount=result.amount,
                currency=result.currency,
                reason=text,
            )
            return result

    def _forget_request(self, key: str, unknown: bool) -> None:
        """A refused request is forgotten (it may be asked again); one whose outcome is unknown
        is kept and may be sent again at once, with the same key."""
        with self.db.write() as session:
            request = session.get(RefundRequestRow, key)
            if request is None or request.refund_id is not None:
                return
            if unknown:
                from penguin_desktop.core.billing.refunds import IN_FLIGHT

                request.requested_at = utcnow() - IN_FLIGHT
            else:
                session.delete(request)

    # --- webhooks ------------------------------------------------------------------------------
    def webhook_receiver(self, actor: Actor) -> WebhookReceiver:
        """A receiver holding the signing secret (read once, audited) for a webhook server;
        receiving events is syncing, so it takes the role that syncs."""
        self._allow(actor, Permission.BILLING_SYNC, "billing")
        row = self._account_row(actor)
        if row.webhook_backend is None:
            raise NotFoundError(
                "no webhook signing secret is kept yet", remedy=Remedy("billing.webhook-secret")
            )
        from penguin_desktop.core.billing.webhooks import WebhookReceiver

        return WebhookReceiver(
            self.db, self._system_secret(actor, WEBHOOK_NAME, row.webhook_backend)
        )
