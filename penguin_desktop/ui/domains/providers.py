"""The DNS providers dialog of the Domains page: the providers of the workspace, adding and
removing one (their credentials go to the secret store, so the encrypted file is unlocked
first), and testing one off the UI thread."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.accounts.models import WorkspaceInfo
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.domains.actions import DomainActions
from penguin_desktop.ui.domains.forms import AddProviderDialog, RemoveProviderDialog
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.list_detail import with_secrets_unlocked
from penguin_desktop.ui.widgets.page import action_button


class ProvidersPanel(QDialog):
    """DNS providers of the workspace: list, add, and test one off the UI thread."""

    def __init__(self, page: DomainActions, workspace: WorkspaceInfo) -> None:
        super().__init__(page)
        self.page, self.workspace = page, workspace
        self.dialog = self
        self.setObjectName("formDialog")
        self.setWindowTitle("DNS providers")
        self.setMinimumSize(640, 360)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 18)
        layout.setSpacing(12)
        heading = QLabel(f"DNS providers of {workspace.name}")
        heading.setObjectName("dialogTitle")
        layout.addWidget(heading)
        self.tree = QTreeWidget()
        self.tree.setRootIsDecorated(False)
        self.tree.setHeaderLabels(["Name", "Kind", "Settings"])
        self.tree.setColumnWidth(0, 140)
        self.tree.setColumnWidth(1, 100)
        layout.addWidget(self.tree, 1)
        self.message = InlineMessage()
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.add_button = action_button("Add provider…", "add")
        self.test_button = action_button("Test", "plug")
        self.remove_button = action_button("Remove…", "remove")
        buttons.addButton(self.add_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.remove_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.dialog.reject)
        layout.addWidget(buttons)
        state = page.state
        self.add_button.setEnabled(state.can(Permission.DNS_PROVIDER_MANAGE, workspace))
        self.test_button.setEnabled(state.can(Permission.DOMAIN_FIX, workspace))
        self.remove_button.setEnabled(state.can(Permission.DNS_PROVIDER_MANAGE, workspace))
        self.add_button.clicked.connect(self.open_add)
        self.test_button.clicked.connect(self.test)
        self.remove_button.clicked.connect(self.open_remove)
        self.form: AddProviderDialog | RemoveProviderDialog | None = None
        self.unlock_dialog: QWidget | None = None
        self.reload()

    def reload(self) -> None:
        self.page.refresh()
        self.tree.clear()
        for info in self.page.providers:
            settings = ", ".join(f"{k}={v}" for k, v in sorted(info.settings.items()))
            item = QTreeWidgetItem([info.name, info.kind, settings])
            self.tree.addTopLevelItem(item)
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)

    def open_add(self) -> None:
        def show() -> None:
            self.form = AddProviderDialog(self.page.state, self.workspace.name, self)
            self.form.accepted.connect(self.reload)
            self.form.open()

        self.unlock_dialog = with_secrets_unlocked(self, self.page.state, self.workspace.name, show)

    def open_remove(self) -> None:
        item = self.tree.currentItem()
        if item is None:
            return
        name = item.text(0)
        users = sorted(d.display_name for d in self.page.model.rows if d.provider == name)

        def show() -> None:
            form = RemoveProviderDialog(self.page.state, self.workspace.name, name, users, self)
            form.accepted.connect(lambda: self._removed(form))
            self.form = form
            form.open()

        self.unlock_dialog = with_secrets_unlocked(self, self.page.state, self.workspace.name, show)

    def _removed(self, form: RemoveProviderDialog) -> None:
        self.reload()
        manual = f"; now fixed by hand: {', '.join(form.released)}" if form.released else ""
        self.message.show_success(f"Removed {form.provider}{manual}")

    def test(self) -> Job | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        name = item.text(0)
        domains, actor, ws = (
            self.page.state.container.domains,
            self.page.state.actor,
            self.workspace,
        )
        job = self.page.state.runner.start(
            f"Testing DNS provider {name}", lambda _ctx: domains.test_provider(actor, ws.name, name)
        )
        self.message.show_info(f"Testing {name} …")
        job.signals.finished.connect(lambda text: self.message.show_success(str(text)))
        job.signals.failed.connect(lambda error: self.message.show_error(error))
        return job
