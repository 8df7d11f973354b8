"""billing: the Stripe mirror, sync bookmark, MRR log, refund requests, flag overrides

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 12:43:15.037250
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "billing_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_backend", sa.String(length=16), nullable=False),
        sa.Column("api_base", sa.String(length=2000), nullable=True),
        sa.Column("account_id", sa.String(length=255), nullable=True),
        sa.Column("account_name", sa.String(length=255), nullable=True),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("webhook_backend", sa.String(length=16), nullable=True),
        sa.Column(
            "connected_at",
            sa.DateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("full_sync_done", sa.Boolean(), nullable=False),
        sa.Column("sync_resource", sa.String(length=32), nullable=True),
        sa.Column("sync_after", sa.String(length=255), nullable=True),
        sa.Column("event_cursor", sa.String(length=255), nullable=True),
        sa.Column(
            "last_sync_at",
            sa.DateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("last_sync_kind", sa.String(length=16), nullable=True),
        sa.Column("last_sync_requests", sa.Integer(), nullable=True),
        sa.Column("last_sync_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "billing_mrr_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription", sa.String(length=255), nullable=False),
        sa.Column("customer", sa.String(length=255), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("mrr", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("billing_mrr_log", schema=None) as batch_op:
        batch_op.create_index("ix_billing_mrr_log_at", ["at"], unique=False)
        batch_op.create_index("ix_billing_mrr_log_sub", ["subscription", "at"], unique=False)

    op.create_table(
        "billing_refund_requests",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("charge", sa.String(length=255), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=320), nullable=False),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("refund_id", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "stripe_charges",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("customer", sa.String(length=255), nullable=True),
        sa.Column("invoice", sa.String(length=255), nullable=True),
        sa.Column("payment_intent", sa.String(length=255), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("amount_refunded", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("refunded", sa.Boolean(), nullable=False),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
        sa.Column("decline_code", sa.String(length=64), nullable=True),
        sa.Column("failure_message", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stripe_charges", schema=None) as batch_op:
        batch_op.create_index("ix_stripe_charges_customer", ["customer"], unique=False)
        batch_op.create_index(
            "ix_stripe_charges_month", ["month", "currency", "status", "amount"], unique=False
        )

    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column(
            "applied_at",
            sa.DateTime(timezone=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "stripe_invoices",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("customer", sa.String(length=255), nullable=True),
        sa.Column("subscription", sa.String(length=255), nullable=True),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("amount_due", sa.BigInteger(), nullable=False),
        sa.Column("amount_paid", sa.BigInteger(), nullable=False),
        sa.Column("amount_remaining", sa.BigInteger(), nullable=False),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        sa.Column("next_payment_attempt", sa.BigInteger(), nullable=True),
        sa.Column("hosted_invoice_url", sa.String(length=2000), nullable=True),
        sa.Column("invoice_pdf", sa.String(length=2000), nullable=True),
        sa.Column("charge", sa.String(length=255), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stripe_invoices", schema=None) as batch_op:
        batch_op.create_index("ix_stripe_invoices_customer", ["customer"], unique=False)
        batch_op.create_index("ix_stripe_invoices_month", ["month", "currency"], unique=False)

    op.create_table(
        "stripe_payment_intents",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("customer", sa.String(length=255), nullable=True),
        sa.Column("invoice", sa.String(length=255), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "stripe_plans",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("product", sa.String(length=255), nullable=True),
        sa.Column("nickname", sa.String(length=255), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("interval", sa.String(length=8), nullable=False),
        sa.Column("interval_count", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("metadata_json", sa.Text(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "stripe_products",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("metadata_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "stripe_refunds",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("charge", sa.String(length=255), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stripe_refunds", schema=None) as batch_op:
        batch_op.create_index("ix_stripe_refunds_charge", ["charge"], unique=False)
        batch_op.create_index("ix_stripe_refunds_month", ["month", "currency"], unique=False)

    op.create_table(
        "stripe_subscription_items",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("subscription", sa.String(length=255), nullable=False),
        sa.Column("plan", sa.String(length=255), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stripe_subscription_items", schema=None) as batch_op:
        batch_op.create_index("ix_stripe_items_subscription", ["subscription"], unique=False)

    op.create_table(
        "stripe_subscriptions",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("customer", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("start_date", sa.BigInteger(), nullable=False),
        sa.Column("canceled_at", sa.BigInteger(), nullable=True),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
        sa.Column("trial_end", sa.BigInteger(), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("current_period_end", sa.BigInteger(), nullable=True),
        sa.Column("percent_off", sa.Float(), nullable=True),
        sa.Column("amount_off", sa.BigInteger(), nullable=True),
        sa.Column("discount_end", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("mrr", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stripe_subscriptions", schema=None) as batch_op:
        batch_op.create_index("ix_stripe_subscriptions_customer", ["customer"], unique=False)
        batch_op.create_index("ix_stripe_subscriptions_status", ["status"], unique=False)

    op.create_table(
        "billing_flag_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("flag", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "flag", name="ux_billing_flag_ws"),
    )
    op.create_table(
        "stripe_customers",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("delinquent", sa.Boolean(), nullable=False),
        sa.Column("metadata_json", sa.Text(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("link", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stripe_customers", schema=None) as batch_op:
        batch_op.create_index("ix_stripe_customers_ws", ["workspace_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stripe_customers", schema=None) as batch_op:
        batch_op.drop_index("ix_stripe_customers_ws")

    op.drop_table("stripe_customers")
    op.drop_table("billing_flag_overrides")
    with op.batch_alter_table("stripe_subscriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_stripe_subscriptions_status")
        batch_op.drop_index("ix_stripe_subscriptions_customer")

    op.drop_table("stripe_subscriptions")
    with op.batch_alter_table("stripe_subscription_items", schema=None) as batch_op:
        batch_op.drop_index("ix_stripe_items_subscription")

    op.drop_table("stripe_subscription_items")
    with op.batch_alter_table("stripe_refunds", schema=None) as batch_op:
        batch_op.drop_index("ix_stripe_refunds_month")
        batch_op.drop_index("ix_stripe_refunds_charge")

    op.drop_table("stripe_refunds")
    op.drop_table("stripe_products")
    op.drop_table("stripe_plans")
    op.drop_table("stripe_payment_intents")
    with op.batch_alter_table("stripe_invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_stripe_invoices_month")
        batch_op.drop_index("ix_stripe_invoices_customer")

    op.drop_table("stripe_invoices")
    op.drop_table("stripe_events")
    with op.batch_alter_table("stripe_charges", schema=None) as batch_op:
        batch_op.drop_index("ix_stripe_charges_month")
        batch_op.drop_index("ix_stripe_charges_customer")

    op.drop_table("stripe_charges")
    op.drop_table("billing_refund_requests")
    with op.batch_alter_table("billing_mrr_log", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_mrr_log_sub")
        batch_op.drop_index("ix_billing_mrr_log_at")

    op.drop_table("billing_mrr_log")
    op.drop_table("billing_account")
