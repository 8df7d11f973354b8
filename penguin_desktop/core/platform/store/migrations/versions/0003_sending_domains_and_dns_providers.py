"""sending domains and dns providers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 07:01:25.972859
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dns_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("credential_secret", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dns_providers", schema=None) as batch_op:
        batch_op.create_index("ux_dns_providers_ws_name", ["workspace_id", "name"], unique=True)

    op.create_table(
        "sending_domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=253), nullable=False),
        sa.Column("mail_hosts", sa.Text(), nullable=False),
        sa.Column("server_ips", sa.Text(), nullable=False),
        sa.Column("dmarc_policy", sa.String(length=16), nullable=False),
        sa.Column("report_address", sa.String(length=254), nullable=True),
        sa.Column("mta_sts_mode", sa.String(length=16), nullable=False),
        sa.Column("autoconfig", sa.Boolean(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_score", sa.Integer(), nullable=True),
        sa.Column("last_worst", sa.String(length=64), nullable=True),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["provider_id"], ["dns_providers.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sending_domains", schema=None) as batch_op:
        batch_op.create_index("ux_sending_domains_ws_name", ["workspace_id", "name"], unique=True)

    op.create_table(
        "dkim_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("selector", sa.String(length=63), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=True),
        sa.Column("private_key_secret", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["domain_id"], ["sending_domains.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dkim_keys", schema=None) as batch_op:
        batch_op.create_index(
            "ux_dkim_keys_domain_selector", ["domain_id", "selector"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("dkim_keys", schema=None) as batch_op:
        batch_op.drop_index("ux_dkim_keys_domain_selector")

    op.drop_table("dkim_keys")
    with op.batch_alter_table("sending_domains", schema=None) as batch_op:
        batch_op.drop_index("ux_sending_domains_ws_name")

    op.drop_table("sending_domains")
    with op.batch_alter_table("dns_providers", schema=None) as batch_op:
        batch_op.drop_index("ux_dns_providers_ws_name")

    op.drop_table("dns_providers")
