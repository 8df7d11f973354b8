"""DNS blocklists, held as data (blacklists.json, or a file named by PENGUIN_DNSBL_FILE).

A list answers 127.0.0.x when an address or domain is listed and NXDOMAIN when it is not; but
many also answer "refused" codes (Spamhaus's 127.255.255.x for queries through public
resolvers) which mean nothing about the address. Those are reported as "could not check",
never as listed and never as clean.
"""

from __future__ import annotations

import enum
import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from penguin_desktop.core.domains.dns.resolver import DnsClient, Status
from penguin_desktop.core.platform.errors import ValidationError

ENV_FILE = "PENGUIN_DNSBL_FILE"


class ListType(enum.StrEnum):
    IP = "ip"
    DOMAIN = "domain"


@dataclass(frozen=True)
class Blacklist:
    name: str
    zone: str
    type: ListType
    refused_codes: frozenset[str] = frozenset()
    info: str = ""


class Verdict(enum.StrEnum):
    CLEAN = "clean"
    LISTED = "listed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ListResult:
    blacklist: Blacklist
    subject: str
    verdict: Verdict
    detail: str


def load(path: str | os.PathLike[str] | None = None) -> list[Blacklist]:
    """The lists in `path`, else $PENGUIN_DNSBL_FILE, else the bundled file."""
    chosen = path or os.environ.get(ENV_FILE)
    try:
        if chosen:
            text = Path(chosen).read_text()
        else:
            text = resources.files(__package__).joinpath("blacklists.json").read_text()
        data = json.loads(text)
        return [_entry(e) for e in data["lists"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError(
            f"cannot read the blocklist file {chosen or '(bundled)'}: {exc}"
        ) from None


def _entry(raw: Mapping[str, object]) -> Blacklist:
    codes = raw.get("refused_codes", [])
    assert isinstance(codes, list)
    return Blacklist(
        name=str(raw["name"]),
        zone=str(raw["zone"]).rstrip(".").lower(),
        type=ListType(str(raw["type"])),
        refused_codes=frozenset(str(c) for c in codes),
        info=str(raw.get("info", "")),
    )


def query_name(blacklist: Blacklist, subject: str) -> str:
    if blacklist.type is ListType.IP:
        addr = ipaddress.ip_address(subject)
        if addr.version == 4:
            return ".".join(reversed(subject.split("."))) + "." + blacklist.zone
        nibbles = addr.exploded.replace(":", "")
        return ".".join(reversed(nibbles)) + "." + blacklist.zone
    return f"{subject}.{blacklist.zone}"


async def check(client: DnsClient, blacklist: Blacklist, subject: str) -> ListResult:
    answer = await client.lookup(query_name(blacklist, subject), "A")
    if answer.missing:
        return ListResult(blacklist, subject, Verdict.CLEAN, "not listed")
    if answer.status is not Status.OK:
        return ListResult(blacklist, subject, Verdict.UNKNOWN, answer.describe())
    codes = set(answer.values)
    if codes & blacklist.refused_codes or any(c.startswith("127.255.255.") for c in codes):
        return ListResult(
            blacklist,
            subject,
            Verdict.UNKNOWN,
            f"{blacklist.name} refused the query (answered {', '.join(sorted(codes))}); it "
            "usually does this for queries through public or busy DNS resolvers",
        )
    if not all(c.startswith("127.") for c in codes):
        return ListResult(
            blacklist,
            subject,
            Verdict.UNKNOWN,
            f"{blacklist.name} gave an answer that is not a list code ({', '.join(codes)}); "
            "the resolver may be rewriting answers",
        )
    reason = ""
    txt = await client.txt(query_name(blacklist, subject))
    if txt.ok and txt.values:
        reason = f" ({txt.values[0][:200]})"
    return ListResult(
        blacklist, subject, Verdict.LISTED, f"listed with code {', '.join(sorted(codes))}{reason}"
    )
