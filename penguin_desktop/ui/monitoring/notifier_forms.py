"""The forms of the Notifiers tab: add a PagerDuty or a webhook notifier, and confirm removing
one. The routing key or signing secret is typed into a password field and goes straight to the
secret store (which may be Vault, so OK runs off the UI thread); it is never shown again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from penguin_desktop.core.monitoring.models import NotifierInfo, NotifierKind
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.ui.monitoring.check_words import NOTIFIER_WORDS
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import hint_label, password_field
from penguin_desktop.ui.widgets.job_form import JobFormDialog

AGENCY = "agency"


def scope_text(workspace: str | None) -> str:
    return "Agency (every workspace)" if workspace is None else workspace


class AddNotifierDialog(JobFormDialog):
    """A notifier for the current workspace's alerts, or the agency's for every workspace's
    (`scopes`: the ones this role may add, the workspace's first)."""

    def __init__(
        self,
        state: AppState,
        kind: NotifierKind,
        scopes: list[str | None],
        pagerduty_url: str = "",
        parent: QWidget | None = None,
    ) -> None:
        webhook = kind is NotifierKind.WEBHOOK
        intro = (
            "Every alert that opens, is acknowledged or resolves is POSTed to this address as "
            "JSON, signed with the secret in the X-Penguin-Signature header."
            if webhook
            else "Alerts open, acknowledge and resolve incidents in PagerDuty through the "
            f"Events API v2 ({pagerduty_url or 'its usual address'}), one incident per check "
            "and condition."
        )
        super().__init__(
            state.runner,
            f"Add a {NOTIFIER_WORDS[kind]} notifier",
            intro,
            ok_text="Add notifier",
            parent=parent,
        )
        self.setObjectName("notifierDialog")
        self.state, self.kind = state, kind
        self.scope = QComboBox()
        for scope in scopes:
            self.scope.addItem(scope_text(scope), scope if scope is not None else AGENCY)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. ops-pager or acme-slack-relay")
        self.url = QLineEdit(self)  # in the form for a webhook only
        self.url.setPlaceholderText("https://hooks.example.com/penguin")
        self.secret = password_field(
            "the signing secret" if webhook else "the 32-character integration key"
        )
        self.secret_hint = hint_label(
            "Kept in the secret store; it is never shown again."
            if webhook
            else "From an Events API v2 integration of the PagerDuty service; kept in the "
            "secret store and never shown again."
        )
        self.form.addRow("&Scope", self.scope)
        self.form.addRow("&Name", self.name)
        if webhook:
            self.form.addRow("&URL", self.url)
        self.form.addRow("Signing &secret" if webhook else "Routing &key", self.secret)
        self.form.addRow("", self.secret_hint)
        self.fields.update(
            name=self.name,
            url=self.url,
            secret=self.secret,
            routing_key=self.secret,
            workspace=self.scope,
        )
        self.url.setVisible(webhook)
        (self.scope if self.scope.count() > 1 else self.name).setFocus()

    @property
    def chosen_workspace(self) -> str | None:
        data = self.scope.currentData()
        return None if data in (None, AGENCY) else str(data)

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        notifiers, actor, kind = (
            self.state.container.monitoring.notifiers,
            self.state.actor,
            self.kind,
        )
        name, secret = self.name.text(), self.secret.text()
        workspace = self.chosen_workspace
        url = self.url.text() if kind is NotifierKind.WEBHOOK else None
        return (
            f"Adding notifier {name.strip()}",
            lambda _ctx: notifiers.add(actor, kind, name, secret, workspace=workspace, url=url),
        )

    def working_text(self) -> str:
        return "Storing the secret and adding the notifier…"


class RemoveNotifierDialog(JobFormDialog):
    def __init__(
        self, state: AppState, notifier: NotifierInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            state.runner,
            f"Remove notifier {notifier.name}?",
            f"{notifier.name} is told of no more alerts; its secret ({notifier.secret}) is "
            "deleted from the secret store and its delivery log goes with it.",
            ok_text="Remove notifier",
            parent=parent,
            danger=True,
        )
        self.state, self.notifier = state, notifier
        self.ok_button.setDefault(False)

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        notifiers, actor, name = (
            self.state.container.monitoring.notifiers,
            self.state.actor,
            self.notifier.name,
        )
        return f"Removing notifier {name}", lambda _ctx: notifiers.remove(actor, name)

    def working_text(self) -> str:
        return "Removing the notifier and its secret…"
