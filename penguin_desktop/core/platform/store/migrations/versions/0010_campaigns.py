"""campaigns: leads, lead lists, suppressions, consent countries, compliance settings

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 14:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Countries whose law asks for prior consent even for B2B email; the agency edits the table.
CONSENT_COUNTRIES = ("DE", "HR", "NL", "RO")


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=True),
        sa.Column("last_name", sa.String(length=255), nullable=True),
        sa.Column("company", sa.String(length=255), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("website", sa.String(length=2000), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("lawful_basis", sa.String(length=24), nullable=True),
        sa.Column("consent_source", sa.String(length=255), nullable=True),
        sa.Column("consent_at", sa.String(length=32), nullable=True),
        sa.Column("custom_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "email", name="ux_leads_ws_email"),
    )
    op.create_table(
        "lead_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("name_key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "name_key", name="ux_lead_lists_ws_name"),
    )
    op.create_table(
        "lead_list_members",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["list_id"], ["lead_lists.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("list_id", "lead_id"),
    )
    with op.batch_alter_table("lead_list_members", schema=None) as batch_op:
        batch_op.create_index("ix_lead_list_members_lead", ["lead_id"], unique=False)

    op.create_table(
        "suppressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("suppressions", schema=None) as batch_op:
        batch_op.create_index("ix_suppressions_value", ["value"], unique=False)

    countries = op.create_table(
        "consent_countries",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("needs_consent", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("country"),
    )
    op.bulk_insert(countries, [{"country": c, "needs_consent": True} for c in CONSENT_COUNTRIES])
    op.create_table(
        "compliance_settings",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("postal_address", sa.Text(), nullable=False),
        sa.Column("unsubscribe_url", sa.String(length=2000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("workspace_id"),
    )


def downgrade() -> None:
    op.drop_table("compliance_settings")
    op.drop_table("consent_countries")
    with op.batch_alter_table("suppressions", schema=None) as batch_op:
        batch_op.drop_index("ix_suppressions_value")
    op.drop_table("suppressions")
    with op.batch_alter_table("lead_list_members", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_list_members_lead")
    op.drop_table("lead_list_members")
    op.drop_table("lead_lists")
    op.drop_table("leads")
