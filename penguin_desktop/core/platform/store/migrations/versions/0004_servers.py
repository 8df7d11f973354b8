"""servers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 07:17:10.618866
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "servers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("provider_ref", sa.String(length=64), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("hostname", sa.String(length=253), nullable=True),
        sa.Column("ssh_port", sa.Integer(), nullable=False),
        sa.Column("ssh_user", sa.String(length=32), nullable=False),
        sa.Column("ssh_key_secret", sa.String(length=128), nullable=False),
        sa.Column("host_key_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("offered_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("mailu_version", sa.String(length=16), nullable=True),
        sa.Column("mailu_url", sa.String(length=300), nullable=True),
        sa.Column("mailu_token_secret", sa.String(length=128), nullable=True),
        sa.Column("mailu_dir", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("steps", sa.Text(), nullable=False),
        sa.Column(
            "last_check_at",
            sa.DateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("last_check", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("servers", schema=None) as batch_op:
        batch_op.create_index("ux_servers_ws_name", ["workspace_id", "name"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("servers", schema=None) as batch_op:
        batch_op.drop_index("ux_servers_ws_name")

    op.drop_table("servers")
