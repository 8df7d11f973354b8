"""Refund…: the whole remainder of a payment or part of it, typed in the payment's currency,
and the reason; then a second step that names the amount and the customer before anything is
sent.

The idempotency key is made once, when the dialog is made, and goes with every try of this
dialog: a double click, a retry after an error, or the dialog reopened after it was closed
mid-refund all carry the same key, and core answers a key that already refunded with that
refund (`RefundResult.repeated`) instead of refunding again. When Stripe or core refused the
refund outright (nothing was refunded), the next try gets a new key: Stripe ties a key to the
request it first carried, and the person may now ask for another amount."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.billing.models import Payment
from penguin_desktop.core.billing.money import parse_amount
from penguin_desktop.core.platform.errors import (
    ConflictError,
    ExternalServiceError,
    PenguinError,
    ValidationError,
)
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.ui.billing import words
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import hint_label
from penguin_desktop.ui.widgets.job_form import JobFormDialog


class RefundDialog(JobFormDialog):
    def __init__(self, state: AppState, payment: Payment, parent: QWidget | None = None) -> None:
        self.payment = payment
        self.left = words.refundable(payment)
        who = words.customer_words(payment.customer_name, payment.customer)
        super().__init__(
            state.runner,
            f"Refund a payment of {who}",
            f"{words.amount(payment.amount, payment.currency)} paid on "
            f"{words.day(payment.created)} ({payment.id}); "
            f"{words.amount(self.left, payment.currency)} of it can still be refunded. "
            "Stripe returns the money to the card or account it came from.",
            ok_text="Review refund…",
            parent=parent,
        )
        self.setObjectName("refundDialog")
        self.state = state
        self.key = uuid.uuid4().hex  # once per dialog: every try of it sends this key
        self.amount_minor: int | None = None
        self.confirming = False
        self._build_form()
        self.back_button = self.buttons.addButton("&Back", QDialogButtonBox.ButtonRole.ResetRole)
        assert self.back_button is not None
        self.back_button.clicked.connect(lambda: self._confirm_step(False))
        self.back_button.hide()
        self.confirmation = QLabel()
        self.confirmation.setObjectName("dialogIntro")
        self.confirmation.setWordWrap(True)
        self.confirmation.hide()
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(self.message), self.confirmation)
        self.reason.setFocus()

    def _build_form(self) -> None:
        currency = self.payment.currency.upper()
        self.whole = QRadioButton(
            f"The &whole {words.amount(self.left, self.payment.currency)} left"
        )
        self.part = QRadioButton("&Part of it:")
        group = QButtonGroup(self)
        group.addButton(self.whole)
        group.addButton(self.part)
        self.whole.setChecked(True)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(f"e.g. 12.50 ({currency})")
        self.amount.setEnabled(False)
        self.part.toggled.connect(self.amount.setEnabled)
        self.part.toggled.connect(lambda on: on and self.amount.setFocus())
        part_row = QHBoxLayout()
        part_row.setSpacing(8)
        part_row.addWidget(self.part)
        part_row.addWidget(self.amount, 1)
        part_row.addWidget(QLabel(currency))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. billed twice in March")
        self.reason_hint = hint_label("Kept with the refund in Stripe and in the audit trail.")
        self.form.addRow("Amount", self.whole)
        self.form.addRow("", part_row)
        self.form.addRow("&Reason", self.reason)
        self.form.addRow("", self.reason_hint)
        self.fields.update(amount=self.amount, reason=self.reason)
        self.form_rows: list[QWidget | QHBoxLayout] = [
            self.whole,
            part_row,
            self.reason,
            self.reason_hint,
        ]

    # --- the two steps ----------------------------------------------------------------------------
    def chosen_amount(self) -> int:
        """What to refund in minor units, as typed; a ValidationError names the field."""
        if self.whole.isChecked():
            return self.left
        minor = parse_amount(self.amount.text(), self.payment.currency)
        if minor > self.left:
            raise ValidationError(
                f"at most {words.amount(self.left, self.payment.currency)} is left to refund",
                field="amount",
                value=self.amount.text(),
            )
        return minor

    def _submit(self) -> None:
        """First OK: check the form and show what will happen. Second OK: refund."""
        if self.confirming:
            super()._submit()
            return
        self.message.clear_message()
        try:
            self.amount_minor = self.chosen_amount()
            if not " ".join(self.reason.text().split()):
                raise ValidationError("say why the payment is refunded", field="reason")
        except PenguinError as error:
            self.message.show_error(error)
            return
        self._confirm_step(True)

    def _confirm_step(self, confirming: bool) -> None:
        self.confirming = confirming
        for row in self.form_rows:
            self.form.setRowVisible(row, not confirming)
        if confirming and self.amount_minor is not None:
            refund = words.amount(self.amount_minor, self.payment.currency)
            who = words.customer_words(self.payment.customer_name, self.payment.customer)
            where = f" (workspace {self.payment.workspace})" if self.payment.workspace else ""
            self.confirmation.setText(
                f"Refund {refund} to {who}{where}?\n\nPayment {self.payment.id} of "
                f"{words.amount(self.payment.amount, self.payment.currency)} on "
                f"{words.day(self.payment.created)}. Reason: "
                f"{' '.join(self.reason.text().split())}\n\nThis cannot be undone."
            )
            self.ok_button.setText(f"Refund {refund}")
        else:
            self.ok_button.setText("Review refund…")
            self.message.clear_message()
        self.ok_button.setProperty("danger", confirming)
        self.ok_button.setProperty("primary", not confirming)
        self.ok_button.style().unpolish(self.ok_button)
        self.ok_button.style().polish(self.ok_button)
        self.confirmation.setVisible(confirming)
        self.back_button.setVisible(confirming)
        (self.ok_button if confirming else self.reason).setFocus()

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        container, actor, key = self.state.container, self.state.actor, self.key
        charge, reason, amount = self.payment.id, self.reason.text(), self.amount_minor
        return (
            f"Refunding payment {charge}",
            lambda _ctx: container.billing.refund(
                actor, charge, reason=reason, idempotency_key=key, amount=amount
            ),
        )

    def working_text(self) -> str:
        return "Asking Stripe to refund…"

    def _busy(self, busy: bool) -> None:
        super()._busy(busy)
        self.back_button.setEnabled(not busy)

    def failed(self, error: PenguinError) -> None:
        """An error about the amount or the reason goes back to the form, beside its field."""
        if not isinstance(error, ExternalServiceError | ConflictError):
            self.key = uuid.uuid4().hex  # refused: nothing was refunded under the old key
        if error.field in self.fields:
            self._confirm_step(False)
            self.message.show_error(error)
