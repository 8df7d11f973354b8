"""The Suppression tab: the addresses and domains never mailed from the workspace, its own
entries and the agency's together (both stop a send), with Add and Remove.

An erased lead's entry shows as its hash: the address itself is gone by design."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from penguin_desktop.core.campaigns.models import Suppression
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.campaigns.forms import SuppressDialog
from penguin_desktop.ui.monitoring.tab_base import ListTable, MonitoringTab
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import FormDialog
from penguin_desktop.ui.widgets.formatting import local_time
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.page import action_button


def _value(entry: Suppression) -> str:
    return f"{entry.value[:16]}… (erased)" if entry.kind == "hash" else entry.value


COLUMNS: list[Column[Suppression]] = [
    Column("Value", _value, lambda e: e.value),
    Column("Kind", lambda e: e.kind),
    Column("Reason", lambda e: e.reason),
    Column("Scope", lambda e: e.workspace or "Agency"),
    Column("Added", lambda e: local_time(e.added_at)),
    Column("By", lambda e: e.added_by),
]


class SuppressionTab(MonitoringTab):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "shield", parent)
        self.dialog: FormDialog | None = None
        self.add_button = action_button("Add…", "add", primary=True)
        self.remove_button = action_button("Remove", "remove")
        self.bar.addStretch(1)
        self.bar.addWidget(self.add_button)
        self.bar.addWidget(self.remove_button)
        self.rows = ListTable("LeadsPage/suppression", COLUMNS, lambda e: e.id)
        self.table = self.rows.table
        self.set_content(self.table)
        self.add_button.clicked.connect(self.open_add)
        self.remove_button.clicked.connect(self.remove_selected)
        self.rows.on_selection(self._update_buttons)

    def refresh(self) -> None:
        ws = self.workspace
        if ws is None:
            return
        try:
            entries = self.state.container.suppression.entries(self.state.actor, ws.name)
        except PenguinError as error:
            self.message.show_error(error)
            entries = []
        self.rows.set_rows(entries)
        self.empty.set_text(
            "Nothing suppressed",
            "Addresses and domains added here are never mailed and are left out of imports.",
        )
        self.show_content(bool(entries))
        self._update_buttons()

    def may_change(self, entry: Suppression | None) -> bool:
        """A workspace entry needs suppression.manage there; an agency one the org role."""
        if entry is not None and entry.workspace is None:
            return self.state.can(Permission.SUPPRESSION_AGENCY)
        return self.allowed(Permission.SUPPRESSION_MANAGE)

    def _update_buttons(self) -> None:
        may_add = self.allowed(Permission.SUPPRESSION_MANAGE)
        self.add_button.setEnabled(may_add)
        self.add_button.setToolTip(
            "" if may_add else self.refused(Permission.SUPPRESSION_MANAGE, "suppress addresses")
        )
        entry = self.rows.selected()
        may_remove = entry is not None and entry.kind != "hash" and self.may_change(entry)
        self.remove_button.setEnabled(may_remove)
        if entry is not None and entry.kind == "hash":
            tip = "An erased lead's hash stays: it keeps the address from coming back"
        elif entry is not None and not may_remove:
            tip = "You may not change this entry (agency entries: org owners and admins)"
        else:
            tip = "Mail the selected address or domain again"
        self.remove_button.setToolTip(tip)

    def open_add(self) -> None:
        ws = self.workspace
        if ws is None or not self.allowed(Permission.SUPPRESSION_MANAGE):
            return
        dialog = SuppressDialog(self.state, ws.name, self)
        dialog.accepted.connect(lambda: self._added(dialog))
        self.dialog = dialog
        dialog.open()

    def _added(self, dialog: SuppressDialog) -> None:
        entry = dialog.result_value
        self.refresh()
        if entry is not None:
            where = entry.workspace or "the whole agency"
            self.message.show_success(f"Suppressed {entry.value} for {where}")
            self.changed.emit()

    def remove_selected(self) -> None:
        entry = self.rows.selected()
        if entry is None or not self.may_change(entry) or entry.kind == "hash":
            return
        actor, suppression = self.state.actor, self.state.container.suppression
        try:
            suppression.remove(actor, entry.value, entry.workspace)
        except PenguinError as error:
            self.message.show_error(error)
            return
        self.refresh()
        self.message.show_success(f"{entry.value} is no longer suppressed")
        self.changed.emit()
