"""The Notifiers tab of the Monitoring page: where the current workspace's alerts go (its own
notifiers and the agency's), and below them the delivery log: what was sent, how many tries it
took, what the receiver answered and when the next try is.

Adding and removing store or delete a secret, and Test sends a made-up alert and its resolve:
they run off the UI thread, once the secrets file is unlocked when that is where the secret
lives."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QSplitter, QWidget

from penguin_desktop.core.monitoring.models import (
    DeliveryAttempt,
    DeliveryInfo,
    NotifierInfo,
    NotifierKind,
)
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.monitoring import check_words as words
from penguin_desktop.ui.monitoring.delivery_log import DeliveryLog
from penguin_desktop.ui.monitoring.notifier_forms import (
    AddNotifierDialog,
    RemoveNotifierDialog,
    scope_text,
)
from penguin_desktop.ui.monitoring.tab_base import ListTable, MonitoringTab
from penguin_desktop.ui.secrets.unlock import with_file_unlocked
from penguin_desktop.ui.shell.errors import show_error
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.list_detail import backend_kinds
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.page import action_button
from penguin_desktop.ui.widgets.table_columns import ColumnRules

NOTIFIER_COLUMNS: tuple[Column[NotifierInfo], ...] = (
    Column("Name", lambda n: n.name, lambda n: f"Its secret: {n.secret}"),
    Column("Kind", lambda n: words.NOTIFIER_WORDS[n.kind]),
    Column("Scope", lambda n: scope_text(n.workspace)),
    Column(
        "URL",
        lambda n: n.url or "PagerDuty Events API",
        lambda n: n.url or "The agency's PagerDuty events URL (a monitoring setting)",
    ),
    Column(
        "On",
        lambda n: "Yes" if n.enabled else "Muted",
        lambda n: "Told of alerts" if n.enabled else "Told of nothing until turned back on",
    ),
)


class NotifiersTab(MonitoringTab):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "plug", parent)
        self._build_bar()  # first: Tab reaches the actions before the lists
        self.list = ListTable(
            "MonitoringPage/notifiers",
            NOTIFIER_COLUMNS,
            lambda n: n.name,
            ColumnRules(middle=frozenset({"URL"}), widest={"URL": 600}),
        )
        self.table = self.list.table
        self.table.setObjectName("notifierTable")
        self.log = DeliveryLog()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.log)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([170, 370])
        self.set_content(self.splitter)
        self.list.on_selection(self._update_actions)
        self.rows: list[NotifierInfo] = []
        self.dialog: QDialog | None = None
        self.test_job: Job | None = None
        self.unlock_dialog: QDialog | None = None

    def _build_bar(self) -> None:
        self.count = QLabel()
        self.count.setObjectName("footnote")
        self.test_button = action_button("&Test", "transfer")
        self.remove_button = action_button("Re&move…", "remove")
        self.mute_button = action_button("M&ute", "cancel")
        self.mute_button.clicked.connect(self.toggle_muted)
        self.pagerduty_button = action_button("Add &PagerDuty…", "add")
        self.webhook_button = action_button("Add &webhook…", "add", primary=True)
        self.test_button.clicked.connect(self.test_selected)
        self.remove_button.clicked.connect(self.open_remove)
        self.pagerduty_button.clicked.connect(lambda: self.open_add(NotifierKind.PAGERDUTY))
        self.webhook_button.clicked.connect(lambda: self.open_add(NotifierKind.WEBHOOK))
        self.bar.addWidget(self.heading("Notifiers"))
        self.bar.addWidget(self.count)
        self.bar.addStretch(1)
        for button in (
            self.test_button,
            self.mute_button,
            self.remove_button,
            self.pagerduty_button,
            self.webhook_button,
        ):
            self.bar.addWidget(button)

    # --- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        ws = self.workspace
        rows: list[NotifierInfo] = []
        log: list[DeliveryInfo] = []
        if ws is not None:
            notifiers, actor = self.state.container.monitoring.notifiers, self.state.actor
            found = self.call(lambda: notifiers.all(actor)) or []
            rows = [n for n in found if n.workspace in (None, ws.name)]
            log = self._log(ws.name, rows) if rows else []
        self.rows = rows
        self.list.set_rows(rows)
        self.log.show_deliveries(log)
        self.count.setText(words.count(len(rows), "notifier") if rows else "")
        self._show_empty()
        self.show_content(bool(rows))
        self._update_actions()

    def _log(self, workspace: str, shown: list[NotifierInfo]) -> list[DeliveryInfo]:
        """The deliveries of the listed notifiers about this workspace's alerts (the agency's
        notifiers are told of every workspace's)."""
        monitoring, actor = self.state.container.monitoring, self.state.actor
        names = {n.name for n in shown}
        found = self.call(lambda: monitoring.notifiers.deliveries(actor)) or []
        alerts = self.call(lambda: monitoring.alerts.all(actor, workspace, include_resolved=True))
        ours = {a.id for a in alerts or []}
        return [d for d in found if d.notifier in names and d.alert_id in ours]

    def _show_empty(self) -> None:
        ws = self.workspace
        name = ws.name if ws is not None else "this workspace"
        self.empty.set_text(
            f"No notifiers for {name} yet",
            "Alerts show here and on Home. To be woken up for them, add a PagerDuty service or "
            "a webhook (a chat relay, your own endpoint) for this workspace or the whole agency.",
        )

    # --- adding and removing --------------------------------------------------------------------
    def _scopes(self) -> list[str | None]:
        """Where this role may add notifiers: the workspace's, then the agency's."""
        ws = self.workspace
        scopes: list[str | None] = []
        if ws is not None and self.allowed(Permission.NOTIFIER_WORKSPACE):
            scopes.append(ws.name)
        if self.state.can(Permission.NOTIFIER_AGENCY):
            scopes.append(None)
        return scopes

    def _unlocked(self, workspaces: list[str | None], then: Callable[[], object]) -> None:
        """Run `then` once the secrets of these scopes can be used without a prompt."""
        kinds = backend_kinds(self.state, [w for w in workspaces if w is not None])
        if None in workspaces:
            secrets, actor = self.state.container.secrets, self.state.actor
            try:
                kinds.add(secrets.backend_info(actor, None).kind)
            except PenguinError:
                kinds.add("file")

        def run() -> None:
            then()

        self.unlock_dialog = with_file_unlocked(self, self.state.container, kinds, run)

    def open_add(self, kind: NotifierKind) -> AddNotifierDialog | None:
        scopes = self._scopes()
        if not scopes:
            return None
        monitoring, actor = self.state.container.monitoring, self.state.actor
        settings = self.call(lambda: monitoring.settings(actor))
        url = settings.pagerduty_url if settings is not None else ""
        opened: list[AddNotifierDialog] = []

        def show() -> None:
            dialog = AddNotifierDialog(self.state, kind, scopes, url, self)
            self._open(dialog, lambda: self._added(dialog))
            opened.append(dialog)

        self._unlocked(scopes, show)
        return opened[0] if opened else None

    def _added(self, dialog: AddNotifierDialog) -> None:
        notifier = dialog.result_value
        self.refresh()
        if isinstance(notifier, NotifierInfo):
            for index, row in enumerate(self.list.model.rows):
                if row.name == notifier.name:
                    self.table.selectRow(index)
            text = f"Added notifier {notifier.name}: use Test to send it a made-up alert"
            self.message.show_success(text)
            self.state.notify(f"Added notifier {notifier.name}")

    def open_remove(self) -> RemoveNotifierDialog | None:
        notifier = self.list.selected()
        if notifier is None or not self._may_change(notifier):
            return None
        opened: list[RemoveNotifierDialog] = []

        def show() -> None:
            dialog = RemoveNotifierDialog(self.state, notifier, self)
            self._open(dialog, lambda: self._removed(notifier))
            opened.append(dialog)

        self._unlocked([notifier.workspace], show)
        return opened[0] if opened else None

    def toggle_muted(self) -> None:
        notifier = self.list.selected()
        if notifier is None or not self._may_change(notifier):
            return
        notifiers, actor = self.state.container.monitoring.notifiers, self.state.actor
        changed = self.call(
            lambda: notifiers.set_enabled(actor, notifier.name, not notifier.enabled)
        )
        if changed is not None:
            self.refresh()
            word = "on" if changed.enabled else "muted"
            self.message.show_success(f"Notifier {changed.name} is {word}")

    def _removed(self, notifier: NotifierInfo) -> None:
        self.refresh()
        self.message.show_success(f"Removed notifier {notifier.name}")
        self.state.notify(f"Removed notifier {notifier.name}")

    def _open(self, dialog: QDialog, done: Callable[[], None]) -> None:
        dialog.accepted.connect(done)
        self.dialog = dialog
        dialog.open()

    # --- testing --------------------------------------------------------------------------------
    def test_selected(self) -> Job | None:
        notifier = self.list.selected()
        if notifier is None or self.test_job is not None or not self._may_change(notifier):
            return None
        started: list[Job] = []
        self._unlocked([notifier.workspace], lambda: started.append(self._start_test(notifier)))
        return started[0] if started else None

    def _start_test(self, notifier: NotifierInfo) -> Job:
        notifiers, actor, name = (
            self.state.container.monitoring.notifiers,
            self.state.actor,
            notifier.name,
        )
        job = self.state.runner.start(
            f"Testing notifier {name}", lambda _ctx: notifiers.test(actor, name), self
        )
        self.test_job = job
        self.message.show_info(f"Sending a made-up alert to {name}…")
        job.signals.finished.connect(lambda outcome: self._tested(name, outcome))
        job.signals.failed.connect(lambda error: show_error(self, error))
        job.signals.failed.connect(lambda _error: self.message.clear_message())
        job.signals.ended.connect(self._test_ended)
        self._update_actions()
        return job

    def _tested(self, name: str, outcome: DeliveryAttempt) -> None:
        code = f"HTTP {outcome.status_code}" if outcome.status_code else "no HTTP answer"
        if outcome.ok:
            self.message.show_success(
                f"{name} took the test ({code}): a made-up alert and its resolve were delivered"
            )
        else:
            self.message.show_error(f"The test of {name} failed ({code}): {outcome.error}")

    def _test_ended(self) -> None:
        self.test_job = None
        self._update_actions()

    # --- permissions ----------------------------------------------------------------------------
    def _may_change(self, notifier: NotifierInfo) -> bool:
        if notifier.workspace is None:
            return self.state.can(Permission.NOTIFIER_AGENCY)
        return self.allowed(Permission.NOTIFIER_WORKSPACE)

    def _refusal(self, notifier: NotifierInfo) -> str:
        if notifier.workspace is None:
            return "Only admins and owners of the agency change its notifiers"
        return self.refused(Permission.NOTIFIER_WORKSPACE, "change the workspace's notifiers")

    def _update_actions(self) -> None:
        may_add = bool(self._scopes())
        for button in (self.pagerduty_button, self.webhook_button):
            button.setEnabled(may_add)
            button.setToolTip(
                "Add a notifier for this workspace's alerts or the agency's"
                if may_add
                else self.refused(Permission.NOTIFIER_WORKSPACE, "add notifiers")
            )
        notifier = self.list.selected()
        may = notifier is not None and self._may_change(notifier)
        busy = self.test_job is not None
        self.test_button.setEnabled(may and not busy)
        self.remove_button.setEnabled(may)
        self.mute_button.setEnabled(may)
        muted = notifier is not None and not notifier.enabled
        self.mute_button.setText("Unm&ute" if muted else "M&ute")
        self.mute_button.setToolTip(
            "Turn it back on: it is told of alerts from now on"
            if muted
            else "Tell it nothing for now (maintenance); what happens meanwhile is not sent later"
        )
        for button, tip in (
            (self.test_button, "Send a made-up alert and its resolve to it"),
            (self.remove_button, "Stop telling it of alerts and delete its secret"),
        ):
            button.setToolTip(
                "Select a notifier first"
                if notifier is None
                else self._refusal(notifier)
                if not may
                else "A test is under way"
                if busy and button is self.test_button
                else tip
            )
