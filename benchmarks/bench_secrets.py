"""Secrets figures: 1,000 reads from the unlocked encrypted file (target < 0.5 s) and migrating
1,000 secrets from the file to a Vault (OpenBao) on loopback (target < 10 s).

Run: .venv/bin/python benchmarks/bench_secrets.py [--secrets N]. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Face
from penguin_desktop.core.secrets.backends.base import BackendKind
from penguin_desktop.core.secrets.backends.file_store import EncryptedFileStore
from penguin_desktop.core.secrets.backends.vault import VaultConfig
from penguin_desktop.core.secrets.models import SecretKind
from tests.servers.vault import running_vault

MASTER = "Master-of-secrets-2026"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--secrets", type=int, default=1000)
    n = parser.parse_args().secrets
    with tempfile.TemporaryDirectory() as tmp, running_vault() as vault:
        data = Path(tmp)
        container = Container(
            Settings(data_dir=data, db_url=f"sqlite:///{data / 'w.db'}"), lambda _c: MASTER
        )
        owner = container.auth.initialize("Bench", "o@bench.test", "Velvet-otter-2026!x", Face.CLI)
        container.workspaces.create(owner, "Acme")
        store = container.stores.file()
        store.put_many({f"bench/{i}": f"value-{i}" for i in range(n)})

        reader = EncryptedFileStore(data / "secrets.penc", MASTER)
        start = time.perf_counter()
        for i in range(n):
            reader.get(f"bench/{i}")
        reads_s = time.perf_counter() - start
        print(f"{n} reads from the unlocked encrypted file: {reads_s * 1000:.1f} ms")

        started = time.perf_counter()
        for i in range(n):
            container.secrets.set(owner, "Acme", f"s{i:04d}", SecretKind.API_KEY, f"v{i}")
        print(f"set {n} secrets into the file: {time.perf_counter() - started:.1f} s")

        container.secrets.set_backend(
            owner, BackendKind.VAULT, None, VaultConfig(vault.address), token=vault.root_token
        )
        start = time.perf_counter()
        result = container.secrets.migrate(owner, BackendKind.VAULT)
        migrate_s = time.perf_counter() - start
        assert result.moved == n, result
        assert container.secrets.reveal(owner, "Acme", f"s{n - 1:04d}") == f"v{n - 1}"
        print(f"migrate {n} secrets file -> Vault: {migrate_s:.2f} s")
        container.close()
    print(
        json.dumps(
            {
                "file_reads_s": round(reads_s, 4),
                "file_reads_target_s": 0.5,
                "file_reads_ratio": round(reads_s / 0.5, 4),
                "migrate_s": round(migrate_s, 3),
                "migrate_target_s": 10,
                "migrate_ratio": round(migrate_s / 10, 3),
                "secrets": n,
            }
        )
    )


if __name__ == "__main__":
    main()
