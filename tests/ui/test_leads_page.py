"""The Leads page over a real workspace: a CSV file imported through the dialog (preview, a
column's field changed, the import as a job) shows its summary and its leads; the Suppression
tab adds a domain; an erased lead is gone, its hash suppressed; a viewer has the actions off."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.ui.campaigns.forms import EraseDialog, SuppressDialog
from penguin_desktop.ui.campaigns.import_dialog import ImportDialog
from penguin_desktop.ui.campaigns.leads_page import LeadsPage
from penguin_desktop.ui.shell.main_window import PAGES, MainWindow

WindowFactory = Callable[..., MainWindow]
WAIT_MS = 30_000
CSV = (
    "Email,First Name,Company,Country,Notes\n"
    "ann@example.com,Ann,Acme Ltd,GB,met at a fair\n"
    "bob@example.org,Bob,Bobco,FR,\n"
    "ANN@example.com,Ann again,Dup Inc,GB,\n"
    "not-an-address,Nobody,None,GB,\n"
)


def open_leads(window: MainWindow) -> LeadsPage:
    page = window.show_page(PAGES.index(LeadsPage))
    assert isinstance(page, LeadsPage)
    return page


def emails(page: LeadsPage) -> list[str]:
    return [line.lead.email for line in page.leads.rows.model.rows]


def test_a_csv_file_imports_through_the_dialog(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory, tmp_path: Path
) -> None:
    container.workspaces.create(owner, "Acme")
    source = tmp_path / "leads.csv"
    source.write_text(CSV, encoding="utf-8")
    page = open_leads(make_window(owner))
    assert emails(page) == [] and page.leads.stack.currentWidget() is page.leads.empty

    page.leads.import_button.click()
    dialog = page.leads.dialog
    assert isinstance(dialog, ImportDialog)
    dialog.file_edit.setText(str(source))
    dialog.list_edit.setText("Fair 2026")
    dialog.ok_button.click()  # the first step: the preview
    assert dialog.isVisible() and dialog.ok_button.text() == "Import"
    assert "utf-8" in dialog.detected.text() and "," in dialog.detected.text()
    assert dialog.combos["Email"].currentData() == "email"
    assert dialog.combos["Company"].currentData() == "company"
    dialog.combos["Notes"].setCurrentIndex(dialog.combos["Notes"].findData(""))  # skip it
    assert dialog.mapping()["Notes"] == ""
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    QApplication.processEvents()

    summary = page.leads.message.text()
    assert "Imported 2 of 4 rows" in summary and "1 duplicates, 1 invalid" in summary
    assert "0 suppressed" in summary and "leads.csv.rejected.csv" in summary
    assert emails(page) == ["ann@example.com", "bob@example.org"]
    assert [line.lists for line in page.leads.rows.model.rows] == [("Fair 2026",)] * 2
    assert page.leads.list_filter.findText("Fair 2026") > 0
    lead = container.leads.leads(owner, "Acme")[0]
    assert lead.company == "Acme Ltd" and lead.custom == {}

    page.leads.text_filter.setText("bob")
    page.leads.text_filter.returnPressed.emit()
    assert emails(page) == ["bob@example.org"]
    out = tmp_path / "out.csv"
    assert page.leads.export_to(out) == 1 and "bob@example.org" in out.read_text()


def test_the_suppression_tab_adds_a_domain_and_erase_removes_a_lead(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory, tmp_path: Path
) -> None:
    container.workspaces.create(owner, "Acme")
    source = tmp_path / "few.csv"
    source.write_text("email\nann@example.com\nbob@example.org\n", encoding="utf-8")
    container.leads.import_file(owner, "Acme", "Q1", source)
    page = open_leads(make_window(owner))
    page.tabs.setCurrentWidget(page.suppression)

    page.suppression.add_button.click()
    add = page.suppression.dialog
    assert isinstance(add, SuppressDialog) and add.agency.isEnabled()
    add.value.setText("Blocked.Example")
    add.ok_button.click()
    assert not add.isVisible()
    rows = page.suppression.rows.model.rows
    assert [(e.value, e.kind, e.workspace) for e in rows] == [("blocked.example", "domain", "Acme")]

    page.tabs.setCurrentWidget(page.leads)
    page.leads.rows.table.selectRow(0)
    assert page.leads.selected() is not None
    assert page.leads.selected().email == "ann@example.com"  # type: ignore[union-attr]
    page.leads.erase_button.click()
    erase = page.leads.dialog
    assert isinstance(erase, EraseDialog) and "ann@example.com" in erase.windowTitle()
    assert "hash" in erase.intro.text()
    erase.ok_button.click()
    assert not erase.isVisible()
    assert emails(page) == ["bob@example.org"]
    assert [e.kind for e in page.suppression.rows.model.rows] == ["domain", "hash"]
    assert [lead.email for lead in container.leads.leads(owner, "Acme")] == ["bob@example.org"]


def test_a_viewer_sees_the_leads_with_the_actions_off(
    container: Container,
    owner: Actor,
    make_user: Callable[..., Actor],
    make_window: WindowFactory,
    tmp_path: Path,
) -> None:
    container.workspaces.create(owner, "Acme")
    source = tmp_path / "few.csv"
    source.write_text("email\nann@example.com\n", encoding="utf-8")
    container.leads.import_file(owner, "Acme", "Q1", source)
    viewer = make_user("viewer@agency.test", Acme=Role.VIEWER)
    page = open_leads(make_window(viewer))
    assert emails(page) == ["ann@example.com"]
    assert not page.leads.import_button.isEnabled()
    assert "you are viewer" in page.leads.import_button.toolTip()
    assert not page.leads.erase_button.isEnabled()
    assert not page.suppression.add_button.isEnabled()
    assert not page.edit_compliance.isEnabled()


def test_the_sender_details_are_set_from_the_page(
    container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    container.workspaces.create(owner, "Acme")
    page = open_leads(make_window(owner))
    assert "No sender details" in page.compliance_label.text()
    page.edit_compliance.click()
    dialog = page.dialog
    assert dialog is not None
    dialog.address.setText("1 Main St, Springfield")
    dialog.url.setText("http://insecure.example.com/u")
    dialog.ok_button.click()
    assert dialog.isVisible() and dialog.field_error("unsubscribe_url")
    dialog.url.setText("https://example.com/unsubscribe")
    dialog.ok_button.click()
    assert not dialog.isVisible()
    assert "1 Main St, Springfield" in page.compliance_label.text()
