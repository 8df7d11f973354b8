"""A damaged audit trail is reported as damage that names what is broken, never as a crash.

The damage is done to a real database the way a hand edit would do it: invalid UTF-8 written
into a TEXT column with the sqlite3 module (PostgreSQL cannot store it, so that case is
SQLite's), and the chain's head row deleted (both databases), each after dropping the triggers
that refuse such edits.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from penguin_desktop.container import Container
from penguin_desktop.core.audit import verify as verify_module
from penguin_desktop.core.audit.export import ExportFormat
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.errors import DatabaseError
from penguin_desktop.core.platform.models import Actor
from tests.conftest import add_user
from tests.core.test_audit import allow_tampering

FORMATS = list(ExportFormat)


def sqlite_file(container: Container) -> Path:
    url = container.settings.db_url
    if not url.startswith("sqlite:///"):
        pytest.skip("PostgreSQL cannot store text that is not UTF-8")
    return Path(url.removeprefix("sqlite:///"))


def write_invalid_utf8(container: Container, seq: int, column: str = "summary") -> None:
    """Store the bytes FF FE (never UTF-8) as TEXT in one entry, as a hand edit can."""
    allow_tampering(container.db)
    with sqlite3.connect(sqlite_file(container)) as conn:
        conn.execute(
            f"UPDATE audit_events SET {column} = CAST(x'fffe' AS TEXT) WHERE seq = ?", (seq,)
        )


def delete_head(container: Container) -> None:
    allow_tampering(container.db)
    with container.db.write() as session:
        session.execute(text("DELETE FROM audit_head"))


@pytest.fixture
def busy(container: Container, owner: Actor) -> Actor:
    """Eight entries: org.init, user.add and six workspaces."""
    for name in ("A", "B", "C", "D", "E", "F"):
        container.workspaces.create(owner, name)
    return owner


@pytest.mark.parametrize("column", ["summary", "actor", "prev_hash", "hash"])
def test_verify_names_the_entry_whose_text_is_not_utf8(
    container: Container, busy: Actor, column: str
) -> None:
    write_invalid_utf8(container, 5, column)
    result = container.audit.verify(busy)
    assert not result.ok and result.first_bad_seq == 5
    assert result.problem == "entry 5 holds text that is not valid UTF-8: it was edited by hand"


@pytest.mark.parametrize("seq", [3, 7])
def test_verify_in_two_processes_names_the_undecodable_entry_in_either_half(
    container: Container, busy: Actor, seq: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify_module, "PARALLEL_MIN", 4)
    monkeypatch.setattr(verify_module, "_cpus", lambda: 2)
    helpers: list[object] = []
    start = verify_module._Helper.start

    def spy(conn: object, head_seq: int) -> object:
        helpers.append(start(conn, head_seq))  # type: ignore[arg-type]
        return helpers[-1]

    monkeypatch.setattr(verify_module._Helper, "start", spy)
    write_invalid_utf8(container, seq)
    result = container.audit.verify(busy)
    assert helpers and helpers[0] is not None, "the second process did not run"
    assert not result.ok and result.first_bad_seq == seq
    assert "not valid UTF-8" in (result.problem or "")


def test_listing_and_exporting_name_the_entry_instead_of_failing(
    container: Container, busy: Actor, tmp_path: Path
) -> None:
    write_invalid_utf8(container, 4)
    with pytest.raises(DatabaseError, match="entry 4 holds text that is not valid UTF-8"):
        container.audit.page(busy, AuditFilter())
    assert [e.seq for e in container.audit.page(busy, AuditFilter(), before_seq=4)] == [3, 2, 1]
    for fmt in FORMATS:
        out = tmp_path / f"report.{fmt.value}"
        with pytest.raises(DatabaseError, match="entry 4 holds text that is not valid UTF-8"):
            container.audit.export(busy, fmt, out, AuditFilter())
        assert not out.exists()
    assert sorted(p.name for p in tmp_path.glob("report*")) == []
    container.workspaces.create(busy, "Still recorded")  # the damage does not stop writes


def test_a_missing_head_is_named_by_verify_and_refuses_every_write_clearly(
    container: Container, busy: Actor, tmp_path: Path
) -> None:
    delete_head(container)
    result = container.audit.verify(busy)
    assert not result.ok and result.first_bad_seq == 9 and result.head_hash == ""
    assert result.problem == (
        "the audit trail is damaged: its head record is missing "
        "(the chain links correctly through entry 8)"
    )
    damaged = "the audit trail is damaged: its head record is missing"
    with pytest.raises(DatabaseError, match=damaged) as refused:
        container.workspaces.create(busy, "Unrecorded")
    assert refused.value.remedy is not None and refused.value.remedy.action == "audit.verify"
    assert [w.name for w in container.workspaces.all(busy)] == ["A", "B", "C", "D", "E", "F"]
    with pytest.raises(DatabaseError, match=damaged):
        container.audit.head(busy)
    with pytest.raises(DatabaseError, match=damaged):
        container.audit.export(busy, ExportFormat.CSV, tmp_path / "r.csv", AuditFilter())
    assert len(container.audit.page(busy, AuditFilter())) == 8  # reading still works


def test_a_refusal_on_a_trail_without_head_is_still_one_clear_error(
    container: Container, busy: Actor
) -> None:
    viewer = add_user(container, busy, "viewer@agency.test")
    delete_head(container)
    with pytest.raises(DatabaseError, match="its head record is missing"):
        container.workspaces.rename(viewer, "A", "Mine")  # refused, and the refusal unrecordable
