"""Jobs off the UI thread: what a page hears from a job, even one that ends at once."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.ui.shell.workers import JobRunner


def test_a_job_that_fails_before_anyone_listens_is_still_heard(qtbot: QtBot) -> None:
    runner = JobRunner()
    done = threading.Event()

    def fail_at_once(_ctx: JobContext) -> None:
        done.set()
        raise ValidationError("bad input")

    job = runner.start("Failing at once", fail_at_once)
    assert done.wait(10)  # the worker has already failed ...
    heard: list[BaseException] = []
    job.signals.failed.connect(heard.append)  # ... before the page connects
    with qtbot.waitSignal(job.signals.ended, timeout=10_000):
        pass
    assert [str(e) for e in heard] == ["bad input"]
    assert runner.running == []


def test_progress_and_the_result_arrive_on_the_ui_thread(qtbot: QtBot) -> None:
    runner = JobRunner()
    seen: list[tuple[str, bool]] = []
    main = threading.get_ident()

    go = threading.Event()

    def work(ctx: JobContext) -> int:
        go.wait(10)
        ctx.progress(0.5, "half way")
        return 42

    job = runner.start("Counting", work)
    job.signals.progress.connect(
        lambda _f, text: seen.append((text, threading.get_ident() == main))
    )
    job.signals.finished.connect(
        lambda value: seen.append((str(value), threading.get_ident() == main))
    )
    with qtbot.waitSignal(job.signals.ended, timeout=10_000):
        go.set()
    assert seen == [("half way", True), ("42", True)]
