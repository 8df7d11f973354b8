"""Host key fingerprints as people type them (the `SHA256:...` form `ssh-keygen -lf` shows).

Kept apart from the key handling so the console can check what a user types without loading
paramiko at start-up."""

from __future__ import annotations

from penguin_desktop.core.platform.errors import ValidationError


def normalize_fingerprint(raw: str) -> str:
    text = raw.strip()
    if not text.startswith("SHA256:") or len(text) < 20:
        raise ValidationError(
            f"bad host key fingerprint {raw!r}: expected the SHA256:... form `ssh-keygen -lf` shows"
        )
    return text.rstrip("=")
