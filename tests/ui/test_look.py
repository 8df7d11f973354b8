"""The house look where Qt brings its own widgets: file dialogs stay light (the dark sidebar
style is the main window's only), and the New server wizard has the buttons every other
dialog has."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QFileDialog, QFrame, QListView, QWizard
from pytestqt.qtbot import QtBot

from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.ui.servers.wizard import NewServerWizard
from penguin_desktop.ui.shell.main_window import MainWindow
from penguin_desktop.ui.shell.state import AppState


@pytest.fixture(autouse=True)
def _no_wizard_left(qapp: QApplication) -> Iterator[None]:
    """A QWizard still alive when the next test restyles the application crashes Qt."""
    yield
    for widget in qapp.allWidgets():
        if isinstance(widget, QWizard):
            widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def lightness(widget: QFrame | QListView) -> int:
    """How light the widget's background is, 0 (black) to 255, sampled near its bottom."""
    image = widget.grab().toImage()
    return QColor(image.pixel(image.width() // 2, image.height() - 4)).lightness()


def test_a_file_dialog_keeps_the_light_look_next_to_the_dark_sidebar(
    qtbot: QtBot, owner: Actor, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(owner)
    dialog = QFileDialog(window, "CA certificate for Vault")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    places = dialog.findChild(QListView, "sidebar")
    assert places is not None and places.isVisible()
    assert lightness(places) > 200
    sidebar = window.findChild(QFrame, "sidebar")
    assert sidebar is not None and lightness(sidebar) < 60


def test_the_new_server_wizard_has_the_house_buttons(
    qtbot: QtBot, container: Container, owner: Actor
) -> None:
    container.workspaces.create(owner, "Acme")
    wizard = NewServerWizard(AppState(container, owner), "Acme")
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)

    back = wizard.button(QWizard.WizardButton.BackButton)
    forward = wizard.button(QWizard.WizardButton.NextButton)
    cancel = wizard.button(QWizard.WizardButton.CancelButton)
    assert [b.text().replace("&", "") for b in (back, forward, cancel)] == [
        "Back",
        "Next",
        "Cancel",
    ]
    assert forward.property("primary") is True and not cancel.property("primary")
    assert back.x() < forward.x() < cancel.x()
    wizard.next()
    assert forward.text().replace("&", "") == "Start" and forward.property("primary") is True
    done = wizard.button(QWizard.WizardButton.FinishButton)
    assert done.text().replace("&", "") == "Done" and done.property("primary") is True
