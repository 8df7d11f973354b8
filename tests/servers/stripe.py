"""localstripe, a stateful Stripe server from PyPI, started on a free loopback port.

The app runs in a child process (`tests/servers/stripe_app.py`) so that its asyncio loop and
its module-level state stay apart from the test's. `StripeServer` drives the test-only knobs
around it: the request count, failures and delays to inject, seeding, restricted keys."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.servers.common import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class StripeServer:
    url: str

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(f"{self.url}{path}", json=body, timeout=600)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    @property
    def requests(self) -> int:
        return int(self._post("/_test/state", {})["requests"])

    def fail_next(self, count: int, status: int = 429, after: int = 0) -> None:
        """Answer `status` to `count` requests, starting `after` requests from now."""
        start = self.requests + after + 1 if after else 0
        self._post("/_test/state", {"fail_count": count, "fail_status": status, "fail_from": start})

    def delay(self, milliseconds: int) -> None:
        self._post("/_test/state", {"delay_ms": milliseconds})

    def seed(self, customers: int) -> None:
        self._post("/_test/seed", {"customers": customers})

    def reset(self) -> None:
        """Forget every object and test knob: each test starts with an empty account."""
        httpx.delete(f"{self.url}/_config/data", timeout=30).raise_for_status()
        self._post("/_test/state", {"requests": 0, "fail_count": 0, "fail_from": 0, "delay_ms": 0})

    def restricted_key(self, key: str, readable: list[str]) -> None:
        self._post("/_test/restricted", {"key": key, "read": readable})


@contextmanager
def running_stripe() -> Iterator[StripeServer]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.servers.stripe_app", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = StripeServer(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                _ = server.requests
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                    raise RuntimeError(f"localstripe did not start: {err[-500:]}") from None
                time.sleep(0.05)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
