"""The command line facing databases it must not or cannot use."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from penguin_desktop.cli.main import cli
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD
from tests.servers.common import free_port

ENV = {"PENGUIN_USER": OWNER_EMAIL, "PENGUIN_PASSWORD": OWNER_PASSWORD}


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=ENV)
    return result.exit_code, result.stderr


def test_a_file_that_is_not_ours_is_exit_1_and_untouched(tmp_path: Path) -> None:
    (tmp_path / "workspace.db").write_bytes(b"\x89PNG not a database")
    code, err = _run("--data-dir", str(tmp_path), "workspace", "list")
    assert code == 1 and "not a PenguinMails workspace database" in err
    assert (tmp_path / "workspace.db").read_bytes() == b"\x89PNG not a database"


def test_a_newer_database_is_exit_1(tmp_path: Path) -> None:
    init = CliRunner().invoke(
        cli,
        ["--data-dir", str(tmp_path), "init", "--org", "A", "--owner-email", OWNER_EMAIL],
        env=ENV,
    )
    assert init.exit_code == 0, init.stderr
    with sqlite3.connect(tmp_path / "workspace.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zzzz'")
    code, err = _run("--data-dir", str(tmp_path), "workspace", "list")
    assert code == 1 and "newer PenguinMails Desktop" in err


def test_an_unreachable_postgres_is_exit_5(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/penguin"
    code, err = _run("--data-dir", str(tmp_path), "--db-url", url, "workspace", "list")
    assert code == 5 and "cannot reach PostgreSQL" in err and "Traceback" not in err


def test_a_damaged_database_is_one_sentence_without_sql(tmp_path: Path) -> None:
    init = CliRunner().invoke(
        cli,
        ["--data-dir", str(tmp_path), "init", "--org", "A", "--owner-email", OWNER_EMAIL],
        env=ENV,
    )
    assert init.exit_code == 0, init.stderr
    for n in range(30):
        assert _run("--data-dir", str(tmp_path), "workspace", "create", f"Client {n}")[0] == 0
    db = tmp_path / "workspace.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'workspaces'"
        ).fetchone()[0]
    data = bytearray(db.read_bytes())
    start = (root - 1) * page_size  # the workspaces table's page: opening and sign-in still work
    data[start : start + page_size] = b"\xa5" * page_size
    db.write_bytes(bytes(data))
    code, err = _run("--data-dir", str(tmp_path), "workspace", "list")
    assert code == 1 and err.count("\n") == 1, err
    assert "SELECT" not in err and "[SQL" not in err and "parameters" not in err
