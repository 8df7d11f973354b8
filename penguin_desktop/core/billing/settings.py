"""Where billing's Stripe API is and what a key looks like: plain checks the faces and the
status line use without loading the stripe library (it costs the console 0.4 s to import)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from penguin_desktop.core.platform.errors import ValidationError

DEFAULT_API_BASE = "https://api.stripe.com"
ENV_API_BASE = "PENGUIN_STRIPE_API_BASE"


def api_base(saved: str | None, env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The API address in force and where it came from: the environment wins over the saved
    setting, which wins over Stripe's own."""
    env = os.environ if env is None else env
    if env.get(ENV_API_BASE):
        return check_api_base(env[ENV_API_BASE]), "environment"
    if saved:
        return saved, "setting"
    return DEFAULT_API_BASE, "default"


def check_api_base(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not value.startswith(("https://", "http://")) or " " in value or len(value) > 2000:
        raise ValidationError(f"{raw!r} is not an http(s) address", field="api_base", value=raw)
    return value


def check_key(raw: str) -> str:
    key = raw.strip()
    if not key.startswith(("sk_", "rk_")) or len(key) < 8 or any(c.isspace() for c in key):
        raise ValidationError(
            "a Stripe secret key starts with sk_ (a secret key) or rk_ (a restricted key)",
            field="key",
        )
    return key
