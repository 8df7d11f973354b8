"""VPS providers behind one interface: create an instance, read it, set reverse DNS, delete.

A second provider (e.g. Hetzner Cloud) joins by implementing `VpsProvider` and adding itself
to `PROVIDERS`; nothing else changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from penguin_desktop.core.platform.errors import Cancelled, ExternalServiceError, ValidationError
from penguin_desktop.core.platform.jobs import JobContext


@dataclass(frozen=True)
class VpsInstance:
    ref: str  # the provider's identifier
    status: str  # "active" when it can be used
    ip: str | None
    hostname: str | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"


class VpsProvider(Protocol):
    name: str

    def create(
        self, *, name: str, region: str, plan: str, image: str, ssh_public_key: str
    ) -> VpsInstance: ...

    def get(self, ref: str) -> VpsInstance: ...

    def set_reverse_dns(self, ref: str, ip: str, hostname: str) -> None: ...

    def delete(self, ref: str) -> None: ...

    def close(self) -> None: ...


ProviderFactory = Callable[[str], VpsProvider]  # from the API key
PROVIDERS: dict[str, ProviderFactory] = {}


def open_provider(kind: str, api_key: str) -> VpsProvider:
    if kind not in PROVIDERS:
        from penguin_desktop.core.servers.vps import hostwinds  # registers itself

        del hostwinds
    factory = PROVIDERS.get(kind)
    if factory is None:
        raise ValidationError(
            f"unknown VPS provider {kind!r}: choose one of {', '.join(sorted(PROVIDERS))}"
        )
    return factory(api_key)


def wait_until_active(
    provider: VpsProvider,
    ref: str,
    ctx: JobContext,
    timeout_s: float = 900.0,
    poll_s: float = 5.0,
) -> VpsInstance:
    """Poll until the instance is active and has an IP; cancellable."""
    deadline = time.monotonic() + timeout_s
    while True:
        instance = provider.get(ref)
        if instance.active and instance.ip:
            return instance
        if instance.status in ("error", "failed", "terminated"):
            raise ExternalServiceError(
                f"{provider.name} instance {ref} ended up {instance.status!r} instead of active"
            )
        if ctx.cancelled:
            raise Cancelled(
                f"stopped waiting for {provider.name} instance {ref}; it may still be building"
            )
        if time.monotonic() >= deadline:
            raise ExternalServiceError(
                f"{provider.name} instance {ref} is still {instance.status!r} after {timeout_s:g} s"
            )
        ctx.progress(0.5, f"instance {ref} is {instance.status}")
        time.sleep(poll_s)
