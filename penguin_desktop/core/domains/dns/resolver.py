"""Asynchronous DNS lookups that keep apart the ways a lookup can fail.

A check must tell a user "this record does not exist" (NXDOMAIN), "the name exists but has no
such record" (NODATA), "the DNS server failed" (SERVFAIL) and "nobody answered" (timeout) apart,
because each has a different fix. dnspython's resolver folds some of these into exceptions and
does not follow CNAMEs an authoritative server leaves unresolved, so this layer sends queries
with `dns.asyncquery` itself: UDP with EDNS, TCP when truncated, retries across nameservers,
CNAME chains followed (with loop detection), and every answer cached for one check run.
"""

from __future__ import annotations

import asyncio
import enum
import ipaddress
import os
import random
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver

from penguin_desktop.core.platform.errors import ValidationError

ENV_NAMESERVER = "PENGUIN_DNS_NAMESERVER"
MAX_CNAME_HOPS = 8
EDNS_PAYLOAD = 1232


class Status(enum.StrEnum):
    OK = "ok"
    NXDOMAIN = "nxdomain"
    NODATA = "nodata"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    ERROR = "error"


@dataclass(frozen=True)
class Answer:
    """The outcome of one lookup. `values` are presentation forms, except TXT, whose strings
    are joined and decoded (as SPF/DKIM/DMARC parsers want them)."""

    name: str
    rtype: str
    status: Status
    values: tuple[str, ...] = ()
    cname_chain: tuple[str, ...] = ()
    detail: str = ""
    mx: tuple[tuple[int, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    @property
    def missing(self) -> bool:
        """The server answered with certainty that there is no such record."""
        return self.status in (Status.NXDOMAIN, Status.NODATA)

    @property
    def failed(self) -> bool:
        """We could not learn the truth: a broken or silent server."""
        return not self.ok and not self.missing

    def describe(self) -> str:
        """Plain words for what the DNS said, used inside findings."""
        where = f"{self.name} ({self.rtype})"
        return {
            Status.OK: f"{where} answered: {', '.join(self.values)}",
            Status.NXDOMAIN: f"the name {self.name} does not exist in DNS (NXDOMAIN)",
            Status.NODATA: f"{self.name} exists but has no {self.rtype} record (NODATA)",
            Status.SERVFAIL: f"the DNS server failed while looking up {where} (SERVFAIL); "
            "this is often a broken delegation or DNSSEC problem at the domain's DNS host",
            Status.REFUSED: f"the DNS server refused to answer for {where} (REFUSED)",
            Status.TIMEOUT: f"no DNS server answered for {where} in time (timeout); "
            "check the network or try again",
            Status.ERROR: f"looking up {where} failed: {self.detail}",
        }[self.status]


@dataclass(frozen=True)
class ResolverConfig:
    """Where queries go and how patiently. No nameservers means the system's resolvers."""

    nameservers: tuple[tuple[str, int], ...] = ()
    timeout: float = 2.0
    retries: int = 2
    concurrency: int = 64

    @classmethod
    def from_setting(cls, raw: str | None, **kwargs: float) -> ResolverConfig:
        """Parse `HOST[:PORT]` (comma-separated for several; `[v6]:port` for IPv6)."""
        if not raw or not raw.strip():
            return cls(**kwargs)  # type: ignore[arg-type]
        servers = []
        for part in raw.split(","):
            servers.append(_parse_server(part.strip()))
        return cls(nameservers=tuple(servers), **kwargs)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ResolverConfig:
        env = os.environ if env is None else env
        return cls.from_setting(env.get(ENV_NAMESERVER))

    def describe(self) -> str:
        if not self.nameservers:
            return "the system resolver"
        return ", ".join(f"{h}:{p}" for h, p in self.nameservers)


def _parse_server(text: str) -> tuple[str, int]:
    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = _port(rest[1:], text)
    elif text.count(":") == 1:
        host, raw_port = text.split(":")
        port = _port(raw_port, text)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        try:
            host = str(socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0][4][0])
        except OSError:
            raise ValidationError(f"nameserver {text!r}: cannot resolve host {host!r}") from None
    return host, port


def _port(raw: str, text: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValidationError(f"nameserver {text!r}: the port must be a number 1-65535")
    return int(raw)


def _system_nameservers() -> tuple[tuple[str, int], ...]:
    try:
        system = dns.resolver.Resolver(configure=True)
    except dns.resolver.NoResolverConfiguration:
        return (("127.0.0.1", 53),)
    return tuple((str(ns), system.port) for ns in system.nameservers) or (("127.0.0.1", 53),)


def _has_soa(response: dns.message.Message) -> bool:
    return any(rrset.rdtype == dns.rdatatype.SOA for rrset in response.authority)


def _txt(rdata: dns.rdata.Rdata) -> str:
    return b"".join(rdata.strings).decode("utf-8", errors="replace")  # type: ignore[attr-defined]


@dataclass
class DnsClient:
    """One check run's resolver: bounded concurrency and a per-run answer cache.

    Create it inside the event loop that uses it; it is cheap.
    """

    config: ResolverConfig = field(default_factory=ResolverConfig)
    queries_sent: int = 0
    _cache: dict[tuple[str, str], asyncio.Task[Answer]] = field(default_factory=dict)
    _semaphore: asyncio.Semaphore | None = None
    _servers: tuple[tuple[str, int], ...] = ()
    _channels: dict[tuple[str, int], _UdpChannel] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._servers = self.config.nameservers or _system_nameservers()

    async def lookup(self, name: str, rtype: str) -> Answer:
        key = (name.rstrip(".").lower(), rtype.upper())
        task = self._cache.get(key)
        if task is None:
            task = asyncio.ensure_future(self._resolve(*key))
            self._cache[key] = task
        return await task

    async def txt(self, name: str) -> Answer:
        return await self.lookup(name, "TXT")

    async def _resolve(self, name: str, rtype: str) -> Answer:
        chain: list[str] = []
        current = name
        for _hop in range(MAX_CNAME_HOPS):
            answer = await self._single(current, rtype, name, chain)
            if answer is None:  # chain ended in a CNAME the server did not chase
                current = chain[-1]
                if chain.count(current) > 1 or current == name:
                    return Answer(
                        name, rtype, Status.ERROR, cname_chain=tuple(chain), detail="CNAME loop"
                    )
                continue
            return answer
        return Answer(
            name,
            rtype,
            Status.ERROR,
            cname_chain=tuple(chain),
            detail=f"CNAME chain longer than {MAX_CNAME_HOPS}",
        )

    async def _single(self, qname: str, rtype: str, asked: str, chain: list[str]) -> Answer | None:
        response, error = await self._exchange(qname, rtype)
        if response is None:
            status = Status.TIMEOUT if error == "timeout" else Status.ERROR
            return Answer(asked, rtype, status, cname_chain=tuple(chain), detail=error)
        rcode = response.rcode()
        target = dns.name.from_text(qname)
        wanted = dns.rdatatype.from_text(rtype)
        # Follow CNAMEs inside the answer section.
        for _ in range(MAX_CNAME_HOPS):
            cname = response.get_rrset(
                response.answer, target, dns.rdataclass.IN, dns.rdatatype.CNAME
            )
            if cname is None or wanted == dns.rdatatype.CNAME:
                break
            target = cname[0].target
            text = target.to_text(omit_final_dot=True).lower()
            if text in chain or text == asked:
                return Answer(
                    asked, rtype, Status.ERROR, cname_chain=(*chain, text), detail="CNAME loop"
                )
            chain.append(text)
        rrset = response.get_rrset(response.answer, target, dns.rdataclass.IN, wanted)
        if rrset is not None:
            if wanted == dns.rdatatype.TXT:
                values = tuple(_txt(r) for r in rrset)
            else:
                values = tuple(r.to_text() for r in rrset)
            mx: tuple[tuple[int, str], ...] = ()
            if wanted == dns.rdatatype.MX:
                mx = tuple(
                    (r.preference, r.exchange.to_text(omit_final_dot=True).lower()) for r in rrset
                )
            return Answer(asked, rtype, Status.OK, values, tuple(chain), mx=mx)
        if rcode == dns.rcode.NXDOMAIN:
            return Answer(asked, rtype, Status.NXDOMAIN, cname_chain=tuple(chain))
        if rcode == dns.rcode.SERVFAIL:
            return Answer(asked, rtype, Status.SERVFAIL, cname_chain=tuple(chain))
        if rcode == dns.rcode.REFUSED:
            return Answer(asked, rtype, Status.REFUSED, cname_chain=tuple(chain))
        if rcode != dns.rcode.NOERROR:
            return Answer(
                asked,
                rtype,
                Status.ERROR,
                cname_chain=tuple(chain),
                detail=dns.rcode.to_text(rcode),
            )
        if chain and target != dns.name.from_text(qname) and not _has_soa(response):
            return None  # the CNAME target lives elsewhere: ask for it
        return Answer(asked, rtype, Status.NODATA, cname_chain=tuple(chain))

    async def _exchange(self, qname: str, rtype: str) -> tuple[dns.message.Message | None, str]:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.config.concurrency)
        query = dns.message.make_query(qname, rtype, use_edns=0, payload=EDNS_PAYLOAD)
        query.flags |= dns.flags.RD
        error = "timeout"
        last: dns.message.Message | None = None
        async with self._semaphore:
            for attempt in range(self.config.retries + 1):
                server = self._servers[attempt % len(self._servers)]
                self.queries_sent += 1
                try:
                    response = await self._udp(server, query)
                    if response.flags & dns.flags.TC:
                        response = await dns.asyncquery.tcp(
                            query, server[0], timeout=self.config.timeout, port=server[1]
                        )
                except dns.exception.Timeout:
                    error = "timeout"
                    continue
                except (OSError, dns.exception.DNSException) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    continue
                if response.rcode() == dns.rcode.SERVFAIL and attempt < self.config.retries:
                    error, last = "servfail", response
                    continue
                return response, ""
        if error == "servfail":
            return last, ""
        return None, error

    async def _udp(
        self, server: tuple[str, int], query: dns.message.Message
    ) -> dns.message.Message:
        channel = self._channels.get(server)
        if channel is None:
            channel = await _UdpChannel.open(server)
            self._channels[server] = channel
        return await channel.exchange(query, self.config.timeout)

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()


class _UdpChannel(asyncio.DatagramProtocol):
    """One connected UDP socket per nameserver shared by every query of a run.

    A socket per query (what `dns.asyncquery.udp` does) costs more than the query itself when
    thousands run at once; replies are matched to queries by ID and question instead.
    """

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: dict[int, tuple[dns.message.Message, asyncio.Future[dns.message.Message]]]
        self.pending = {}

    @classmethod
    async def open(cls, server: tuple[str, int]) -> _UdpChannel:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
        _, protocol = await loop.create_datagram_endpoint(cls, remote_addr=server, family=family)
        return protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if len(data) < 2:
            return
        waiting = self.pending.get(int.from_bytes(data[:2], "big"))
        if waiting is None or waiting[1].done():
            return
        query, future = waiting
        try:
            response = dns.message.from_wire(data, ignore_trailing=True)
        except dns.exception.DNSException:
            return  # garbage or spoof attempt: keep waiting for the real reply
        if query.is_response(response):
            future.set_result(response)

    def error_received(self, exc: Exception) -> None:
        for _, future in self.pending.values():
            if not future.done():
                future.set_exception(exc)

    async def exchange(self, query: dns.message.Message, timeout: float) -> dns.message.Message:
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        while query.id in self.pending:
            query.id = random.randint(0, 0xFFFF)
        future: asyncio.Future[dns.message.Message] = loop.create_future()
        self.pending[query.id] = (query, future)
        timer = loop.call_later(timeout, _expire, future)
        try:
            self.transport.sendto(query.to_wire())
            return await future
        finally:
            timer.cancel()
            del self.pending[query.id]

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _expire(future: asyncio.Future[dns.message.Message]) -> None:
    if not future.done():
        future.set_exception(dns.exception.Timeout())  # type: ignore[no-untyped-call]
