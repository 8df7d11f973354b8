"""sending domains keep their last check's full report and know their MailU server

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 09:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sending_domains") as batch:
        batch.add_column(sa.Column("last_worst_message", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_report", sa.Text(), nullable=True))
        batch.add_column(sa.Column("mail_server_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_sending_domains_mail_server", "servers", ["mail_server_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("sending_domains") as batch:
        batch.drop_constraint("fk_sending_domains_mail_server", type_="foreignkey")
        batch.drop_column("mail_server_id")
        batch.drop_column("last_report")
        batch.drop_column("last_worst_message")
