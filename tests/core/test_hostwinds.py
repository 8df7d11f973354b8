"""The Hostwinds provider against a loopback server following the Hostwinds Cloud API,
including its habit of answering errors with HTTP 200 and "result": "error"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from penguin_desktop.core.platform.errors import (
    Cancelled,
    CredentialRefused,
    ExternalServiceError,
    NotFoundError,
)
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.servers.vps.base import open_provider, wait_until_active
from penguin_desktop.core.servers.vps.hostwinds import ENV_API, HostwindsProvider, api_base
from tests.servers.common import free_port
from tests.servers.hostwinds import HostwindsServer, running_hostwinds


@pytest.fixture
def hostwinds(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostwindsServer]:
    with running_hostwinds() as server:
        monkeypatch.setenv(ENV_API, server.url)
        yield server


def test_create_wait_rdns_and_delete(hostwinds: HostwindsServer) -> None:
    provider = open_provider("hostwinds", hostwinds.state.api_key)
    created = provider.create(
        name="mx1", region="2", plan="1001", image="ubuntu-24.04", ssh_public_key="ssh-ed25519 AA"
    )
    assert created.status == "building" and created.ip is None
    progress: list[str] = []
    ready = wait_until_active(
        provider, created.ref, JobContext(lambda _f, t: progress.append(t)), poll_s=0.01
    )
    assert (ready.status, ready.ip) == ("active", "127.0.0.1")
    assert progress and "is building" in progress[0]
    stored = hostwinds.state.instances[created.ref]
    assert stored["ssh_keys"] == ["ssh-ed25519 AA"] and stored["product_id"] == 1001
    provider.set_reverse_dns(ready.ref, "127.0.0.1", "mail.client.test")
    assert hostwinds.state.rdns == {"127.0.0.1": "mail.client.test"}
    provider.delete(ready.ref)
    with pytest.raises(NotFoundError, match="A valid serviceid is required"):
        provider.get(ready.ref)
    calls = hostwinds.state.calls
    assert calls[:4] == ["get_instance_ids", "add_instance", "get_instance_ids", "get_instance"]
    assert calls[-3:] == ["set_rdns", "terminate", "get_instance"]
    provider.close()


def test_errors_arrive_with_http_200_and_are_still_errors(hostwinds: HostwindsServer) -> None:
    bad = HostwindsProvider("wrong-key")
    with pytest.raises(CredentialRefused, match="refused the API key") as refused:
        bad.get("1")
    assert "Not Authorized!" in refused.value.message and "allow-list" in refused.value.message
    good = HostwindsProvider(hostwinds.state.api_key)
    with pytest.raises(ExternalServiceError, match="Missing required parameter"):
        good.create(name="x", region="", plan="1", image="i", ssh_public_key="k")
    created = good.create(name="x", region="1", plan="1", image="i", ssh_public_key="k")
    # The same name again is another instance (found as the new one of that name).
    again = good.create(name="x", region="1", plan="1", image="i", ssh_public_key="k")
    assert again.ref != created.ref
    with pytest.raises(ExternalServiceError, match="does not belong"):
        good.set_reverse_dns(created.ref, "203.0.113.9", "mail.x.test")
    job = JobContext()
    job.cancel()
    with pytest.raises(Cancelled, match="may still be building"):
        wait_until_active(good, created.ref, job, poll_s=0.01)


def test_base_url_setting_and_an_unreachable_api() -> None:
    assert api_base({}) == "https://clients.hostwinds.com/cloud/api.php"
    assert api_base({ENV_API: "http://127.0.0.1:1/x"}) == "http://127.0.0.1:1/x"
    down = HostwindsProvider("k", f"http://127.0.0.1:{free_port()}/cloud/api.php")
    with pytest.raises(ExternalServiceError, match="cannot reach Hostwinds"):
        down.get("1")
