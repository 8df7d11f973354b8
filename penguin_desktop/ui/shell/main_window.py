"""The console window: sidebar of pages, workspace switcher, jobs in the status bar (with the
outcome of any job that ended where no one could see it), idle lock.

Pages are listed in `PAGES`; adding a capability's page is one line there (it gets a sidebar
entry and the next Ctrl+<n> shortcut). A page is built the first time it is shown, so start-up
pays only for the first one.

Past 400 lines because the window is where the shell's parts meet (sidebar, switcher, status
bar, lock, shortcuts, the background monitor's news); each part's logic lives in its own
module and only its wiring is here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.accounts.models import WorkspaceInfo
from penguin_desktop.ui.accounts.members_page import MembersPage
from penguin_desktop.ui.accounts.settings_page import SettingsPage
from penguin_desktop.ui.accounts.workspaces_page import WorkspacesPage
from penguin_desktop.ui.audit.page import AuditPage
from penguin_desktop.ui.billing.page import BillingPage
from penguin_desktop.ui.campaigns.campaigns_page import CampaignsPage
from penguin_desktop.ui.campaigns.leads_page import LeadsPage
from penguin_desktop.ui.domains.page import DomainsPage
from penguin_desktop.ui.mailboxes.page import MailboxesPage
from penguin_desktop.ui.monitoring.background import (
    BackgroundMonitor,
    open_alert_count,
    report_words,
)
from penguin_desktop.ui.monitoring.home_page import HomePage
from penguin_desktop.ui.monitoring.monitoring_page import MonitoringPage
from penguin_desktop.ui.monitoring.notification import notify_desktop
from penguin_desktop.ui.secrets.page import SecretsPage
from penguin_desktop.ui.secrets.unlock import prompt_of
from penguin_desktop.ui.servers.page import ServersPage
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.about import AboutDialog
from penguin_desktop.ui.shell.idle import IdleWatcher
from penguin_desktop.ui.shell.jobs import JobsWidget
from penguin_desktop.ui.shell.lock_screen import LockScreen
from penguin_desktop.ui.shell.resources import app_icon, icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.formatting import role_name
from penguin_desktop.ui.widgets.page import Page

PAGES: tuple[type[Page], ...] = (
    HomePage,
    MonitoringPage,
    BillingPage,
    WorkspacesPage,
    MembersPage,
    DomainsPage,
    ServersPage,
    MailboxesPage,
    LeadsPage,
    CampaignsPage,
    AuditPage,
    SecretsPage,
    SettingsPage,
)

if TYPE_CHECKING:
    from penguin_desktop.core.monitoring import RoundReport

NO_WORKSPACE = "No workspace yet"
OUTCOME_MS = 15_000


class MainWindow(QMainWindow):
    def __init__(
        self,
        state: AppState,
        idle_timeout_ms: int | None = None,
        pages: tuple[type[Page], ...] = PAGES,
    ) -> None:
        super().__init__()
        self.state = state
        self._idle_override = idle_timeout_ms
        organization = state.container.auth.organization()
        self.organization = organization.name if organization else ""
        self.setWindowTitle(f"{self.organization} — PenguinMails Desktop")
        self.setWindowIcon(app_icon())
        self.resize(1280, 800)
        self.setMinimumSize(960, 600)

        self.page_types = pages
        self._built: dict[int, Page] = {}
        self.monitor: BackgroundMonitor | None = None
        self.page_stack = QStackedWidget()
        self.page_stack.setObjectName("pageStack")

        content = QWidget()
        row = QHBoxLayout(content)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self._build_sidebar())
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        right.addWidget(self._build_header())
        right.addWidget(self.page_stack, 1)
        row.addLayout(right, 1)

        self.lock_screen = LockScreen(state)
        self.lock_screen.unlocked.connect(self.unlock)
        self.lock_screen.quit_requested.connect(self.close)
        self.screens = QStackedWidget()
        self.screens.addWidget(content)
        self.screens.addWidget(self.lock_screen)
        self.content = content
        self.setCentralWidget(self.screens)

        self._build_status_bar()

        self.shortcuts: list[QShortcut] = []
        self._install_shortcuts()
        minutes = state.actor.idle_timeout_minutes
        self.idle = IdleWatcher(idle_timeout_ms or minutes * 60_000, self)
        self.idle.idle.connect(lambda: self.lock(idle=True))
        state.actor_changed.connect(self._actor_changed)
        state.workspaces_changed.connect(self._fill_switcher)
        state.current_workspace_changed.connect(self._show_current)

        state.reload_workspaces()
        self.nav.setCurrentRow(0)
        self.idle.start()

    # --- building -------------------------------------------------------------------------------
    def _build_sidebar(self) -> QWidget:
        sidebar = QFrame()
        sidebar.setObjectName("sidebar")
        sidebar.setFixedWidth(228)
        column = QVBoxLayout(sidebar)
        column.setContentsMargins(14, 18, 14, 14)
        column.setSpacing(14)
        brand = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(QSize(36, 36)))
        names = QVBoxLayout()
        names.setSpacing(0)
        product = QLabel("PenguinMails")
        product.setObjectName("brandName")
        agency = QLabel(self.organization)
        agency.setObjectName("brandAgency")
        names.addWidget(product)
        names.addWidget(agency)
        brand.addWidget(logo)
        brand.addLayout(names, 1)
        column.addLayout(brand)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for number, page in enumerate(self.page_types, start=1):
            item = QListWidgetItem(
                icon(page.icon_name, theme.SIDEBAR_ICON, theme.SIDEBAR_ICON_ACTIVE), page.title
            )
            item.setToolTip(f"{page.title} (Ctrl+{number % 10})" if number <= 10 else page.title)
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._navigate)
        column.addWidget(self.nav, 1)
        self.user_label = QLabel()
        self.user_label.setObjectName("sidebarUser")
        self.user_label.setWordWrap(True)
        column.addWidget(self.user_label)
        self._show_user()
        return sidebar

    def _build_header(self) -> QWidget:
        header = QFrame()
        header.setObjectName("header")
        row = QHBoxLayout(header)
        row.setContentsMargins(28, 10, 18, 10)
        row.setSpacing(10)
        caption = QLabel("Workspace")
        caption.setObjectName("headerCaption")
        self.switcher = QComboBox()
        self.switcher.setObjectName("workspaceSwitcher")
        self.switcher.setMinimumWidth(260)
        self.switcher.setToolTip("The client workspace the pages show")
        self.switcher.activated.connect(self._switch)
        caption.setBuddy(self.switcher)
        self.role_badge = QLabel()
        self.role_badge.setObjectName("roleBadge")
        row.addWidget(caption)
        row.addWidget(self.switcher)
        row.addWidget(self.role_badge)
        row.addStretch(1)
        self.refresh_button = self._tool_button("refresh", "Refresh (F5)", self.refresh_current)
        self.lock_button = self._tool_button("lock", "Lock now (Ctrl+L)", lambda: self.lock())
        row.addWidget(self.refresh_button)
        row.addWidget(self.lock_button)
        return header

    def _build_status_bar(self) -> None:
        """Where the data lives, passing notes (`flash`) and the jobs strip."""
        self.jobs = JobsWidget(self.state.runner)
        self.where = QLabel(self._where_text())
        self.where.setObjectName("statusWhere")
        self.flash_label = QLabel()
        self.flash_label.setObjectName("statusFlash")
        self.flash_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.flash_text = ""
        self._flash_timer = QTimer(self)
        self._flash_timer.setSingleShot(True)
        self._flash_timer.timeout.connect(lambda: self.flash(""))
        self.statusBar().addWidget(self.where)
        self.statusBar().addWidget(self.flash_label, 1)
        self.statusBar().addPermanentWidget(self.jobs)
        self.state.status_message.connect(self.flash)
        self.state.runner.ended.connect(self._job_ended)

    @staticmethod
    def _tool_button(name: str, tip: str, slot: object) -> QToolButton:
        button = QToolButton()
        button.setIcon(icon(name, theme.ICON))
        button.setIconSize(QSize(18, 18))
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.clicked.connect(slot)
        return button

    def _install_shortcuts(self) -> None:
        def add(sequence: QKeySequence | QKeySequence.StandardKey | str, slot: object) -> None:
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

        for number in range(1, min(len(self.page_types), 10) + 1):  # the tenth is Ctrl+0
            add(f"Ctrl+{number % 10}", lambda n=number - 1: self.show_page(n))
        add("Ctrl+F", self.focus_filter)
        add("F5", self.refresh_current)
        add("Ctrl+L", lambda: self.lock())
        add(QKeySequence.StandardKey.Quit, self.close)
        add("F1", self.show_about)

    def show_about(self) -> AboutDialog:
        """F1: the program's version and where its data lives, for a support request."""
        dialog = AboutDialog(self.state.container, self)
        dialog.open()
        return dialog

    def flash(self, text: str, msecs: int = 8000) -> None:
        """A passing note in the status bar, beside (never over) the database location; one
        too long for the room left is elided, whole in its tooltip (a long error must not
        widen the window)."""
        self.flash_text = text
        metrics = QFontMetrics(self.flash_label.font())
        room = max(self.flash_label.width(), 240)
        self.flash_label.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, room))
        self.flash_label.setToolTip(text)
        if text:
            self._flash_timer.start(msecs)

    def _job_ended(self, job: Job) -> None:
        """A job's outcome that no dialog or page is there to show: the status bar says it
        (the jobs strip lists it too)."""
        if job.outcome is not None and not job.outcome.shown:
            self.flash(job.outcome.text, OUTCOME_MS)

    def _where_text(self) -> str:
        settings = self.state.container.settings
        if settings.is_embedded:
            return f"Local database in {settings.data_dir}"
        return "Shared team database (PostgreSQL)"

    # --- navigation -----------------------------------------------------------------------------
    def page_at(self, index: int) -> Page:
        """The page at `index` in the sidebar, built on first use."""
        page = self._built.get(index)
        if page is None:
            page = self.page_types[index](self.state)
            self._built[index] = page
            self.page_stack.addWidget(page)
        return page

    @property
    def pages(self) -> list[Page]:
        """Every page (building the ones not shown yet)."""
        return [self.page_at(i) for i in range(len(self.page_types))]

    def _navigate(self, index: int) -> None:
        if 0 <= index < len(self.page_types):
            self.page_stack.setCurrentWidget(self.page_at(index))

    def show_page(self, index: int) -> Page:
        self.nav.setCurrentRow(index)
        return self.page_at(index)

    def show_page_titled(self, title: str) -> Page | None:
        """The page whose sidebar title is `title`, shown (what a Home tile leads to)."""
        for index, kind in enumerate(self.page_types):
            if kind.title == title:
                return self.show_page(index)
        return None

    def current_page(self) -> Page:
        return self.page_at(max(self.nav.currentRow(), 0))

    def refresh_current(self) -> None:
        self.current_page().refresh()
        self.flash("Refreshed", 2000)

    def focus_filter(self) -> None:
        """Ctrl+F: the current page's filter, else the audit log's."""
        if self.current_page().focus_filter():
            return
        for index, kind in enumerate(self.page_types):
            if issubclass(kind, AuditPage):
                self.show_page(index).focus_filter()
                return

    # --- workspace switcher ---------------------------------------------------------------------
    def _fill_switcher(self) -> None:
        self.switcher.blockSignals(True)
        self.switcher.clear()
        active = self.state.active_workspaces
        for ws in active:
            self.switcher.addItem(icon("workspaces", theme.ICON), ws.name, ws.name)
        if not active:
            self.switcher.addItem(NO_WORKSPACE, None)
        self.switcher.setEnabled(bool(active))
        self.switcher.blockSignals(False)
        self._show_current(self.state.current)

    def _switch(self, index: int) -> None:
        name = self.switcher.itemData(index)
        if name:
            self.state.select_workspace(name)

    def _show_current(self, workspace: WorkspaceInfo | None) -> None:
        if workspace is None:
            self.role_badge.setText("")
            self.role_badge.hide()
            return
        index = self.switcher.findData(workspace.name)
        if index >= 0:
            self.switcher.setCurrentIndex(index)
        self.role_badge.setText(f"You: {role_name(workspace.my_role)}")
        self.role_badge.show()

    # --- the acting user ------------------------------------------------------------------------
    def _show_user(self) -> None:
        actor = self.state.actor
        self.user_label.setText(f"{actor.email}\n{role_name(actor.org_role)} of the agency")
        self.user_label.setToolTip("Signed in; change your account under Settings")

    def _actor_changed(self, _actor: object) -> None:
        self._show_user()
        if self._idle_override is None:
            self.idle.set_timeout(self.state.actor.idle_timeout_minutes * 60_000)

    # --- idle lock ------------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.screens.currentWidget() is self.lock_screen

    def lock(self, idle: bool = False) -> None:
        """Hide every piece of data: close open dialogs, swap in the lock screen."""
        if self.locked:
            return
        self.idle.stop()
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()
        self.lock_screen.prepare(self.idle.timeout_ms / 1000 if idle else 0)
        self.screens.setCurrentWidget(self.lock_screen)
        self.statusBar().hide()
        for shortcut in self.shortcuts:
            shortcut.setEnabled(False)
        self.lock_screen.password.setFocus()

    def unlock(self) -> None:
        self.screens.setCurrentWidget(self.content)
        self.statusBar().show()
        for shortcut in self.shortcuts:
            shortcut.setEnabled(True)
        self.idle.start()
        self.current_page().setFocus()

    # --- the background monitor -----------------------------------------------------------------
    def attach_monitor(self, monitor: BackgroundMonitor) -> None:
        """Show each background round: a note, the open-alert count on Home's sidebar item, a
        desktop notification for new alerts (naming no client while the window is locked),
        and a fresh Home page."""
        self.monitor = monitor
        monitor.round_done.connect(self._round_done)
        monitor.setParent(self)
        self._show_alert_count()

    def _round_done(self, report: RoundReport) -> None:
        if not self.locked:
            self.flash(report_words(report))
        self._show_alert_count()
        for index, page in self._built.items():
            if self.page_types[index] in (HomePage, MonitoringPage):
                page.mark_stale()
        if report.opened:
            words = "New alerts" if self.locked else report_words(report)
            notify_desktop(self, "PenguinMails", words)

    def _show_alert_count(self) -> None:
        """The open alerts the user may see, as a count on Home's sidebar item."""
        count = open_alert_count(self.state)
        home = next((i for i, k in enumerate(self.page_types) if k is HomePage), None)
        if home is not None and count is not None:
            item = self.nav.item(home)
            item.setText(f"Home ({count})" if count else "Home")
            item.setToolTip(f"{count} open alerts" if count else "Home (Ctrl+1)")

    # --- closing --------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        """Cancel running jobs and wait for them, so no worker outlives the database."""
        if self.monitor is not None:
            self.monitor.stop()
        prompt = prompt_of(self.state.container)
        if prompt is not None:
            prompt.abort()  # a worker waiting for the master password gives up
        self.state.runner.cancel_all()
        self.state.runner.wait(10_000)
        self.idle.shutdown()
        super().closeEvent(event)
