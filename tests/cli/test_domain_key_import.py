"""`penguin domain add --dkim-key-file`: keys imported from the files people have."""

from __future__ import annotations

from pathlib import Path

from penguin_desktop.core.domains.dns import dkim
from tests.cli.conftest import Penguin


def test_a_dkim_key_is_imported_from_a_zone_line_file(initialized: Penguin, tmp_path: Path) -> None:
    assert initialized("workspace", "create", "Acme").exit_code == 0
    key = dkim.generate_key(2048).public_b64
    line = tmp_path / "mail.txt"
    line.write_text(f'mail._domainkey IN TXT ( "v=DKIM1; k=rsa; " "p={key}" )\n')
    result = initialized(
        "domain",
        "add",
        "example.test",
        "-w",
        "Acme",
        "--lab",
        "--ip",
        "192.0.2.10",
        "--dkim-selector",
        "mail",
        "--dkim-key-file",
        f"mail={line}",
    )
    assert result.exit_code == 0, result.stderr
    records = initialized("domain", "records", "example.test", "-w", "Acme")
    assert key in records.stdout.replace('" "', "").replace("\n", "")


def test_a_file_without_a_key_is_bad_input(initialized: Penguin, tmp_path: Path) -> None:
    assert initialized("workspace", "create", "Acme").exit_code == 0
    junk = tmp_path / "junk.txt"
    junk.write_text("hello world\n")
    result = initialized(
        "domain",
        "add",
        "example.test",
        "-w",
        "Acme",
        "--dkim-selector",
        "mail",
        "--dkim-key-file",
        f"mail={junk}",
    )
    assert result.exit_code == 1 and "holds no DKIM public key" in result.stderr
    assert "example.test" not in initialized("domain", "list", "-w", "Acme").stdout
