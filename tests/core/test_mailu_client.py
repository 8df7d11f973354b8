"""The MailU admin API client against a loopback server that follows MailU's API v1."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from penguin_desktop.core.platform.errors import (
    ConflictError,
    CredentialRefused,
    ExternalServiceError,
    NotFoundError,
    ValidationError,
)
from penguin_desktop.core.servers.mailu import MailuClient, api_url
from tests.servers.common import free_port
from tests.servers.mailu import MailuServer, running_mailu


@pytest.fixture
def mailu() -> Iterator[MailuServer]:
    with running_mailu() as server:
        yield server


@pytest.fixture
def client(mailu: MailuServer) -> Iterator[MailuClient]:
    with MailuClient(mailu.base_url, mailu.state.token) as api:
        yield api


def test_domains_and_dkim(client: MailuClient) -> None:
    client.create_domain("client.test")
    assert [d.name for d in client.domains()] == ["client.test"]
    assert client.domain("client.test").dkim_public_key is None
    with_keys = client.generate_dkim("client.test")
    assert with_keys.dkim_record and with_keys.dkim_record.startswith(
        "dkim._domainkey.client.test."
    )
    assert with_keys.dkim_public_key and with_keys.dkim_public_key.startswith("MIIBIjAN")
    with pytest.raises(ConflictError, match=r"Duplicate domain name client\.test"):
        client.create_domain("client.test")
    with pytest.raises(ValidationError, match="not a valid domain"):
        client.create_domain("not a domain")
    with pytest.raises(NotFoundError, match=r"nope\.test does not exist"):
        client.generate_dkim("nope.test")
    client.delete_domain("client.test")
    assert client.domains() == []


def test_users_and_aliases(client: MailuClient, mailu: MailuServer) -> None:
    client.create_domain("client.test")
    client.create_user("ann@client.test", "Pw-for-ann-2026", quota_bytes=10 * 2**20)
    ann = client.user("ann@client.test")
    assert (ann.enabled, ann.quota_bytes) == (True, 10 * 2**20)
    assert mailu.state.passwords["ann@client.test"] == "Pw-for-ann-2026"
    with pytest.raises(ConflictError, match="already exists"):
        client.create_user("ann@client.test", "x-password-2026")
    with pytest.raises(NotFoundError, match=r"Domain other\.test does not exist"):
        client.create_user("bob@other.test", "x-password-2026")
    client.update_user("ann@client.test", enabled=False, password="New-pw-2026-ann")
    assert client.user("ann@client.test").enabled is False
    assert mailu.state.passwords["ann@client.test"] == "New-pw-2026-ann"
    client.create_alias("sales@client.test", ["ann@client.test"])
    assert [(a.email, a.destination) for a in client.aliases()] == [
        ("sales@client.test", ["ann@client.test"])
    ]
    client.delete_alias("sales@client.test")
    client.delete_user("ann@client.test")
    with pytest.raises(NotFoundError, match="cannot be found"):
        client.user("ann@client.test")


def test_token_with_or_without_bearer_and_clear_auth_errors(mailu: MailuServer) -> None:
    raw = httpx.get(f"{mailu.base_url}/domain", headers={"Authorization": mailu.state.token})
    assert raw.status_code == 200
    with (
        MailuClient(mailu.base_url, "wrong-token-value") as bad,
        pytest.raises(CredentialRefused, match=r"refused the admin API token \(Invalid"),
    ):
        bad.ping()
    assert httpx.get(f"{mailu.base_url}/domain").json() == {
        "message": "A valid Authorization header is mandatory"
    }


def test_unreachable_or_starting_mailu_is_an_outside_failure(mailu: MailuServer) -> None:
    with (
        MailuClient(f"http://127.0.0.1:{free_port()}/api/v1", "t" * 12) as down,
        pytest.raises(ExternalServiceError, match="cannot reach the MailU admin API"),
    ):
        down.ping()
    mailu.state.ready = False
    with (
        MailuClient(mailu.base_url, mailu.state.token) as starting,
        pytest.raises(ExternalServiceError, match="error 502"),
    ):
        starting.ping()


@pytest.mark.parametrize("suffix", ["", "/", "/api", "/api/", "/api/v1", "/api/v1/"])
def test_the_bare_address_and_the_api_url_alike_reach_the_api(
    mailu: MailuServer, suffix: str
) -> None:
    root = mailu.base_url.removesuffix("/api/v1")
    with MailuClient(root + suffix, mailu.state.token) as api:
        api.ping()
        assert api.base_url == mailu.base_url


def test_no_api_at_the_address_is_explained(mailu: MailuServer) -> None:
    root = mailu.base_url.removesuffix("/api/v1")
    api = MailuClient(root + "/admin/api/v1", mailu.state.token)
    with api, pytest.raises(NotFoundError, match=r"no MailU admin API at .*API=true") as missing:
        api.ping()
    assert missing.value.field == "mailu_url"
    for bad in ("mail.example.com", "ftp://mail.example.com", "https://"):
        with pytest.raises(ValidationError, match="bad MailU URL"):
            api_url(bad)
