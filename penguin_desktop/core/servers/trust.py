"""Trusting a server's SSH host key: the key the server offers is read without logging in,
and it is pinned only when it is the one the user confirmed (on the server's console, say)."""

from __future__ import annotations

from typing import Any

from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.servers.models import ServerStatus
from penguin_desktop.core.servers.ssh.client import SshTarget, probe_host_key
from penguin_desktop.core.servers.tables import ServerRow


def confirm_offered(target: SshTarget, server: str, given: str) -> None:
    """Refuse unless the server offers the host key `given` right now."""
    offered = probe_host_key(target)
    if offered != given:
        raise ValidationError(
            f"{server} offers host key {offered}, not {given}: nothing was changed. "
            "Check the fingerprint on the server's console (ssh-keygen -lf "
            "/etc/ssh/ssh_host_ed25519_key.pub)"
        )


def pin(row: ServerRow, given: str) -> dict[str, Any]:
    """Pin `given` on the row (a server waiting for it may now be used); the audit's before
    and after."""
    before = row.host_key_fingerprint
    row.host_key_fingerprint, row.offered_fingerprint = given, None
    if row.status == ServerStatus.HOST_KEY_PENDING:
        row.status = ServerStatus.ADOPTED
    return {"before": before or "", "after": given}
