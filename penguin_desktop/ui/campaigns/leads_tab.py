"""The Leads tab: the workspace's leads filtered by list and by text, with import, export and
GDPR erasure.

The table shows the first SHOWN leads of the segment (oldest first, as core reads them); the
lists each shown lead is on come from one read per list with the same filters and limit, which
finds every membership of the shown leads since both reads run in id order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QComboBox, QFileDialog, QLineEdit, QWidget

from penguin_desktop.core.campaigns.models import Lead
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.campaigns.forms import EraseDialog
from penguin_desktop.ui.campaigns.import_dialog import ImportDialog, report_text
from penguin_desktop.ui.monitoring.tab_base import ListTable, MonitoringTab
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import FormDialog
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.page import action_button

SHOWN = 1000
ALL_LISTS = "All leads"


@dataclass(frozen=True)
class LeadLine:
    """A lead as the table shows it: with the names of the lists it is on."""

    lead: Lead
    lists: tuple[str, ...]


def _name(lead: Lead) -> str:
    return " ".join(p for p in (lead.first_name, lead.last_name) if p)


COLUMNS: list[Column[LeadLine]] = [
    Column("Email", lambda r: r.lead.email),
    Column("Name", lambda r: _name(r.lead)),
    Column("Company", lambda r: r.lead.company or ""),
    Column("Country", lambda r: r.lead.country or ""),
    Column("Lawful basis", lambda r: (r.lead.lawful_basis or "").replace("_", " ")),
    Column("Lists", lambda r: ", ".join(r.lists)),
]


class LeadsTab(MonitoringTab):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "members", parent)
        self.dialog: FormDialog | None = None
        self.list_filter = QComboBox()
        self.list_filter.setMinimumWidth(180)
        self.list_filter.setToolTip("Only the leads on this list")
        self.text_filter = QLineEdit()
        self.text_filter.setPlaceholderText("Filter: email contains…")
        self.text_filter.setClearButtonEnabled(True)
        self.import_button = action_button("Import…", "transfer", primary=True)
        self.export_button = action_button("Export CSV…", "export")
        self.erase_button = action_button("Erase…", "remove")
        self.bar.addWidget(self.list_filter)
        self.bar.addWidget(self.text_filter, 1)
        for button in (self.import_button, self.export_button, self.erase_button):
            self.bar.addWidget(button)
        self.rows = ListTable("LeadsPage/leads", COLUMNS, lambda r: r.lead.id)
        self.table = self.rows.table
        self.set_content(self.table)
        self.import_button.clicked.connect(self.open_import)
        self.export_button.clicked.connect(self.open_export)
        self.erase_button.clicked.connect(self.open_erase)
        self.list_filter.activated.connect(lambda _i: self.load())
        self.text_filter.returnPressed.connect(self.load)
        self.text_filter.textChanged.connect(self._text_changed)
        self.rows.on_selection(self._update_buttons)

    # --- reading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        ws = self.workspace
        if ws is None:
            return
        names = self.call(lambda: self.state.container.leads.lists(self.state.actor, ws.name))
        chosen = self.list_filter.currentText()
        self.list_filter.clear()
        self.list_filter.addItem(ALL_LISTS, None)
        for name in names or []:
            self.list_filter.addItem(name, name)
        self.list_filter.setCurrentIndex(max(0, self.list_filter.findText(chosen)))
        self.load()

    def _text_changed(self, text: str) -> None:
        """Enter filters; clearing the field (its clear button) shows everything again."""
        if not text:
            self.load()

    def where(self) -> tuple[str, ...]:
        text = self.text_filter.text().strip()
        return (f"email~{text}",) if text else ()

    def load(self) -> None:
        ws = self.workspace
        if ws is None:
            return
        leads, actor, where = self.state.container.leads, self.state.actor, self.where()
        chosen: str | None = self.list_filter.currentData()
        lists = [self.list_filter.itemData(i) for i in range(1, self.list_filter.count())]
        try:
            found = leads.leads(actor, ws.name, chosen, where, SHOWN)
            on: dict[int, list[str]] = {}
            for name in lists:
                for lead in leads.leads(actor, ws.name, name, where, SHOWN):
                    on.setdefault(lead.id, []).append(name)
        except PenguinError as error:
            self.message.show_error(error)
            found, on = [], {}
        self.rows.set_rows([LeadLine(lead, tuple(on.get(lead.id, []))) for lead in found])
        self._show_empty(bool(found))
        self._update_buttons()

    def _show_empty(self, any_found: bool) -> None:
        filtered = bool(self.where()) or self.list_filter.currentData() is not None
        if any_found or filtered:
            self.show_content(True)
            return
        self.empty.set_text("No leads yet", "Import a CSV file of leads into a list (Import…).")
        self.show_content(False)

    def selected(self) -> Lead | None:
        line = self.rows.selected()
        return line.lead if line is not None else None

    def _update_buttons(self) -> None:
        may_import = self.allowed(Permission.LEAD_MANAGE)
        self.import_button.setEnabled(may_import)
        self.import_button.setToolTip(
            "" if may_import else self.refused(Permission.LEAD_MANAGE, "import leads")
        )
        may_erase = self.allowed(Permission.LEAD_ERASE)
        self.erase_button.setEnabled(may_erase and self.selected() is not None)
        self.erase_button.setToolTip(
            "Erase the selected lead (GDPR)"
            if may_erase
            else self.refused(Permission.LEAD_ERASE, "erase leads")
        )
        self.export_button.setEnabled(self.workspace is not None)

    # --- actions -------------------------------------------------------------------------------
    def open_import(self) -> None:
        ws = self.workspace
        if ws is None or not self.allowed(Permission.LEAD_MANAGE):
            return
        dialog = ImportDialog(self.state, ws.name, self)
        chosen = self.list_filter.currentData()
        if chosen:
            dialog.list_edit.setText(chosen)
        dialog.accepted.connect(lambda: self._imported(dialog))
        self.dialog = dialog
        dialog.open()

    def _imported(self, dialog: ImportDialog) -> None:
        report = dialog.result_value
        self.refresh()
        if report is not None:
            self.message.show_success(report_text(report))
            self.state.notify(f"Imported {report.imported:,} leads into {report.list}")
            self.changed.emit()

    def open_export(self) -> None:
        ws = self.workspace
        if ws is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Export leads", str(Path.home() / "leads.csv"), "CSV files (*.csv)"
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> int | None:
        """Write the segment the filters show (every lead of it, not only the first SHOWN)."""
        ws = self.workspace
        if ws is None:
            return None
        chosen = self.list_filter.currentData()
        try:
            count = self.state.container.leads.export(
                self.state.actor, path, ws.name, chosen, self.where()
            )
        except OSError as error:
            self.message.show_error(f"Cannot write {path}: {error.strerror or error}")
            return None
        except PenguinError as error:
            self.message.show_error(error)
            return None
        self.message.show_success(f"Exported {count:,} leads to {path}")
        return count

    def open_erase(self) -> None:
        ws, lead = self.workspace, self.selected()
        if ws is None or lead is None or not self.allowed(Permission.LEAD_ERASE):
            return
        dialog = EraseDialog(self.state, ws.name, lead.email, self)
        dialog.accepted.connect(lambda: self._erased(lead.email))
        self.dialog = dialog
        dialog.open()

    def _erased(self, email: str) -> None:
        self.refresh()
        self.message.show_success(f"Erased {email}; only a hash of the address is kept")
        self.changed.emit()
