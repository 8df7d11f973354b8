"""The base of every form dialog: fields, an inline error line, and OK/Cancel.

`submit()` calls exactly one core service; a PenguinError it raises is shown inline (the core's
own words) and the dialog stays open with what the user typed, so nothing has to be re-entered.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.ui.widgets.inline_message import InlineMessage


def password_field(placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    return field


class FormDialog(QDialog):
    def __init__(
        self,
        title: str,
        intro: str | None = None,
        ok_text: str = "OK",
        parent: QWidget | None = None,
        danger: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("formDialog")
        self.setMinimumWidth(480)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 20, 22, 18)
        outer.setSpacing(12)
        heading = QLabel(title)
        heading.setObjectName("dialogTitle")
        outer.addWidget(heading)
        if intro:
            self.intro = QLabel(intro)
            self.intro.setObjectName("dialogIntro")
            self.intro.setWordWrap(True)
            outer.addWidget(self.intro)
        self.form = QFormLayout()
        self.form.setSpacing(10)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(self.form)
        self.message = InlineMessage()
        outer.addWidget(self.message)
        outer.addStretch(1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok is not None
        self.ok_button: QPushButton = ok
        self.ok_button.setText(ok_text)
        self.ok_button.setDefault(True)
        self.ok_button.setProperty("danger" if danger else "primary", True)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

    def submit(self) -> None:
        """Do the work through core; raise PenguinError to keep the dialog open."""
        raise NotImplementedError

    def _submit(self) -> None:
        self.message.clear_message()
        try:
            self.submit()
        except PenguinError as error:
            self.message.show_error(error)
            self.failed(error)
            return
        self.accept()

    def failed(self, error: PenguinError) -> None:
        """Hook for subclasses (clear a password field, move focus)."""
