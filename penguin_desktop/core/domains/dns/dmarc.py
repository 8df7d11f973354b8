"""DMARC (RFC 7489): parse a record and find the one that governs a (sub)domain.

A typo in a DMARC record silently turns protection off, and a subdomain without its own record
is governed by its organizational domain's `sp=` (or `p=`), which people rarely realise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from penguin_desktop.core.domains.dns.names import parent_names
from penguin_desktop.core.domains.dns.resolver import Answer, DnsClient

POLICIES = ("none", "quarantine", "reject")
KNOWN_TAGS = frozenset(
    {"v", "p", "sp", "pct", "rua", "ruf", "adkim", "aspf", "fo", "rf", "ri", "np", "psd", "t"}
)
_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_URI = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):(?P<rest>[^!\s]+)(?:!(?P<size>\d+[kmgtKMGT]?))?$"
)
_MAILBOX = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class DmarcSyntaxError(ValueError):
    """The record is not valid DMARC; receivers then act as if there were none."""


@dataclass(frozen=True)
class DmarcRecord:
    text: str
    tags: tuple[tuple[str, str], ...]

    def get(self, tag: str, default: str | None = None) -> str | None:
        return next((v for k, v in self.tags if k == tag), default)

    @property
    def p(self) -> str:
        return self.get("p") or "none"

    @property
    def sp(self) -> str:
        return self.get("sp") or self.p

    @property
    def pct(self) -> int:
        return int(self.get("pct") or 100)

    @property
    def adkim(self) -> str:
        return self.get("adkim") or "r"

    @property
    def aspf(self) -> str:
        return self.get("aspf") or "r"

    @property
    def rua(self) -> tuple[str, ...]:
        raw = self.get("rua")
        return tuple(u.strip() for u in raw.split(",")) if raw else ()

    @property
    def unknown_tags(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.tags if k not in KNOWN_TAGS)


def is_dmarc(txt: str) -> bool:
    return txt.strip().replace(" ", "")[:8].lower() == "v=dmarc1"


def _uris(tag: str, value: str) -> None:
    for uri in value.split(","):
        match = _URI.match(uri.strip())
        if match is None:
            raise DmarcSyntaxError(f"{tag}= holds {uri.strip()!r}, which is not a URI")
        if match.group("scheme").lower() == "mailto" and not _MAILBOX.match(match.group("rest")):
            raise DmarcSyntaxError(f"{tag}= holds {uri.strip()!r}: not a mailbox after mailto:")


def parse_dmarc(text: str) -> DmarcRecord:
    """Parse a DMARC record; DmarcSyntaxError with the reason a person can act on."""
    if not text.isprintable():
        raise DmarcSyntaxError("the record contains control characters")
    parts = [p.strip() for p in text.split(";")]
    if parts and parts[-1] == "":
        parts.pop()
    tags: list[tuple[str, str]] = []
    for part in parts:
        name, eq, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not eq or not _TAG.match(name):
            raise DmarcSyntaxError(f"{part!r} is not a tag=value pair")
        if any(k == name for k, _ in tags):
            raise DmarcSyntaxError(f"the tag {name}= appears twice")
        tags.append((name, value))
    if not tags or tags[0] != ("v", "DMARC1"):
        raise DmarcSyntaxError("a DMARC record starts with 'v=DMARC1'")
    record = DmarcRecord(text, tuple(tags))
    values = dict(tags)
    if "p" not in values:
        raise DmarcSyntaxError("the policy tag p= is missing (p=none, quarantine or reject)")
    for tag in ("p", "sp", "np"):
        if tag in values and values[tag].lower() not in POLICIES:
            raise DmarcSyntaxError(f"{tag}={values[tag]} is not none, quarantine or reject")
    for tag in ("adkim", "aspf"):
        if tag in values and values[tag].lower() not in ("r", "s"):
            raise DmarcSyntaxError(f"{tag}={values[tag]} must be r (relaxed) or s (strict)")
    if "pct" in values and (not values["pct"].isdigit() or int(values["pct"]) > 100):
        raise DmarcSyntaxError(f"pct={values['pct']} must be a whole number from 0 to 100")
    if "ri" in values and not values["ri"].isdigit():
        raise DmarcSyntaxError(f"ri={values['ri']} must be a number of seconds")
    if "fo" in values and any(o not in ("0", "1", "d", "s") for o in values["fo"].split(":")):
        raise DmarcSyntaxError(f"fo={values['fo']} may only combine 0, 1, d and s")
    for tag in ("rua", "ruf"):
        if tag in values:
            _uris(tag, values[tag])
    lowered = ("p", "sp", "np", "adkim", "aspf")
    return DmarcRecord(text, tuple((k, v.lower() if k in lowered else v) for k, v in record.tags))


@dataclass(frozen=True)
class DmarcLookup:
    """The record governing `domain`: its own, or inherited from `source` (a parent)."""

    domain: str
    source: str
    answer: Answer
    records: tuple[str, ...]

    @property
    def inherited(self) -> bool:
        return self.source != self.domain


async def find_dmarc(client: DnsClient, domain: str) -> DmarcLookup:
    """`_dmarc.<domain>`, else the nearest parent's (the organizational domain for most).

    Walking up the tree (as DMARCbis does) instead of consulting the Public Suffix List keeps
    this offline and finds the record a receiver would apply for all common layouts.
    """
    own = await client.txt(f"_dmarc.{domain}")
    records = tuple(t for t in own.values if is_dmarc(t))
    if records or own.failed:
        return DmarcLookup(domain, domain, own, records)
    for parent in parent_names(domain):
        answer = await client.txt(f"_dmarc.{parent}")
        found = tuple(t for t in answer.values if is_dmarc(t))
        if found:
            return DmarcLookup(domain, parent, answer, found)
    return DmarcLookup(domain, domain, own, ())
