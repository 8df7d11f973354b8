"""Passwords typed into the program never land in the database, its WAL, logs or exports."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from penguin_desktop.cli.main import cli

CANARY_OWNER = "Canary-owner-7f3a9c1e"
CANARY_USER = "Canary-user-5b2d8e4f"


def test_passwords_appear_nowhere_on_disk(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {
        "PENGUIN_DATA_DIR": str(data),
        "PENGUIN_USER": "o@agency.test",
        "PENGUIN_PASSWORD": CANARY_OWNER,
    }

    def run(*args: str, stdin: str | None = None) -> None:
        result = CliRunner().invoke(cli, ["--debug", *args], env=env, input=stdin)
        assert result.exit_code in (0, 1, 3, 4), result.stderr
        assert CANARY_OWNER not in result.output + result.stderr
        assert CANARY_USER not in result.output + result.stderr

    run("init", "--org", "Canary", "--owner-email", "o@agency.test")
    run("workspace", "create", "Acme")
    run("user", "add", "u@agency.test", "--password-stdin", stdin=CANARY_USER + "\n")
    run("member", "add", "u@agency.test", "-w", "Acme", "--role", "viewer")
    run("user", "add", "u@agency.test", "--password-stdin", stdin=CANARY_USER + "\n")
    env["PENGUIN_PASSWORD"] = CANARY_USER + "-wrong"
    run("workspace", "list")
    env["PENGUIN_PASSWORD"] = CANARY_OWNER
    for fmt in ("csv", "json", "pdf"):
        run("audit", "export", "--format", fmt, "--out", str(tmp_path / f"audit.{fmt}"))
    run("login-activity")

    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "workspace.db" for p in files)
    assert any(p.suffix == ".log" for p in files)
    for path in files:
        blob = path.read_bytes()
        for canary in (CANARY_OWNER, CANARY_USER):
            assert canary.encode() not in blob, f"{canary} found in {path}"
