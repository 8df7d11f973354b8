"""What the Mailboxes page does: create mailboxes, enable and disable them, set new passwords
and quotas, add and remove aliases, remove mailboxes; and read the aliases from MailU.

Everything that talks to MailU runs on a worker. The MailU admin token and the mailbox passwords
live in the secret store, so the encrypted file is unlocked first when that is where they are;
a mere refresh never asks for its password (the aliases wait for "Show aliases").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QCheckBox, QWidget

from penguin_desktop.core.accounts.models import WorkspaceInfo
from penguin_desktop.core.mailboxes.models import MailboxInfo, OutsideMailboxInfo, SendingLimits
from penguin_desktop.core.mailboxes.service import AliasInfo
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.servers.models import ServerInfo
from penguin_desktop.ui.billing.limits import over_plan
from penguin_desktop.ui.mailboxes.detail import MailboxDetail
from penguin_desktop.ui.mailboxes.forms import (
    AddAliasDialog,
    MailboxForm,
    NewMailboxDialog,
    PasswordDialog,
    QuotaDialog,
    RemoveAliasDialog,
    RemoveMailboxDialog,
)
from penguin_desktop.ui.mailboxes.limits import LimitsDialog
from penguin_desktop.ui.mailboxes.outside import (
    ConnectOutsideDialog,
    DisconnectDialog,
    OutsidePanel,
)
from penguin_desktop.ui.secrets.unlock import file_needed, prompt_of, with_file_unlocked
from penguin_desktop.ui.shell.errors import describe, show_error
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.list_detail import ListDetailPage, backend_kinds
from penguin_desktop.ui.widgets.list_model import Column


class MailboxActions(ListDetailPage[MailboxInfo, MailboxDetail]):
    """The Mailboxes page's actions and alias reading, kept apart from its layout and loading
    (`MailboxesPage`)."""

    show_all: QCheckBox  # "All my workspaces", beside the filter (`MailboxesPage.list_side`)
    outside: OutsidePanel  # the outside mailboxes, under the MailU list (`MailboxesPage`)

    def __init__(
        self,
        state: AppState,
        columns: Sequence[Column[MailboxInfo]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(state, columns, MailboxDetail(), parent)
        self.rows: list[MailboxInfo] = []
        self.servers: list[ServerInfo] = []
        self.aliases: list[AliasInfo] | None = None
        self.alias_error: str | None = None
        self.aliases_job: Job | None = None
        self.action_job: Job | None = None
        self._reload_aliases = False
        self._keep: tuple[str, str] | None = None

    def _spaces(self) -> list[WorkspaceInfo]:
        """The workspaces whose mailboxes are listed."""
        if self.show_all.isChecked():
            return [w for w in self.state.workspaces if self.state.can(Permission.MAILBOX_READ, w)]
        ws = self.workspace
        return [ws] if ws is not None and self.state.can(Permission.MAILBOX_READ, ws) else []

    def _may_manage(self, ws: WorkspaceInfo | None) -> bool:
        return self.allowed(Permission.MAILBOX_MANAGE, ws)

    # --- aliases (read from MailU on a worker) --------------------------------------------------
    def _alias_spaces(self) -> list[WorkspaceInfo]:
        return [w for w in self._spaces() if self.state.can(Permission.MAILBOX_ALIAS_READ, w)]

    def _needs_unlock(self, spaces: list[WorkspaceInfo]) -> bool:
        """Whether reading a MailU token would make the encrypted file ask for its password."""
        container = self.state.container
        prompt = prompt_of(container)
        if prompt is None or prompt.unlocked or prompt.has_environment_password:
            return False
        return file_needed(container, self._backends(spaces))

    def load_aliases(self, ask: bool = False) -> Job | None:
        """Read the aliases of the listed workspaces' MailU servers; with `ask`, unlock the
        secrets file first if needed (never asked for on a mere refresh)."""
        if self.aliases_job is not None:
            self._reload_aliases = True
            return None
        self.aliases, self.alias_error = None, None
        spaces = self._alias_spaces()
        has_mailu = any(m.workspace in {w.name for w in spaces} for m in self.rows)
        if not spaces or not has_mailu:
            self._show_aliases()
            return None
        if self._needs_unlock(spaces):
            if ask:
                self.unlock_dialog = with_file_unlocked(
                    self, self.state.container, self._backends(spaces), self._load_aliases_now
                )
            self._show_aliases()
            return None
        names = [w.name for w in spaces]
        mailboxes, actor = self.state.container.mailboxes, self.state.actor
        everywhere = self.show_all.isChecked()

        def work(_ctx: object) -> list[AliasInfo]:
            if everywhere:
                found = mailboxes.aliases(actor)
                return [a for a in found if a.workspace in names]
            return mailboxes.aliases(actor, names[0])

        job = self.state.runner.start("Reading aliases from MailU", work)
        self.aliases_job = job
        job.signals.finished.connect(self._aliases_loaded)
        job.signals.failed.connect(self._aliases_failed)
        job.signals.ended.connect(self._aliases_ended)
        self._show_aliases()
        return job

    def _load_aliases_now(self) -> None:
        self.load_aliases()

    def _aliases_loaded(self, aliases: list[AliasInfo]) -> None:
        self.aliases = aliases

    def _aliases_failed(self, error: BaseException) -> None:
        self.alias_error = describe(error)

    def _aliases_ended(self) -> None:
        self.aliases_job = None
        if self._reload_aliases:
            self._reload_aliases = False
            self.load_aliases()
            return
        self._show_aliases()

    def _show_aliases(self) -> None:
        box = self.selected()
        detail = self.detail
        detail.load_aliases_button.setVisible(False)
        detail.show_aliases(box, self.aliases)
        if box is None:
            detail.set_note("")
        elif self.aliases_job is not None:
            detail.set_note("Reading aliases from MailU …")
        elif self.alias_error is not None:
            detail.set_note(f"Could not read the aliases: {self.alias_error}")
            detail.load_aliases_button.setText("Try again")
            detail.load_aliases_button.setVisible(True)
        elif self.aliases is None:
            ws = self.workspace_named(box.workspace)
            if ws is None or not self.state.can(Permission.MAILBOX_ALIAS_READ, ws):
                role = ws.my_role.value if ws is not None else "none"
                detail.set_note(
                    "Aliases are read from MailU with the server's admin token, which your "
                    f"role ({role}) may not use."
                )
            else:
                detail.set_note(
                    "Aliases are read from MailU with the server's admin token, kept in the "
                    "encrypted secrets file: unlock it to see them."
                )
                detail.load_aliases_button.setText("Show aliases")
                detail.load_aliases_button.setVisible(True)
        self._update_actions()

    # --- actions --------------------------------------------------------------------------------
    def _backends(self, spaces: list[WorkspaceInfo]) -> set[str]:
        return backend_kinds(self.state, (ws.name for ws in spaces))

    def _open(self, dialog: MailboxForm, done: Callable[[], None]) -> None:
        dialog.accepted.connect(done)
        self.dialog = dialog
        dialog.open()

    def open_new(self) -> None:
        ws = self.workspace
        if ws is None or not self._may_manage(ws):
            return

        def show() -> None:
            dialog = NewMailboxDialog(self.state, ws.name, self.servers, self)
            self._open(dialog, lambda: self._created(dialog))

        self.after_unlock(ws.name, show)

    def _created(self, dialog: NewMailboxDialog) -> None:
        box = dialog.result_value
        self.refresh()
        if box is None:
            return
        self._select(box.workspace, box.email)
        text = (
            f"Created {box.email} on {box.server}. Its generated password went straight into "
            f"the secret store as {box.password_secret}; it is never shown."
        )
        self.message.show_success(text)
        self.state.notify(f"Created mailbox {box.email}")
        warning = over_plan(self.state, box.workspace)
        if warning:
            self.message.show_warning(f"{text} {warning}")

    def toggle_enabled(self) -> Job | None:
        box = self.selected()
        ws = self.workspace_named(box.workspace) if box is not None else None
        if box is None or self.action_job is not None or not self._may_manage(ws):
            return None
        enable = not box.enabled
        mailboxes, actor = self.state.container.mailboxes, self.state.actor
        verb = "Enabling" if enable else "Disabling"

        def run() -> Job:
            call = mailboxes.enable if enable else mailboxes.disable
            job = self.state.runner.start(
                f"{verb} {box.email}", lambda _ctx: call(actor, box.email, box.workspace)
            )
            self.action_job = job
            self.message.show_info(f"{verb} {box.email} in MailU …")
            done = "Enabled" if enable else "Disabled"
            job.signals.finished.connect(lambda info: self._done(info, f"{done} {box.email}"))
            job.signals.failed.connect(self._action_failed)
            job.signals.ended.connect(self._action_ended)
            self._update_actions()
            return job

        return self.start_unlocked(box.workspace, run)

    def _done(self, info: MailboxInfo, text: str) -> None:
        self.message.show_success(text)
        self.state.notify(text)
        self._keep = (info.workspace, info.email)

    def _action_failed(self, error: BaseException) -> None:
        self.message.show_error("MailU did not take the change; nothing was changed here.")
        show_error(self, error)

    def _action_ended(self) -> None:
        self.action_job = None
        keep, self._keep = self._keep, None
        self.refresh()
        if keep:
            self._select(*keep)

    def open_password(self) -> None:
        self._row_dialog(
            PasswordDialog,
            lambda box, _r: (
                f"{box.email} has a new password, stored as {box.password_secret} in the "
                "secret store (not shown)"
            ),
        )

    def open_quota(self) -> None:
        self._row_dialog(
            QuotaDialog, lambda box, r: f"{box.email} now has a quota of {r.quota_mb} MB"
        )

    def open_alias(self) -> None:
        self._row_dialog(
            AddAliasDialog,
            lambda box, r: f"Added alias {r.email}: it goes to {r.destination_text}",
        )

    def open_remove(self) -> None:
        self._row_dialog(RemoveMailboxDialog, lambda box, _r: f"Removed {box.email}", gone=True)

    def _row_dialog(
        self,
        kind: Callable[[AppState, MailboxInfo, QWidget], MailboxForm],
        text: Callable[[MailboxInfo, Any], str],
        gone: bool = False,
    ) -> None:
        box = self.selected()
        ws = self.workspace_named(box.workspace) if box is not None else None
        if box is None or self.action_job is not None or not self._may_manage(ws):
            return

        def show() -> None:
            dialog = kind(self.state, box, self)
            self._open(dialog, lambda: self._row_done(box, text(box, dialog.result_value), gone))

        self.after_unlock(box.workspace, show)

    def _row_done(self, box: MailboxInfo, text: str, gone: bool) -> None:
        self.refresh()
        if not gone:
            self._select(box.workspace, box.email)
        self.message.show_success(text)
        self.state.notify(text)

    def open_remove_alias(self) -> None:
        alias = self.detail.selected_alias()
        ws = self.workspace_named(alias.workspace) if alias is not None else None
        if alias is None or not self._may_manage(ws):
            return

        def show() -> None:
            dialog = RemoveAliasDialog(self.state, alias, self)
            self._open(dialog, lambda: self._alias_removed(alias))

        self.after_unlock(alias.workspace, show)

    def _alias_removed(self, alias: AliasInfo) -> None:
        text = f"Removed alias {alias.email}"
        self.message.show_success(text)
        self.state.notify(text)
        self.load_aliases()

    # --- outside mailboxes and sending limits ---------------------------------------------------
    def open_connect(self) -> None:
        ws = self.workspace
        if ws is None or not self._may_manage(ws):
            return

        def show() -> None:
            dialog = ConnectOutsideDialog(self.state, ws.name, self)
            self._open(dialog, lambda: self._outside_done(dialog.result_value))

        self.after_unlock(ws.name, show)

    def _outside_done(self, box: OutsideMailboxInfo | None) -> None:
        self.refresh()
        if box is not None:
            text = f"Connected {box.email}; its password is in the secret store"
            self.message.show_success(text)
            self.state.notify(text)

    def open_limits(self) -> None:
        """Limits of the selected MailU mailbox (read with the workspace's other accounts)."""
        box = self.selected()
        if box is None or not self._may_manage(self.workspace_named(box.workspace)):
            return
        sending, actor = self.state.container.sending, self.state.actor
        accounts = self.call(lambda: sending.accounts(actor, box.workspace)) or []
        for account in accounts:
            if account.email == box.email:
                self._show_limits(account.limits)

    def open_outside_limits(self) -> None:
        box = self.outside.selected()
        if box is not None and self._may_manage(self.workspace_named(box.workspace)):
            self._show_limits(box.limits)

    def _show_limits(self, limits: SendingLimits) -> None:
        dialog = LimitsDialog(self.state, limits, self)
        text = f"Saved the sending limits of {limits.email}"
        self._open(dialog, lambda: self._outside_saved(text))

    def open_disconnect(self) -> None:
        box = self.outside.selected()
        if box is None or not self._may_manage(self.workspace_named(box.workspace)):
            return

        def show() -> None:
            dialog = DisconnectDialog(self.state, box, self)
            self._open(dialog, lambda: self._outside_saved(f"Disconnected {box.email}"))

        self.after_unlock(box.workspace, show)

    def _outside_saved(self, text: str) -> None:
        self.refresh()
        self.message.show_success(text)
        self.state.notify(text)
