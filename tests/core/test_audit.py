"""The audit trail: chained, verifiable, tamper-evident, filterable, exportable."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from penguin_desktop.container import Container
from penguin_desktop.core.audit.export import ExportFormat
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.audit import trail
from penguin_desktop.core.platform.audit.trail import AuditRecord
from penguin_desktop.core.platform.errors import (
    Cancelled,
    DatabaseError,
    PermissionDenied,
    ValidationError,
)
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import AuditEventRow, AuditHeadRow
from tests.conftest import add_user, fresh_sqlite


@pytest.fixture
def history(container: Container, owner: Actor) -> Actor:
    """A small but varied history: two workspaces, a member, a rename, a denial."""
    container.workspaces.create(owner, "Acme")
    container.workspaces.create(owner, "Globex")
    bob = add_user(container, owner, "bob@agency.test")
    container.members.add(owner, "Acme", "bob@agency.test", Role.VIEWER)
    container.workspaces.rename(owner, "Globex", "Globex Corp")
    with pytest.raises(PermissionDenied):
        container.workspaces.rename(bob, "Acme", "Bobs")
    return bob


def test_every_write_is_in_the_chain_and_it_verifies(
    container: Container, owner: Actor, history: Actor
) -> None:
    events = container.audit.page(owner, AuditFilter())
    assert [e.action for e in reversed(events)] == [
        "org.init",
        "user.add",
        "workspace.create",
        "workspace.create",
        "user.add",
        "member.add",
        "workspace.rename",
        "workspace.rename",
    ]
    assert [e.seq for e in events] == list(range(8, 0, -1))
    assert events[0].outcome == "denied" and events[0].actor == "bob@agency.test"
    assert json.loads(events[1].summary) == {"before": "Globex", "after": "Globex Corp"}
    result = container.audit.verify(owner)
    assert result.ok and result.checked == 8 and result.head_hash == events[0].hash


# The append-only triggers (migration 0007), by table.
APPEND_ONLY_TRIGGERS = (
    ("audit_events_no_update", "audit_events"),
    ("audit_events_no_delete", "audit_events"),
    ("audit_head_no_delete", "audit_head"),
    ("audit_head_no_rewind", "audit_head"),
)


def allow_tampering(db: Database) -> None:
    """Drop the triggers that refuse edits of the trail, as whoever edits it by hand must first:
    the tests below then show what verification makes of the edits."""
    postgres = db.dialect == "postgresql"
    with db.write() as session:
        for name, table in APPEND_ONLY_TRIGGERS:
            session.execute(text(f"DROP TRIGGER {name}" + (f" ON {table}" if postgres else "")))


def _tamper(container: Container, sql: str) -> None:
    allow_tampering(container.db)
    with container.db.write() as session:
        session.execute(text(sql))


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_events SET target = 'x' WHERE seq = 3",
        "DELETE FROM audit_events WHERE seq = 8",
        "DELETE FROM audit_head",
        "UPDATE audit_head SET seq = 2",
    ],
)
def test_the_database_itself_refuses_edits_of_the_trail(
    container: Container, owner: Actor, history: Actor, sql: str
) -> None:
    with (
        pytest.raises((DBAPIError, DatabaseError), match="the audit trail is append-only"),
        container.db.write() as session,
    ):
        session.execute(text(sql))
    assert container.audit.verify(owner).ok
    container.workspaces.create(owner, "Still writable")  # moving the head forward is allowed
    assert container.audit.verify(owner).ok


@pytest.mark.parametrize(
    ("sql", "bad_seq", "problem"),
    [
        ("UPDATE audit_events SET target = 'workspace:Nothing' WHERE seq = 3", 3, "edited"),
        ("UPDATE audit_events SET summary = '{}' WHERE seq = 6", 6, "edited"),
        ("DELETE FROM audit_events WHERE seq = 4", 5, "entry 4 before entry 5 deleted"),
        ("DELETE FROM audit_events WHERE seq IN (4, 5)", 6, "entries 4-5 before entry 6"),
        ("DELETE FROM audit_events WHERE seq >= 7", 7, "newest entries were deleted"),
    ],
)
def test_verify_names_the_first_tampered_entry(
    container: Container, owner: Actor, history: Actor, sql: str, bad_seq: int, problem: str
) -> None:
    _tamper(container, sql)
    result = container.audit.verify(owner)
    assert not result.ok
    assert result.first_bad_seq == bad_seq
    assert problem in (result.problem or "")


def test_verify_detects_reordered_entries(
    container: Container, owner: Actor, history: Actor
) -> None:
    allow_tampering(container.db)
    with container.db.write() as session:
        rows = {
            r.seq: r
            for r in session.query(AuditEventRow).where(AuditEventRow.seq.in_([3, 4])).all()
        }
        swapped = {
            seq: {
                c: getattr(rows[other], c)
                for c in (
                    "ts",
                    "actor",
                    "action",
                    "target",
                    "summary",
                    "workspace",
                    "workspace_id",
                    "prev_hash",
                    "hash",
                )
            }
            for seq, other in ((3, 4), (4, 3))
        }
        for seq, values in swapped.items():
            session.execute(update(AuditEventRow).where(AuditEventRow.seq == seq).values(**values))
    result = container.audit.verify(owner)
    assert not result.ok and result.first_bad_seq == 3


def test_an_entry_replaced_with_a_rehashed_forgery_breaks_the_next_link(
    container: Container, owner: Actor, history: Actor
) -> None:
    from penguin_desktop.core.platform.audit.chain import CHAINED_COLUMNS, entry_hash

    allow_tampering(container.db)
    with container.db.write() as session:
        row = session.get(AuditEventRow, 5)
        assert row is not None
        row.actor = "someone-else@agency.test"
        row.hash = entry_hash([getattr(row, c) for c in CHAINED_COLUMNS])
    result = container.audit.verify(owner)
    assert not result.ok and result.first_bad_seq == 6
    assert "does not link" in (result.problem or "")


def test_only_organization_admins_verify(container: Container, history: Actor) -> None:
    with pytest.raises(PermissionDenied):
        container.audit.verify(history)


summaries = st.dictionaries(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=12).filter(
        lambda k: (
            not any(
                b in k.lower() for b in ("password", "secret", "token", "private_key", "passphrase")
            )
        )
    ),
    st.one_of(st.text(max_size=40), st.integers(), st.booleans(), st.none()),
    max_size=4,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(
        st.tuples(st.text(max_size=30), st.text(max_size=30), summaries), min_size=1, max_size=8
    ),
    victim=st.integers(min_value=0, max_value=7),
)
def test_any_history_verifies_and_any_edit_is_caught(
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    records: list[tuple[str, str, dict[str, object]]],
    victim: int,
) -> None:
    from penguin_desktop.config import Settings
    from penguin_desktop.core.platform.models import Face

    tmp = tmp_path_factory.mktemp("chain")
    container = Container(
        Settings(data_dir=tmp, db_url=fresh_sqlite(sqlite_template, tmp / "w.db"))
    )
    try:
        owner = container.auth.initialize("Fuzz", "o@agency.test", "Velvet-otter-2026!x", Face.CLI)
        with container.db.write() as session:
            trail.append(
                session,
                [
                    AuditRecord("o@agency.test", "cli", action, target, summary=summary)
                    for action, target, summary in records
                ],
            )
        assert container.audit.verify(owner).ok
        seq = 3 + victim % len(records)
        allow_tampering(container.db)
        with container.db.write() as session:
            session.execute(
                update(AuditEventRow)
                .where(AuditEventRow.seq == seq)
                .values(target=AuditEventRow.target + "x")
            )
        result = container.audit.verify(owner)
        assert not result.ok and result.first_bad_seq == seq
    finally:
        container.close()


def test_records_refuse_summary_keys_that_look_like_secrets() -> None:
    with pytest.raises(ValueError, match="looks like a secret"):
        AuditRecord("a@agency.test", "cli", "x", "y", summary={"smtp_password": "hunter2"})


def test_head_tracks_the_newest_entry(container: Container, owner: Actor) -> None:
    container.workspaces.create(owner, "Acme")
    seq, digest = container.audit.head(owner)
    newest = container.audit.page(owner, AuditFilter(), limit=1)[0]
    assert (seq, digest) == (newest.seq, newest.hash)
    with container.db.read() as session:
        assert session.get(AuditHeadRow, 1) is not None


def test_pages_are_keyset_pages_newest_first(container: Container, owner: Actor) -> None:
    for i in range(12):
        container.workspaces.create(owner, f"W{i:02d}")
    first = container.audit.page(owner, AuditFilter(), limit=5)
    second = container.audit.page(owner, AuditFilter(), before_seq=first[-1].seq, limit=5)
    assert [e.seq for e in first] == [14, 13, 12, 11, 10]
    assert [e.seq for e in second] == [9, 8, 7, 6, 5]


def test_filters_by_workspace_actor_action_and_dates(
    container: Container, owner: Actor, history: Actor
) -> None:
    acme = container.audit.page(owner, AuditFilter(workspace="acme"))
    assert {e.workspace for e in acme} == {"Acme"}
    assert {e.action for e in acme} == {"workspace.create", "member.add", "workspace.rename"}
    by_bob = container.audit.page(owner, AuditFilter(actor="BOB@agency.test"))
    assert [e.action for e in by_bob] == ["workspace.rename"]
    users = container.audit.page(owner, AuditFilter(action="user.*"))
    assert [e.action for e in users] == ["user.add", "user.add"]
    now = datetime.now(UTC)
    assert container.audit.page(owner, AuditFilter(since=now + timedelta(hours=1))) == []
    assert len(container.audit.page(owner, AuditFilter(until=now + timedelta(hours=1)))) == 8


def _export(
    container: Container, actor: Actor, fmt: ExportFormat, out: Path, flt: AuditFilter | None = None
) -> int:
    return container.audit.export(actor, fmt, out, flt or AuditFilter()).rows


def test_csv_export_has_every_matching_event(
    container: Container, owner: Actor, history: Actor, tmp_path: Path
) -> None:
    out = tmp_path / "audit.csv"
    assert _export(container, owner, ExportFormat.CSV, out, AuditFilter(workspace="Acme")) == 3
    rows = list(csv.DictReader(out.open()))
    assert [r["action"] for r in rows] == ["workspace.create", "member.add", "workspace.rename"]
    assert rows[2]["outcome"] == "denied" and rows[2]["actor"] == "bob@agency.test"
    assert set(rows[0]) >= {
        "seq",
        "ts",
        "actor",
        "workspace",
        "action",
        "target",
        "summary",
        "prev_hash",
        "hash",
    }


def test_json_export_carries_filters_and_the_chain_head(
    container: Container, owner: Actor, history: Actor, tmp_path: Path
) -> None:
    out = tmp_path / "audit.json"
    head_seq, head_hash = container.audit.head(owner)
    _export(container, owner, ExportFormat.JSON, out, AuditFilter(action="workspace.*"))
    doc = json.loads(out.read_text())
    assert doc["report"]["chain_head"] == {"seq": head_seq, "hash": head_hash}
    assert doc["report"]["filters"]["Action"] == "workspace.*"
    assert doc["count"] == len(doc["events"]) == 4
    assert doc["events"][2]["summary"] == {"before": "Globex", "after": "Globex Corp"}


def test_pdf_export_is_a_readable_report(
    container: Container, owner: Actor, history: Actor, tmp_path: Path
) -> None:
    for i in range(60):
        container.workspaces.create(owner, f"Client {i:02d}")
    out = tmp_path / "audit.pdf"
    _, head_hash = container.audit.head(owner)
    _export(container, owner, ExportFormat.PDF, out)
    reader = PdfReader(out)
    pages = [p.extract_text() for p in reader.pages]
    assert len(pages) >= 2
    assert "Audit report" in pages[0] and "Agency Test" in pages[0]
    assert "Filters:" in pages[0] and "Workspace: all visible" in pages[0]
    assert head_hash in pages[0].replace("\n", "")
    assert (
        f"Page 1 of {len(pages)}" in pages[0] and f"Page {len(pages)} of {len(pages)}" in pages[-1]
    )
    assert "Client 59" in "".join(pages)


def test_exports_are_audited(
    container: Container, owner: Actor, history: Actor, tmp_path: Path
) -> None:
    _export(container, owner, ExportFormat.CSV, tmp_path / "a.csv")
    newest = container.audit.page(owner, AuditFilter(), limit=1)[0]
    assert newest.action == "audit.export"
    assert json.loads(newest.summary)["rows"] == 8


def test_a_viewer_cannot_export_and_a_manager_sees_only_their_workspace(
    container: Container, owner: Actor, history: Actor, tmp_path: Path
) -> None:
    with pytest.raises(PermissionDenied):
        _export(container, history, ExportFormat.CSV, tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
    manager = add_user(container, owner, "mgr@agency.test")
    container.members.add(owner, "Globex Corp", "mgr@agency.test", Role.MANAGER)
    seen = container.audit.page(manager, AuditFilter())
    assert {e.workspace for e in seen} == {"Globex", "Globex Corp"}  # named as it was then


def test_cancelled_export_leaves_no_file(
    container: Container, owner: Actor, history: Actor, tmp_path: Path
) -> None:
    ctx = JobContext()
    ctx.cancel()
    out = tmp_path / "cancelled.csv"
    with pytest.raises(Cancelled):
        container.audit.export(owner, ExportFormat.CSV, out, AuditFilter(), ctx)
    assert list(tmp_path.glob("*.csv*")) == []
    assert list(tmp_path.glob(".cancelled*")) == []


def test_export_to_a_missing_folder_is_bad_input(
    container: Container, owner: Actor, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        _export(container, owner, ExportFormat.CSV, tmp_path / "nope" / "a.csv")


def test_export_reports_progress(
    container: Container, owner: Actor, history: Actor, tmp_path: Path
) -> None:
    seen: list[float] = []
    ctx = JobContext(on_progress=lambda f, _t: seen.append(f))
    container.audit.export(owner, ExportFormat.CSV, tmp_path / "p.csv", AuditFilter(), ctx)
    assert seen and seen[-1] == 1.0


def test_deleting_the_head_row_is_not_silently_accepted(
    container: Container, owner: Actor, history: Actor
) -> None:
    allow_tampering(container.db)
    with container.db.write() as session:
        session.execute(delete(AuditEventRow).where(AuditEventRow.seq == 8))
    assert not container.audit.verify(owner).ok


def test_a_part_left_by_a_killed_export_is_cleaned_up_by_the_next(
    container: Container, owner: Actor, history: Actor, tmp_path: Path
) -> None:
    out = tmp_path / "audit.csv"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = tmp_path / f".audit.csv.{gone.pid}.x1y2z3.part"
    stale.write_text("half an export")
    running = tmp_path / f".audit.csv.{os.getpid()}.a1b2c3.part"  # an export still going
    running.write_text("being written")
    _export(container, owner, ExportFormat.CSV, out)
    assert out.exists() and not stale.exists() and running.exists()
