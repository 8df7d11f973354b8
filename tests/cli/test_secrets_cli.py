"""`penguin secrets ...` as people and scripts use it."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Penguin
from tests.conftest import MASTER_PASSWORD
from tests.servers.common import free_port
from tests.servers.vault import VaultServer

MASTER = {"PENGUIN_MASTER_PASSWORD": MASTER_PASSWORD}


@pytest.fixture
def acme(initialized: Penguin) -> Penguin:
    assert initialized("workspace", "create", "Acme").exit_code == 0
    return initialized


def test_set_list_reveal_delete(acme: Penguin) -> None:
    shown = acme.json("secrets", "backend", "show", env=MASTER)
    assert shown["kind"] == "file" and "no OS keyring" in shown["why"]
    result = acme(
        "secrets",
        "set",
        "stripe",
        "--kind",
        "api_key",
        "-w",
        "Acme",
        "--value-stdin",
        stdin="sk_live_x\n",
        env=MASTER,
    )
    assert result.exit_code == 0, result.stderr
    listed = acme.json("secrets", "list", "-w", "Acme", env=MASTER)
    assert [(s["name"], s["kind"], s["backend"], s["due"]) for s in listed] == [
        ("stripe", "api_key", "file", False)
    ]
    assert "sk_live_x" not in json.dumps(listed)
    revealed = acme(
        "secrets", "reveal", "stripe", "-w", "Acme", "--yes", "--reason", "t", env=MASTER
    )
    assert revealed.exit_code == 0 and revealed.stdout == "sk_live_x\n"
    assert acme("secrets", "delete", "stripe", "-w", "Acme", env=MASTER).exit_code == 0
    assert acme.json("secrets", "list", env=MASTER) == []


def test_multiline_values_keep_their_shape(acme: Penguin) -> None:
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\ndef\n-----END OPENSSH PRIVATE KEY-----\n"
    acme(
        "secrets",
        "set",
        "deploy",
        "--kind",
        "ssh_key",
        "-w",
        "Acme",
        "--value-stdin",
        stdin=key,
        env=MASTER,
    )
    out = acme("secrets", "reveal", "deploy", "-w", "Acme", "--yes", "--json", env=MASTER)
    assert json.loads(out.stdout)["value"] == key


def test_reveal_needs_confirmation_when_not_at_a_terminal(acme: Penguin) -> None:
    acme(
        "secrets",
        "set",
        "k",
        "--kind",
        "api_key",
        "-w",
        "Acme",
        "--value-stdin",
        stdin="v",
        env=MASTER,
    )
    result = acme("secrets", "reveal", "k", "-w", "Acme", env=MASTER)
    assert result.exit_code == 1 and "--yes" in result.stderr


def test_wrong_master_password_is_exit_4(acme: Penguin) -> None:
    acme(
        "secrets",
        "set",
        "k",
        "--kind",
        "api_key",
        "-w",
        "Acme",
        "--value-stdin",
        stdin="v",
        env=MASTER,
    )
    result = acme(
        "secrets",
        "reveal",
        "k",
        "-w",
        "Acme",
        "--yes",
        env={"PENGUIN_MASTER_PASSWORD": "not-the-master-pw"},
    )
    assert result.exit_code == 4 and "wrong master password" in result.stderr


def test_bad_kind_and_backend_are_clear(acme: Penguin) -> None:
    result = acme(
        "secrets",
        "set",
        "k",
        "--kind",
        "password",
        "-w",
        "Acme",
        "--value-stdin",
        stdin="v",
        env=MASTER,
    )
    assert result.exit_code == 1 and "unknown secret kind" in result.stderr
    result = acme("secrets", "backend", "set", "keyring")
    assert result.exit_code == 1 and "cannot use the OS keyring" in result.stderr
    assert acme("secrets", "backend", "set", "s3").exit_code == 2


def test_vault_backend_from_the_standard_environment(acme: Penguin, vault: VaultServer) -> None:
    env = {**MASTER, "VAULT_ADDR": vault.address, "VAULT_TOKEN": vault.root_token}
    result = acme("secrets", "backend", "set", "vault", env=env)
    assert result.exit_code == 0, result.stderr
    tested = acme("secrets", "backend", "test", env={**MASTER, "VAULT_TOKEN": ""})
    assert tested.exit_code == 0 and "Vault" in tested.stdout
    acme(
        "secrets",
        "set",
        "k",
        "--kind",
        "api_key",
        "-w",
        "Acme",
        "--value-stdin",
        stdin="v",
        env=MASTER,
    )
    assert acme.json("secrets", "list", env=MASTER)[0]["backend"] == "vault"
    moved = acme.json("secrets", "migrate", "--to", "file", env=MASTER)
    assert moved["moved"] == 1
    assert acme("secrets", "reveal", "k", "-w", "Acme", "--yes", env=MASTER).stdout == "v\n"


def test_unreachable_vault_is_refused_exit_5_unless_set_up_ahead(acme: Penguin) -> None:
    address = f"http://127.0.0.1:{free_port()}"
    vault = ("secrets", "backend", "set", "vault", "--address", address, "--token-stdin")
    refused = acme(*vault, stdin="tok\n", env=MASTER)
    assert refused.exit_code == 5 and "cannot reach Vault" in refused.stderr
    assert "the backend was not switched" in refused.stderr
    assert '"kind": "file"' in acme("--json", "secrets", "backend", "show", env=MASTER).stdout
    ahead = acme(*vault, "--no-test", stdin="tok\n", env=MASTER)
    assert ahead.exit_code == 0, ahead.stderr
    result = acme("secrets", "backend", "test", env=MASTER)
    assert result.exit_code == 5 and "cannot reach Vault" in result.stderr


def test_due_lists_what_needs_rotating(acme: Penguin) -> None:
    assert "No secret is due" in acme("secrets", "due", env=MASTER).stdout
    result = acme("secrets", "rotate", "nothing", "-w", "Acme", env=MASTER)
    assert result.exit_code == 1 and "no secret named" in result.stderr
