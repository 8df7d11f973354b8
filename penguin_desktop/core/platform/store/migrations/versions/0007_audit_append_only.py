"""the audit trail refuses edits in the database itself

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 08:00:00

Triggers refuse UPDATE and DELETE (and on PostgreSQL TRUNCATE) of audit entries, the deletion
of the chain's head and any move of the head that is not forward. Nothing in the program changes
a written entry, so only hand edits hit them: defence in depth beside the hash chain and the
signed checkpoints, not a replacement for them (whoever owns the database can drop a trigger).

A later SQLite migration that rebuilds `audit_events` or `audit_head` (batch_alter_table) drops
their triggers with the old table and must create them again. Creating them replaces any left
from an earlier run, so the upgrade can be repeated.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFUSED = "the audit trail is append-only"
# (trigger, table, event, condition) for every dialect.
_TRIGGERS = (
    ("audit_events_no_update", "audit_events", "UPDATE", ""),
    ("audit_events_no_delete", "audit_events", "DELETE", ""),
    ("audit_head_no_delete", "audit_head", "DELETE", ""),
    ("audit_head_no_rewind", "audit_head", "UPDATE", "NEW.seq <= OLD.seq"),
)
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION penguin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{_REFUSED}: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _pg_trigger(name: str, table: str, event: str, each: str) -> None:
    op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    op.execute(
        f"CREATE TRIGGER {name} BEFORE {event} ON {table} {each} "
        "EXECUTE FUNCTION penguin_audit_append_only()"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for name, table, event, condition in _TRIGGERS:
            when = f" WHEN ({condition})" if condition else ""
            _pg_trigger(name, table, event, f"FOR EACH ROW{when}")
        for table in ("audit_events", "audit_head"):
            _pg_trigger(f"{table}_no_truncate", table, "TRUNCATE", "FOR EACH STATEMENT")
        return
    for name, table, event, condition in _TRIGGERS:
        when = f" WHEN {condition}" if condition else ""
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON {table}{when} BEGIN "
            f"SELECT RAISE(ABORT, '{_REFUSED}: {event} on {table} refused'); END"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table, _, _ in _TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgres else f"DROP TRIGGER {name}")
    if postgres:
        for table in ("audit_events", "audit_head"):
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION penguin_audit_append_only()")
