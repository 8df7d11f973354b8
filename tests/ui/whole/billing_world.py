"""The Stripe mirror for the tests that look at every screen (see `everything`): written into
billing's tables as a sync would leave them, since those tests run without a Stripe stand-in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.container import Container
from penguin_desktop.core.billing import tables as t
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow


def _workspace_id(session: Session, name: str) -> int:
    return session.execute(select(WorkspaceRow.id).where(WorkspaceRow.name == name)).scalar_one()


def build(container: Container, workspace: str, other: str, archived_name: str) -> None:
    """The Stripe mirror as a sync leaves it, with one of every kind: subscriptions in every
    status and currency (one without decimals), invoices and charges in every status (a decline,
    refunds whole, partial, pending and failed), customers linked by metadata, by hand (one to
    the archived workspace), not at all and nameless, plan metadata that cannot be read, MRR
    history over months, a feature set by hand, and the last sync's error."""
    now = int(utcnow().timestamp())
    day = 86_400
    month = utcnow().strftime("%Y-%m")

    def money(cls: type, id_: str, **values: object) -> object:
        return cls(id=id_, month=month, created=now - day, **values)

    with container.db.write() as session:
        acme, globex = _workspace_id(session, workspace), _workspace_id(session, other)
        archived = _workspace_id(session, archived_name)
        rows: list[object] = [
            t.BillingAccountRow(
                id=1,
                key_backend="file",
                api_base="http://127.0.0.1:9",
                account_id="acct_all",
                account_name="Everything Ltd",
                full_sync_done=True,
                last_sync_at=utcnow(),
                last_sync_kind="incremental",
                last_sync_requests=3,
                webhook_backend="file",
                last_sync_error="Stripe failed (HTTP 500): a test of the error line",
            ),
            t.ProductRow(
                id="prod_a",
                name="Agency",
                metadata_json='{"max_domains": "1", '
                '"max_mailboxes": "many", "features": "warmup,api", '
                '"limit_mode": "block"}',
            ),
            t.PlanRow(id="plan_usd", product="prod_a", amount=4900, currency="usd"),
            t.PlanRow(
                id="plan_eur",
                product="prod_a",
                amount=99000,
                currency="eur",
                interval="year",
                nickname="Agency yearly",
            ),
            t.PlanRow(
                id="plan_jpy",
                amount=500,
                currency="jpy",
                interval="week",
                interval_count=2,
                metadata_json="not json",
            ),
            t.CustomerRow(
                id="cus_acme",
                name="Acme Corp",
                email="billing@acme.test",
                workspace_id=acme,
                link="manual",
            ),
            t.CustomerRow(
                id="cus_globex",
                name="Globex",
                workspace_id=globex,
                link="metadata",
                metadata_json='{"penguin_workspace": "Globex"}',
            ),
            t.CustomerRow(id="cus_old", name="Old Co", workspace_id=archived, link="manual"),
            t.CustomerRow(id="cus_lost", metadata_json='{"penguin_workspace": "Gone Inc"}'),
            t.CustomerRow(id="cus_deleted", name="Deleted", deleted=True),
            t.FlagOverrideRow(workspace_id=acme, flag="beta", enabled=True),
            t.FlagOverrideRow(workspace_id=acme, flag="api", enabled=False),
        ]
        subs = (
            ("sub_a", "cus_acme", "active", "plan_usd", "usd", 4900),
            ("sub_g", "cus_globex", "past_due", "plan_eur", "eur", 8250),
            ("sub_t", "cus_globex", "trialing", "plan_usd", "usd", 0),
            ("sub_o", "cus_old", "canceled", "plan_jpy", "jpy", 0),
            ("sub_l", "cus_lost", "incomplete", "plan_jpy", "jpy", 0),
            ("sub_n", "cus_acme", "unpaid", "plan_missing", "usd", 0),
        )
        for sub, customer, status, plan, currency, mrr in subs:
            rows.append(
                t.SubscriptionRow(
                    id=sub,
                    customer=customer,
                    status=status,
                    mrr=mrr,
                    currency=currency,
                    start_date=now - 90 * day,
                )
            )
            rows.append(t.SubscriptionItemRow(id=f"si_{sub}", subscription=sub, plan=plan))
            for back, value in ((80, mrr // 2), (40, 0), (20, mrr)):
                rows.append(
                    t.MrrLogRow(
                        subscription=sub,
                        customer=customer,
                        currency=currency,
                        at=now - back * day,
                        mrr=value,
                        source="everything",
                    )
                )
        for status, attempts in (
            ("draft", 0),
            ("open", 2),
            ("paid", 1),
            ("uncollectible", 4),
            ("void", 0),
        ):
            rows.append(
                money(
                    t.InvoiceRow,
                    f"in_{status}",
                    customer="cus_acme",
                    status=status,
                    total=4900,
                    amount_due=4900,
                    amount_paid=4900 if status == "paid" else 0,
                    amount_remaining=0 if status == "paid" else 4900,
                    attempt_count=attempts,
                    next_payment_attempt=now + day if status == "open" else None,
                    number=None if status == "draft" else f"ACME-{status}",
                    hosted_invoice_url=None if status == "draft" else "https://invoice.test/i",
                    invoice_pdf=None if status == "draft" else "https://invoice.test/i.pdf",
                )
            )
        charges = (
            ("ch_paid", "cus_acme", "succeeded", 4900, 0, "usd", None, None, "in_paid"),
            ("ch_partly", "cus_globex", "succeeded", 8250, 1000, "eur", None, None, None),
            ("ch_whole", "cus_old", "succeeded", 500, 500, "jpy", None, None, None),
            (
                "ch_declined",
                "cus_acme",
                "failed",
                4900,
                0,
                "usd",
                "card_declined",
                "insufficient_funds",
                "in_open",
            ),
            ("ch_pending", "cus_lost", "pending", 4900, 0, "usd", None, None, None),
            ("ch_nobody", None, "failed", 100, 0, "usd", "expired_card", None, None),
        )
        for id_, customer, status, amount, refunded, currency, code, decline, inv in charges:
            rows.append(
                money(
                    t.ChargeRow,
                    id_,
                    customer=customer,
                    status=status,
                    amount=amount,
                    amount_refunded=refunded,
                    refunded=refunded >= amount,
                    currency=currency,
                    failure_code=code,
                    decline_code=decline,
                    invoice=inv,
                    failure_message="Your card has insufficient funds." if decline else None,
                )
            )
        for id_, charge, status, amount, currency in (
            ("re_part", "ch_partly", "succeeded", 1000, "eur"),
            ("re_whole", "ch_whole", "pending", 500, "jpy"),
            ("re_failed", "ch_paid", "failed", 100, "usd"),
        ):
            rows.append(
                money(
                    t.RefundRow, id_, charge=charge, status=status, amount=amount, currency=currency
                )
            )
        session.add_all(rows)
