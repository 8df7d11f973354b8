"""Entry point of the bundled `penguin` command line (see penguin.spec)."""

import sys

import _frozen

if __name__ == "__main__":
    _frozen.prepare()
    from penguin_desktop.cli.main import main

    sys.exit(main())
