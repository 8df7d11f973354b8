"""`penguin audit ...` on damaged and rewritten trails: one clear line and exit code 1, never
an internal error; and the signed checkpoints from the command line."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import text

from penguin_desktop.core.platform.store.database import Database, open_database
from tests.cli.conftest import Penguin
from tests.conftest import MASTER_PASSWORD
from tests.core.test_audit import allow_tampering

UNLOCK = {"PENGUIN_MASTER_PASSWORD": MASTER_PASSWORD}


@contextmanager
def tampering(penguin: Penguin) -> Iterator[Database]:
    """The workspace database with the triggers that refuse edits of the trail dropped."""
    db = open_database(penguin.db_url)
    try:
        allow_tampering(db)
        yield db
    finally:
        db.close()


def one_clear_line(result: Result, *expected: str) -> None:
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    for words in expected:
        assert words in result.stderr


@pytest.fixture
def history(initialized: Penguin) -> Penguin:
    """Five entries: the organization, its owner and three workspaces."""
    for name in ("A", "B", "C"):
        assert initialized("workspace", "create", name).exit_code == 0
    return initialized


def test_text_that_is_not_utf8_is_named_by_every_audit_command(
    history: Penguin, tmp_path: Path
) -> None:
    if not history.db_url.startswith("sqlite:///"):
        pytest.skip("PostgreSQL cannot store text that is not UTF-8")
    with tampering(history), sqlite3.connect(history.db_url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE audit_events SET summary = CAST(x'fffe' AS TEXT) WHERE seq = 4")
    damaged = "entry 4 holds text that is not valid UTF-8"
    one_clear_line(history("audit", "verify"), f"audit chain broken at entry 4: {damaged}")
    listed = history("audit", "list")
    one_clear_line(listed, f"the audit trail is damaged: {damaged}", "run `penguin audit verify`")
    for fmt in ("csv", "json", "pdf"):
        out = tmp_path / f"report.{fmt}"
        one_clear_line(history("audit", "export", "--format", fmt, "--out", str(out)), damaged)
        assert not out.exists()
    assert history("workspace", "create", "D").exit_code == 0


def test_a_missing_head_is_named_and_writes_are_refused_in_one_clear_line(
    history: Penguin, tmp_path: Path
) -> None:
    with tampering(history) as db, db.write() as session:
        session.execute(text("DELETE FROM audit_head"))
    missing = "the audit trail is damaged: its head record is missing"
    one_clear_line(history("audit", "verify"), f"audit chain broken at entry 6: {missing}")
    one_clear_line(
        history("workspace", "create", "D"),
        f"{missing}, so no change can be recorded",
        "run `penguin audit verify`",
    )
    out = tmp_path / "report.csv"
    one_clear_line(history("audit", "export", "--format", "csv", "--out", str(out)), missing)
    assert [e["seq"] for e in history.json("audit", "list")] == [5, 4, 3, 2, 1]


def test_checkpoints_sign_the_head_and_give_a_rewritten_trail_away(history: Penguin) -> None:
    one_clear_line(
        history("audit", "public-key"),
        "no signing key yet",
        "run `penguin audit checkpoint`",
    )
    signed = history.json("audit", "checkpoint", env=UNLOCK)
    assert signed["seq"] == 6  # the entry that records the key's making
    key = history("audit", "public-key")
    assert key.exit_code == 0 and key.stdout.strip() == signed["public_key"]
    assert history.json("audit", "public-key") == {"public_key": signed["public_key"]}
    intact = history("audit", "verify")
    assert intact.exit_code == 0, intact.stderr
    assert "entry 6 carries the hash signed on" in intact.stdout
    assert json.loads(history("audit", "verify", "--json").stdout)["checkpoint"] == signed

    with tampering(history) as db, db.write() as session:
        session.execute(text("DELETE FROM audit_events WHERE seq > 3"))
        third = "(SELECT hash FROM audit_events WHERE seq = 3)"
        session.execute(text(f"UPDATE audit_head SET seq = 3, hash = {third}"))
    one_clear_line(
        history("audit", "verify"),
        "audit chain broken at entry 4: the trail was rewritten after checkpoint 6 signed on",
        "it now ends at entry 3",
    )
    one_clear_line(history("audit", "checkpoint", env=UNLOCK), "no new checkpoint was signed")


def test_an_export_says_which_signed_head_it_carries(history: Penguin, tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    unsigned = history("audit", "export", "--format", "csv", "--out", str(out))  # entry 6
    assert unsigned.exit_code == 0 and "no signed checkpoint could be included" in unsigned.stdout
    assert history.json("audit", "checkpoint", env=UNLOCK)["seq"] == 7  # the key's making
    stale = history("audit", "export", "--format", "csv", "--out", str(out))  # file locked
    assert (
        stale.exit_code == 0 and f"signed head: entry 7 in {out}.signed-head.json" in stale.stdout
    )
    # With the password at hand the file is opened (entry 9), the key read from it (entry 10,
    # audited like every read of a secret) and that head signed afresh.
    fresh = history("audit", "export", "--format", "csv", "--out", str(out), env=UNLOCK)
    assert fresh.exit_code == 0, fresh.stderr
    assert f"signed head: entry 10 in {out}.signed-head.json" in fresh.stdout
    beside = json.loads(Path(f"{out}.signed-head.json").read_text())
    assert beside["signed_head"]["seq"] == beside["chain_head"]["seq"] == 10
