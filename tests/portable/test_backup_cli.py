"""`penguin backup create|verify|restore` as a script runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from penguin_desktop.core.portable import archive
from tests.cli.conftest import Penguin, initialized, penguin  # noqa: F401  (fixtures)
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD

PASSPHRASE = "Harbour-lights-2026-backup"


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "DEFAULT_KDF", archive.KdfParams(1, 8192, 1))


@pytest.fixture
def made(initialized: Penguin, tmp_path: Path) -> Path:  # noqa: F811
    assert initialized("workspace", "create", "Acme").exit_code == 0
    out = tmp_path / "backups" / "acme.pmbk"
    result = initialized(
        "backup", "create", "--out", str(out), "--passphrase-stdin", stdin=PASSPHRASE + "\n"
    )
    assert result.exit_code == 0, result.stderr
    assert "Backup written" in result.stdout and PASSPHRASE not in result.output
    return out


def test_create_verify_restore_through_the_environment_and_json(
    initialized: Penguin,  # noqa: F811
    made: Path,
    tmp_path: Path,
) -> None:
    env = {"PENGUIN_BACKUP_PASSPHRASE": PASSPHRASE}
    checked = initialized.json("backup", "verify", str(made), user=None, env=env)
    assert checked["path"] == str(made) and checked["counts"]["workspaces"] == 1
    assert checked["has_secrets_file"] is False and checked["audit_head_hash"]
    target = tmp_path / "restored"
    restored = initialized.json(
        "backup", "restore", str(made), "--data-dir", str(target), user=None, env=env
    )
    assert restored["counts"] == checked["counts"]
    there = Penguin(f"sqlite:///{target / 'workspace.db'}", target)
    listed = there.json("workspace", "list", env={"PENGUIN_PASSWORD": OWNER_PASSWORD})
    assert [w["name"] for w in listed] == ["Acme"]
    result = there("audit", "verify", user=OWNER_EMAIL)
    assert result.exit_code == 0, result.stderr


def test_exit_codes(initialized: Penguin, made: Path, tmp_path: Path) -> None:  # noqa: F811
    wrong = initialized(
        "backup", "verify", str(made), "--passphrase-stdin", user=None, stdin="Wrong-one-2026-x\n"
    )
    assert wrong.exit_code == 4 and "wrong passphrase" in wrong.stderr
    again = initialized(
        "backup", "create", "--out", str(made), "--passphrase-stdin", stdin=PASSPHRASE + "\n"
    )
    assert again.exit_code == 1 and "already exists" in again.stderr
    busy = initialized(
        "backup", "restore", str(made), "--passphrase-stdin", user=None, stdin=PASSPHRASE + "\n"
    )
    assert busy.exit_code == 1 and "not empty" in busy.stderr and "(--data-dir)" in busy.stderr
    nobody = initialized("backup", "verify", str(made), user=None)
    assert nobody.exit_code == 4 and "PENGUIN_BACKUP_PASSPHRASE" in nobody.stderr
    cut = tmp_path / "cut.pmbk"
    cut.write_bytes(made.read_bytes()[:-7])
    damaged = initialized(
        "backup",
        "restore",
        str(cut),
        "--data-dir",
        str(tmp_path / "t"),
        "--passphrase-stdin",
        user=None,
        stdin=PASSPHRASE + "\n",
    )
    assert damaged.exit_code == 1 and "not an intact backup" in damaged.stderr
    assert not (tmp_path / "t").exists()
