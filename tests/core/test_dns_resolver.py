"""Lookups tell a user which of NXDOMAIN, NODATA, SERVFAIL and timeout happened, and the
nameserver setting accepts what people type."""

from __future__ import annotations

import asyncio
import time

import pytest

from penguin_desktop.core.domains.dns.names import display_domain, normalize_domain
from penguin_desktop.core.domains.dns.resolver import Answer, DnsClient, ResolverConfig, Status
from penguin_desktop.core.platform.errors import ValidationError
from tests.servers.bind import BindServer
from tests.servers.dns_stub import broken_dns


def lookup(config: ResolverConfig, name: str, rtype: str) -> Answer:
    async def run() -> Answer:
        client = DnsClient(config)
        try:
            return await client.lookup(name, rtype)
        finally:
            client.close()

    return asyncio.run(run())


def test_the_nameserver_setting() -> None:
    assert ResolverConfig.from_setting("127.0.0.1:5353").nameservers == (("127.0.0.1", 5353),)
    assert ResolverConfig.from_setting("[::1]:53").nameservers == (("::1", 53),)
    assert ResolverConfig.from_setting("10.0.0.1, 10.0.0.2:54").nameservers == (
        ("10.0.0.1", 53),
        ("10.0.0.2", 54),
    )
    assert ResolverConfig.from_env({}).describe() == "the system resolver"
    with pytest.raises(ValidationError, match="port must be a number"):
        ResolverConfig.from_setting("127.0.0.1:dns")


def test_names_as_people_type_them() -> None:
    assert normalize_domain(" Bücher.EXAMPLE. ") == "xn--bcher-kva.example"
    assert display_domain("xn--bcher-kva.example") == "bücher.example"
    for bad in ("", "a..b", "x" * 64 + ".com", "has space.com", "me@example.com"):
        with pytest.raises(ValidationError):
            normalize_domain(bad)


def test_answers_from_bind(bind: BindServer) -> None:
    config = ResolverConfig.from_setting(bind.address)
    assert lookup(config, "GOOD.test.", "MX").mx == ((10, "mail.good.test"),)
    assert lookup(config, "nothing.good.test", "A").status is Status.NXDOMAIN
    nodata = lookup(config, "mail.good.test", "MX")
    assert nodata.status is Status.NODATA and "exists but has no MX record" in nodata.describe()
    chained = lookup(config, "mx.cnamemx.test", "A")
    assert chained.values == ("192.0.2.10",) and chained.cname_chain == ("mail.cnamemx.test",)
    assert lookup(config, "not-served.example", "A").status is Status.REFUSED


def test_oversize_answers_come_over_tcp_and_cname_loops_end(bind: BindServer) -> None:
    config = ResolverConfig.from_setting(bind.address)
    big = lookup(config, "big.good.test", "TXT")  # 2,000 bytes: truncated over UDP
    assert big.status is Status.OK and big.values == ("x" * 2000,)
    loop = lookup(config, "loop1.good.test", "A")
    assert loop.status is Status.ERROR and "CNAME loop" in loop.describe()


def test_servfail_is_told_apart() -> None:
    with broken_dns("servfail") as port:
        answer = lookup(ResolverConfig.from_setting(f"127.0.0.1:{port}", retries=1), "x.test", "A")
    assert answer.status is Status.SERVFAIL
    assert "the DNS server failed" in answer.describe() and "SERVFAIL" in answer.describe()


def test_a_silent_server_times_out_after_the_retries() -> None:
    with broken_dns("silent") as port:
        config = ResolverConfig.from_setting(f"127.0.0.1:{port}", timeout=0.2, retries=2)
        started = time.monotonic()
        answer = lookup(config, "x.test", "TXT")
    assert answer.status is Status.TIMEOUT and "no DNS server answered" in answer.describe()
    assert 0.5 < time.monotonic() - started < 3
