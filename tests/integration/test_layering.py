"""Architecture rules that hold for the whole program (docs/architecture.md draws them)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import penguin_desktop

PACKAGE = Path(penguin_desktop.__file__).resolve().parent
CORE = PACKAGE / "core"

# Which capability may use which: the arrows of docs/architecture.md. Every capability may use
# the platform; the platform uses none (its migrations, which know every table, excepted).
ALLOWED: dict[str, set[str]] = {
    "platform": set(),
    "accounts": {"platform"},
    "audit": {"platform", "secrets"},
    "secrets": {"platform"},
    "domains": {"platform", "secrets"},
    "servers": {"platform", "secrets", "domains"},
    "mailboxes": {"platform", "secrets", "servers"},
    "monitoring": {"platform", "secrets", "domains", "servers"},
    "billing": {"platform", "secrets"},
    "campaigns": {"platform", "secrets", "domains", "mailboxes"},
    "portable": {"platform", "secrets"},
}
MIGRATIONS = CORE / "platform" / "store" / "migrations"


def _imports(source: Path) -> Iterator[tuple[int, str]]:
    """Every module `source` imports, at the top or inside a function, absolute."""
    package = ".".join(source.relative_to(PACKAGE.parent).with_suffix("").parts)
    if source.name == "__init__.py":
        package += ".__init__"
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level)[0]
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            yield node.lineno, module


def _capability(source: Path) -> str:
    return source.relative_to(CORE).parts[0]


def _core_sources() -> list[Path]:
    return [p for p in CORE.rglob("*.py") if len(p.relative_to(CORE).parts) > 1]


def test_every_core_module_lives_in_a_known_capability() -> None:
    stray = [p for p in CORE.iterdir() if p.suffix == ".py" and p.name != "__init__.py"]
    folders = {p.name for p in CORE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert not stray, "core modules belong in a capability folder"
    assert folders == set(ALLOWED), "a new capability needs its arrows in ALLOWED and the map"


def test_capabilities_use_each_other_one_way_and_only_through_their_public_names() -> None:
    problems = []
    for source in _core_sources():
        mine = _capability(source)
        if MIGRATIONS in source.parents:
            continue
        for line, module in _imports(source):
            parts = module.split(".")
            if parts[:2] == ["penguin_desktop", "core"] and len(parts) > 2:
                other = parts[2]
                where = f"{source.relative_to(PACKAGE)}:{line} imports {module}"
                if other == mine:
                    continue
                if other not in ALLOWED[mine]:
                    problems.append(f"{where}: {mine} may not depend on {other}")
                elif other != "platform" and len(parts) > 3:
                    problems.append(f"{where}: use {other}'s public names (its __init__)")
            elif parts[0] == "penguin_desktop":
                problems.append(f"{source.relative_to(PACKAGE)}:{line}: core imports a face")
    assert problems == []


def test_the_arrows_have_no_cycle() -> None:
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"cycle: {' -> '.join((*path, name))}"
        for other in ALLOWED[name]:
            visit(other, (*path, name))
        done.add(name)

    for name in ALLOWED:
        visit(name, ())
    assert done == set(ALLOWED)


def test_no_face_touches_a_secret_store() -> None:
    """Unlocking, creating and testing the secrets file go through the secret service, which
    audits them; a face holding the stores would bypass that."""
    problems = []
    for face in ("ui", "cli"):
        for source in (PACKAGE / face).rglob("*.py"):
            where = source.relative_to(PACKAGE)
            tree = ast.parse(source.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr == "stores":
                    problems.append(f"{where}:{node.lineno} uses .stores")
            for line, module in _imports(source):
                if module.startswith("penguin_desktop.core.secrets.backends"):
                    problems.append(f"{where}:{line} imports {module}")
    assert problems == []


def test_the_core_never_loads_qt() -> None:
    code = (
        "import sys, penguin_desktop.core, penguin_desktop.container, penguin_desktop.cli.main\n"
        "import penguin_desktop.core.audit.service, penguin_desktop.core.audit.pdf_report\n"
        "import penguin_desktop.core.servers.service, penguin_desktop.core.mailboxes.service\n"
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


def test_the_console_opens_without_the_network_libraries() -> None:
    """Start-up pays only for the window: SSH, DNS, PDF and Stripe clients load with the first
    job that needs them (a capability's public names load lazily for this; billing's status
    line and Home's MRR read the mirror without the stripe library)."""
    code = (
        "import sys, penguin_desktop.ui.shell.app, penguin_desktop.ui.shell.main_window\n"
        "import penguin_desktop.core.billing.service\n"
        "heavy = {'paramiko', 'dns', 'reportlab', 'stripe'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"
