"""Secret references through the service: backends, access rules, audit, migration, rotation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.errors import (
    AuthenticationError,
    Cancelled,
    ConflictError,
    DatabaseError,
    ExternalServiceError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.store.tables import utcnow
from penguin_desktop.core.secrets import rotation
from penguin_desktop.core.secrets import service as secrets_service
from penguin_desktop.core.secrets.backends.base import BackendKind
from penguin_desktop.core.secrets.backends.vault import VaultCasConflict, VaultConfig, VaultStore
from penguin_desktop.core.secrets.models import SecretKind
from penguin_desktop.core.secrets.tables import SecretRefRow
from tests.conftest import MASTER_PASSWORD, add_user
from tests.servers.common import free_port
from tests.servers.file_keyring import FileBackedKeyring
from tests.servers.vault import VaultServer


@pytest.fixture
def acme(container: Container, owner: Actor) -> str:
    container.workspaces.create(owner, "Acme")
    return "Acme"


def _use_vault(
    container: Container,
    owner: Actor,
    vault: VaultServer,
    workspace: str | None = None,
    mount: str = "secret",
) -> None:
    container.secrets.set_backend(
        owner,
        BackendKind.VAULT,
        workspace,
        VaultConfig(vault.address, mount=mount),
        token=vault.root_token,
    )


def test_default_backend_is_the_encrypted_file_without_a_keyring(
    container: Container, owner: Actor, acme: str
) -> None:
    info = container.secrets.backend_info(owner)
    assert info.kind == "file" and "no OS keyring" in info.why
    container.secrets.set(owner, acme, "stripe", SecretKind.API_KEY, "sk_live_canary")
    assert (container.settings.data_dir / "secrets.penc").exists()
    assert container.secrets.reveal(owner, acme, "stripe") == "sk_live_canary"


def test_default_backend_is_a_real_keyring_when_there_is_one(
    container: Container, owner: Actor, acme: str, test_keyring: FileBackedKeyring
) -> None:
    info = container.secrets.backend_info(owner)
    assert info.kind == "keyring" and "real OS keyring" in info.why
    container.secrets.set(owner, acme, "smtp", SecretKind.SMTP_PASSWORD, "mail-pass-1")
    assert "mail-pass-1" in test_keyring.path.read_text()
    assert not (container.settings.data_dir / "secrets.penc").exists()


def test_choosing_the_keyring_without_one_is_refused(container: Container, owner: Actor) -> None:
    with pytest.raises(ValidationError, match="cannot use the OS keyring"):
        container.secrets.set_backend(owner, BackendKind.KEYRING)


def test_references_carry_metadata_and_values_stay_out_of_the_database(
    container: Container, owner: Actor, acme: str, db_url: str
) -> None:
    info = container.secrets.set(owner, acme, "deploy-key", SecretKind.SSH_KEY, "PRIVATE-canary")
    assert (info.kind, info.backend, info.rotation_days, info.due) == (
        SecretKind.SSH_KEY,
        "file",
        90,
        False,
    )
    smtp = container.secrets.set(owner, acme, "smtp", SecretKind.SMTP_PASSWORD, "x-canary-2")
    assert smtp.rotation_days == 180
    api = container.secrets.set(owner, acme, "api", SecretKind.API_KEY, "x-canary-3")
    assert api.rotation_days is None and api.due_at is None
    with container.db.read() as session:
        dump = " ".join(str(r) for r in session.execute(text("SELECT * FROM secret_refs")))
        dump += " ".join(str(r) for r in session.execute(text("SELECT * FROM audit_events")))
    assert "canary" not in dump
    if db_url.startswith("sqlite"):
        for path in container.settings.data_dir.glob("workspace.db*"):
            assert b"canary" not in path.read_bytes()


def test_replacing_is_a_rotation_and_due_badges_follow_the_policy(
    container: Container, owner: Actor, acme: str
) -> None:
    container.secrets.set(owner, acme, "deploy", SecretKind.SSH_KEY, "v1")
    with container.db.write() as session:
        session.execute(update(SecretRefRow).values(last_rotated_at=utcnow() - timedelta(days=91)))
    due = container.secrets.due(owner)
    assert [(s.name, s.due) for s in due] == [("deploy", True)]
    replaced = container.secrets.set(owner, acme, "deploy", SecretKind.SSH_KEY, "v2")
    assert replaced.due is False
    assert container.secrets.due(owner) == []
    assert container.secrets.reveal(owner, acme, "deploy") == "v2"
    with pytest.raises(ConflictError, match="exists as ssh_key"):
        container.secrets.set(owner, acme, "deploy", SecretKind.API_KEY, "v3")
    never = container.secrets.set(owner, acme, "deploy", SecretKind.SSH_KEY, "v4", None)
    assert never.rotation_days is None


def test_bad_names_kinds_and_values_are_refused(
    container: Container, owner: Actor, acme: str
) -> None:
    with pytest.raises(ValidationError, match="bad secret name"):
        container.secrets.set(owner, acme, "no spaces allowed", SecretKind.API_KEY, "v")
    with pytest.raises(ValidationError, match="cannot be empty"):
        container.secrets.set(owner, acme, "empty", SecretKind.API_KEY, "")
    with pytest.raises(ValidationError, match="unknown secret kind"):
        secrets_service.parse_kind("password")
    with pytest.raises(NotFoundError):
        container.secrets.reveal(owner, acme, "missing")
    assert container.secrets.all(owner) == []


def test_roles_decide_who_lists_writes_and_reveals(
    container: Container, owner: Actor, acme: str
) -> None:
    container.workspaces.create(owner, "Globex")
    container.secrets.set(owner, acme, "stripe", SecretKind.API_KEY, "sk")
    container.secrets.set(owner, "Globex", "other", SecretKind.API_KEY, "sk2")
    people = {}
    for role in (Role.ADMIN, Role.MANAGER, Role.MEMBER, Role.VIEWER):
        email = f"{role.value}@agency.test"
        people[role] = add_user(container, owner, email)
        container.members.add(owner, acme, email, role)

    assert container.secrets.reveal(people[Role.ADMIN], acme, "stripe", "debugging") == "sk"
    container.secrets.set(people[Role.MANAGER], acme, "new", SecretKind.API_KEY, "m")
    with pytest.raises(PermissionDenied):
        container.secrets.reveal(people[Role.MANAGER], acme, "stripe")
    assert [s.name for s in container.secrets.all(people[Role.MEMBER])] == ["new", "stripe"]
    with pytest.raises(PermissionDenied):
        container.secrets.set(people[Role.MEMBER], acme, "x", SecretKind.API_KEY, "v")
    with pytest.raises(PermissionDenied):
        container.secrets.all(people[Role.VIEWER])
    with pytest.raises(NotFoundError, match="no workspace named 'Globex' among yours"):
        container.secrets.all(people[Role.ADMIN], "Globex")
    with pytest.raises(PermissionDenied):
        container.secrets.migrate(people[Role.ADMIN], BackendKind.FILE)

    events = container.audit.page(owner, AuditFilter(action="secret.*"))
    reveal = next(e for e in events if e.action == "secret.reveal" and e.outcome == "ok")
    assert reveal.actor == "admin@agency.test" and '"reason":"debugging"' in reveal.summary
    denied = [e for e in events if e.outcome == "denied"]
    assert len(denied) == 5


def test_every_access_is_audited_without_the_value(
    container: Container, owner: Actor, acme: str
) -> None:
    container.secrets.set(owner, acme, "hook", SecretKind.WEBHOOK_SECRET, "whsec_canary")
    container.secrets.reveal(owner, acme, "hook", "support ticket 42")
    assert container.secrets.use(owner, acme, "hook", "send test webhook") == "whsec_canary"
    container.secrets.delete(owner, acme, "hook", "client left")
    events = container.audit.page(owner, AuditFilter(action="secret.*"))
    assert [e.action for e in events] == [
        "secret.delete",
        "secret.read",
        "secret.reveal",
        "secret.set",
    ]
    assert all("whsec_canary" not in e.summary for e in events)
    assert '"reason":"send test webhook"' in events[1].summary
    with pytest.raises(NotFoundError):
        container.secrets.reveal(owner, acme, "hook")


def test_a_workspace_can_have_its_own_vault(
    container: Container, owner: Actor, acme: str, vault: VaultServer
) -> None:
    container.workspaces.create(owner, "Globex")
    _use_vault(container, owner, vault, "Globex")
    assert container.secrets.backend_info(owner, "Globex").kind == "vault"
    assert container.secrets.backend_info(owner, acme).kind == "file"
    assert "Vault" in container.secrets.test_backend(owner, "Globex")
    container.secrets.set(owner, "Globex", "g", SecretKind.API_KEY, "in-vault")
    container.secrets.set(owner, acme, "a", SecretKind.API_KEY, "in-file")
    backends = {s.name: s.backend for s in container.secrets.all(owner)}
    assert backends == {"a": "file", "g": "vault"}
    assert container.secrets.reveal(owner, "Globex", "g") == "in-vault"


def test_vault_credentials_never_reach_the_database(
    container: Container, owner: Actor, vault: VaultServer
) -> None:
    _use_vault(container, owner, vault)
    with container.db.read() as session:
        dump = " ".join(str(r) for r in session.execute(text("SELECT * FROM secret_backends")))
        dump += " ".join(str(r) for r in session.execute(text("SELECT * FROM audit_events")))
    assert vault.root_token not in dump and vault.address in dump


def test_a_value_changed_behind_our_back_in_vault_is_a_cas_conflict(
    container: Container, owner: Actor, acme: str, vault: VaultServer
) -> None:
    _use_vault(container, owner, vault)
    container.secrets.set(owner, acme, "cas", SecretKind.API_KEY, "ours")
    with container.db.read() as session:
        locator = session.query(SecretRefRow).one().locator
    VaultStore(VaultConfig(vault.address), token=vault.root_token).put(locator, "theirs")
    with pytest.raises(VaultCasConflict):
        container.secrets.set(owner, acme, "cas", SecretKind.API_KEY, "ours again")
    assert container.secrets.reveal(owner, acme, "cas") == "theirs"


def test_migration_moves_verifies_and_survives_interruption(
    container: Container,
    owner: Actor,
    acme: str,
    vault: VaultServer,
    test_keyring: FileBackedKeyring,
) -> None:
    container.secrets.set_backend(owner, BackendKind.FILE)
    values = {f"s{i:03d}": f"value-{i}" for i in range(120)}
    for name, value in values.items():
        container.secrets.set(owner, acme, name, SecretKind.API_KEY, value)
    _use_vault(container, owner, vault)

    seen: list[float] = []

    def cancel_after_first_batch(fraction: float, _text: str) -> None:
        seen.append(fraction)
        ctx.cancel()

    ctx = JobContext(cancel_after_first_batch)
    with pytest.raises(Cancelled, match="run it again"):
        container.secrets.migrate(owner, BackendKind.VAULT, ctx)
    where = [s.backend for s in container.secrets.all(owner)]
    assert where.count("vault") == 50 and where.count("file") == 70
    assert {n: container.secrets.reveal(owner, acme, n) for n in values} == values

    result = container.secrets.migrate(owner, BackendKind.VAULT)
    assert (result.moved, result.already_there) == (70, 50)
    assert {s.backend for s in container.secrets.all(owner)} == {"vault"}
    assert container.stores.file().locators() == []
    assert {n: container.secrets.reveal(owner, acme, n) for n in values} == values

    again = container.secrets.migrate(owner, BackendKind.KEYRING)
    assert again.moved == 120
    assert {n: container.secrets.reveal(owner, acme, n) for n in values} == values
    assert (
        sum(
            1 for e in container.audit.page(owner, AuditFilter(action="secret.migrate"), limit=1000)
        )
        == 240
    )


def test_a_migration_interrupted_after_the_switch_cleans_up_next_time(
    container: Container, owner: Actor, acme: str, vault: VaultServer
) -> None:
    container.secrets.set(owner, acme, "k", SecretKind.API_KEY, "v")
    _use_vault(container, owner, vault)
    with container.db.write() as session:
        ref = session.query(SecretRefRow).one()
        VaultStore(VaultConfig(vault.address), token=vault.root_token).put(ref.locator, "v")
        ref.backend, ref.leftover_backend = "vault", "file"
    result = container.secrets.migrate(owner, BackendKind.VAULT)
    assert (result.moved, result.cleaned) == (0, 1)
    assert container.stores.file().locators() == ["vault-token/org"]
    assert container.secrets.reveal(owner, acme, "k") == "v"


def test_rotation_runs_the_registered_procedure(
    container: Container, owner: Actor, acme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    container.secrets.set(owner, acme, "api", SecretKind.API_KEY, "old")
    with pytest.raises(ValidationError, match="no automatic rotation"):
        container.secrets.rotate(owner, acme, "api")
    container.secrets.set(owner, acme, "hook", SecretKind.WEBHOOK_SECRET, "old-hook")
    monkeypatch.setitem(
        rotation._ROTATORS, SecretKind.WEBHOOK_SECRET, lambda req: req.current_value + "-rotated"
    )
    container.secrets.rotate(owner, acme, "hook")
    assert container.secrets.reveal(owner, acme, "hook") == "old-hook-rotated"
    actions = [e.action for e in container.audit.page(owner, AuditFilter(action="secret.*"))]
    assert actions[:3] == ["secret.reveal", "secret.replace", "secret.read"]


def test_wrong_master_password_is_an_authentication_error(
    container: Container, owner: Actor, acme: str, tmp_path: Path, db_url: str
) -> None:
    container.secrets.set(owner, acme, "k", SecretKind.API_KEY, "v")
    other = Container(Settings(data_dir=tmp_path, db_url=db_url), lambda _c: "wrong master pw!")
    try:
        with pytest.raises(AuthenticationError, match="wrong master password"):
            other.secrets.reveal(owner, acme, "k")
    finally:
        other.close()


def test_a_workspace_override_can_be_dropped_and_vault_settings_changed_without_the_token(
    container: Container, owner: Actor, acme: str, vault: VaultServer
) -> None:
    _use_vault(container, owner, vault, acme)
    container.secrets.set(owner, acme, "k", SecretKind.API_KEY, "in-vault")
    again = container.secrets.set_backend(
        owner, BackendKind.VAULT, acme, VaultConfig(vault.address, mount="secret", timeout=5.0)
    )
    assert again.settings["timeout"] == "5.0"
    info = container.secrets.clear_backend(owner, acme)
    assert info.kind == "file" and info.scope == "org"
    assert container.secrets.reveal(owner, acme, "k") == "in-vault"
    with pytest.raises(NotFoundError, match="no backend of its own"):
        container.secrets.clear_backend(owner, acme)
    with pytest.raises(ValidationError, match="needs a token"):
        container.secrets.set_backend(owner, BackendKind.VAULT, None, VaultConfig(vault.address))


def test_creating_and_unlocking_the_secrets_file_are_audited(
    container: Container, owner: Actor, tmp_path: Path
) -> None:
    before = container.secrets.file_state()
    assert not before.exists and not before.unlocked and before.default_backend == "file"
    after = container.secrets.open_file(owner)
    assert after.exists and after.unlocked and after.path == before.path
    assert container.secrets.open_file(owner) == after  # once per session: no second event
    wrong = Container(
        Settings(data_dir=tmp_path, db_url=container.settings.db_url), lambda _c: "Not-the-one-2026"
    )
    with pytest.raises(AuthenticationError):
        wrong.secrets.open_file(owner)
    wrong.close()
    again = Container(
        Settings(data_dir=tmp_path, db_url=container.settings.db_url), lambda _c: MASTER_PASSWORD
    )
    assert again.secrets.open_file(owner).unlocked
    again.close()
    events = sorted(
        container.audit.page(owner, AuditFilter(action="secret.file.*")), key=lambda e: e.seq
    )
    file_events = [(e.action, e.outcome) for e in events if e.target == "secrets-file"]
    assert file_events == [
        ("secret.file.create", "ok"),
        ("secret.file.unlock", "denied"),
        ("secret.file.unlock", "ok"),
    ]
    assert all(MASTER_PASSWORD not in e.summary for e in events)


def test_a_missing_secrets_file_is_lost_data_not_a_new_file(
    container: Container, owner: Actor, acme: str, tmp_path: Path
) -> None:
    container.secrets.set(owner, acme, "stripe", SecretKind.API_KEY, "sk_live_canary")
    secrets_file = Path(container.secrets.file_state().path)
    secrets_file.unlink()
    again = Container(
        Settings(data_dir=tmp_path, db_url=container.settings.db_url), lambda _c: MASTER_PASSWORD
    )
    with pytest.raises(DatabaseError, match="missing, but 1 secrets live in it"):
        again.secrets.reveal(owner, acme, "stripe")
    again.close()
    assert not secrets_file.exists()


def test_a_backend_that_cannot_be_reached_is_refused_unless_told_not_to_test(
    container: Container, owner: Actor, acme: str
) -> None:
    dead = VaultConfig(f"http://127.0.0.1:{free_port()}", timeout=2.0)
    with pytest.raises(ExternalServiceError, match="the backend was not switched"):
        container.secrets.set_backend(owner, BackendKind.VAULT, acme, dead, token="t0ken")
    assert container.secrets.backend_info(owner, acme).kind == "file"
    ahead = container.secrets.set_backend(
        owner, BackendKind.VAULT, acme, dead, token="t0ken", test=False
    )
    assert ahead.kind == "vault"
    events = container.audit.page(owner, AuditFilter(action="secret.backend.set"))
    assert '"tested":false' in events[0].summary.replace(" ", "")


def test_a_wrong_new_token_is_tried_first_and_the_working_one_is_kept(
    container: Container, owner: Actor, acme: str, vault: VaultServer
) -> None:
    _use_vault(container, owner, vault, acme)
    container.secrets.set(owner, acme, "k", SecretKind.API_KEY, "in-vault")
    with pytest.raises(ExternalServiceError, match=r"refused token.*the backend was not switched"):
        container.secrets.set_backend(
            owner, BackendKind.VAULT, acme, VaultConfig(vault.address), token="not-a-token"
        )
    assert container.secrets.reveal(owner, acme, "k") == "in-vault"
