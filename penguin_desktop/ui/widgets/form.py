"""The base of every form dialog: fields, an inline error line, and OK/Cancel.

`submit()` calls exactly one core service; a PenguinError it raises is shown inline (the core's
own words) and the dialog stays open with what the user typed, so nothing has to be re-entered.
An error that names one of the form's `fields` is shown right under that field, which gets the
focus: the person sees at once which input to fix. The dialog grows with what it shows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.ui.shell.errors import describe
from penguin_desktop.ui.widgets.inline_message import InlineMessage, grow_to_fit


def password_field(placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    return field


def hint_label(text: str = "") -> QLabel:
    """The small grey line under a field; `set_hint` colours it for an error or a success."""
    label = QLabel(text)
    label.setObjectName("fieldHint")
    label.setWordWrap(True)
    # A form row is as tall as the label's preferred shape, often a line more than it needs
    # at the column's width: the text keeps close to the field it is about.
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


def widen(label: QLabel) -> None:
    """Let wrapped text in a form's field column use the column's whole width, as the inputs
    above it do (a form grows only expanding fields, and a label would wrap at its hint)."""
    policy = label.sizePolicy()
    policy.setHorizontalPolicy(QSizePolicy.Policy.Expanding)
    policy.setHeightForWidth(True)
    label.setSizePolicy(policy)


def set_hint(label: QLabel, text: str, kind: str = "") -> None:
    label.setProperty("kind", kind)
    label.style().unpolish(label)
    label.style().polish(label)
    label.setText(text)


class LengthHint(QLabel):
    """A hint under a field that shows its length limit while typing and turns into an error
    past it.

    The field itself takes any length: cutting what was typed (or pasted) without a word would
    save something other than what the person sees. Characters are counted as core counts
    them: composed (NFC), runs of spaces as one, none at the ends."""

    def __init__(self, field: QLineEdit, limit: int, what: str = "characters") -> None:
        super().__init__()
        self.setObjectName("fieldHint")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.field, self.limit, self.what = field, limit, what
        field.textChanged.connect(self.recount)
        self.recount()

    def recount(self) -> None:
        count = len(" ".join(unicodedata.normalize("NFC", self.field.text()).split()))
        if count > self.limit:
            set_hint(self, f"Too long: {count} {self.what}, at most {self.limit}", "error")
        elif count:
            set_hint(self, f"{count} of at most {self.limit} {self.what}")
        else:
            set_hint(self, f"{self.limit} {self.what} at most")


class FormMessage(InlineMessage):
    """The form's message line. An error naming one of the form's fields goes under that field
    instead; clearing the line clears those too. The form is found as the parent, not kept: a
    reference back would tie the two in a cycle only the garbage collector frees, maybe from a
    worker thread, where deleting a window crashes Qt."""

    def show_error(self, error: BaseException | str) -> None:
        form = self.parentWidget()
        if (
            isinstance(error, PenguinError)
            and isinstance(form, FormDialog)
            and form.show_at_field(error)
        ):
            super().clear_message()
            return
        super().show_error(error)

    def clear_message(self) -> None:
        super().clear_message()
        form = self.parentWidget()
        if isinstance(form, FormDialog):
            form.clear_field_errors()


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
        # Core's field names ("email", "org") to the inputs that take them; subclasses fill it.
        self.fields: dict[str, QWidget] = {}
        self._field_errors: dict[QWidget, QLabel] = {}
        self._hint_resets: dict[QWidget, Callable[[], None]] = {}
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
        self.message: InlineMessage = FormMessage(self)
        outer.addWidget(self.message)
        outer.addStretch(1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok is not None
        self.ok_button: QPushButton = ok
        self.ok_button.setText(ok_text)
        self.ok_button.setProperty("danger" if danger else "primary", True)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        # Made default only once the box is in the dialog: before, the dialog does not know it,
        # and Cancel becomes the default once it has had the focus (Enter would cancel).
        self.ok_button.setDefault(True)
        grow_to_fit(self)

    def showEvent(self, event: QShowEvent) -> None:
        for row in range(self.form.rowCount()):
            item = self.form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            field = item.widget() if item is not None else None
            if isinstance(field, QLabel) and field.wordWrap():
                widen(field)
        super().showEvent(event)

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

    # --- errors beside their field --------------------------------------------------------------
    def show_at_field(self, error: PenguinError) -> bool:
        """Show `error` under the field it names and focus that field; False when the form has
        no such field (or it cannot be used now), so the message line says it instead."""
        widget = self.fields.get(error.field or "")
        if widget is None or not widget.isEnabled() or widget.isHidden():
            return False
        label = self._field_errors.get(widget)
        if label is None:
            row = _row_of(self.form, widget)
            if row < 0:
                return False
            label = hint_label()
            widen(label)
            self.form.insertRow(row + 1, "", label)
            self._field_errors[widget] = label
        set_hint(label, describe(error, beside_field=True), "error")
        self.form.setRowVisible(label, True)
        _focus_into(widget)
        return True

    def hint_for(self, widget: QWidget, hint: QLabel, reset: Callable[[], None]) -> None:
        """Let `hint`, the line under `widget`, also say what is wrong with it (rather than a
        second line saying nearly the same); `reset` puts the hint back (a method of the hint,
        not of the form, which would then hold itself in a cycle)."""
        self._field_errors[widget] = hint
        self._hint_resets[widget] = reset

    def clear_field_errors(self) -> None:
        for widget, label in self._field_errors.items():
            reset = self._hint_resets.get(widget)
            if reset is not None:
                reset()
                continue
            label.clear()
            self.form.setRowVisible(label, False)

    def field_error(self, field: str) -> str:
        """The error shown under `field` now ("" when there is none)."""
        widget = self.fields.get(field)
        label = self._field_errors.get(widget) if widget is not None else None
        if label is None or label.isHidden() or label.property("kind") != "error":
            return ""
        return label.text()


def _row_of(form: QFormLayout, widget: QWidget) -> int:
    """The form row holding `widget`, directly or inside a row's layout (-1 if none)."""
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if item is None:
            continue
        if item.widget() is widget or _holds(item.layout(), widget):
            return row
    return -1


def _holds(layout: QLayout | None, widget: QWidget) -> bool:
    if layout is None:
        return False
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item is not None and (item.widget() is widget or _holds(item.layout(), widget)):
            return True
    return False


def _focus_into(widget: QWidget) -> None:
    """Focus the input itself, also when it sits in a container (a stack of value editors)."""
    if widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
        widget.setFocus()
        return
    for child in widget.findChildren(QWidget):
        if child.isVisible() and child.focusPolicy() != Qt.FocusPolicy.NoFocus:
            child.setFocus()
            return
