"""The DNS server checks ask: an organization setting, overridden by PENGUIN_DNS_NAMESERVER."""

from __future__ import annotations

import pytest

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.errors import PermissionDenied, ValidationError
from penguin_desktop.core.platform.models import Actor
from tests.conftest import add_user


def test_the_saved_nameserver_is_used_and_env_wins(
    container: Container, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PENGUIN_DNS_NAMESERVER", raising=False)
    assert container.domains.nameserver_setting(owner) == "the system resolver"
    assert container.domains.set_nameserver(owner, "127.0.0.1:5353") == "127.0.0.1:5353"
    assert container.domains.resolver_config().nameservers == (("127.0.0.1", 5353),)
    monkeypatch.setenv("PENGUIN_DNS_NAMESERVER", "127.0.0.2")
    assert container.domains.nameserver_setting(owner) == "127.0.0.2:53"
    monkeypatch.delenv("PENGUIN_DNS_NAMESERVER")
    assert container.domains.set_nameserver(owner, None) == "the system resolver"
    changes = container.audit.page(owner, AuditFilter(action="dns.nameserver.set"))
    assert [c.summary for c in changes] == [
        '{"after":"system","before":"127.0.0.1:5353"}',
        '{"after":"127.0.0.1:5353","before":"system"}',
    ]


def test_only_admins_choose_it_and_garbage_is_refused(container: Container, owner: Actor) -> None:
    member = add_user(container, owner, "m@agency.test")
    with pytest.raises(PermissionDenied):
        container.domains.set_nameserver(member, "127.0.0.1")
    with pytest.raises(ValidationError):
        container.domains.set_nameserver(owner, "not a host:port:junk")
