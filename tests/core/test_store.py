"""Opening workspace databases: ours, not ours, newer than the code, unreachable."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.errors import (
    DatabaseError,
    ExternalServiceError,
    ValidationError,
)
from penguin_desktop.core.platform.models import Face
from penguin_desktop.core.platform.store import schema
from penguin_desktop.core.platform.store.database import _backup_sqlite, open_database
from tests.servers.common import free_port


def test_new_sqlite_workspace_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    db_file = tmp_path / "sub" / "workspace.db"
    db = open_database(f"sqlite:///{db_file}")
    with db.read() as session:
        mode = session.execute(text("PRAGMA journal_mode")).scalar_one()
        fks = session.execute(text("PRAGMA foreign_keys")).scalar_one()
    db.close()
    assert mode == "wal"
    assert fks == 1
    assert stat.S_IMODE(db_file.stat().st_mode) == 0o600


def test_reopening_keeps_data(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, db_url=f"sqlite:///{tmp_path / 'w.db'}")
    first = Container(settings)
    first.auth.initialize("Agency", "a@agency.test", "Sturdy-pass-2026", Face.CLI)
    first.close()
    second = Container(settings)
    org = second.auth.organization()
    second.close()
    assert org is not None and org.name == "Agency"


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    junk = tmp_path / "notes.db"
    junk.write_text("shopping list: milk\n")
    with pytest.raises(DatabaseError, match="not a PenguinMails workspace database"):
        open_database(f"sqlite:///{junk}")
    assert junk.read_text() == "shopping list: milk\n"


def test_someone_elses_sqlite_database_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    with pytest.raises(DatabaseError, match="not a PenguinMails workspace database"):
        open_database(f"sqlite:///{other}")
    with sqlite3.connect(other) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert tables == {"invoices"}


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    open_database(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    with pytest.raises(DatabaseError, match="newer PenguinMails Desktop"):
        open_database(f"sqlite:///{path}")


def test_backup_copies_the_live_database(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    c = Container(Settings(data_dir=tmp_path, db_url=f"sqlite:///{path}"))
    c.auth.initialize("Backed Up", "a@agency.test", "Sturdy-pass-2026", Face.CLI)
    c.close()
    backup = _backup_sqlite(path, "0001")
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT name FROM organization").fetchone() == ("Backed Up",)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_schema_head_constant_is_alembics_head() -> None:
    assert schema.alembic_head() == schema.SCHEMA_HEAD, "bump SCHEMA_HEAD in core/store/schema.py"


def test_an_older_database_is_backed_up_then_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    c = Container(Settings(data_dir=tmp_path, db_url=f"sqlite:///{path}"))
    c.auth.initialize("Old", "a@agency.test", "Sturdy-pass-2026", Face.CLI)
    c.close()
    with sqlite3.connect(path) as conn:
        for table in (
            "campaign_variants",
            "campaign_sends",
            "campaign_steps",
            "campaign_mailboxes",
            "campaign_leads",
            "campaign_holds",
            "campaigns",
            "sending_limits",
            "sending_domain_limits",
            "outside_mailboxes",
            "inbox_cursors",
            "send_engines",
            "compliance_settings",
            "consent_countries",
            "suppressions",
            "lead_list_members",
            "lead_lists",
            "leads",
            "billing_account",
            "stripe_customers",
            "stripe_products",
            "stripe_plans",
            "stripe_subscriptions",
            "stripe_subscription_items",
            "stripe_invoices",
            "stripe_charges",
            "stripe_payment_intents",
            "stripe_refunds",
            "stripe_events",
            "billing_mrr_log",
            "billing_refund_requests",
            "billing_flag_overrides",
            "notifier_deliveries",
            "notifiers",
            "alerts",
            "alert_rules",
            "monitor_rollups",
            "monitor_results",
            "monitor_checks",
            "mailboxes",
            "servers",
            "dkim_keys",
            "sending_domains",
            "dns_providers",
            "secret_refs",
        ):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("DROP TABLE secret_backends")
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    db = open_database(f"sqlite:///{path}")
    db.close()
    backups = list(tmp_path.glob("w.db.bak-0001-*"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            schema.SCHEMA_HEAD,
        )
        assert conn.execute("SELECT name FROM organization").fetchone() == ("Old",)


def test_unreachable_postgres_is_an_outside_service_failure() -> None:
    port = free_port()
    with pytest.raises(ExternalServiceError, match=f"cannot reach PostgreSQL at 127.0.0.1:{port}"):
        open_database(f"postgresql://postgres@127.0.0.1:{port}/penguin")


def test_unsupported_database_url_is_bad_input() -> None:
    with pytest.raises(ValidationError, match="unsupported database"):
        open_database("mysql://root@localhost/x")


def test_every_capabilitys_tables_match_the_migrated_schema(tmp_path: Path) -> None:
    """The tables live in each capability's folder; the migrations must create exactly them."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import penguin_desktop.core.platform.store.migrations.env_tables  # noqa: F401
    from penguin_desktop.core.platform.store.tables import Base

    db = open_database(f"sqlite:///{tmp_path / 'w.db'}")
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    db.close()
    assert differences == []


def test_a_truncated_database_is_refused_not_made_anew(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, db_url=f"sqlite:///{tmp_path / 'w.db'}")
    first = Container(settings)
    first.auth.initialize("Agency", "a@agency.test", "Sturdy-pass-2026", Face.CLI)
    first.close()
    (tmp_path / "w.db").write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"w.db{suffix}").unlink(missing_ok=True)
    with pytest.raises(DatabaseError, match="is empty: the workspace database was truncated"):
        open_database(settings.db_url)
    assert (tmp_path / "w.db").read_bytes() == b""
