"""The MailU templates shipped in `resources/templates/mailu`, rendered with `string.Template`.

The wheel force-includes the repository's `resources/` as `penguin_desktop/resources`; a source
checkout has it next to the package.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

_PACKAGE_DIR = Path(__file__).resolve().parents[3]  # penguin_desktop/


def templates_dir() -> Path:
    for candidate in (_PACKAGE_DIR / "resources", _PACKAGE_DIR.parent / "resources"):
        folder = candidate / "templates" / "mailu"
        if folder.is_dir():
            return folder
    raise FileNotFoundError(
        f"MailU templates not found next to {_PACKAGE_DIR}; the installation is incomplete"
    )


def render(name: str, values: dict[str, str]) -> str:
    """Fill `name` (e.g. "mailu.env"); a missing value is a programming error (KeyError)."""
    return Template((templates_dir() / name).read_text()).substitute(values)
