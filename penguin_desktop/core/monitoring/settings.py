"""The monitor's two settings, kept in the database for the whole agency; an environment
variable wins over the saved value (a headless box or a test points elsewhere without touching
the shared database)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.store.settings import stored

ENV_CA_BUNDLE = "PENGUIN_CA_BUNDLE"
ENV_PAGERDUTY_URL = "PENGUIN_PAGERDUTY_EVENTS_URL"
DEFAULT_PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"
CA_KEY = "monitor.ca_bundle"
PAGERDUTY_KEY = "monitor.pagerduty_events_url"


@dataclass(frozen=True)
class MonitorSettings:
    """What is in force; `*_from` says where each value came from, for the faces."""

    ca_bundle: Path | None
    ca_bundle_from: str  # "environment", "setting" or "none"
    pagerduty_url: str
    pagerduty_url_from: str  # "environment", "setting" or "default"


def read(session: Session, env: Mapping[str, str] | None = None) -> MonitorSettings:
    env = os.environ if env is None else env
    saved_ca = stored(session, CA_KEY)
    saved_pd = stored(session, PAGERDUTY_KEY)
    if env.get(ENV_CA_BUNDLE):
        ca, ca_from = Path(env[ENV_CA_BUNDLE]), "environment"
    elif saved_ca is not None:
        ca, ca_from = Path(saved_ca), "setting"
    else:
        ca, ca_from = None, "none"
    if env.get(ENV_PAGERDUTY_URL):
        pd, pd_from = env[ENV_PAGERDUTY_URL], "environment"
    elif saved_pd is not None:
        pd, pd_from = saved_pd, "setting"
    else:
        pd, pd_from = DEFAULT_PAGERDUTY_URL, "default"
    return MonitorSettings(ca, ca_from, pd, pd_from)


def validate_ca_bundle(raw: str) -> Path:
    """A readable PEM file with at least one certificate, or a clear refusal."""
    path = Path(raw).expanduser()
    try:
        text = path.read_text("ascii", errors="replace")
    except OSError as exc:
        raise ValidationError(
            f"cannot read the CA bundle {path}: {exc.strerror or exc}", field="ca_bundle"
        ) from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ValidationError(
            f"{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", field="ca_bundle"
        )
    return path.resolve()


def validate_url(raw: str) -> str:
    value = raw.strip()
    if not value.startswith(("https://", "http://")) or len(value) > 2000 or " " in value:
        raise ValidationError(
            f"{value!r} is not an http(s) address", field="pagerduty_url", value=value
        )
    return value
