"""Import a CSV file of leads into a list, in two steps: choose the file and the list, then
look at what core would read (encoding, delimiter, each column's field, the first rows) and
change a column's field before importing.

The preview is core's own (`LeadService.preview`), so what the dialog shows is what the import
will do; the import itself runs as a job, a file may hold a million rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from penguin_desktop.core.campaigns import fields
from penguin_desktop.core.campaigns.models import ImportPreview, ImportReport
from penguin_desktop.core.platform.errors import PenguinError, ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.job_form import JobFormDialog

SKIP = "(skip)"
CUSTOM = "(custom field)"


def field_words(name: str) -> str:
    return name.replace("_", " ")


def report_text(report: ImportReport) -> str:
    """The import's summary in the console's words (the CLI says the same)."""
    text = (
        f"Imported {report.imported:,} of {report.rows:,} rows into list {report.list!r}: "
        f"{report.duplicates:,} duplicates, {report.invalid:,} invalid, "
        f"{report.suppressed:,} suppressed, {report.needs_consent:,} need consent."
    )
    if report.rejects_file:
        text += f" Rejected rows: {report.rejects_file}"
    return text


class ImportDialog(JobFormDialog):
    """OK previews first ("Preview"), then imports ("Import"); changing the file goes back to
    the first step, since another file has other columns."""

    def __init__(self, state: AppState, workspace: str, parent: QWidget | None = None) -> None:
        super().__init__(
            state.runner,
            "Import leads",
            f"Add the leads of a CSV file to a list of {workspace} (made if new). Bad "
            "addresses, duplicates and suppressed addresses are left out and counted.",
            ok_text="Preview",
            parent=parent,
        )
        self.state, self.workspace = state, workspace
        self.preview: ImportPreview | None = None
        self.combos: dict[str, QComboBox] = {}
        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText("a .csv file")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.choose_file)
        row = QHBoxLayout()
        row.addWidget(self.file_edit, 1)
        row.addWidget(browse)
        self.form.addRow("File", row)
        self.list_edit = QLineEdit()
        self.list_edit.setPlaceholderText("e.g. Q3 prospects")
        self.form.addRow("&List", self.list_edit)
        self.fields = {"file": self.file_edit, "list": self.list_edit}
        self.detected = QLabel()
        self.detected.setObjectName("fieldHint")
        self.mapping_table = QTableWidget(0, 2)
        self.mapping_table.setHorizontalHeaderLabels(["Column", "Field"])
        self.mapping_table.horizontalHeader().setStretchLastSection(True)
        self.mapping_table.verticalHeader().hide()
        self.sample_table = QTableWidget(0, 0)
        self.sample_table.verticalHeader().hide()
        self.form.addRow("Read as", self.detected)
        self.form.addRow("&Columns", self.mapping_table)
        self.form.addRow("First rows", self.sample_table)
        self._show_preview_rows(False)
        self.file_edit.textChanged.connect(self._file_changed)
        self.setMinimumWidth(640)

    # --- step one: the file ------------------------------------------------------------------
    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Choose a CSV file", str(Path.home()), "CSV files (*.csv *.txt);;All files (*)"
        )
        if name:
            self.file_edit.setText(name)

    def _file_changed(self) -> None:
        self.preview = None
        self.combos.clear()
        self._show_preview_rows(False)
        self.ok_button.setText("Preview")

    def _show_preview_rows(self, shown: bool) -> None:
        for widget in (self.detected, self.mapping_table, self.sample_table):
            self.form.setRowVisible(widget, shown)

    def path(self) -> Path:
        text = self.file_edit.text().strip()
        if not text:
            raise ValidationError("choose the CSV file to import", field="file")
        path = Path(text).expanduser()
        if not path.is_file():
            raise ValidationError(f"{text!r} is not a file", field="file")
        return path

    # --- step two: the preview ---------------------------------------------------------------
    def mapping(self) -> dict[str, str]:
        """Each column's field as chosen: a known field, its own header (custom) or "" (skip)."""
        chosen = {}
        for column, combo in self.combos.items():
            value = combo.currentData()
            chosen[column] = column if value == CUSTOM else value
        return chosen

    def show_preview(self, preview: ImportPreview) -> None:
        self.preview = preview
        delimiter = {"\t": "tab", " ": "space"}.get(preview.delimiter, preview.delimiter)
        self.detected.setText(f"encoding {preview.encoding}, delimiter {delimiter}")
        self.mapping_table.setRowCount(len(preview.mapping))
        self.combos.clear()
        for row, (column, target) in enumerate(preview.mapping.items()):
            self.mapping_table.setItem(row, 0, QTableWidgetItem(column))
            combo = QComboBox()
            for name in fields.FIELDS:
                combo.addItem(field_words(name), name)
            combo.addItem(f"custom field “{column}”", CUSTOM)
            combo.addItem(SKIP, "")
            if not target:
                combo.setCurrentIndex(combo.findData(""))
            elif target in fields.FIELDS:
                combo.setCurrentIndex(combo.findData(target))
            else:
                combo.setCurrentIndex(combo.findData(CUSTOM))
            combo.currentIndexChanged.connect(self._mapping_changed)
            self.mapping_table.setCellWidget(row, 1, combo)
            self.combos[column] = combo
        self.mapping_table.resizeColumnToContents(0)
        self._fill_sample(preview)
        self._show_preview_rows(True)
        self.ok_button.setText("Import")

    def _fill_sample(self, preview: ImportPreview) -> None:
        names = list(dict.fromkeys(k for row in preview.rows for k in row))
        self.sample_table.setColumnCount(len(names))
        self.sample_table.setHorizontalHeaderLabels([field_words(n) for n in names])
        self.sample_table.setRowCount(len(preview.rows))
        for r, row in enumerate(preview.rows):
            for c, name in enumerate(names):
                self.sample_table.setItem(r, c, QTableWidgetItem(row.get(name, "")))
        self.sample_table.resizeColumnsToContents()

    def _mapping_changed(self) -> None:
        """Read the rows again with the new mapping, so the sample shows what will be kept."""
        try:
            shown = self.state.container.leads.preview(self.path(), self.mapping())
        except PenguinError as error:
            self.message.show_error(error)
            return
        self.message.clear_message()
        self._fill_sample(shown)

    # --- OK ----------------------------------------------------------------------------------
    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        path = self.path()
        list_name = self.list_edit.text().strip()
        if not list_name:
            raise ValidationError("name the list the leads go to", field="list")
        leads, actor, workspace = self.state.container.leads, self.state.actor, self.workspace
        mapping = self.mapping()
        return (
            f"Importing {path.name} into {list_name}",
            lambda _ctx: leads.import_file(actor, workspace, list_name, path, mapping),
        )

    def _submit(self) -> None:
        """The first OK previews (quick: five rows) on the UI thread; the second imports."""
        if self.preview is None and self.job is None:
            self.message.clear_message()
            try:
                self.show_preview(self.state.container.leads.preview(self.path()))
            except PenguinError as error:
                self.message.show_error(error)
            return
        super()._submit()

    def working_text(self) -> str:
        return "Importing the leads…"
