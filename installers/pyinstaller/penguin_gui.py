"""Entry point of the bundled `penguin-desktop` console (see penguin.spec)."""

import sys

import _frozen

if __name__ == "__main__":
    _frozen.prepare()
    from penguin_desktop.ui.shell.app import main

    sys.exit(main())
