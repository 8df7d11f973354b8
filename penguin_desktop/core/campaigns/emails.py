"""Email addresses checked at import speed, never more lenient than `email-validator`.

The library (syntax and domain rules, no DNS: an import of a million rows cannot wait on DNS)
costs tens of microseconds an address. Most addresses are plain ASCII, so a strict pattern of
the local part (a subset of what the library accepts) and one library call per distinct
domain decide them; anything the pattern does not cover goes to the library whole. A test with
Hypothesis checks that no address this accepts is refused by the library."""

from __future__ import annotations

import re

import email_validator

# RFC 5322 dot-atom in ASCII, as email-validator accepts it without quoting.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_MAX_LOCAL = 64
_MAX_ADDRESS = 254


# Domains already decided: a plain dict (faster than lru_cache in the hot loop), emptied when
# it grows past what an import of real lists needs.
_DOMAINS: dict[str, str | None] = {}
_DOMAINS_KEPT = 200_000


def _domain(domain: str) -> str | None:
    """The domain as the library normalizes it (lower case), or None if it refuses it."""
    try:
        return _DOMAINS[domain]
    except KeyError:
        pass
    try:
        result = email_validator.validate_email(f"a@{domain}", check_deliverability=False)
        normal: str | None = str(result.ascii_domain or result.domain).lower()
    except email_validator.EmailNotValidError:
        normal = None
    if len(_DOMAINS) >= _DOMAINS_KEPT:
        _DOMAINS.clear()
    _DOMAINS[domain] = normal
    return normal


def _library(address: str) -> str | None:
    try:
        result = email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return None
    local = str(result.local_part).lower()
    return f"{local}@{str(result.ascii_domain or result.domain).lower()}"


def normalize(value: str) -> str | None:
    """The address in lower case with its domain as the library writes it, or None when the
    library would refuse it."""
    address = value.strip()
    local, at, domain = address.rpartition("@")
    if (
        at
        and len(local) <= _MAX_LOCAL
        and len(address) <= _MAX_ADDRESS
        and address.isascii()
        and _LOCAL.fullmatch(local)
    ):
        normal = _domain(domain)
        if normal is None:
            return None
        full = f"{local.lower()}@{normal}"
        if len(full) <= _MAX_ADDRESS:
            return full
    return _library(address)


def domain_of(address: str) -> str:
    return address.rpartition("@")[2]


def parent_domains(domain: str) -> list[str]:
    """The domain and each domain above it: a suppressed domain covers its subdomains."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]
