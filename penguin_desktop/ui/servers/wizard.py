"""The New server wizard: create a VPS at Hostwinds or adopt an existing server, then trust its
host key and install MailU, all with a live log.

Page 1 chooses the path, page 2 takes its fields (checked as you type), page 3 does the work:
record the server (adopt, or create and wait for the provider), ask about its host key in the
host-key dialog, then provision with steps, progress and log. Cancel stops the running job; a
cancelled or failed run is resumed later from the Servers page. Nothing slow runs on the UI
thread, and a failure before the server is recorded leaves the fields as typed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QWidget, QWizard

from penguin_desktop.ui.servers.wizard_details import (
    PAGE_DETAILS,
    PAGE_KIND,
    PAGE_RUN,
    DetailsPage,
    KindPage,
)
from penguin_desktop.ui.servers.wizard_run import RunPage
from penguin_desktop.ui.shell.state import AppState


class NewServerWizard(QWizard):
    server_changed = Signal(str, str)  # workspace, name: the Servers page reloads

    def __init__(self, state: AppState, workspace: str | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.setObjectName("newServerWizard")
        self.setWindowTitle("New server")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, False)
        self._house_buttons()
        self.resize(780, 700)
        self.provision_options: dict[str, Any] = {}  # e.g. poll_s, for tests and slow links
        self.create_options: dict[str, Any] = {}
        self.kind_page = KindPage()
        self.details_page = DetailsPage(state, workspace)
        self.run_page = RunPage(state)
        self.setPage(PAGE_KIND, self.kind_page)
        self.setPage(PAGE_DETAILS, self.details_page)
        self.setPage(PAGE_RUN, self.run_page)
        self.details_page.setButtonText(QWizard.WizardButton.NextButton, "&Start")

    def _house_buttons(self) -> None:
        """The buttons every other dialog has: plain words, the way forward in the primary
        colour, Cancel last (not Qt's "< Back" and "Next >")."""
        button = QWizard.WizardButton
        for which, text in (
            (button.BackButton, "&Back"),
            (button.NextButton, "&Next"),
            (button.CommitButton, "&Next"),
            (button.FinishButton, "&Done"),
            (button.CancelButton, "Cancel"),
        ):
            self.setButtonText(which, text)
        for forward in (button.NextButton, button.CommitButton, button.FinishButton):
            widget = self.button(forward)
            if widget is not None:
                widget.setProperty("primary", True)
        self.setButtonLayout(
            [
                button.Stretch,
                button.BackButton,
                button.NextButton,
                button.CommitButton,
                button.FinishButton,
                button.CancelButton,
            ]
        )

    def reject(self) -> None:
        """Esc, Cancel, the window's close button or the idle lock: stop a running job (it
        ends after its current command) and close; a cancelled run resumes from the page."""
        if self.run_page.busy:
            self.run_page.cancel()
        super().reject()

    def done(self, result: int) -> None:
        super().done(result)
        self._dispose_when_idle()

    def _dispose_when_idle(self) -> None:
        """A closed wizard is deleted once its jobs have ended (their results have nowhere to
        go before that). Left alive, a QWizard breaks a later application-wide style change."""
        if self.run_page.busy:
            QTimer.singleShot(200, self._dispose_when_idle)
        else:
            self.deleteLater()
