"""Secrets: add or replace a value, delete one, and choose where a migration goes.

Every core call that may reach a secret store runs off the UI thread (a Vault is a network
server); values typed here go to core and to the log redactor, never anywhere else. Revealing
a value is in `reveal`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QStackedWidget,
    QWidget,
)

from penguin_desktop import log
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.secrets import BackendKind
from penguin_desktop.core.secrets.models import SecretKind, SecretRefInfo
from penguin_desktop.core.secrets.rotation import DEFAULT_ROTATION_DAYS
from penguin_desktop.core.secrets.service import KEEP_POLICY, clean_secret_name
from penguin_desktop.ui.secrets.labels import (
    KIND_LABELS,
    MULTI_LINE,
    backend_label,
    backend_noun,
    kind_noun,
    monospace,
    policy_text,
)
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import FormDialog, password_field
from penguin_desktop.ui.widgets.job_form import JobFormDialog


class SetSecretDialog(JobFormDialog):
    """Add a secret to a workspace, or replace the value of `existing` (a rotation)."""

    POLICY_KEEP, POLICY_DEFAULT, POLICY_DAYS, POLICY_NEVER = "keep", "default", "days", "never"

    def __init__(
        self,
        state: AppState,
        workspace: str,
        backend: str,
        existing: SecretRefInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        if existing is None:
            title = f"Add a secret to {workspace}"
            intro = (
                f"The value goes to {backend_noun(backend)}; the database keeps "
                "only a reference to it."
            )
        else:
            title = f"Replace {existing.name}"
            intro = (
                f"The new value replaces the current one in {backend_noun(backend)} "
                "and counts as a rotation."
            )
        super().__init__(
            state.runner,
            title,
            intro,
            ok_text="Add secret" if existing is None else "Replace value",
            parent=parent,
        )
        self.setMinimumWidth(540)
        self.state = state
        self.workspace = workspace
        self.existing = existing
        self.name = QLineEdit(existing.name if existing else "")
        self.name.setPlaceholderText("e.g. mail1-root-ssh or stripe-live")
        self.name.setReadOnly(existing is not None)
        self.kind = QComboBox()
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind.value)
        if existing is not None:
            self.kind.setCurrentIndex(self.kind.findData(existing.kind.value))
            self.kind.setEnabled(False)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("optional, for the audit log")
        self.form.addRow("Name", self.name)
        self.form.addRow("Kind", self.kind)
        self.form.addRow("Value", self._build_value())
        self.form.addRow("Rotation", self._build_policy())
        self.form.addRow("Reason", self.reason)
        self.fields = {"name": self.name, "value": self.value_stack}
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.policy.currentIndexChanged.connect(self._policy_changed)
        self._kind_changed()
        (self.value_line if existing else self.name).setFocus()

    def _build_value(self) -> QStackedWidget:
        """One line for passwords and tokens, several for a PEM key."""
        self.value_line = password_field("the secret value")
        self.value_text = QPlainTextEdit()
        self.value_text.setObjectName("secretValueText")
        self.value_text.setFont(monospace())
        self.value_text.setTabChangesFocus(True)
        self.value_text.setFixedHeight(150)
        self.value_stack = QStackedWidget()
        self.value_stack.addWidget(self.value_line)
        self.value_stack.addWidget(self.value_text)
        return self.value_stack

    def _build_policy(self) -> QHBoxLayout:
        self.policy = QComboBox()
        self.days = QSpinBox()
        self.days.setRange(1, 3650)
        self.days.setSuffix(" days")
        self.days.setValue(90)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.policy, 1)
        row.addWidget(self.days)
        return row

    @property
    def secret_kind(self) -> SecretKind:
        return SecretKind(self.kind.currentData())

    def _kind_changed(self) -> None:
        kind = self.secret_kind
        multi = kind in MULTI_LINE
        self.value_text.setPlaceholderText(MULTI_LINE.get(kind, ""))
        self.value_stack.setCurrentWidget(self.value_text if multi else self.value_line)
        self.value_stack.setFixedHeight(
            self.value_text.height() if multi else self.value_line.sizeHint().height()
        )
        default = DEFAULT_ROTATION_DAYS[kind]
        self.policy.blockSignals(True)
        self.policy.clear()
        if self.existing is not None:
            self.policy.addItem(
                f"Keep: {policy_text(self.existing.rotation_days).lower()}", self.POLICY_KEEP
            )
        self.policy.addItem(f"Default for the kind: {policy_text(default).lower()}", "default")
        self.policy.addItem("Every…", self.POLICY_DAYS)
        self.policy.addItem("On demand (never due)", self.POLICY_NEVER)
        self.policy.blockSignals(False)
        self._policy_changed()

    def _policy_changed(self) -> None:
        self.days.setVisible(self.policy.currentData() == self.POLICY_DAYS)

    def value(self) -> str:
        if self.secret_kind in MULTI_LINE:
            text = self.value_text.toPlainText()
            return text if text.endswith("\n") or not text else text + "\n"
        return self.value_line.text()

    def rotation_days(self) -> Any:
        chosen = self.policy.currentData()
        if chosen == self.POLICY_KEEP:
            return KEEP_POLICY
        if chosen == self.POLICY_NEVER:
            return None
        if chosen == self.POLICY_DAYS:
            return self.days.value()
        return DEFAULT_ROTATION_DAYS[self.secret_kind]

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        name = clean_secret_name(self.name.text())
        value = self.value()
        if not value.strip():
            raise ValidationError("type or paste the secret value", field="value")
        log.redact(value)
        secrets, actor, ws = self.state.container.secrets, self.state.actor, self.workspace
        kind, days, reason = self.secret_kind, self.rotation_days(), self.reason.text().strip()
        return (
            f"Saving secret {name}",
            lambda _ctx: secrets.set(actor, ws, name, kind, value, days, reason),
        )

    def working_text(self) -> str:
        return "Saving…"

    def _succeeded(self, result: object) -> None:
        self.value_line.clear()
        self.value_text.clear()
        super()._succeeded(result)


class DeleteSecretDialog(JobFormDialog):
    def __init__(self, state: AppState, ref: SecretRefInfo, parent: QWidget | None = None) -> None:
        super().__init__(
            state.runner,
            f"Delete {ref.name}?",
            f"The value is deleted from {backend_noun(ref.backend)} and the "
            f"reference from {ref.workspace}. This cannot be undone: whatever uses this "
            f"{kind_noun(ref.kind)} stops working.",
            ok_text="Delete secret",
            parent=parent,
            danger=True,
        )
        self.state = state
        self.ref = ref
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("optional, for the audit log")
        self.form.addRow("Reason", self.reason)

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        secrets, actor, ref = self.state.container.secrets, self.state.actor, self.ref
        reason = self.reason.text().strip()
        return (
            f"Deleting secret {ref.name}",
            lambda _ctx: secrets.delete(actor, ref.workspace, ref.name, reason),
        )

    def working_text(self) -> str:
        return "Deleting…"


class MigrateDialog(FormDialog):
    """Choose where every secret goes; the page then runs the migration as a job."""

    def __init__(self, counts: dict[str, int], parent: QWidget | None = None) -> None:
        spread = ", ".join(
            f"{n} {'is' if n == 1 else 'are'} in {backend_noun(k)}" for k, n in counts.items()
        )
        super().__init__(
            "Migrate every secret",
            "Each secret of every workspace is copied to the target, read back to check the "
            "copy, switched over, and only then deleted where it was. If the migration stops "
            "or you cancel it, run it again to finish: nothing is lost."
            + (f"\n\nOf the secrets you can see, {spread}." if spread else ""),
            ok_text="Start migration",
            parent=parent,
        )
        self.target = QComboBox()
        for kind in (BackendKind.VAULT, BackendKind.FILE, BackendKind.KEYRING):
            self.target.addItem(backend_label(kind.value), kind.value)
        self.form.addRow("Move everything to", self.target)
        self.chosen: BackendKind | None = None

    def submit(self) -> None:
        self.chosen = BackendKind(self.target.currentData())
