"""Architecture rules that hold for the whole program."""

from __future__ import annotations

import subprocess
import sys


def test_the_core_never_loads_qt() -> None:
    code = (
        "import sys, penguin_desktop.core, penguin_desktop.container, penguin_desktop.cli.main\n"
        "import penguin_desktop.core.services.audit, penguin_desktop.core.audit.pdf_report\n"
        "print(sorted(m for m in sys.modules if m.startswith('PySide6')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_console_scripts_are_installed_and_answer() -> None:
    bindir = sys.executable.rsplit("/", 1)[0]
    out = subprocess.run([f"{bindir}/penguin", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "Exit codes" in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "penguin_desktop", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "penguin" in out.stdout
