"""Audit log: the lazy model, filters, and export/verify as cancellable background jobs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, QThreadPool
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from penguin_desktop.container import Container
from penguin_desktop.core.audit.export import ExportFormat
from penguin_desktop.core.audit.models import AuditFilter, ExportResult
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.ui.audit.model import AuditTableModel
from penguin_desktop.ui.audit.page import AuditPage
from penguin_desktop.ui.shell.main_window import MainWindow
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job, JobRunner

from .seed import seed_events

WindowFactory = Callable[..., MainWindow]


def _audit_page(window: MainWindow) -> AuditPage:
    page = window.show_page(window.page_types.index(AuditPage))
    assert isinstance(page, AuditPage)
    return page


def test_audit_model_passes_the_model_tester(
    qtmodeltester: ModelTester, container: Container, owner: Actor
) -> None:
    seed_events(container, 120)
    model = AuditTableModel(container.audit, owner, page_size=50)
    model.load()
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() >= 50


def test_audit_model_fetches_keyset_pages_newest_first(container: Container, owner: Actor) -> None:
    seed_events(container, 130)  # plus the two events of initialize(): 132 in all
    model = AuditTableModel(container.audit, owner, page_size=50)
    model.load()
    assert model.rowCount() == 50 and model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 132 and not model.canFetchMore(QModelIndex())
    seqs = [model.entry(row).seq for row in range(model.rowCount())]  # type: ignore[union-attr]
    assert seqs == list(range(132, 0, -1))


def test_audit_table_fetches_more_on_scroll(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    seed_events(container, 1_000)
    page = _audit_page(make_window(owner))
    first = page.model.rowCount()
    assert first == 200 and "scroll down" in page.counts.text()

    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.rowCount() > first)
    assert page.model.rowCount() <= 2 * first  # one page at a time, not everything


def test_audit_filters_narrow_the_table(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    seed_events(container, 70)
    page = _audit_page(make_window(owner))
    page.filters.actor.setText("bot3@agency.test")
    qtbot.keyClick(page.filters.actor, Qt.Key.Key_Return)
    assert page.model.rowCount() == 10
    assert {page.model.entry(r).actor for r in range(10)} == {"bot3@agency.test"}  # type: ignore[union-attr]

    page.filters.action.setEditText("nothing.*")
    page.filters.apply_button.click()
    assert page.stack.currentWidget() is page.empty
    assert page.empty.title.text() == "No audit events match these filters"
    page.empty.button.click()  # "Clear filters"
    assert page.model.rowCount() == 72


def test_ctrl_f_focuses_the_audit_filter(
    qtbot: QtBot, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() is window.pages[window.page_types.index(AuditPage)]
    qtbot.waitUntil(_audit_page(window).filters.actor.hasFocus)


def test_viewer_is_told_the_audit_log_is_not_for_their_role(
    container: Container,
    owner: Actor,
    make_user: Callable[..., Actor],
    make_window: WindowFactory,
) -> None:
    container.workspaces.create(owner, "Acme")
    viewer = make_user("vi@agency.test", Role.MEMBER, Acme=Role.VIEWER)
    page = _audit_page(make_window(viewer))
    assert page.stack.currentWidget() is page.empty
    assert page.empty.title.text() == "The audit log is not open to your role"
    assert not page.export_button.isEnabled() and not page.verify_button.isEnabled()


def test_export_runs_in_a_worker_and_writes_the_file(
    qtbot: QtBot, tmp_path: Path, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    seed_events(container, 500)
    window = make_window(owner)
    page = _audit_page(window)
    out = tmp_path / "audit.csv"

    job = page.start_export(out, ExportFormat.CSV)
    assert job is not None
    assert window.jobs.row_for(job) is not None and not page.export_button.isEnabled()
    with qtbot.waitSignal(job.signals.finished, timeout=20_000) as done:
        pass
    result = done.args[0]  # type: ignore[index]
    assert isinstance(result, ExportResult) and result.rows == 502
    assert out.read_text().count("\n") == 503  # header + rows
    qtbot.waitUntil(lambda: window.jobs.rows() == [])
    assert page.message.kind == "success" and "Exported 502 events" in page.message.text()
    assert page.export_button.isEnabled()


def test_cancelled_export_leaves_no_file(
    qtbot: QtBot, tmp_path: Path, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    seed_events(container, 25_000)  # three export batches
    window = make_window(owner)
    page = _audit_page(window)
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "audit.json"

    def cancel_at_first_progress(job: Job) -> None:
        # Runs before the job is queued; the direct connection cancels from the worker thread
        # at the first progress report, so the export is stopped mid-way, deterministically.
        job.signals.progress.connect(
            lambda _f, _t: job.cancel(), Qt.ConnectionType.DirectConnection
        )

    window.state.runner.started.connect(cancel_at_first_progress)
    job = page.start_export(out, ExportFormat.JSON)
    assert job is not None
    with qtbot.waitSignal(job.signals.cancelled, timeout=20_000):
        pass
    assert not out.exists()
    assert list(folder.iterdir()) == []  # no temp file left either
    qtbot.waitUntil(lambda: page.message.kind == "info" and "cancelled" in page.message.text())


def test_status_bar_cancel_button_cancels_a_queued_export(
    qtbot: QtBot, tmp_path: Path, container: Container, owner: Actor
) -> None:
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    state = AppState(container, owner, JobRunner(pool))
    window = MainWindow(state, idle_timeout_ms=600_000)
    qtbot.addWidget(window)
    window.show()
    release = threading.Event()

    def blocker(_ctx: JobContext) -> None:
        release.wait(30)

    state.runner.start("Holding the only worker", blocker)
    page = _audit_page(window)
    out = tmp_path / "audit.csv"
    job = page.start_export(out, ExportFormat.CSV)
    assert job is not None
    row = window.jobs.row_for(job)
    assert row is not None
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    assert job.cancel_requested and "cancelling" in row.label.text()
    with qtbot.waitSignal(job.signals.cancelled, timeout=20_000):
        release.set()
    assert not out.exists()
    pool.waitForDone(10_000)


def test_verify_chain_reports_an_intact_chain(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    seed_events(container, 300)
    page = _audit_page(make_window(owner))
    job = page.start_verify()
    with qtbot.waitSignal(job.signals.finished, timeout=20_000):
        pass
    qtbot.waitUntil(lambda: page.message.kind == "success")
    assert page.message.text().startswith("Audit chain intact: 302 entries verified")


def test_filter_by_workspace_uses_core_scoping(
    qtbot: QtBot, container: Container, owner: Actor
) -> None:
    container.workspaces.create(owner, "Acme")
    container.workspaces.create(owner, "Globex")
    model = AuditTableModel(container.audit, owner)
    model.load(AuditFilter(workspace="Globex"))
    assert [model.entry(r).action for r in range(model.rowCount())] == ["workspace.create"]  # type: ignore[union-attr]


def test_date_filters_are_local_days_and_checked_for_order(
    owner: Actor, make_window: WindowFactory
) -> None:
    from PySide6.QtCore import QDate

    page = _audit_page(make_window(owner))
    today = QDate.currentDate()
    page.filters.use_since.setChecked(True)
    page.filters.use_until.setChecked(True)
    page.filters.since.setDate(today)
    page.filters.until.setDate(today)
    page.filters.apply_button.click()
    assert page.model.rowCount() == 2  # initialize() wrote two events today

    page.filters.since.setDate(today.addDays(1))
    page.filters.apply_button.click()
    assert page.message.kind == "error"
    assert page.message.text() == "'Since' must be on or before 'Until'"
    assert page.model.rowCount() == 0
