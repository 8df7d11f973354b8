"""The Overview tab of the Billing page: the Stripe connection (Connect…, Test connection), the
sync (Sync now, Full sync, with progress and Cancel), today's revenue per currency and the MRR
movements by month.

Talking to Stripe (connecting, testing, syncing) runs as a job; so does reading the revenue,
which replays the MRR history (under 200 ms on 100,000 invoices, still too long to hold the
window). Not connected, the whole tab is a call to connect; connected but never synced, the
revenue's place is a call to sync."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from penguin_desktop.core.billing.models import KeyTest, Revenue, SyncReport
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.billing.connect_dialog import ConnectDialog
from penguin_desktop.ui.billing.overview_cards import ConnectionCard, SyncCard
from penguin_desktop.ui.billing.revenue_view import MovementsCard, RevenueTiles
from penguin_desktop.ui.billing.tab_base import BillingTab, blocked
from penguin_desktop.ui.monitoring.panels import EmptyNote
from penguin_desktop.ui.monitoring.tab_base import roles_words
from penguin_desktop.ui.secrets.unlock import with_file_unlocked
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.card import Card

MONTHS = 12


class OverviewTab(BillingTab):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "plug", parent)
        self.connection_card = ConnectionCard()
        self.sync_card = SyncCard()
        self.tiles = RevenueTiles()
        self.movements = MovementsCard()
        self.pending = Card("Revenue")
        self.pending.add(
            EmptyNote(
                "clock",
                "Not synced yet",
                "Revenue, MRR movements, payments and invoices show once Sync now has copied "
                "the account (the first sync reads every list; later ones only what changed).",
            )
        )
        self.set_content(self._lay_out())
        self.connection_card.connect_button.clicked.connect(self.open_connect)
        self.connection_card.test_button.clicked.connect(self.test_connection)
        self.sync_card.sync_button.clicked.connect(lambda: self.start_sync(full=False))
        self.sync_card.full_button.clicked.connect(lambda: self.start_sync(full=True))
        self.sync_card.cancel_button.clicked.connect(self.cancel_sync)
        self.dialog: QDialog | None = None
        self.unlock_dialog: QDialog | None = None
        self.sync_job: Job | None = None
        self.test_job: Job | None = None
        self.revenue_job: Job | None = None
        self.revenue: Revenue | None = None
        self._read_again = False

    def _lay_out(self) -> QScrollArea:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        inner.setObjectName("scrollInner")
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 12, 12)
        column.setSpacing(14)
        top = QHBoxLayout()
        top.setSpacing(14)
        top.addWidget(self.connection_card, 1)
        top.addWidget(self.sync_card, 1)
        column.addLayout(top)
        for card in (self.pending, self.tiles, self.movements):
            column.addWidget(card)
        column.addStretch(1)
        scroll.setWidget(inner)
        return scroll

    # --- showing --------------------------------------------------------------------------------
    def refresh(self) -> None:
        why = blocked(self.state, self.access)
        if why is not None and not self.access.connected:  # connected: the cards show
            self.show_blocked(why)
            return
        self.show_content(True)
        self.connection_card.show_connection(self.access.connection)
        self.sync_card.show_status(self.access.status)
        synced = self.access.synced
        self.pending.setVisible(not synced)
        self.tiles.setVisible(synced)
        self.movements.setVisible(synced)
        self._update_actions()
        if synced:
            self.read_revenue()

    def read_revenue(self) -> Job | None:
        """Read today's figures and the last twelve months off the UI thread."""
        if self.revenue_job is not None:
            self._read_again = True
            return None
        billing, actor = self.state.container.billing, self.state.actor
        job = self.state.runner.start(
            "Reading revenue", lambda _ctx: billing.revenue.revenue(actor, MONTHS), self
        )
        self.revenue_job = job
        job.signals.finished.connect(self._show_revenue)
        job.signals.failed.connect(self.message.show_error)
        job.signals.ended.connect(self._revenue_ended)
        return job

    def _show_revenue(self, revenue: Revenue) -> None:
        self.revenue = revenue
        self.tiles.show_revenue(revenue)
        self.movements.show_revenue(revenue)

    def _revenue_ended(self) -> None:
        self.revenue_job = None
        if self._read_again:
            self._read_again = False
            self.read_revenue()

    # --- connecting and testing -----------------------------------------------------------------
    def _unlocked_for(self, kinds: set[str], then: Callable[[], object]) -> None:
        """Run `then` once the secret store the key lives in can be used without a prompt."""

        def run() -> None:
            then()

        self.unlock_dialog = with_file_unlocked(self, self.state.container, kinds, run)

    def open_connect(self) -> ConnectDialog | None:
        if not self.state.can(Permission.BILLING_CONNECT):
            return None
        secrets, actor = self.state.container.secrets, self.state.actor
        try:
            kinds = {secrets.backend_info(actor, None).kind}
        except PenguinError:
            kinds = {"file"}
        opened: list[ConnectDialog] = []

        def show() -> None:
            dialog = ConnectDialog(self.state, self.access.connection, self)
            dialog.accepted.connect(lambda: self._connected(dialog))
            self.dialog = dialog
            dialog.open()
            opened.append(dialog)

        self._unlocked_for(kinds, show)
        return opened[0] if opened else None

    def _connected(self, dialog: ConnectDialog) -> None:
        info = dialog.result_value
        name = getattr(info, "account_name", None) or getattr(info, "account_id", None)
        text = f"Connected to {name or 'Stripe'}"
        self.state.notify(text)
        self.changed.emit()  # the page reads the connection again
        self.message.show_success(
            f"{text}. Next: Sync now copies the account here."
            if not self.access.synced
            else f"{text}."
        )

    def _key_kinds(self) -> set[str]:
        info = self.access.connection
        return {info.key_backend} if info is not None else {"file"}

    def test_connection(self) -> Job | None:
        if self.test_job is not None or not self.state.can(Permission.BILLING_SYNC):
            return None
        started: list[Job] = []

        def start() -> None:
            billing, actor = self.state.container.billing, self.state.actor
            job = self.state.runner.start(
                "Testing the Stripe connection", lambda _ctx: billing.test(actor), self
            )
            self.test_job = job
            self.connection_card.result.show_info("Asking Stripe what the key may read…")
            job.signals.finished.connect(self._tested)
            job.signals.failed.connect(self.connection_card.result.show_error)
            job.signals.ended.connect(self._test_ended)
            started.append(job)
            self._update_actions()

        self._unlocked_for(self._key_kinds(), start)
        return started[0] if started else None

    def _tested(self, test: KeyTest) -> None:
        self.connection_card.show_test(test)

    def _test_ended(self) -> None:
        self.test_job = None
        self._update_actions()

    # --- syncing --------------------------------------------------------------------------------
    def start_sync(self, full: bool = False) -> Job | None:
        if self.sync_job is not None or not self.state.can(Permission.BILLING_SYNC):
            return None
        started: list[Job] = []

        def start() -> None:
            billing, actor = self.state.container.billing, self.state.actor
            title = "Full billing sync from Stripe" if full else "Syncing billing from Stripe"
            job = self.state.runner.start(
                title, lambda ctx: billing.sync(actor, full=full, ctx=ctx), self
            )
            self.sync_job = job
            self.sync_card.show_running(True)
            job.signals.progress.connect(self.sync_card.show_progress)
            job.signals.finished.connect(self._synced)
            job.signals.cancelled.connect(self.sync_card.result.show_info)
            job.signals.failed.connect(self.sync_card.result.show_error)
            job.signals.ended.connect(self._sync_ended)
            started.append(job)
            self._update_actions()

        self._unlocked_for(self._key_kinds(), start)
        return started[0] if started else None

    def cancel_sync(self) -> None:
        """Stop after the page under way; what was written stays, the next sync resumes."""
        if self.sync_job is not None:
            self.sync_job.cancel()
            self.sync_card.cancel_button.setEnabled(False)
            self.sync_card.step.setText("Cancelling after the page under way…")

    def _synced(self, report: SyncReport) -> None:
        self.message.clear_message()  # "connected, next: sync" is done with
        text = (
            f"{report.kind.value.capitalize()} sync: {report.written:,} rows written, "
            f"{report.events_applied:,} events applied, {report.requests:,} requests to Stripe."
        )
        self.sync_card.result.show_success(text)
        self.state.notify(text)

    def _sync_ended(self) -> None:
        self.sync_job = None
        self.sync_card.show_running(False)
        self._update_actions()
        self.changed.emit()  # the page reads the status again; every tab shows the new rows

    # --- permissions ----------------------------------------------------------------------------
    def _update_actions(self) -> None:
        card, sync = self.connection_card, self.sync_card
        may_connect = self.state.can(Permission.BILLING_CONNECT)
        may_sync = self.state.can(Permission.BILLING_SYNC)
        card.connect_button.setEnabled(may_connect)
        card.connect_button.setToolTip(
            "Connect the agency's Stripe account, or change its key"
            if may_connect
            else f"Only {roles_words(Permission.BILLING_CONNECT)} connect Stripe"
        )
        card.test_button.setEnabled(may_sync and self.test_job is None)
        card.test_button.setToolTip(
            "Ask Stripe whose account the key opens and which lists it may read"
            if may_sync
            else f"Only {roles_words(Permission.BILLING_SYNC)} test the connection"
        )
        running = self.sync_job is not None
        for button in (sync.sync_button, sync.full_button):
            button.setEnabled(may_sync and not running)
            if not may_sync:
                button.setToolTip(f"Only {roles_words(Permission.BILLING_SYNC)} sync billing")
