"""What the whole-console tests share: no OS keyring (secrets go to the encrypted file with a
fixed master password) and the loopback MailU the mailboxes live on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QApplication

from penguin_desktop.config import DB_FILE, Settings
from penguin_desktop.container import Container
from tests.conftest import fresh_sqlite
from tests.servers.mailu import MailuServer, running_mailu

MASTER = "a master password for the tests"


@pytest.fixture(autouse=True)
def _no_os_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def container(qapp: QApplication, tmp_path: Path, sqlite_template: Path) -> Iterator[Container]:
    """Secrets go to the encrypted file, with a fixed master password."""
    fresh_sqlite(sqlite_template, tmp_path / "data" / DB_FILE)
    built = Container(Settings.resolve(data_dir=tmp_path / "data", env={}), lambda _new: MASTER)
    yield built
    built.close()


@pytest.fixture
def mailu() -> Iterator[MailuServer]:
    with running_mailu() as server:
        yield server
