"""The uncaught-error hook: a burst of the same bug (one per repaint) is one dialog that counts
the repeats, not a dialog per repaint; the log still has a line for every occurrence."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from penguin_desktop.ui.shell import errors


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    ticking = Clock()
    monkeypatch.setattr(errors, "bursts", errors.Bursts(ticking))
    yield ticking
    for box in open_boxes():
        box.close()
        box.deleteLater()


def open_boxes() -> list[QMessageBox]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


def raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


def paint_bug() -> BaseException:
    return raised(KeyError("<SecretKind.DKIM_KEY: 'dkim_key'>"))


def test_a_burst_of_the_same_error_is_one_dialog_that_counts(
    qtbot: QtBot, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="penguin_desktop.ui")
    for _ in range(25):
        error = paint_bug()
        errors._hook(type(error), error, error.__traceback__)
        clock.now += 0.05

    boxes = open_boxes()
    assert len(boxes) == 1
    assert "KeyError" in boxes[0].text()
    assert "This happened 25 times; it is shown once." in boxes[0].informativeText()
    lines = [r for r in caplog.records if r.getMessage().startswith("uncaught exception")]
    assert len(lines) == 25
    assert lines[0].exc_info or lines[0].exc_text  # the first with its traceback
    assert "again (25 times)" in lines[-1].getMessage()


def test_dismissed_while_it_keeps_happening_it_does_not_come_back(
    qtbot: QtBot, clock: Clock
) -> None:
    error = paint_bug()
    errors._hook(type(error), error, error.__traceback__)
    open_boxes()[0].accept()

    clock.now += 1  # the next repaint, right after the dismissal
    errors._hook(type(error), error, error.__traceback__)
    assert open_boxes() == []

    clock.now += errors.BURST_SECONDS + 1  # quiet for a while, then it happens again
    errors._hook(type(error), error, error.__traceback__)
    assert len(open_boxes()) == 1


def test_a_different_error_gets_its_own_dialog(qtbot: QtBot, clock: Clock) -> None:
    for error in (paint_bug(), paint_bug(), raised(RuntimeError("boom"))):
        errors._hook(type(error), error, error.__traceback__)
    texts = sorted(box.text() for box in open_boxes())
    assert len(texts) == 2
    assert "(KeyError)" in texts[0] and texts[1] == "Unexpected error (RuntimeError): boom"
