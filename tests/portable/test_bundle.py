"""A workspace handed over to a second agency and back: `penguin workspace export --format
bundle` and `penguin workspace import`, on two real databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.errors import (
    AuthenticationError,
    ConflictError,
    PermissionDenied,
)
from penguin_desktop.core.platform.models import Actor, Face, Role
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.core.portable import archive, bundle_file
from penguin_desktop.core.portable.archive import BackupDamaged
from penguin_desktop.core.portable.bundle import BundleService
from penguin_desktop.core.portable.bundle_import import changes
from penguin_desktop.core.portable.bundle_rows import read_tables
from penguin_desktop.core.secrets import BackendKind
from tests.cli.conftest import Penguin
from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, add_user, fresh_sqlite
from tests.portable.test_sqlite_export import (
    HOOK_SECRET,
    OUTSIDE,
    OUTSIDE_PASSWORD,
    SSH_KEY,
    _world,
)
from tests.servers.file_keyring import FileBackedKeyring

PASSPHRASE = "Hand-over-to-the-consultant-26"
CONSULTANT = "owner@consultant.test"


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seal with argon2id's cheapest sound cost: the cost travels in the header either way."""
    monkeypatch.setattr(archive, "DEFAULT_KDF", archive.KdfParams(1, 8192, 1))


@pytest.fixture
def agency_a(container: Container, owner: Actor, test_keyring: FileBackedKeyring) -> Container:
    """Acme with one of every kind of thing (test_sqlite_export's world), Bob a member."""
    _world(container, owner)
    add_user(container, owner, "bob@agency.test")
    container.members.add(owner, "Acme", "bob@agency.test", Role.MANAGER)
    return container


@pytest.fixture
def agency_b(sqlite_template: Path, tmp_path: Path) -> Iterator[Container]:
    """A second agency, with its own database and secrets file; Bob is a user there too."""
    data_dir = tmp_path / "consultant"
    url = fresh_sqlite(sqlite_template, data_dir / "workspace.db")
    other = Container(Settings(data_dir=data_dir, db_url=url), lambda _creating: MASTER_PASSWORD)
    boss = other.auth.initialize("Consultancy", CONSULTANT, OWNER_PASSWORD, Face.CLI)
    other.secrets.set_backend(boss, BackendKind.FILE)
    add_user(other, boss, "bob@agency.test")
    yield other
    other.close()


def _owner_b(b: Container) -> Actor:
    return b.auth.login(CONSULTANT, OWNER_PASSWORD, Face.CLI)


def _bundles(c: Container) -> BundleService:
    return c.bundles


def _rows(c: Container, name: str) -> dict[str, list[dict[str, object]]]:
    with c.db.read() as session:
        ws = session.execute(select(WorkspaceRow.id).where(WorkspaceRow.name == name)).scalar_one()
        return read_tables(session, ws)


def _export(c: Container, actor: Actor, out: Path) -> Path:
    _bundles(c).export(actor, "Acme", out, PASSPHRASE)
    return out


def test_a_workspace_moves_to_a_second_agency_and_works_there(
    agency_a: Container, owner: Actor, agency_b: Container, tmp_path: Path
) -> None:
    out = _export(agency_a, owner, tmp_path / "acme.pmwb")
    check = bundle_file.verify_bundle(out, PASSPHRASE)
    assert check.audit_ok and check.workspace == "Acme" and check.audit_events > 5
    assert check.counts["leads"] == 3 and check.counts["secrets"] >= 4
    boss = _owner_b(agency_b)

    plan = _bundles(agency_b).import_(boss, out, PASSPHRASE)

    assert plan.applied and plan.mode == "new" and not plan.changed_since
    assert plan.members_added == ["bob@agency.test"] and plan.members_unknown == [OWNER_EMAIL]
    assert changes(_rows(agency_a, "Acme"), _rows(agency_b, "Acme")) == []
    assert _rows(agency_b, "Acme")["leads"] and _rows(agency_b, "Acme")["dkim_keys"]
    agency_b.secrets.open_file(boss)
    values = {
        agency_b.secrets.reveal(boss, "Acme", ref.name)
        for ref in agency_b.secrets.all(boss, "Acme")
    }
    assert {SSH_KEY, OUTSIDE_PASSWORD, HOOK_SECRET} <= values
    assert {r.backend for r in agency_b.secrets.all(boss, "Acme")} == {"file"}
    assert "client.test" in agency_b.domains.export_zone(boss, "client.test", "Acme")
    assert agency_b.domains.records(boss, "client.test", "Acme") is not None
    [event] = agency_b.audit.page(boss, AuditFilter(action="workspace.import"))
    summary = json.loads(event.summary)
    assert summary["source_audit_head_hash"] == check.audit_head_hash
    assert summary["mode"] == "new" and summary["source_audit_events"] == check.audit_events
    assert agency_b.audit.verify(boss).ok


def test_the_bundle_holds_no_secret_nor_passphrase_in_clear(
    agency_a: Container, owner: Actor, tmp_path: Path
) -> None:
    data = _export(agency_a, owner, tmp_path / "acme.pmwb").read_bytes()
    for clear in (SSH_KEY, OUTSIDE_PASSWORD, HOOK_SECRET, PASSPHRASE, "Acme", OUTSIDE):
        assert clear.encode() not in data
    done = agency_a.audit.page(owner, AuditFilter(action="workspace.export"))
    assert json.loads(done[0].summary)["format"] == "bundle"
    reveals = agency_a.audit.page(owner, AuditFilter(action="secret.reveal"))
    assert {json.loads(e.summary)["reason"] for e in reveals} == {"workspace hand-over"}


def _nothing_imported(b: Container) -> None:
    assert [w.name for w in b.workspaces.all(_owner_b(b))] == []


def test_a_wrong_passphrase_or_a_damaged_bundle_writes_nothing(
    agency_a: Container, owner: Actor, agency_b: Container, tmp_path: Path
) -> None:
    out = _export(agency_a, owner, tmp_path / "acme.pmwb")
    boss = _owner_b(agency_b)
    with pytest.raises(AuthenticationError):
        _bundles(agency_b).import_(boss, out, "not-the-passphrase-at-all")
    flipped = tmp_path / "flipped.pmwb"
    data = bytearray(out.read_bytes())
    data[-40] ^= 0x01
    flipped.write_bytes(bytes(data))
    with pytest.raises(BackupDamaged):
        _bundles(agency_b).import_(boss, flipped, PASSPHRASE)
    _nothing_imported(agency_b)


def test_an_edited_audit_event_fails_the_walk_to_the_source_head(
    agency_a: Container, owner: Actor, agency_b: Container, tmp_path: Path
) -> None:
    """Even sealed again with the right passphrase, an edited event no longer chains."""
    out = _export(agency_a, owner, tmp_path / "acme.pmwb")
    contents = bundle_file.read(out, PASSPHRASE)
    contents.audit["events"][1]["actor"] = "someone-else@agency.test"
    forged = tmp_path / "forged.pmwb"
    bundle_file.write(forged, PASSPHRASE, contents)
    assert not bundle_file.verify_bundle(forged, PASSPHRASE).audit_ok
    with pytest.raises(BackupDamaged, match="does not match its hash"):
        _bundles(agency_b).import_(_owner_b(agency_b), forged, PASSPHRASE)
    _nothing_imported(agency_b)


def test_the_round_trip_replaces_the_original_only_while_it_is_unchanged(
    agency_a: Container, owner: Actor, agency_b: Container, tmp_path: Path
) -> None:
    boss = _owner_b(agency_b)
    _bundles(agency_b).import_(boss, _export(agency_a, owner, tmp_path / "a.pmwb"), PASSPHRASE)
    with pytest.raises(ConflictError) as again:
        _bundles(agency_b).import_(boss, tmp_path / "a.pmwb", PASSPHRASE)
    assert again.value.field == "replace"
    source = tmp_path / "more.csv"
    source.write_text("email\nnew@example.net\n", encoding="utf-8")
    agency_b.leads.import_file(boss, "Acme", "Consultant's", source)
    back = tmp_path / "b.pmwb"
    _bundles(agency_b).export(boss, "Acme", back, PASSPHRASE)

    plan = _bundles(agency_a).import_(owner, back, PASSPHRASE, replace=True, dry_run=True)
    assert not plan.applied and {c.table for c in plan.changes} >= {"leads", "lead_lists"}
    assert changes(_rows(agency_b, "Acme"), _rows(agency_a, "Acme")) != []
    done = _bundles(agency_a).import_(owner, back, PASSPHRASE, replace=True)
    assert done.applied and done.mode == "replace" and not done.changed_since
    assert changes(_rows(agency_b, "Acme"), _rows(agency_a, "Acme")) == []
    assert agency_a.secrets.reveal(owner, "Acme", "ssh/mx1") == SSH_KEY
    assert agency_a.audit.verify(owner).ok

    # The consultant works on; meanwhile the agency adds a lead of its own.
    agency_b.leads.import_file(boss, "Acme", "Consultant's", source)
    again_back = tmp_path / "b2.pmwb"
    _bundles(agency_b).export(boss, "Acme", again_back, PASSPHRASE)
    source.write_text("email\nlate@example.net\n", encoding="utf-8")
    agency_a.leads.import_file(owner, "Acme", "Late", source)
    with pytest.raises(ConflictError, match="leads") as changed:
        _bundles(agency_a).import_(owner, again_back, PASSPHRASE, replace=True)
    assert changed.value.field == "force"
    assert "late@example.net" in {r["email"] for r in _rows(agency_a, "Acme")["leads"]}
    forced = _bundles(agency_a).import_(owner, again_back, PASSPHRASE, replace=True, force=True)
    assert forced.applied and any(s.startswith("leads") for s in forced.changed_since)
    assert changes(_rows(agency_b, "Acme"), _rows(agency_a, "Acme")) == []
    events = agency_a.audit.page(owner, AuditFilter(action="workspace.import"))
    assert [json.loads(e.summary)["forced"] for e in events] == [True, False]


def test_a_non_admin_is_refused_and_audited(
    agency_a: Container, owner: Actor, agency_b: Container, tmp_path: Path
) -> None:
    bob = agency_a.auth.login("bob@agency.test", "Lantern-fjord-2026!y", Face.CLI)
    with pytest.raises(PermissionDenied):
        _bundles(agency_a).export(bob, "Acme", tmp_path / "no.pmwb", PASSPHRASE)
    assert not (tmp_path / "no.pmwb").exists()
    denied = agency_a.audit.page(owner, AuditFilter(action="workspace.handover"))
    assert [(e.actor, e.outcome) for e in denied] == [("bob@agency.test", "denied")]
    out = _export(agency_a, owner, tmp_path / "acme.pmwb")
    bob_b = agency_b.auth.login("bob@agency.test", "Lantern-fjord-2026!y", Face.CLI)
    with pytest.raises(PermissionDenied):
        _bundles(agency_b).import_(bob_b, out, PASSPHRASE)
    refused = agency_b.audit.page(_owner_b(agency_b), AuditFilter(action="workspace.create"))
    assert [(e.actor, e.outcome) for e in refused] == [("bob@agency.test", "denied")]
    _nothing_imported(agency_b)


def test_the_commands_hand_a_workspace_over_and_back(sqlite_template: Path, tmp_path: Path) -> None:
    agencies = []
    for name in ("a", "b"):
        penguin = Penguin(
            fresh_sqlite(sqlite_template, tmp_path / name / "workspace.db"), tmp_path / name
        )
        result = penguin(
            "init", "--org", f"Agency {name}", "--owner-email", OWNER_EMAIL,
            env={"PENGUIN_PASSWORD": OWNER_PASSWORD}, user=None,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        agencies.append(penguin)
    a, b = agencies
    assert a("workspace", "create", "Acme").exit_code == 0
    out = tmp_path / "acme.pmwb"
    made = a.json(
        "workspace",
        "export",
        "Acme",
        "--out",
        str(out),
        "--passphrase-stdin",
        stdin=PASSPHRASE + "\n",
    )
    assert made["workspace"] == "Acme" and made["counts"]["audit_events"] >= 1 and out.exists()

    plan = b.json("workspace", "import", str(out), "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    assert plan["applied"] and plan["mode"] == "new" and plan["workspace"] == "Acme"
    again = b("workspace", "import", str(out), "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    assert again.exit_code != 0 and "--replace" in again.stderr

    env = {"PENGUIN_BACKUP_PASSPHRASE": PASSPHRASE}
    back = tmp_path / "back.pmwb"
    assert b("workspace", "export", "Acme", "--out", str(back), env=env).exit_code == 0
    result = a("workspace", "import", str(back), "--replace", "--yes", env=env)
    assert result.exit_code == 0, result.stderr
    assert "Replace workspace 'Acme'" in result.stderr and "Imported 'Acme'" in result.stdout
