"""Jobs off the UI thread: what a page hears from a job, even one that ends at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.audit import trail
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor, Face
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import JobRunner
from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, fresh_sqlite


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


@pytest.fixture
def signing(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[Container, Actor]]:
    """An agency whose trail can be signed (the secrets file opens with a known password)."""
    url = fresh_sqlite(sqlite_template, tmp_path / "w.db")
    container = Container(Settings(data_dir=tmp_path, db_url=url), lambda _c: MASTER_PASSWORD)
    yield container, container.auth.initialize("Agency", OWNER_EMAIL, OWNER_PASSWORD, Face.GUI)
    container.close()


def test_the_trails_checkpoint_is_signed_off_the_ui_thread(
    qtbot: QtBot, signing: tuple[Container, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write on the UI thread that makes a checkpoint due hands the signing (which reads the
    secret store, Vault over the network) to the pool; the checkpoint still gets written."""
    container, owner = signing
    monkeypatch.setattr(trail, "CHECKPOINT_EVERY", 3)
    state = AppState(container, owner)
    container.audit.checkpoint(owner)  # makes the key; from now on every 3rd entry is signed
    signer = container.audit.checkpoint_quietly
    threads: list[threading.Thread] = []

    def recorded() -> None:
        threads.append(threading.current_thread())
        signer()

    monkeypatch.setattr(container.audit, "checkpoint_quietly", recorded)
    state._sign_off_the_ui_thread()  # the hook now reaches the recording wrapper
    for i in range(4):
        container.workspaces.create(owner, f"W{i}")
    qtbot.waitUntil(lambda: len(threads) >= 1, timeout=10_000)
    state.runner.pool.waitForDone(10_000)

    assert threading.main_thread() not in threads
    assert container.audit.verify(owner).checkpoint is not None
    assert container.audit.verify(owner).checkpoint.seq > 3  # type: ignore[union-attr]
