"""GUI test fixtures: a real Container over a temporary data directory, real users and
workspaces made through the services, widgets driven with pytest-qt (offscreen, no sleeps)."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from pytestqt.qtbot import QtBot

from penguin_desktop.config import DB_FILE, Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Actor, Face, Role
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.main_window import MainWindow
from penguin_desktop.ui.shell.state import AppState
from tests.conftest import fresh_sqlite

PASSWORD = "correct horse battery staple"
OWNER = "owner@agency.test"


@pytest.fixture(autouse=True)
def _themed(qapp: object) -> None:
    """Tests see the widgets as users do: with the house theme applied."""
    theme.apply(qapp)  # type: ignore[arg-type]


@pytest.fixture(scope="session", autouse=True)
def _long_lived_objects_frozen(qapp: object) -> None:
    """What exists once the suite is loaded (modules, Qt's wrappers, the app) lives as long as
    the run: kept out of the collector's view, so the full collection after each test scans
    only what tests made (it was a quarter of the UI tests' time)."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _collected_on_the_ui_thread(qapp: object) -> Iterator[None]:
    """Widgets a test leaves in reference cycles (a dialog and the lambdas connected to it) are
    freed when it ends, here on the UI thread; left to the garbage collector, they may be freed
    from a worker thread during a later test, which crashes Qt."""
    yield
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(autouse=True)
def settings_dir(tmp_path: Path) -> Path:
    """QSettings (remembered column widths) in the test's own folder, never the user's."""
    folder = tmp_path / "settings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    return folder


@pytest.fixture
def container(tmp_path: Path, sqlite_template: Path) -> Iterator[Container]:
    fresh_sqlite(sqlite_template, tmp_path / "data" / DB_FILE)
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
