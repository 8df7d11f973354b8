"""What the Servers page does to a server: run a check, rotate its SSH key, back it up, restore
onto it, provision it (or resume), trust or review its host key, add and remove servers.

Each job talks to the server on a worker, one job per server at a time. A job refused because
the host key is not trusted yet asks about it and, once trusted, runs again; a changed key opens
the warning and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QWidget

from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.servers.models import Health, HealthReport, ServerInfo
from penguin_desktop.core.servers.ssh.errors import HostKeyChanged, HostKeyNotAccepted
from penguin_desktop.ui.servers.detail import ServerDetail, key_changed
from penguin_desktop.ui.servers.forms import RemoveServerDialog, RestoreDialog, StartProvisionDialog
from penguin_desktop.ui.servers.host_key import HostKeyChangedDialog, HostKeyDialog, HostKeyOffer
from penguin_desktop.ui.servers.provision_view import ProvisionDialog
from penguin_desktop.ui.servers.wizard import NewServerWizard
from penguin_desktop.ui.shell.errors import show_error
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.list_detail import ListDetailPage
from penguin_desktop.ui.widgets.list_model import Column

ServerKey = tuple[str, str]  # workspace, name


class ServerActions(ListDetailPage[ServerInfo, ServerDetail]):
    """The Servers page's actions, kept apart from its layout and loading (`ServersPage`)."""

    def __init__(
        self,
        state: AppState,
        columns: Sequence[Column[ServerInfo]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(state, columns, ServerDetail(), parent)
        self.jobs: dict[ServerKey, Job] = {}
        self.reports: dict[ServerKey, HealthReport] = {}
        self.host_key_dialog: QWidget | None = None
        self.provision_dialogs: dict[ServerKey, ProvisionDialog] = {}
        self.provision_options: dict[str, Any] = {}  # e.g. poll_s, for tests and slow links

    # --- permissions ----------------------------------------------------------------------------
    def _may(self, permission: Permission, info: ServerInfo | None) -> bool:
        return info is not None and self.allowed(permission, self.workspace_named(info.workspace))

    def _may_add(self) -> bool:
        return any(
            self.state.can(Permission.SERVER_MANAGE, w) for w in self.state.active_workspaces
        )

    # --- jobs on one server ---------------------------------------------------------------------
    def _run(
        self,
        info: ServerInfo,
        title: str,
        work: Callable[[Any], Any],
        done: Callable[[Any], None],
        retry: Callable[[], object] | None = None,
    ) -> Job | None:
        key = (info.workspace, info.name)
        if key in self.jobs:
            return None
        job = self.state.runner.start(title, work, owner=self)
        self.jobs[key] = job
        self.detail.activity.show_info(f"{title}… (progress and Cancel in the status bar)")
        job.signals.finished.connect(done)
        job.signals.failed.connect(lambda error: self._job_failed(info, error, retry))
        job.signals.cancelled.connect(lambda text: self.message.show_info(text))
        job.signals.ended.connect(lambda: self._job_ended(key))
        self._update_actions()
        return job

    def _job_ended(self, key: ServerKey) -> None:
        self.jobs.pop(key, None)
        self.refresh()

    def _job_failed(
        self, info: ServerInfo, error: BaseException, retry: Callable[[], object] | None
    ) -> None:
        if isinstance(error, HostKeyNotAccepted):
            self._ask_trust(HostKeyOffer.of(info, error.fingerprint), retry)
            return
        if isinstance(error, HostKeyChanged):
            self._warn_changed(info, error.offered, error.pinned)
            return
        self.message.show_error(f"{info.name}: the job stopped. Nothing else was changed.")
        show_error(self, error)

    def start_check(self, info: ServerInfo | None = None) -> Job | None:
        info = info or self.selected()
        if info is None or not self._may(Permission.SERVER_OPERATE, info):
            return None
        servers, actor = self.state.container.servers, self.state.actor
        name, ws = info.name, info.workspace
        return self.start_unlocked(
            ws,
            lambda: self._run(
                info,
                f"Checking {name}",
                lambda _ctx: servers.run_check(actor, name, ws),
                lambda report: self._checked(info, report),
            ),
        )

    def _checked(self, info: ServerInfo, report: HealthReport) -> None:
        self.reports[(report.workspace, report.server)] = report
        self.detail.show_health_tab()
        text = f"{report.server}: {report.health.value}"
        if report.health is Health.HEALTHY:
            self.message.show_success(f"{text} ({report.seconds:.1f} s)")
        else:
            self.message.show_error(f"{text}: {report.error or 'a check failed'}")
        self.state.notify(text)
        if report.health is Health.UNREACHABLE and "CHANGED" in (report.error or ""):
            servers, actor = self.state.container.servers, self.state.actor
            fresh = self.call(lambda: servers.get(actor, info.name, info.workspace))
            if fresh is not None and key_changed(fresh):
                self._warn_changed(
                    fresh, fresh.offered_fingerprint or "", fresh.host_key_fingerprint
                )

    def start_rotate(self, info: ServerInfo | None = None) -> Job | None:
        info = info or self.selected()
        if info is None or not self._may(Permission.SERVER_MANAGE, info):
            return None
        servers, actor = self.state.container.servers, self.state.actor
        name, ws = info.name, info.workspace
        lines: list[str] = []

        def rotated(result: ServerInfo) -> None:
            self.message.show_success(f"SSH key of {result.name} rotated: " + "; ".join(lines[-2:]))

        return self.start_unlocked(
            ws,
            lambda: self._run(
                info,
                f"Rotating the SSH key of {name}",
                lambda _ctx: servers.rotate_key(actor, name, ws, on_log=lines.append),
                rotated,
                retry=lambda: self.start_rotate(info),
            ),
        )

    # --- backup and restore ---------------------------------------------------------------------
    def open_backup(self) -> None:
        info = self.selected()
        if info is None or not self._may(Permission.SERVER_MANAGE, info):
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        suggested = Path.home() / f"{info.name}-mailu-{stamp}.pmbak"
        name, _ = QFileDialog.getSaveFileName(
            self, f"Back up {info.name}", str(suggested), "PenguinMails backups (*.pmbak)"
        )
        if name:
            self.start_backup(Path(name), info)

    def start_backup(self, out: Path, info: ServerInfo | None = None) -> Job | None:
        info = info or self.selected()
        if info is None or not self._may(Permission.SERVER_MANAGE, info):
            return None
        servers, actor = self.state.container.servers, self.state.actor
        name, ws = info.name, info.workspace

        def done(manifest: dict[str, str]) -> None:
            self.message.show_success(f"Backed up {name} to {out} ({manifest.get('files', '')})")

        return self.start_unlocked(
            ws,
            lambda: self._run(
                info,
                f"Backing up {name}",
                lambda _ctx: servers.backup(actor, name, out, ws),
                done,
                retry=lambda: self.start_backup(out, info),
            ),
        )

    def open_restore(self) -> None:
        info = self.selected()
        if info is None or not self._may(Permission.SERVER_MANAGE, info):
            return
        name, _ = QFileDialog.getOpenFileName(
            self,
            f"Restore onto {info.name}",
            str(Path.home()),
            "PenguinMails backups (*.pmbak);;All files (*)",
        )
        if name:
            self.confirm_restore(Path(name), info)

    def confirm_restore(self, source: Path, info: ServerInfo | None = None) -> QWidget | None:
        info = info or self.selected()
        if info is None or not self._may(Permission.SERVER_MANAGE, info):
            return None
        dialog = RestoreDialog(self.state, info, source, self)

        def restored() -> None:
            manifest = dialog.result_value or {}
            self.message.show_success(
                f"Restored the configuration of {manifest.get('server', '?')} onto {info.name}: "
                "Provision it to start MailU with it"
            )
            self.refresh()

        dialog.accepted.connect(restored)
        self.dialog = dialog
        self.after_unlock(info.workspace, dialog.open)
        return dialog

    # --- provisioning ---------------------------------------------------------------------------
    def open_provision(self) -> None:
        info = self.selected()
        if info is None or not self._may(Permission.SERVER_OPERATE, info):
            return
        if info.host_key_fingerprint is None:
            self.open_host_key()
            return
        if info.steps:
            self.start_provision(info, resume=True)
            return
        form = StartProvisionDialog(info, self)
        form.accepted.connect(lambda: self.start_provision(info, resume=False, plan=form.values))
        self.dialog = form
        form.open()

    def start_provision(
        self,
        info: ServerInfo,
        resume: bool,
        plan: dict[str, str | None] | None = None,
    ) -> ProvisionDialog | None:
        key = (info.workspace, info.name)
        if key in self.jobs:
            shown = self.provision_dialogs.get(key)
            if shown is not None:
                shown.show()
                shown.raise_()
            return shown
        old = self.provision_dialogs.get(key)
        if old is not None:
            old.close()
            old.deleteLater()
        dialog = ProvisionDialog(self.state, info, self)
        self.provision_dialogs[key] = dialog

        def begin() -> None:
            job = dialog.start(resume, plan, self.provision_options)
            if job is None:
                return
            self.jobs[key] = job
            job.signals.ended.connect(lambda: self._job_ended(key))
            dialog.view.ended.connect(lambda outcome: self._provision_ended(info, dialog, outcome))
            self.detail.activity.show_info(f"Provisioning {info.name}…")
            self._update_actions()
            dialog.open()

        self.after_unlock(info.workspace, begin)
        return dialog

    def _provision_ended(self, info: ServerInfo, dialog: ProvisionDialog, outcome: str) -> None:
        if outcome == "done":
            self.message.show_success(f"MailU is installed on {info.name}")
        elif outcome == "cancelled":
            self.message.show_info(
                f"Provisioning {info.name} was cancelled: Resume provisioning continues it"
            )
        else:
            error = dialog.view.error
            if isinstance(error, HostKeyChanged):
                self._warn_changed(info, error.offered, error.pinned)
            self.message.show_error(
                f"Provisioning {info.name} stopped; see its log. Resume provisioning continues it."
            )

    # --- host keys ------------------------------------------------------------------------------
    def open_host_key(self) -> None:
        info = self.selected()
        if info is None:
            return
        if key_changed(info):
            self._warn_changed(info, info.offered_fingerprint or "", info.host_key_fingerprint)
            return
        if info.host_key_fingerprint is not None:
            self.message.show_success(f"The host key of {info.name} is trusted")
            return
        self._ask_trust(HostKeyOffer.of(info), None)

    def _ask_trust(self, offer: HostKeyOffer, retry: Callable[[], object] | None) -> HostKeyDialog:
        dialog = HostKeyDialog(self.state, offer, self)

        def trusted() -> None:
            self.refresh()
            self._select(offer.workspace, offer.server)
            self.message.show_success(f"Host key of {offer.server} pinned")
            if retry is not None:
                retry()

        dialog.accepted.connect(trusted)
        self.host_key_dialog = dialog
        dialog.open()
        return dialog

    def _warn_changed(
        self, info: ServerInfo, offered: str, pinned: str | None
    ) -> HostKeyChangedDialog:
        dialog = HostKeyChangedDialog(self.state, info, offered, pinned, self)
        dialog.accepted.connect(self.refresh)
        self.host_key_dialog = dialog
        self.message.show_error(f"The host key of {info.name} has CHANGED: nothing was sent to it")
        dialog.open()
        return dialog

    # --- adding and removing --------------------------------------------------------------------
    def open_new(self) -> NewServerWizard | None:
        if not self._may_add():
            return None
        ws = self.workspace

        def show() -> None:
            wizard = NewServerWizard(self.state, ws.name if ws else None, self)
            wizard.provision_options = dict(self.provision_options)
            wizard.server_changed.connect(lambda w, n: self._server_added(w, n))
            wizard.finished.connect(lambda _code: self.refresh())
            self.dialog = wizard
            wizard.open()

        self.after_unlock(ws.name if ws else None, show)
        return self.dialog if isinstance(self.dialog, NewServerWizard) else None

    def _server_added(self, workspace: str, name: str) -> None:
        self.refresh()
        self._select(workspace, name)

    def open_remove(self) -> None:
        info = self.selected()
        if info is None or not self._may(Permission.SERVER_MANAGE, info):
            return
        if (info.workspace, info.name) in self.jobs:
            return
        dialog = RemoveServerDialog(self.state, info, self)

        def removed() -> None:
            self.reports.pop((info.workspace, info.name), None)
            self.refresh()
            self.state.notify(f"Removed {info.name}")
            self.message.show_success(f"Removed {info.name}")

        dialog.accepted.connect(removed)
        self.dialog = dialog
        self.after_unlock(info.workspace, dialog.open)
