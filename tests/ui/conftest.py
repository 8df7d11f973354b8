"""GUI test fixtures: a real Container over a temporary data directory, real users and
workspaces made through the services, widgets driven with pytest-qt (offscreen, no sleeps)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Actor, Face, Role
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.main_window import MainWindow
from penguin_desktop.ui.shell.state import AppState

PASSWORD = "correct horse battery staple"
OWNER = "owner@agency.test"


@pytest.fixture(autouse=True)
def _themed(qapp: object) -> None:
    """Tests see the widgets as users do: with the house theme applied."""
    theme.apply(qapp)  # type: ignore[arg-type]


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    built = Container(Settings.resolve(data_dir=tmp_path / "data", env={}))
    yield built
    built.close()


@pytest.fixture
def owner(container: Container) -> Actor:
    return container.auth.initialize("Test Agency", OWNER, PASSWORD, Face.GUI)


@pytest.fixture
def make_user(container: Container, owner: Actor) -> Callable[..., Actor]:
    """Create a user with an org role, optionally a member of workspaces; return them signed in."""

    def make(email: str, org_role: Role = Role.MEMBER, **workspaces: Role) -> Actor:
        container.users.add(owner, email, PASSWORD, org_role)
        for name, role in workspaces.items():
            container.members.add(owner, name.replace("_", " "), email, role)
        return container.auth.login(email, PASSWORD, Face.GUI)

    return make


@pytest.fixture
def make_window(qtbot: QtBot, container: Container) -> Callable[..., MainWindow]:
    def make(actor: Actor, idle_timeout_ms: int = 600_000) -> MainWindow:
        window = MainWindow(AppState(container, actor), idle_timeout_ms=idle_timeout_ms)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make
