"""`python -m penguin_desktop`: the console with no arguments, the CLI otherwise."""

from __future__ import annotations

import sys


def run() -> None:
    if len(sys.argv) > 1:
        from penguin_desktop.cli.main import main

        main()
    else:
        from penguin_desktop.ui.shell.app import main as gui_main

        sys.exit(gui_main())


if __name__ == "__main__":
    run()
