"""The detail pane of the Servers page: what the selected server is (address, pinned host key,
SSH key, MailU), a banner when its host key awaits trust or has changed, the actions on it, its
provisioning steps and its last health check."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.servers.models import HealthReport, ServerInfo, ServerStatus
from penguin_desktop.ui.servers.host_key import monospace
from penguin_desktop.ui.servers.steps import FINISHED, StepList
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.widgets.formatting import local_time
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.page import action_button
from penguin_desktop.ui.widgets.table_columns import ColumnRules, TableColumns

STATUS_WORDS = {
    ServerStatus.HOST_KEY_PENDING: "Host key to trust",
    ServerStatus.ADOPTED: "Adopted",
    ServerStatus.PROVISIONING: "Provisioning",
    ServerStatus.PROVISION_FAILED: "Provisioning stopped",
    ServerStatus.MAILU_READY: "MailU ready",
}
FACTS = (
    ("address", "Address"),
    ("host_key", "Host key"),
    ("ssh_key", "SSH key"),
    ("mailu", "MailU"),
    ("added", "Added"),
)


def key_changed(info: ServerInfo) -> bool:
    """A pinned key and a different one presented since (the service recorded the refusal)."""
    return bool(
        info.host_key_fingerprint
        and info.offered_fingerprint
        and info.offered_fingerprint != info.host_key_fingerprint
    )


def status_text(info: ServerInfo) -> str:
    if key_changed(info):
        return "Host key CHANGED"
    return STATUS_WORDS.get(info.status, info.status.value)


class ServerDetail(QScrollArea):
    """The selected server: address, key, MailU; host-key banner; steps; last health check;
    and the actions on it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serverDetail")
        self.setWidgetResizable(True)
        inner = QFrame()
        inner.setObjectName("card")
        self.setWidget(inner)
        outer = QVBoxLayout(inner)
        outer.setContentsMargins(16, 14, 16, 14)
        outer.setSpacing(10)
        self.headline = QLabel("Select a server")
        self.headline.setObjectName("sectionTitle")
        self.headline.setWordWrap(True)
        outer.addWidget(self.headline)
        columns = QHBoxLayout()
        columns.setSpacing(22)
        outer.addLayout(columns, 1)
        columns.addLayout(self._facts_column(), 1)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("serverTabs")
        self.tabs.addTab(self._steps_tab(), "Provisioning steps")
        self.tabs.addTab(self._health_tab(), "Last health check")
        columns.addWidget(self.tabs, 1)

    def _facts_column(self) -> QVBoxLayout:
        """What the server is, the host-key banner and the actions."""
        column = QVBoxLayout()
        column.setSpacing(8)
        self.facts = QGridLayout()
        self.facts.setHorizontalSpacing(14)
        self.facts.setVerticalSpacing(4)
        self.values: dict[str, QLabel] = {}
        for row, (key, caption) in enumerate(FACTS):
            name = QLabel(caption)
            name.setObjectName("fieldCaption")
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse
                | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            self.facts.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            self.facts.addWidget(value, row, 1)
            self.values[key] = value
        monospace(self.values["host_key"])
        self.values["host_key"].setWordWrap(False)
        self.facts.setColumnStretch(1, 1)
        column.addLayout(self.facts)
        self.banner = InlineMessage()
        column.addWidget(self.banner)
        self.review_button = action_button("Review host key…", "shield")
        self.review_button.hide()
        column.addWidget(self.review_button, 0, Qt.AlignmentFlag.AlignLeft)
        actions = QGridLayout()
        actions.setHorizontalSpacing(8)
        actions.setVerticalSpacing(8)
        self.provision_button = action_button("&Provision", "play", primary=True)
        self.check_button = action_button("Run &check", "verify")
        self.rotate_button = action_button("Rotate SSH &key", "key")
        self.backup_button = action_button("&Backup…", "archive")
        self.restore_button = action_button("Re&store…", "transfer")
        self.remove_button = action_button("Re&move…", "remove")
        self.buttons: list[QPushButton] = [
            self.provision_button,
            self.check_button,
            self.rotate_button,
            self.backup_button,
            self.restore_button,
            self.remove_button,
        ]
        for index, button in enumerate(self.buttons):
            actions.addWidget(button, index // 3, index % 3)
        column.addLayout(actions)
        self.activity = InlineMessage()
        column.addWidget(self.activity)
        column.addStretch(1)
        return column

    def _steps_tab(self) -> QWidget:
        """Steps and health share the pane's right half in tabs: side by side, each was too
        narrow at 1280x800 to show a step's title or a check's result whole."""
        tab = QWidget()
        column = QVBoxLayout(tab)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(6)
        self.steps = StepList()
        column.addWidget(self.steps)
        self.steps_note = QLabel()
        self.steps_note.setObjectName("footnote")
        self.steps_note.setWordWrap(True)
        column.addWidget(self.steps_note)
        column.addStretch(1)
        return tab

    def _health_tab(self) -> QWidget:
        tab = QWidget()
        column = QVBoxLayout(tab)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(6)
        self.health = QLabel()
        self.health.setWordWrap(True)
        column.addWidget(self.health)
        self.checks = QTreeWidget()
        self.checks.setRootIsDecorated(False)
        self.checks.setHeaderLabels(["Check", "Result"])
        self.checks.setIconSize(QSize(16, 16))
        self.checks.setAccessibleName("Health checks")
        self.check_columns = TableColumns(self.checks, "ServersPage/checks", ColumnRules())
        column.addWidget(self.checks, 1)
        return tab

    def show_health_tab(self) -> None:
        """A check the user ran shows its result, not the steps."""
        self.tabs.setCurrentIndex(1)

    # --- showing a server -----------------------------------------------------------------------
    def show_server(self, info: ServerInfo | None, report: HealthReport | None) -> None:
        for widget in (self.banner, self.activity):
            widget.clear_message()
        self.review_button.hide()
        if info is None:
            self.headline.setText("Select a server to see its steps and health")
            for value in self.values.values():
                value.setText("")
            self.steps.show_states({})
            self.steps_note.setText("")
            self.health.setText("")
            self.checks.clear()
            return
        self.headline.setText(f"{info.name} · {info.workspace} · {status_text(info)}")
        self._show_facts(info)
        self._show_host_key(info)
        self.steps.show_states(info.steps)
        done = sum(1 for state in info.steps.values() if state in FINISHED)
        self.steps_note.setText(
            "Not provisioned yet: Provision installs MailU step by step."
            if not info.steps
            else f"{done} of {len(self.steps.titles)} steps done."
            + (
                " Provision resumes after the last done step."
                if info.status is not ServerStatus.MAILU_READY
                else ""
            )
        )
        self._show_health(info, report)

    def _show_facts(self, info: ServerInfo) -> None:
        where = info.hostname or info.ip
        self.values["address"].setText(
            f"{info.ssh_user}@{where}:{info.ssh_port} (IP {info.ip}, {info.provider})"
        )
        self.values["host_key"].setText(info.host_key_fingerprint or "not trusted yet")
        self.values["ssh_key"].setText(f"secret {info.ssh_key_secret}")
        self.values["mailu"].setText(
            " ".join(p for p in (info.mailu_version or "not installed", info.mailu_url or "") if p)
        )
        self.values["added"].setText(local_time(info.created_at))

    def _show_host_key(self, info: ServerInfo) -> None:
        """The banner for a key that changed or awaits trust, with the button to review it."""
        if key_changed(info):
            self.banner.show_error(
                f"WARNING: {info.name} presented a different host key "
                f"({info.offered_fingerprint}) than the pinned one. Nothing was sent to it."
            )
            self.review_button.setText("Review the changed key…")
            self.review_button.show()
        elif info.status is ServerStatus.HOST_KEY_PENDING:
            offered = info.offered_fingerprint or "not read yet"
            self.banner.show_info(
                f"The host key of {info.name} is not trusted yet (presented: {offered}). "
                "Nothing is sent to the server until you trust it."
            )
            self.review_button.setText("Review &host key…")
            self.review_button.show()

    def _show_health(self, info: ServerInfo, report: HealthReport | None) -> None:
        self.checks.clear()
        health = report.health if report else info.health
        when = local_time(info.last_check_at) if info.last_check_at else ""
        if health is None:
            self.health.setText("Not checked yet: Run check connects and looks at the server.")
            self.checks.hide()
            return
        text = f"{health.value.capitalize()}" + (f" · {when}" if when else "")
        if report is not None:
            text += f" · {report.seconds:.1f} s" if report.seconds else ""
            if report.error:
                text += f"\n{report.error}"
        self.health.setText(text)
        if report is None or not report.checks:
            self.checks.setVisible(False)
            if report is None:
                self.health.setText(f"{text}\nRun check again to see each check's result.")
            return
        self.checks.setVisible(True)
        for check in report.checks:
            item = QTreeWidgetItem([check.name, check.detail])
            name, color = ("check", theme.SUCCESS) if check.ok else ("cancel", theme.DANGER)
            item.setIcon(0, icon(name, color))
            item.setToolTip(1, check.detail)
            self.checks.addTopLevelItem(item)
