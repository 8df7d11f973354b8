"""`penguin workspace export --format sqlite`: a workspace's data as a plain SQLite file, its
keys and links declared, searchable leads, and never a secret or another workspace's row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from sqlalchemy import select

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.mailboxes import MailServer, Tls
from penguin_desktop.core.mailboxes.tables import MailboxRow
from penguin_desktop.core.monitoring import NotifierKind
from penguin_desktop.core.monitoring.tables import AlertRow, CheckRow
from penguin_desktop.core.platform.errors import ConflictError, NotFoundError
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.core.secrets.models import SecretKind
from penguin_desktop.core.servers.tables import ServerRow
from tests.cli.conftest import Penguin, initialized, penguin  # noqa: F401 (fixtures)
from tests.conftest import add_user
from tests.servers.file_keyring import FileBackedKeyring
from tests.ui.whole import campaigns_world

SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LXNzaC1rZXk=\n-----END OPENSSH"
MAILBOX_PASSWORD = "mailbox-password-7Qz"
OUTSIDE_PASSWORD = "outside-password-9Kx"
HOOK_SECRET = "hook-signing-secret-3Vb-0123456789"
OUTSIDE = "sales@client.test"


def _workspace_id(container: Container, name: str) -> int:
    with container.db.read() as session:
        return session.execute(
            select(WorkspaceRow.id).where(WorkspaceRow.name == name)
        ).scalar_one()


def _world(container: Container, owner: Actor) -> None:
    """Acme with one of every kind of thing the core makes, Globex with a lead of its own."""
    container.workspaces.create(owner, "Acme")
    container.workspaces.create(owner, "Globex")
    container.secrets.set(owner, "Acme", "ssh/mx1", SecretKind.SSH_KEY, SSH_KEY)
    container.secrets.set(owner, "Acme", "mailbox/ann", SecretKind.SMTP_PASSWORD, MAILBOX_PASSWORD)
    acme = _workspace_id(container, "Acme")
    with container.db.write() as session:
        server = ServerRow(workspace_id=acme, name="mx1", ip="192.0.2.10", ssh_key_secret="ssh/mx1")
        session.add(server)
        session.flush()
        session.add(
            MailboxRow(
                workspace_id=acme,
                server_id=server.id,
                email="ann@client.test",
                password_secret="mailbox/ann",
            )
        )
    container.domains.add(
        owner, "Acme", "client.test", ips=["192.0.2.10"], dkim_selectors=["pm"], lab=True
    )
    smtp = MailServer("127.0.0.1", 2525, Tls.NONE, OUTSIDE)
    container.outside_mailboxes.connect(owner, "Acme", OUTSIDE, smtp, None, OUTSIDE_PASSWORD)
    campaigns_world.build(container, owner, "Acme")
    container.monitoring.checks.ensure_defaults(owner, "Acme")
    container.monitoring.notifiers.add(
        owner, NotifierKind.WEBHOOK, "ops", HOOK_SECRET, workspace="Acme", url="http://x.test/h"
    )
    with container.db.write() as session:
        check = session.execute(select(CheckRow).where(CheckRow.workspace_id == acme)).scalars()
        first = next(iter(check))
        session.add(
            AlertRow(
                workspace_id=acme,
                check_id=first.id,
                condition="down",
                severity="critical",
                message="mx1 is down",
                dedup_key="mx1-down",
            )
        )
    source = Path(container.settings.data_dir) / "globex.csv"
    source.write_text("email,first name\nother@globex.test,Otto\n", encoding="utf-8")
    container.leads.import_file(owner, "Globex", "Theirs", source)


@pytest.fixture
def world(container: Container, owner: Actor, test_keyring: FileBackedKeyring) -> Container:
    _world(container, owner)
    return container


def _secret_values(container: Container, owner: Actor) -> list[str]:
    """Every secret value the store holds for Acme (the DKIM private key included)."""
    refs = container.secrets.all(owner, "Acme")
    values = [container.secrets.reveal(owner, "Acme", ref.name, "test") for ref in refs]
    assert {SSH_KEY, MAILBOX_PASSWORD, OUTSIDE_PASSWORD, HOOK_SECRET} <= set(values)
    return values


def test_the_file_holds_every_table_with_keys_links_and_about(
    world: Container, owner: Actor, tmp_path: Path
) -> None:
    out = tmp_path / "acme.db"
    info = world.sqlite_export.export(owner, "Acme", out)
    assert info.path == out and info.workspace == "Acme" and info.size == out.stat().st_size
    db = sqlite_utils.Database(out)
    for name, count in info.tables.items():
        assert db.table(name).count == count, name
    counts = info.tables
    assert counts["servers"] == 1 and counts["mailboxes"] == 1 and counts["domains"] == 1
    assert counts["dkim_keys"] == 1 and counts["outside_mailboxes"] == 1
    assert counts["leads"] == 3 and counts["lead_lists"] == 2 and counts["lead_list_members"] == 4
    assert counts["campaigns"] == 1 and counts["campaign_steps"] >= 1
    assert counts["campaign_variants"] >= 1 and counts["campaign_sends"] >= 1
    assert counts["suppressions"] >= 2 and counts["lead_custom_fields"] == 2
    assert counts["monitor_checks"] >= 1 and counts["alerts"] == 1 and counts["notifiers"] == 1
    assert counts["members"] == 1 and counts["compliance"] == 1
    assert {"_about", "leads_fts"} <= set(db.table_names())
    assert "token" not in db.table("campaign_sends").columns_dict
    assert "password_secret" not in db.table("outside_mailboxes").columns_dict
    assert "workspace_id" not in db.table("leads").columns_dict
    assert db.table("leads").pks == ["id"]
    assert db.table("lead_list_members").pks == ["list_id", "lead_id"]
    links = {(fk.column, fk.other_table) for fk in db.table("campaign_sends").foreign_keys}
    assert {("campaign_id", "campaigns"), ("lead_id", "leads")} <= links
    links = {(fk.column, fk.other_table) for fk in db.table("domains").foreign_keys}
    assert ("mail_server_id", "servers") in links
    about = {row["key"]: row["value"] for row in db.table("_about").rows}
    assert about["workspace"] == "Acme" and about["schema_revision"]
    assert about["app_version"] and about["exported_at"]
    assert {f"table:{name}" for name in info.tables} <= set(about)
    custom = {(r["name"], r["value"]) for r in db.table("lead_custom_fields").rows}
    assert ("industry", "SaaS") in custom
    assert [r["email"] for r in db.table("leads").search("Archer")] == ["ann@example.com"]
    assert all(isinstance(r["created_at"], str) for r in db.table("servers").rows)


def test_no_secret_and_no_other_workspace_reaches_the_file(
    world: Container, owner: Actor, tmp_path: Path
) -> None:
    out = tmp_path / "acme.db"
    world.sqlite_export.export(owner, "Acme", out)
    secrets = _secret_values(world, owner)
    raw = out.read_bytes()
    db = sqlite_utils.Database(out)
    cells = [
        str(value)
        for name in db.table_names()
        for row in db.table(name).rows
        for value in row.values()
        if value is not None
    ]
    for secret in secrets:
        body = secret.strip().splitlines()[1] if "\n" in secret.strip() else secret
        assert body.encode() not in raw
        assert not any(body in cell for cell in cells)
    assert b"other@globex.test" not in raw
    assert not any("secret" in column for t in db.tables for column in t.columns_dict)


def test_a_stranger_is_refused_and_audited_and_a_file_is_never_replaced(
    world: Container, owner: Actor, tmp_path: Path
) -> None:
    stranger = add_user(world, owner, "viewer@agency.test")
    world.members.add(owner, "Globex", "viewer@agency.test", Role.VIEWER)
    with pytest.raises(NotFoundError):
        world.sqlite_export.export(stranger, "Acme", tmp_path / "no.db")
    assert not (tmp_path / "no.db").exists()
    denied = world.audit.page(owner, AuditFilter(action="workspace.read"))
    assert [(e.actor, e.outcome) for e in denied] == [("viewer@agency.test", "denied")]
    taken = tmp_path / "taken.db"
    taken.write_bytes(b"mine")
    with pytest.raises(ConflictError):
        world.sqlite_export.export(owner, "Acme", taken)
    assert taken.read_bytes() == b"mine"
    world.sqlite_export.export(owner, "Acme", tmp_path / "fine.db")
    done = world.audit.page(owner, AuditFilter(action="workspace.export"))
    assert json.loads(done[0].summary)["format"] == "sqlite"


def test_the_command_writes_the_file_and_a_bundle_asks_for_its_passphrase(
    initialized: Penguin,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    assert initialized("workspace", "create", "Acme").exit_code == 0
    out = tmp_path / "out.db"
    info = initialized.json("workspace", "export", "Acme", "--out", str(out), "--format", "sqlite")
    assert (
        info["workspace"] == "Acme"
        and info["path"] == str(out)
        and info["tables"]["leads"] == 0
        and out.exists()
    )
    result = initialized("workspace", "export", "Acme", "--out", str(tmp_path / "b.pmwb"))
    assert result.exit_code != 0 and "PENGUIN_BACKUP_PASSPHRASE" in result.stderr
    assert not (tmp_path / "b.pmwb").exists()
    again = initialized("workspace", "export", "Acme", "--out", str(out), "--format", "sqlite")
    assert again.exit_code != 0 and "already exists" in again.stderr
