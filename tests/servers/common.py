"""Helpers for the real servers the suite starts on loopback."""

from __future__ import annotations

import os
import socket

import pytest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unavailable(reason: str) -> None:
    """In CI a server that cannot start fails the run; elsewhere the test is skipped."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"required test server unavailable: {reason}", pytrace=False)
    pytest.skip(reason)
