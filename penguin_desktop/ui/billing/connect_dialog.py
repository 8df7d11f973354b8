"""Connect…: the agency's Stripe API key (typed with echo off, checked against Stripe, then kept
in the organization's secret store, never shown again) and, for a stand-in or a proxy, the API
address. OK runs off the UI thread: it asks Stripe whose account the key opens.

Core names the input at fault (`key`, `api_base`), so a refused key is said under the key and
an address that is not one under the address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLineEdit, QWidget

from penguin_desktop.core.billing.models import ConnectionInfo
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import hint_label, password_field
from penguin_desktop.ui.widgets.job_form import JobFormDialog

DEFAULT_BASE = "https://api.stripe.com"


class ConnectDialog(JobFormDialog):
    def __init__(
        self,
        state: AppState,
        current: ConnectionInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        intro = (
            "Paste a secret key (sk_…) or a restricted key (rk_…) from Stripe's dashboard, "
            "Developers → API keys. A restricted key needs read access to the lists billing "
            "shows, and write access to refunds to refund from here."
        )
        if current is not None:
            intro += " A new key replaces the kept one; it must open the same Stripe account."
        super().__init__(
            state.runner,
            "Connect Stripe" if current is None else "Change the Stripe key",
            intro,
            ok_text="Connect",
            parent=parent,
        )
        self.setObjectName("connectStripeDialog")
        self.state = state
        self.key = password_field("sk_live_… or rk_live_…")
        self.key_hint = hint_label(
            "Checked with Stripe, then kept in the organization's secret store; it is never "
            "shown again."
        )
        self.api_base = QLineEdit()
        self.api_base.setPlaceholderText(f"{DEFAULT_BASE} (leave empty for Stripe's own)")
        if current is not None and current.api_base_from == "setting":
            self.api_base.setText(current.api_base)
        self.form.addRow("API &key", self.key)
        self.form.addRow("", self.key_hint)
        self.form.addRow("API &address", self.api_base)
        self.fields.update(key=self.key, api_base=self.api_base)
        self.key.setFocus()

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        container, actor = self.state.container, self.state.actor
        key = self.key.text()
        base = self.api_base.text().strip() or None
        return "Connecting Stripe", lambda _ctx: container.billing.connect(
            actor, key, api_base=base
        )

    def working_text(self) -> str:
        return "Asking Stripe whose account the key opens…"

    def failed(self, error: object) -> None:
        """The key stays typed (it may be right and the address wrong), selected to retype."""
        self.key.selectAll()
