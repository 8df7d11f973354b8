"""secret references and backends

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 06:32:11.316858
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "secret_backends",
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )
    op.create_table(
        "secret_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("locator", sa.String(length=96), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column("backend_version", sa.Integer(), nullable=True),
        sa.Column("leftover_backend", sa.String(length=16), nullable=True),
        sa.Column("rotation_days", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_rotated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_accessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("locator"),
    )
    with op.batch_alter_table("secret_refs", schema=None) as batch_op:
        batch_op.create_index("ux_secret_refs_ws_name", ["workspace_id", "name"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("secret_refs", schema=None) as batch_op:
        batch_op.drop_index("ux_secret_refs_ws_name")

    op.drop_table("secret_refs")
    op.drop_table("secret_backends")
