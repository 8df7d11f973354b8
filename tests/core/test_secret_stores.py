"""Each secret store on its own: the encrypted file, the OS keyring, a real Vault (OpenBao)."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import pytest
from keyring.backends import fail, null

from penguin_desktop.core.platform.errors import (
    AuthenticationError,
    CredentialRefused,
    DatabaseError,
    ExternalServiceError,
    NotFoundError,
    ValidationError,
)
from penguin_desktop.core.secrets.backends.file_store import EncryptedFileStore, KdfParams
from penguin_desktop.core.secrets.backends.keyring_store import KeyringStore, keyring_problem
from penguin_desktop.core.secrets.backends.vault import VaultCasConflict, VaultConfig, VaultStore
from tests.servers.common import free_port
from tests.servers.file_keyring import FileBackedKeyring
from tests.servers.vault import VaultServer, running_vault

FAST = KdfParams(time_cost=1, memory_kib=8192, parallelism=1)
MASTER = "correct horse battery"


@pytest.fixture
def secrets_file(tmp_path: Path) -> Path:
    path = tmp_path / "secrets.penc"
    EncryptedFileStore.create(path, MASTER, FAST)
    return path


def test_file_round_trip_and_private_mode(secrets_file: Path) -> None:
    store = EncryptedFileStore(secrets_file, MASTER, FAST)
    store.put("a", "alpha")
    store.put("b", "bravo")
    store.delete("a")
    again = EncryptedFileStore(secrets_file, MASTER, FAST)
    assert again.get("b") == "bravo"
    with pytest.raises(NotFoundError):
        again.get("a")
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert b"bravo" not in secrets_file.read_bytes()


def test_file_wrong_master_password_is_an_authentication_error(secrets_file: Path) -> None:
    with pytest.raises(AuthenticationError, match="wrong master password"):
        EncryptedFileStore(secrets_file, "not the master password", FAST)


def test_file_with_an_altered_ciphertext_is_refused(secrets_file: Path) -> None:
    EncryptedFileStore(secrets_file, MASTER, FAST).put("k", "value")
    lines = secrets_file.read_bytes().split(b"\n")
    lines[2] = lines[2][:-4] + (b"AAAA" if not lines[2].endswith(b"AAAA") else b"BBBB")
    secrets_file.write_bytes(b"\n".join(lines))
    with pytest.raises(AuthenticationError, match="or the file was altered"):
        EncryptedFileStore(secrets_file, MASTER, FAST)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_cost", 0),  # weaker than this store writes
        ("memory_kib", 4096),
        ("time_cost", 1_000_000_000),  # would hang the unlock
        ("memory_kib", 10**12),  # would exhaust memory
        ("parallelism", 0),
        ("memory_kib", "lots"),
        ("time_cost", [3]),
    ],
)
def test_file_with_altered_kdf_parameters_is_refused_before_deriving(
    secrets_file: Path, field: str, value: object
) -> None:
    header, rest = secrets_file.read_bytes().split(b"\n", 1)
    meta = json.loads(header)
    meta[field] = value
    secrets_file.write_bytes(json.dumps(meta, sort_keys=True).encode() + b"\n" + rest)
    with pytest.raises(DatabaseError, match=r"altered|damaged header"):
        EncryptedFileStore(secrets_file, MASTER, FAST)


@pytest.mark.parametrize("keep", [0, 10, 60])
def test_truncated_file_is_a_clear_error(secrets_file: Path, keep: int) -> None:
    EncryptedFileStore(secrets_file, MASTER, FAST).put("k", "value")
    secrets_file.write_bytes(secrets_file.read_bytes()[:keep])
    with pytest.raises(DatabaseError, match="truncated or damaged"):
        EncryptedFileStore(secrets_file, MASTER, FAST)


def test_file_sees_writes_of_another_handle(secrets_file: Path) -> None:
    one = EncryptedFileStore(secrets_file, MASTER, FAST)
    two = EncryptedFileStore(secrets_file, MASTER, FAST)
    one.put("x", "1")
    two.put("y", "2")
    assert one.get("y") == "2" and two.get("x") == "1"


def test_file_needs_a_long_master_password(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="at least 12"):
        EncryptedFileStore.create(tmp_path / "s.penc", "short", FAST)


def test_keyring_refuses_fail_null_and_plaintext_backends() -> None:
    assert "no OS keyring" in (keyring_problem(fail.Keyring()) or "")
    assert "refused" in (keyring_problem(null.Keyring()) or "")

    class PlaintextKeyring(FileBackedKeyring):
        pass

    assert "refused" in (keyring_problem(PlaintextKeyring(Path("/nonexistent"))) or "")
    with pytest.raises(ExternalServiceError, match="no OS keyring"):
        KeyringStore(fail.Keyring())


def test_keyring_round_trip_through_keyrings_interface(tmp_path: Path) -> None:
    backend = FileBackedKeyring(tmp_path / "kr.json")
    store = KeyringStore(backend)
    store.put("ws1/abc", "s3cret")
    assert store.get("ws1/abc") == "s3cret"
    assert backend.get_password("penguin-desktop", "ws1/abc") == "s3cret"
    store.delete("ws1/abc")
    store.delete("ws1/abc")
    with pytest.raises(NotFoundError):
        store.get("ws1/abc")


def test_vault_versions_and_check_and_set(vault: VaultServer) -> None:
    store = VaultStore(VaultConfig(vault.address), token=vault.root_token)
    assert store.put("cas/one", "v1", cas=0) == 1
    assert store.put("cas/one", "v2", cas=1) == 2
    assert store.get("cas/one") == "v2"
    with pytest.raises(VaultCasConflict, match="check-and-set"):
        store.put("cas/one", "v3", cas=1)
    with pytest.raises(VaultCasConflict):
        store.put("cas/one", "again", cas=0)
    meta = vault.api("GET", "secret/metadata/penguin-desktop/cas%2Fone")
    assert meta["data"]["current_version"] == 2
    store.delete("cas/one")
    with pytest.raises(NotFoundError, match="not found in Vault"):
        store.get("cas/one")


def test_vault_permission_denied_is_clear(vault: VaultServer) -> None:
    vault.api(
        "PUT",
        "sys/policies/acl/elsewhere",
        json={"policy": 'path "secret/data/other/*" { capabilities = ["read"] }'},
    )
    token = vault.api("POST", "auth/token/create", json={"policies": ["elsewhere"]})
    store = VaultStore(VaultConfig(vault.address), token=token["auth"]["client_token"])
    with pytest.raises(ExternalServiceError, match="permission denied"):
        store.put("x", "y")


def test_vault_approle_login(vault: VaultServer) -> None:
    vault.api("POST", "sys/auth/approle", json={"type": "approle"})
    vault.api(
        "PUT",
        "sys/policies/acl/penguin",
        json={
            "policy": 'path "secret/*" { capabilities = ["create","read","update",'
            '"delete","list"] }'
        },
    )
    vault.api(
        "POST", "auth/approle/role/penguin", json={"token_policies": ["penguin"], "token_ttl": "1h"}
    )
    role_id = vault.api("GET", "auth/approle/role/penguin/role-id")["data"]["role_id"]
    secret_id = vault.api("POST", "auth/approle/role/penguin/secret-id")["data"]["secret_id"]
    store = VaultStore(VaultConfig(vault.address, role_id=role_id), secret_id=secret_id)
    store.put("approle/x", "via approle")
    assert store.get("approle/x") == "via approle"
    bad = VaultStore(VaultConfig(vault.address, role_id=role_id), secret_id="not-the-id")
    with pytest.raises(CredentialRefused, match="AppRole login failed"):
        bad.get("approle/x")


def test_vault_token_is_renewed_before_it_expires(vault: VaultServer) -> None:
    vault.api(
        "PUT",
        "sys/policies/acl/rw",
        json={"policy": 'path "secret/*" { capabilities = ["create","read","update"] }'},
    )
    created = vault.api(
        "POST", "auth/token/create", json={"policies": ["rw"], "ttl": "3s", "renewable": True}
    )
    store = VaultStore(VaultConfig(vault.address), token=created["auth"]["client_token"])
    store.put("renew/x", "1")
    for _ in range(6):
        time.sleep(0.8)
        assert store.get("renew/x") == "1"


def test_vault_namespaces_are_honoured(vault: VaultServer) -> None:
    vault.api("POST", "sys/namespaces/client-a")
    vault.api(
        "POST",
        "sys/mounts/kv",
        namespace="client-a",
        json={"type": "kv", "options": {"version": "2"}},
    )
    store = VaultStore(
        VaultConfig(vault.address, mount="kv", namespace="client-a"), token=vault.root_token
    )
    store.put("ns/x", "inside")
    assert store.get("ns/x") == "inside"
    root = vault.api("GET", "kv/data/penguin-desktop/ns%2Fx", namespace="client-a")
    assert root["data"]["data"]["value"] == "inside"
    with pytest.raises(NotFoundError):
        VaultStore(VaultConfig(vault.address), token=vault.root_token).get("ns/x")


def test_vault_sealed_is_clear() -> None:
    with running_vault() as own:
        store = VaultStore(VaultConfig(own.address), token=own.root_token)
        store.put("s", "1")
        own.api("PUT", "sys/seal")
        with pytest.raises(ExternalServiceError, match="is sealed"):
            store.get("s")


def test_vault_unreachable_is_clear() -> None:
    store = VaultStore(VaultConfig(f"http://127.0.0.1:{free_port()}"), token="t")
    with pytest.raises(ExternalServiceError, match="cannot reach Vault"):
        store.get("x")


def test_vault_tls_needs_the_right_ca() -> None:
    with running_vault(tls=True) as tls:
        untrusted = VaultStore(VaultConfig(tls.address), token=tls.root_token)
        with pytest.raises(ExternalServiceError, match="TLS failure"):
            untrusted.get("x")
        trusted = VaultStore(VaultConfig(tls.address, cacert=tls.cacert), token=tls.root_token)
        trusted.put("tls/x", "ok")
        assert trusted.get("tls/x") == "ok"


def test_vault_config_is_validated() -> None:
    with pytest.raises(ValidationError, match="http"):
        VaultConfig("vault.example.com")
    with pytest.raises(ValidationError, match="token"):
        VaultStore(VaultConfig("http://127.0.0.1:1"))
