"""Starting the console: settings, database, theme, sign-in, then the main window.

`main()` is the `penguin-desktop` entry point and what `python -m penguin_desktop` runs with no
arguments. Start-up failures (an unusable database, an unreachable PostgreSQL) are shown in the
one error dialog and end the process with the core error's exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from penguin_desktop import __version__, log
from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.errors import DatabaseError, PenguinError
from penguin_desktop.core.platform.models import Actor, Face
from penguin_desktop.ui.accounts.first_run import FirstRunDialog
from penguin_desktop.ui.accounts.login import LoginDialog
from penguin_desktop.ui.monitoring.background import BackgroundMonitor
from penguin_desktop.ui.portable.backup_dialogs import start_due_backup
from penguin_desktop.ui.secrets.unlock import MasterPasswordPrompt
from penguin_desktop.ui.shell import single_instance, theme
from penguin_desktop.ui.shell.errors import install_excepthook, show_error
from penguin_desktop.ui.shell.main_window import MainWindow
from penguin_desktop.ui.shell.state import AppState

ALREADY_RUNNING = 3


# The console runs the checks while it is open unless told not to (a box where
# `penguin monitor run` already does it, or a console opened only to read).
ENV_NO_MONITOR = "PENGUIN_NO_BACKGROUND_MONITOR"
MONITOR_AFTER_MS = 3_000
BACKUP_AFTER_MS = 5_000
# PENGUIN_SMOKE_EXIT=1: print "WINDOW-SHOWN True" and quit as soon as the main window is up
# (exit 0). The installed package's test and benchmarks/bench_bundle.py start the bundled
# console with it, offscreen, signed in through PENGUIN_USER / PENGUIN_PASSWORD.
ENV_SMOKE_EXIT = "PENGUIN_SMOKE_EXIT"


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Our options; anything else (Qt's own -style, -platform ...) is left for Qt."""
    parser = argparse.ArgumentParser(
        prog="penguin-desktop", description="PenguinMails Desktop console"
    )
    parser.add_argument("--data-dir", help="Data directory (env PENGUIN_DATA_DIR).")
    parser.add_argument("--db-url", help="Database URL (env PENGUIN_DB_URL).")
    parser.add_argument("--debug", action="store_true", help="Log debug detail.")
    parser.add_argument("--version", action="version", version=f"penguin-desktop {__version__}")
    return parser.parse_known_args(list(argv))


def application(qt_args: Sequence[str] = ()) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QCoreApplication.setApplicationName("PenguinMails Desktop")
    QCoreApplication.setOrganizationName("PenguinMails")
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication([sys.argv[0] if sys.argv else "penguin-desktop", *qt_args])
    app.setDesktopFileName("penguin-desktop")
    return app


def sign_in(container: Container) -> Actor | None:
    """First run creates the owner; later runs log in. None when the user cancels.

    PENGUIN_USER and PENGUIN_PASSWORD sign in directly, as they do for the CLI (scripted
    screenshots, kiosks, the start-up benchmark); a refusal falls back to the dialog.
    """
    organization = container.auth.organization()
    if organization is None:
        first = FirstRunDialog(container)
        return first.actor if first.exec() == QDialog.DialogCode.Accepted else None
    email = os.environ.get("PENGUIN_USER", "")
    password = os.environ.get("PENGUIN_PASSWORD")
    dialog = LoginDialog(container, organization.name, email)
    if email and password is not None:
        log.redact(password)
        try:
            return container.auth.login(email, password, Face.GUI)
        except PenguinError as error:
            dialog.message.show_error(error)
    return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None


def run(argv: Sequence[str], on_window_shown: Callable[[MainWindow], None] | None = None) -> int:
    args, qt_args = parse_args(argv)
    app = application(qt_args)
    theme.apply(app)
    install_excepthook()
    settings = Settings.resolve(args.data_dir, args.db_url)
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        log.configure(settings.log_dir, args.debug)
    except OSError as error:
        show_error(None, DatabaseError(f"cannot use {settings.data_dir}: {error}"), blocking=True)
        return DatabaseError.exit_code
    lock = single_instance.acquire(settings.data_dir)
    if lock is None:
        show_error(
            None,
            PenguinError(
                f"PenguinMails Desktop is already open for {settings.data_dir}; "
                "switch to that window (or close it first)."
            ),
            blocking=True,
        )
        return ALREADY_RUNNING
    prompt = MasterPasswordPrompt()
    container = Container(settings, master_password=prompt)
    monitor: BackgroundMonitor | None = None
    try:
        try:
            actor = sign_in(container)
        except PenguinError as error:
            show_error(None, error, blocking=True)
            return error.exit_code
        if actor is None:
            return 0
        state = AppState(container, actor)
        window = MainWindow(state)
        monitor = BackgroundMonitor(state)
        window.attach_monitor(monitor)
        if os.environ.get(ENV_NO_MONITOR, "") not in ("1", "true", "yes"):
            # Once the window is up: the child's start competes with ours for the CPU.
            QTimer.singleShot(MONITOR_AFTER_MS, monitor.start)
        # The day's scheduled backup, if due, once the window is up (and after the monitor).
        QTimer.singleShot(BACKUP_AFTER_MS, lambda: start_due_backup(state))
        window.show()
        if on_window_shown is not None:
            QTimer.singleShot(0, lambda: on_window_shown(window))
        return app.exec()
    finally:
        if monitor is not None:
            monitor.stop()
        prompt.abort()
        container.close()
        lock.unlock()


def _smoke_exit(window: MainWindow) -> None:
    print("WINDOW-SHOWN", window.isVisible(), flush=True)
    QApplication.quit()


def main(argv: Sequence[str] | None = None) -> int:
    smoke = os.environ.get(ENV_SMOKE_EXIT, "") == "1"
    return run(sys.argv[1:] if argv is None else argv, _smoke_exit if smoke else None)


if __name__ == "__main__":
    sys.exit(main())
