"""Errors of the SSH layer; each message says what to do next."""

from __future__ import annotations

from penguin_desktop.core.platform.errors import ExternalServiceError, PenguinError


class HostKeyNotAccepted(PenguinError):
    """First contact: the server's host key has not been accepted yet. Nothing was sent."""

    def __init__(self, host: str, port: int, fingerprint: str) -> None:
        super().__init__(
            f"the host key of {host}:{port} is not trusted yet; its fingerprint is {fingerprint}. "
            "Compare it with the one your provider's console shows, then accept it"
        )
        self.fingerprint = fingerprint


class HostKeyChanged(ExternalServiceError):
    """The server offers a different host key than the pinned one: refused, nothing was sent."""

    def __init__(self, host: str, port: int, pinned: str, offered: str) -> None:
        super().__init__(
            f"WARNING: the host key of {host}:{port} has CHANGED (pinned {pinned}, now offered "
            f"{offered}). Someone may be intercepting the connection, or the server was "
            "reinstalled. Nothing was sent. If you know why it changed, accept the new key "
            "explicitly"
        )
        self.pinned = pinned
        self.offered = offered
