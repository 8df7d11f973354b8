"""Two monitors on one database (a console and `penguin monitor run`, or two consoles in team
mode): one runs the scheduled rounds, the other waits and says who runs them, and takes over
when the first stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import update

from penguin_desktop.container import Container
from penguin_desktop.core.monitoring.runner import RoundReport
from penguin_desktop.core.monitoring.tables import CheckRow
from penguin_desktop.core.platform.errors import PermissionDenied
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.store.tables import MetaRow
from tests.conftest import add_user
from tests.servers.common import free_port


def test_one_monitor_runs_the_rounds_the_other_waits_then_takes_over(
    container: Container, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PENGUIN_DNS_NAMESERVER", f"127.0.0.1:{free_port()}")
    container.workspaces.create(owner, "Acme")
    container.domains.add(owner, "Acme", "client.test", ips=["127.0.0.1"], lab=True)
    runner = container.monitoring.runner
    first_stop, second_stop = threading.Event(), threading.Event()
    rounds: dict[str, list[RoundReport]] = {"first": [], "second": []}
    waits: list[str] = []

    def monitor(name: str, stop: threading.Event) -> threading.Thread:
        def run() -> None:
            runner.run_forever(
                owner, stop, on_round=rounds[name].append, on_wait=waits.append, tick=0.05
            )

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    first = monitor("first", first_stop)
    _until(lambda: bool(rounds["first"]))
    second = monitor("second", second_stop)
    _until(lambda: bool(waits))
    assert rounds["second"] == []
    assert waits[0].startswith("waiting: the monitor on ") and "runs the checks" in waits[0]

    first_stop.set()
    first.join(10)
    with container.db.write() as session:  # make the checks due again for the new holder
        session.execute(update(CheckRow).values(next_due_at=None))
    _until(lambda: bool(rounds["second"]))
    second_stop.set()
    second.join(10)
    assert rounds["second"][0].checks == 2


def _until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_role_that_runs_no_checks_never_takes_the_lease(
    container: Container, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    container.workspaces.create(owner, "Acme")
    viewer = add_user(container, owner, "viewer@agency.test")
    container.members.add(owner, "Acme", "viewer@agency.test", Role.VIEWER)
    runner = container.monitoring.runner
    said: list[str] = []

    runner.run_forever(viewer, threading.Event(), on_wait=said.append, tick=0.05)

    assert said == ["your role runs no checks in any workspace: nothing to do"]
    with pytest.raises(PermissionDenied):
        runner.run_round(viewer, "Acme")
    assert runner.run_round(viewer).checks == 0
    with container.db.read() as session:
        assert session.get(MetaRow, "monitor.lease") is None
