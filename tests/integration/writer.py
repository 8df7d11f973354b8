"""A child process that writes as fast as it can, printing each committed workspace name.

Used by the durability tests: the parent kills it mid-burst, or runs two side by side.
"""

from __future__ import annotations

import sys

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Face


def main() -> None:
    db_url, email, password, prefix, count = sys.argv[1:6]
    container = Container(Settings.resolve(db_url=db_url))
    actor = container.auth.login(email, password, Face.CLI)
    print("ready", flush=True)
    for i in range(int(count)):
        name = f"{prefix}-{i:05d}"
        container.workspaces.create(actor, name)
        print(name, flush=True)
    container.close()


if __name__ == "__main__":
    main()
