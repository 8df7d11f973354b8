"""The encrypted secrets file's master password, asked for by the GUI once per session.

`MasterPasswordPrompt` is the Container's `master_password` callback. Pages unlock the file up
front, on the UI thread, before they start a secrets job (`with_file_unlocked`): the unlock
dialog hands the typed password to the secret service through `unlock_with` (which audits it as
the signed-in `actor`), so a wrong one is core's error shown inside the dialog and the user
simply types again. Should core still ask later (a job
that needed the file nobody expected), the callback opens the dialog on the UI thread and the
worker waits for the answer; no widget is ever touched from a worker thread.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from penguin_desktop import log
from penguin_desktop.container import Container
from penguin_desktop.core.platform.errors import AuthenticationError, Cancelled, PenguinError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.secrets import SecretService

ENV_MASTER = "PENGUIN_MASTER_PASSWORD"
WORKER_WAIT_S = 600.0


class MasterPasswordPrompt(QObject):
    """Callable as `(creating: bool) -> str`; create it on the UI thread."""

    _ask = Signal(bool, object)

    def __init__(self, env: Mapping[str, str] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._env = os.environ if env is None else env
        self._supplied: str | None = None
        self._just_created: str | None = None
        self._aborted = False
        self._pending: list[_Answer] = []
        self._lock = threading.Lock()
        self.unlocked = False
        self.actor: Actor | None = None  # who unlocks: set at sign-in, kept by the app
        self._ask.connect(self._ask_on_ui_thread, Qt.ConnectionType.QueuedConnection)

    # --- the callback core calls ----------------------------------------------------------------
    def __call__(self, creating: bool) -> str:
        self.unlocked = False  # core only asks while the file is locked
        with self._lock:
            if self._supplied is not None:
                return self._supplied
            if not creating and self._just_created is not None:
                password, self._just_created = self._just_created, None
                self.unlocked = True
                return password
        from_env = self._env.get(ENV_MASTER)
        if from_env:
            log.redact(from_env)
            return from_env
        password = self._ask_person(creating)
        with self._lock:
            if creating:
                self._just_created = password  # core opens the new file right after
            else:
                self.unlocked = True  # optimistic: a wrong one brings core back here
        return password

    @property
    def has_environment_password(self) -> bool:
        return bool(self._env.get(ENV_MASTER))

    def unlock_with(self, secrets: SecretService, password: str) -> None:
        """Unlock (or create) the file with `password` now; raises core's error if wrong."""
        if self.actor is None:
            raise AuthenticationError("sign in before unlocking the secrets file")
        log.redact(password)
        with self._lock:
            self._supplied = password
        try:
            secrets.open_file(self.actor)
        finally:
            with self._lock:
                self._supplied = None
        self.unlocked = True

    def abort(self) -> None:
        """Closing: answer every waiting worker with a cancellation."""
        self._aborted = True
        with self._lock:
            pending, self._pending = self._pending, []
        for answer in pending:
            answer.set(None)

    # --- asking the person ----------------------------------------------------------------------
    def _ask_person(self, creating: bool) -> str:
        if self._aborted:
            raise Cancelled("the console is closing; the secrets file stays locked")
        if QThread.currentThread() is self.thread():
            password = _run_dialog_modal(creating)
        else:
            answer = _Answer()
            with self._lock:
                self._pending.append(answer)
            self._ask.emit(creating, answer)
            if not answer.wait(WORKER_WAIT_S):
                raise AuthenticationError("no master password was given for the secrets file")
            password = answer.value
        if password is None:
            raise Cancelled("unlocking the secrets file was cancelled; nothing was changed")
        return password

    def _ask_on_ui_thread(self, creating: bool, answer: _Answer) -> None:
        from penguin_desktop.ui.secrets.master_password import MasterPasswordDialog

        dialog = MasterPasswordDialog(None, creating, parent=QApplication.activeWindow())
        dialog.finished.connect(
            lambda code: self._answered(answer, dialog.password if code else None)
        )
        dialog.open()

    def _answered(self, answer: _Answer, password: str | None) -> None:
        with self._lock:
            if answer in self._pending:
                self._pending.remove(answer)
        answer.set(password)


class _Answer:
    """A password handed from the UI thread to a waiting worker."""

    def __init__(self) -> None:
        self.value: str | None = None
        self._event = threading.Event()

    def set(self, value: str | None) -> None:
        self.value = value
        self._event.set()

    def wait(self, timeout: float) -> bool:
        return self._event.wait(timeout)


def _run_dialog_modal(creating: bool) -> str | None:
    """Core asked on the UI thread without an unlock first: a modal dialog is the only way."""
    from penguin_desktop.ui.secrets.master_password import MasterPasswordDialog

    dialog = MasterPasswordDialog(None, creating, parent=QApplication.activeWindow())
    return dialog.password if dialog.exec() == QDialog.DialogCode.Accepted else None


def prompt_of(container: Container) -> MasterPasswordPrompt | None:
    """The GUI prompt this container was built with (None for a container built otherwise)."""
    prompt = container.master_password
    return prompt if isinstance(prompt, MasterPasswordPrompt) else None


def file_needed(container: Container, kinds: Iterable[str]) -> bool:
    """Whether work touching these backends may need the encrypted file: its own secrets, or
    Vault credentials kept there (when there is no OS keyring, or the file already exists)."""
    wanted = set(kinds)
    if "file" in wanted:
        return True
    state = container.secrets.file_state()
    return "vault" in wanted and (state.exists or state.default_backend == "file")


def with_file_unlocked(
    parent: QWidget, container: Container, kinds: Iterable[str], then: Callable[[], None]
) -> QDialog | None:
    """Run `then` once the secrets file is unlocked (asking for the master password first if
    needed). Returns the unlock dialog when one was opened; cancelling it skips `then`."""
    from penguin_desktop.ui.secrets.master_password import MasterPasswordDialog

    prompt = prompt_of(container)
    if prompt is None or prompt.unlocked or not file_needed(container, kinds):
        then()
        return None
    creating = not container.secrets.file_state().exists
    problem: PenguinError | None = None
    if prompt.has_environment_password:
        try:
            if prompt.actor is None:
                raise AuthenticationError("sign in before unlocking the secrets file")
            container.secrets.open_file(prompt.actor)
        except PenguinError as error:
            problem = error
        else:
            prompt.unlocked = True
            then()
            return None
    dialog = MasterPasswordDialog(container, creating, parent=parent)
    if problem is not None:
        dialog.message.show_error(problem)
    dialog.accepted.connect(then)
    dialog.open()
    return dialog
