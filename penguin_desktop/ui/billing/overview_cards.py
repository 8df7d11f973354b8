"""The two cards at the top of the Overview tab: the Stripe connection (whose account, test or
live, which API address, where the key is kept; Connect… and Test connection) and the sync
(when it last ran, how, what it cost, what failed, where a cut sync resumes, what the mirror
holds; Sync now, Full sync, and while one runs its progress and Cancel).

The cards only show; the tab around them starts the work and hands them what came back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

from penguin_desktop.core.billing.models import ConnectionInfo, KeyTest, SyncStatus
from penguin_desktop.ui.billing import words
from penguin_desktop.ui.widgets.card import Card
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.page import action_button

BASE_FROM = {
    "environment": "from the environment (PENGUIN_STRIPE_API_BASE)",
    "setting": "set when connecting",
    "default": "Stripe's own",
}
COUNT_WORDS = {"payment_intents": "payment intents"}


def counted(n: int, many: str) -> str:
    """ "1 refund", "2 refunds": the mirror's lists are named in the plural."""
    return f"{n:,} {many[:-1] if n == 1 and many.endswith('s') else many}"


def fact(text: str = "") -> QLabel:
    """A value in a card: plain, wrapped, selectable (an account id is copied into Stripe)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def facts_form() -> QFormLayout:
    form = QFormLayout()
    form.setHorizontalSpacing(14)
    form.setVerticalSpacing(6)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


def caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("fieldCaption")
    return label


class ConnectionCard(Card):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Stripe connection", parent=parent)
        form = facts_form()
        self.account = fact()
        self.mode = fact()
        self.api_base = fact()
        self.key = fact()
        for text, label in (
            ("Account", self.account),
            ("Mode", self.mode),
            ("API address", self.api_base),
            ("API key", self.key),
        ):
            form.addRow(caption(text), label)
        self.layout_.addLayout(form)
        self.result = InlineMessage()
        self.layout_.addWidget(self.result)
        self.layout_.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.test_button = action_button("&Test connection", "verify")
        self.connect_button = action_button("&Connect…", "plug")
        row.addStretch(1)
        row.addWidget(self.test_button)
        row.addWidget(self.connect_button)
        self.layout_.addLayout(row)

    def show_connection(self, info: ConnectionInfo | None) -> None:
        if info is None:
            for label in (self.account, self.mode, self.api_base, self.key):
                label.setText("—")
            return
        name = info.account_name or "(the key may not read the account's name)"
        self.account.setText(f"{name} · {info.account_id}" if info.account_id else name)
        self.mode.setText(words.mode_words(info.livemode).capitalize())
        self.api_base.setText(f"{info.api_base} ({BASE_FROM.get(info.api_base_from, '')})")
        webhook = "; webhook signing secret kept" if info.webhook_secret else ""
        self.key.setText(
            f"Kept in the {info.key_backend} secret store since "
            f"{words.when(info.connected_at)}{webhook}"
        )

    def show_test(self, test: KeyTest) -> None:
        who = test.account_name or test.account_id or "an account whose name the key may not read"
        text = (
            f"The key opens {who} ({words.mode_words(test.livemode)}). "
            f"May read: {words.list_words(test.readable)}."
        )
        if test.unreadable:
            text += (
                f" May not read: {words.list_words(test.unreadable)} (those stay empty here; "
                "give the key read access to them in Stripe)."
            )
            self.result.show_info(text)
        else:
            self.result.show_success(text)


class SyncCard(Card):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Sync", parent=parent)
        form = facts_form()
        self.last = fact()
        self.mirror = fact()
        self.problem = fact()
        self.problem_caption = caption("Last error")
        form.addRow(caption("Last sync"), self.last)
        form.addRow(caption("Mirror"), self.mirror)
        form.addRow(self.problem_caption, self.problem)
        self.form = form
        self.layout_.addLayout(form)
        self.result = InlineMessage()
        self.layout_.addWidget(self.result)
        self.progress_row = QWidget()
        progress = QHBoxLayout(self.progress_row)
        progress.setContentsMargins(0, 0, 0, 0)
        progress.setSpacing(8)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.step = QLabel()
        self.step.setObjectName("footnote")
        self.cancel_button = QPushButton("Cance&l sync")
        progress.addWidget(self.bar, 1)
        progress.addWidget(self.step)
        progress.addWidget(self.cancel_button)
        self.progress_row.hide()
        self.layout_.addWidget(self.progress_row)
        self.layout_.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.full_button = action_button("&Full sync", "refresh")
        self.full_button.setToolTip(
            "Page through every list again (slower): after fixing a key's permissions, or when "
            "the figures look wrong"
        )
        self.sync_button = action_button("Sync &now", "refresh", primary=True)
        self.sync_button.setToolTip("Read what changed in Stripe since the last sync")
        row.addStretch(1)
        row.addWidget(self.full_button)
        row.addWidget(self.sync_button)
        self.layout_.addLayout(row)

    def show_status(self, status: SyncStatus | None) -> None:
        if status is None or status.last_sync_at is None:
            self.last.setText("Never: the first sync copies the whole account")
        else:
            kind = status.last_sync_kind or "sync"
            cost = (
                f", {status.last_sync_requests} requests to Stripe"
                if status.last_sync_requests is not None
                else ""
            )
            self.last.setText(f"{words.when(status.last_sync_at)} ({kind}{cost})")
        problem = self._problem(status)
        self.problem.setText(problem)
        self.form.setRowVisible(self.problem, bool(problem))
        self.mirror.setText(self._mirror(status))

    @staticmethod
    def _problem(status: SyncStatus | None) -> str:
        if status is None:
            return ""
        parts = []
        if status.last_sync_error:
            parts.append(f"The last sync failed: {status.last_sync_error}")
        if status.resume_at:
            parts.append(
                f"The first sync stopped in {status.resume_at.replace('_', ' ')}; the next "
                "sync resumes there."
            )
        return " ".join(parts)

    @staticmethod
    def _mirror(status: SyncStatus | None) -> str:
        if status is None:
            return "—"
        text = ", ".join(counted(n, COUNT_WORDS.get(name, name)) for name, n in status.counts)
        if status.unlinked_customers:
            many = status.unlinked_customers
            text += (
                f". {many} customer{'' if many == 1 else 's'} belong{'s' if many == 1 else ''} "
                "to no workspace (see Customers)"
            )
        return text

    def show_running(self, running: bool) -> None:
        self.progress_row.setVisible(running)
        self.cancel_button.setEnabled(running)
        if running:
            self.bar.setValue(0)
            self.step.setText("Starting…")
            self.result.clear_message()

    def show_progress(self, fraction: float, text: str) -> None:
        self.bar.setValue(round(fraction * 1000))
        if text:
            self.step.setText(text)
