"""A child process that writes to the encrypted secrets file, printing each committed key."""

from __future__ import annotations

import sys
from pathlib import Path

from penguin_desktop.core.secrets.backends.file_store import EncryptedFileStore, KdfParams

# The durability test creates its file with these quick parameters; a store accepts no weaker.
FAST = KdfParams(time_cost=1, memory_kib=8192, parallelism=1)


def main() -> None:
    path, master, prefix, count = sys.argv[1:5]
    store = EncryptedFileStore(Path(path), master, FAST)
    print("ready", flush=True)
    for i in range(int(count)):
        key = f"{prefix}-{i:05d}"
        store.put(key, f"value of {key}")
        print(key, flush=True)


if __name__ == "__main__":
    main()
