"""What every page shares: the container, the signed-in actor, the current workspace, the jobs.

Pages hold this instead of each other, and react to its signals: when a page renames a
workspace, the switcher and the other pages hear about it without knowing who changed it.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, Signal

from penguin_desktop.container import Container
from penguin_desktop.core.accounts.models import UserInfo, WorkspaceInfo
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.permissions import MATRIX, Permission, Scope, allows
from penguin_desktop.ui.secrets.unlock import prompt_of
from penguin_desktop.ui.shell.workers import JobRunner


class AppState(QObject):
    workspaces_changed = Signal()
    current_workspace_changed = Signal(object)
    actor_changed = Signal(object)
    status_message = Signal(str)

    def __init__(
        self,
        container: Container,
        actor: Actor,
        runner: JobRunner | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.container = container
        self.actor = actor
        self._unlock_as(actor)
        self.runner = runner or JobRunner(parent=self)
        self._sign_off_the_ui_thread()
        self.workspaces: list[WorkspaceInfo] = []
        self.current: WorkspaceInfo | None = None

    def _sign_off_the_ui_thread(self) -> None:
        """The audit trail's head is signed every so many writes, right after the write that
        reaches the count, on that write's thread. In the console that is often the UI thread,
        and signing reads the key from the secret store (Vault over the network), so here it is
        handed to the job pool instead (unlisted: it is the program's own upkeep)."""
        container, pool = self.container, self.runner.pool

        def due() -> None:
            pool.start(container.audit.checkpoint_quietly)

        container.db.on_checkpoint_due = due

    # --- workspaces -------------------------------------------------------------------------
    def reload_workspaces(self, select: str | None = None) -> None:
        """Re-read the visible workspaces; keep (or move to `select`) the current one."""
        self.workspaces = self.container.workspaces.all(self.actor, include_archived=True)
        wanted = select or (self.current.name if self.current else None)
        active = [w for w in self.workspaces if not w.archived]
        chosen = next((w for w in active if wanted and w.name == wanted), None)
        if chosen is None and active:
            chosen = active[0]
        self.workspaces_changed.emit()
        self._set_current(chosen)

    def select_workspace(self, name: str | None) -> None:
        chosen = next((w for w in self.workspaces if w.name == name), None)
        self._set_current(chosen)

    @property
    def active_workspaces(self) -> list[WorkspaceInfo]:
        return [w for w in self.workspaces if not w.archived]

    def _set_current(self, workspace: WorkspaceInfo | None) -> None:
        if workspace != self.current:
            self.current = workspace
            self.current_workspace_changed.emit(workspace)

    # --- permissions (for enabling controls; core still enforces) ----------------------------
    def role_in(self, workspace: WorkspaceInfo | None) -> Role | None:
        return workspace.my_role if workspace is not None else None

    def can(self, permission: Permission, workspace: WorkspaceInfo | None = None) -> bool:
        """Whether to offer `permission`: org-scoped ones against the org role, workspace ones
        against the role in `workspace` (the current one when not given)."""
        if MATRIX[permission].scope is Scope.ORGANIZATION:
            return allows(self.actor.org_role, permission)
        role = self.role_in(workspace if workspace is not None else self.current)
        return role is not None and allows(role, permission)

    def can_anywhere(self, permission: Permission) -> bool:
        """True when some visible workspace's role allows `permission` (audit page, export)."""
        return any(allows(w.my_role, permission) for w in self.workspaces)

    # --- the acting user ----------------------------------------------------------------------
    def update_actor(self, info: UserInfo) -> None:
        """Core returned fresh account data (new email, idle timeout): act with it from now on."""
        self.actor = dataclasses.replace(
            self.actor, email=info.email, idle_timeout_minutes=info.idle_timeout_minutes
        )
        self._unlock_as(self.actor)
        self.actor_changed.emit(self.actor)

    def _unlock_as(self, actor: Actor) -> None:
        """The secrets file is unlocked, and audited, as the signed-in user."""
        prompt = prompt_of(self.container)
        if prompt is not None:
            prompt.actor = actor

    def notify(self, text: str) -> None:
        self.status_message.emit(text)
