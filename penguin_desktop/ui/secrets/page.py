"""Secrets: the active backend and why, the secret references of the workspace with rotation
badges, adding/replacing/deleting values, revealing one for a limited time, and migrating
everything to another backend as a cancellable job.

Whatever may touch a store (a Vault is a network server) runs off the UI thread. When the
encrypted file is involved, it is unlocked first, here on the UI thread, so no worker ever
has to ask for the master password.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QStackedWidget, QWidget

from penguin_desktop.core.accounts.models import WorkspaceInfo
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.secrets import BackendKind
from penguin_desktop.core.secrets.models import MigrationResult, SecretRefInfo
from penguin_desktop.ui.secrets.backend_card import BackendCard
from penguin_desktop.ui.secrets.columns import COLUMNS, ROTATION_COLUMN, WORKSPACE_COLUMN, badge
from penguin_desktop.ui.secrets.forms import DeleteSecretDialog, MigrateDialog, SetSecretDialog
from penguin_desktop.ui.secrets.labels import backend_noun
from penguin_desktop.ui.secrets.reveal import REVEAL_SECONDS, RevealDialog, SecretValueDialog
from penguin_desktop.ui.secrets.unlock import with_file_unlocked
from penguin_desktop.ui.shell.errors import show_error
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.badge_delegate import BadgeDelegate
from penguin_desktop.ui.widgets.empty_state import EmptyState
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.list_model import ListTableModel
from penguin_desktop.ui.widgets.page import WorkspacePage, action_button, make_table


class SecretsPage(WorkspacePage):
    title = "Secrets"
    subtitle = (
        "SSH keys, SMTP passwords and API keys of your clients: where they are kept, when "
        "they are due for rotation. Values are never shown without a reason, and every "
        "access is audited."
    )
    icon_name = "shield"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.reveal_ms = REVEAL_SECONDS * 1000  # tests shorten it
        self.migrate_button = action_button("Migrate all to…", "transfer")
        self.add_button = action_button("Add secret", "add", primary=True)
        self.migrate_button.clicked.connect(self.open_migrate)
        self.add_button.clicked.connect(self.open_add)
        self.page_actions.addWidget(self.migrate_button)
        self.page_actions.addWidget(self.add_button)

        self.backend = BackendCard(state)
        self.backend.saved.connect(lambda _info: self.refresh())
        self.body.addWidget(self.backend)
        self.body.addLayout(self._build_bar())
        self.message = InlineMessage()
        self.body.addWidget(self.message)
        self.body.addWidget(self._build_table(), 1)

        self.migrate_job: Job | None = None
        self.unlock_dialog: QWidget | None = None
        self.dialog: QWidget | None = None
        self.value_dialog: SecretValueDialog | None = None
        state.workspaces_changed.connect(self.mark_stale)

    def _build_bar(self) -> QHBoxLayout:
        """The heading of the table with its count, scope and the actions on a selected row."""
        bar = QHBoxLayout()
        bar.setSpacing(8)
        heading = QLabel("Secret references")
        heading.setObjectName("sectionTitle")
        self.count = QLabel()
        self.count.setObjectName("footnote")
        self.show_all = QCheckBox("All my workspaces")
        self.show_all.setToolTip("List the secrets of every workspace you can see")
        self.show_all.toggled.connect(lambda _on: self.refresh())
        self.reveal_button = action_button("Reveal…", "eye")
        self.replace_button = action_button("Replace…", "edit")
        self.delete_button = action_button("Delete…", "remove")
        self.reveal_button.clicked.connect(self.open_reveal)
        self.replace_button.clicked.connect(self.open_replace)
        self.delete_button.clicked.connect(self.open_delete)
        bar.addWidget(heading)
        bar.addWidget(self.count)
        bar.addSpacing(12)
        bar.addWidget(self.show_all)
        bar.addStretch(1)
        for button in (self.reveal_button, self.replace_button, self.delete_button):
            bar.addWidget(button)
        return bar

    def _build_table(self) -> QStackedWidget:
        """The references, or the empty state in their place."""
        self.model: ListTableModel[SecretRefInfo] = ListTableModel(COLUMNS)
        self.table = make_table()
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(ROTATION_COLUMN, BadgeDelegate(badge, self.table))
        for column, width in enumerate((140, 145, 135, 122, 100, 100, 115, 125)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.table.doubleClicked.connect(lambda _index: self._double_clicked())
        self.empty = EmptyState("", "", icon_name="key")
        self.empty.button.clicked.connect(self.open_add)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        return self.stack

    # --- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        super().refresh()
        self.backend.reload()
        ws = self.workspace
        everywhere = self.show_all.isChecked()
        self.table.setColumnHidden(WORKSPACE_COLUMN, not everywhere)
        rows: list[SecretRefInfo] | None = []
        if everywhere and self.state.can_anywhere(Permission.SECRET_LIST):
            rows = self.call(lambda: self.state.container.secrets.all(self.state.actor))
        elif not everywhere and ws is not None and self.state.can(Permission.SECRET_LIST, ws):
            rows = self.call(lambda: self.state.container.secrets.all(self.state.actor, ws.name))
        self.model.set_rows(rows or [])
        due = sum(1 for r in rows or [] if r.due)
        self.count.setText(
            f"{len(rows or [])} secrets" + (f" · {due} due for rotation" if due else "")
            if rows
            else ""
        )
        if rows:
            self.stack.setCurrentWidget(self.table)
        else:
            self._show_empty()
        self._update_actions()

    def _show_empty(self) -> None:
        ws = self.workspace
        may_list = (
            self.state.can_anywhere(Permission.SECRET_LIST)
            if self.show_all.isChecked()
            else ws is not None and self.state.can(Permission.SECRET_LIST, ws)
        )
        if ws is None and not self.show_all.isChecked():
            self.show_no_workspace(self.empty)
        elif not may_list:
            self.empty.set_text(
                "Secrets are not open to your role",
                "Members, managers, admins and owners of a workspace see its secret "
                "references. Ask an owner for a higher role if you need them.",
            )
            self.empty.set_action(None)
        else:
            where = "your workspaces" if self.show_all.isChecked() or ws is None else ws.name
            backend = self.backend.info.kind if self.backend.info else "file"
            self.empty.set_text(
                f"No secrets in {where} yet",
                "Add the SSH keys, SMTP passwords and API keys this client's servers and "
                f"services need. Values go to {backend_noun(backend)}; the "
                "database keeps only references.",
            )
            self.empty.set_action("Add secret" if self._may_write(ws) else None)
        self.stack.setCurrentWidget(self.empty)

    # --- permissions ----------------------------------------------------------------------------
    def _may_write(self, ws: WorkspaceInfo | None) -> bool:
        return ws is not None and not ws.archived and self.state.can(Permission.SECRET_WRITE, ws)

    def selected(self) -> SecretRefInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_object(rows[0].row()) if rows else None

    def _update_actions(self) -> None:
        ws = self.workspace
        may_add = self._may_write(ws)
        self.add_button.setEnabled(may_add)
        if ws is None:
            self.add_button.setToolTip("Pick a workspace first")
        elif not may_add:
            self.add_button.setToolTip(
                f"Only managers, admins and owners of {ws.name} add secrets; "
                f"you are {ws.my_role.value}"
            )
        else:
            self.add_button.setToolTip(f"Store a new secret for {ws.name}")

        ref = self.selected()
        ref_ws = self.workspace_named(ref.workspace) if ref is not None else None
        may_reveal = ref_ws is not None and self.state.can(Permission.SECRET_REVEAL, ref_ws)
        may_change = self._may_write(ref_ws)
        self.reveal_button.setEnabled(may_reveal)
        self.replace_button.setEnabled(may_change)
        self.delete_button.setEnabled(may_change)
        if ref is None or ref_ws is None:
            for button in (self.reveal_button, self.replace_button, self.delete_button):
                button.setToolTip("Select a secret first")
        else:
            role = ref_ws.my_role.value
            self.reveal_button.setToolTip(
                f"Show the value of {ref.name} for {self.reveal_ms // 1000} s (audited)"
                if may_reveal
                else f"Only admins and owners of {ref_ws.name} reveal values; you are {role}"
            )
            change_tip = (
                ""
                if may_change
                else f"Only managers, admins and owners of {ref_ws.name} change secrets; "
                f"you are {role}"
            )
            self.replace_button.setToolTip(change_tip or f"Replace the value of {ref.name}")
            self.delete_button.setToolTip(change_tip or f"Delete {ref.name} and its value")

        may_migrate = self.state.can(Permission.SECRET_MIGRATE)
        self.migrate_button.setEnabled(may_migrate and self.migrate_job is None)
        if self.migrate_job is not None:
            self.migrate_button.setToolTip("A migration is running (see the status bar)")
        elif not may_migrate:
            self.migrate_button.setToolTip(
                "Only organization owners and admins migrate secrets between backends"
            )
        else:
            self.migrate_button.setToolTip("Move every secret to another backend, verified")

    def _double_clicked(self) -> None:
        if self.reveal_button.isEnabled():
            self.open_reveal()

    # --- add, replace, delete -------------------------------------------------------------------
    def _active_backend(self) -> str:
        return self.backend.info.kind if self.backend.info is not None else "file"

    def open_add(self) -> None:
        ws = self.workspace
        if ws is None or not self._may_write(ws):
            return
        backend = self._active_backend()

        def show() -> None:
            dialog = SetSecretDialog(self.state, ws.name, backend, parent=self)
            dialog.accepted.connect(lambda: self._saved(dialog))
            self.dialog = dialog
            dialog.open()

        self.unlock_dialog = with_file_unlocked(self, self.state.container, {backend}, show)

    def open_replace(self) -> None:
        ref = self.selected()
        if ref is None or not self._may_write(self.workspace_named(ref.workspace)):
            return

        def show() -> None:
            dialog = SetSecretDialog(self.state, ref.workspace, ref.backend, ref, parent=self)
            dialog.accepted.connect(lambda: self._saved(dialog))
            self.dialog = dialog
            dialog.open()

        self.unlock_dialog = with_file_unlocked(self, self.state.container, {ref.backend}, show)

    def _saved(self, dialog: SetSecretDialog) -> None:
        info = dialog.result_value
        self.refresh()
        if isinstance(info, SecretRefInfo):
            self._select(info.workspace, info.name)
            verb = "Replaced the value of" if dialog.existing else "Stored"
            self.state.notify(f"{verb} {info.name} ({backend_noun(info.backend)})")

    def open_delete(self) -> None:
        ref = self.selected()
        if ref is None:
            return

        def show() -> None:
            dialog = DeleteSecretDialog(self.state, ref, self)
            dialog.accepted.connect(lambda: self._deleted(ref))
            self.dialog = dialog
            dialog.open()

        self.unlock_dialog = with_file_unlocked(self, self.state.container, {ref.backend}, show)

    def _deleted(self, ref: SecretRefInfo) -> None:
        self.refresh()
        self.state.notify(f"Deleted {ref.name} from {ref.workspace}")

    def _select(self, workspace: str, name: str) -> None:
        for row, ref in enumerate(self.model.rows):
            if ref.workspace == workspace and ref.name == name:
                self.table.selectRow(row)
                return

    # --- reveal ---------------------------------------------------------------------------------
    def open_reveal(self) -> None:
        ref = self.selected()
        if ref is None or not self.reveal_button.isEnabled():
            return

        def show() -> None:
            dialog = RevealDialog(self.state, ref, self.reveal_ms / 1000, self)
            dialog.accepted.connect(lambda: self._revealed(dialog))
            self.dialog = dialog
            dialog.open()

        self.unlock_dialog = with_file_unlocked(self, self.state.container, {ref.backend}, show)

    def _revealed(self, dialog: RevealDialog) -> None:
        value = dialog.value
        dialog.forget()
        if value is None:
            return
        if self.value_dialog is not None:
            self.value_dialog.clear_clipboard()
            self.value_dialog.deleteLater()
        shown = SecretValueDialog(dialog.ref, value, self.reveal_ms, self)
        self.value_dialog = shown
        shown.open()
        self.refresh()  # "last accessed" changed
        self._select(dialog.ref.workspace, dialog.ref.name)

    # --- migrate --------------------------------------------------------------------------------
    def open_migrate(self) -> MigrateDialog | None:
        if not self.state.can(Permission.SECRET_MIGRATE) or self.migrate_job is not None:
            return None
        counts = Counter(r.backend for r in self.model.rows)
        dialog = MigrateDialog(dict(counts), self)
        dialog.accepted.connect(lambda: self._migrate_chosen(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _migrate_chosen(self, dialog: MigrateDialog) -> None:
        if dialog.chosen is not None:
            self.start_migration(dialog.chosen)

    def start_migration(self, target: BackendKind) -> None:
        """Unlock the file if it may be involved, then migrate on a worker thread."""
        kinds = {target.value, self._active_backend(), *(r.backend for r in self.model.rows)}
        if self.state.container.secrets.file_state().exists:
            kinds.add(BackendKind.FILE.value)
        self.unlock_dialog = with_file_unlocked(
            self, self.state.container, kinds, lambda: self._run_migration(target)
        )

    def _run_migration(self, target: BackendKind) -> None:
        secrets, actor = self.state.container.secrets, self.state.actor
        label = backend_noun(target.value)
        job = self.state.runner.start(
            f"Migrating secrets to {label}",
            lambda ctx: secrets.migrate(actor, target, ctx),
        )
        self.migrate_job = job
        self.message.show_info(
            f"Migrating every secret to {label} … (progress and Cancel in the status bar)"
        )
        job.signals.finished.connect(self._migrated)
        job.signals.failed.connect(self._migration_failed)
        job.signals.cancelled.connect(self._migration_cancelled)
        job.signals.ended.connect(self._migration_ended)
        self._update_actions()

    def _migrated(self, result: MigrationResult) -> None:
        label = backend_noun(result.target)
        text = (
            f"Moved {result.moved} secrets to {label}, each verified by reading it back "
            f"({result.already_there} were already there; {result.cleaned} old copies removed)."
        )
        self.message.show_success(text)
        self.state.notify(f"Moved {result.moved} secrets to {label}")

    def _migration_failed(self, error: BaseException) -> None:
        self.message.show_error(
            "The migration stopped. Secrets already moved stay moved; run it again to finish."
        )
        show_error(self, error)

    def _migration_cancelled(self, text: str) -> None:
        text = text[:1].upper() + text[1:]
        if "again" not in text:
            text += ". Run it again to finish"
        self.message.show_info(
            f"{text}. Nothing was lost: every secret is readable where the table says."
        )

    def _migration_ended(self) -> None:
        self.migrate_job = None
        self.refresh()
