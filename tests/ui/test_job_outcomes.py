"""How a job ends, as the user sees it: the jobs strip always lists the outcome in words (done,
failed with the error, cancelled), and the status bar says it when the dialog that started the
job is no longer there to. No sleeps: the work waits on an event the test sets."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from penguin_desktop.core.platform.errors import Cancelled, ExternalServiceError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.ui.shell.main_window import MainWindow
from penguin_desktop.ui.shell.workers import Ending

WindowFactory = Callable[..., MainWindow]
WAIT_MS = 10_000


def held_work(release: threading.Event, ending: Ending) -> Callable[[JobContext], str]:
    def work(_ctx: JobContext) -> str:
        release.wait(WAIT_MS / 1000)
        if ending is Ending.FAILED:
            raise ExternalServiceError("cannot reach MailU at https://mail.client.test")
        if ending is Ending.CANCELLED:
            raise Cancelled("provisioning cancelled before 'Start MailU'")
        return "ok"

    return work


def run_to_end(qtbot: QtBot, release: threading.Event, window: MainWindow) -> None:
    with qtbot.waitSignal(window.state.runner.ended, timeout=WAIT_MS):
        release.set()


@pytest.mark.parametrize(
    ("ending", "words"),
    [
        (Ending.SUCCEEDED, "Provisioning mx1 — done"),
        (Ending.FAILED, "Provisioning mx1 failed: Cannot reach MailU at https://mail.client.test"),
        (Ending.CANCELLED, "Provisioning mx1 — cancelled"),
    ],
)
def test_a_job_whose_dialog_was_closed_reports_its_outcome(
    qtbot: QtBot, owner: Actor, make_window: WindowFactory, ending: Ending, words: str
) -> None:
    window = make_window(owner)
    dialog = QDialog(window)
    dialog.show()
    release = threading.Event()
    job = window.state.runner.start("Provisioning mx1", held_work(release, ending), owner=dialog)
    row = window.jobs.row_for(job)
    assert row is not None and row in window.jobs.rows()
    dialog.close()  # the user closes the dialog; the job goes on
    assert window.state.runner.running == [job]
    run_to_end(qtbot, release, window)
    assert window.flash_text == words
    assert window.flash_label.toolTip() == words
    assert window.jobs.rows() == [] and window.jobs.ended_rows() == [row]
    assert row.label.toolTip() == words and not row.bar.isVisible()
    assert row.cancel_button.toolTip() == "Dismiss"


def test_a_dialog_still_open_shows_the_outcome_itself(
    qtbot: QtBot, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    dialog = QDialog(window)
    dialog.show()
    release = threading.Event()
    window.state.runner.start("Removing mx1", held_work(release, Ending.FAILED), owner=dialog)
    run_to_end(qtbot, release, window)
    assert window.flash_text == ""  # the dialog says it; the status bar does not repeat it
    (row,) = window.jobs.ended_rows()
    assert row.label.toolTip().startswith("Removing mx1 failed: Cannot reach MailU")


def test_a_form_closing_on_success_does_not_count_as_gone(
    qtbot: QtBot, owner: Actor, make_window: WindowFactory
) -> None:
    """The owner is judged before its own slots run: a form that closes because the job
    succeeded showed the result by closing."""
    window = make_window(owner)
    dialog = QDialog(window)
    dialog.show()
    release = threading.Event()
    job = window.state.runner.start(
        "Adding mx1", held_work(release, Ending.SUCCEEDED), owner=dialog
    )
    job.signals.finished.connect(lambda _result: dialog.accept())
    run_to_end(qtbot, release, window)
    assert not dialog.isVisible() and window.flash_text == ""
    assert job.outcome is not None and job.outcome.shown


def test_a_job_from_a_modal_dialog_belongs_to_it(
    qtbot: QtBot, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    dialog = QDialog(window)
    dialog.open()
    qtbot.waitUntil(dialog.isVisible)
    release = threading.Event()
    job = window.state.runner.start("Testing the provider", held_work(release, Ending.SUCCEEDED))
    assert job.owner is dialog
    dialog.reject()
    run_to_end(qtbot, release, window)
    assert window.flash_text == "Testing the provider — done"


def test_a_failure_stays_listed_until_dismissed(
    qtbot: QtBot, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    release = threading.Event()
    window.state.runner.start("Checking mx1", held_work(release, Ending.FAILED))
    run_to_end(qtbot, release, window)
    (row,) = window.jobs.ended_rows()
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    assert window.jobs.ended_rows() == [] and not window.jobs.isVisible()
