"""Posture checks of sending domains: what is published, judged against what is required.

Every finding says what is wrong in words a non-expert follows and gives the exact record to
publish. Lookups that fail (timeout, SERVFAIL) give "could not check" findings, which never
count against the score: a flaky network must not make a good domain look broken.

One module per record type; `runner` runs them all. Callers import from this package.
"""

from __future__ import annotations

from penguin_desktop.core.domains.dns.checks.blacklists import check_blacklists
from penguin_desktop.core.domains.dns.checks.dkim import check_dkim
from penguin_desktop.core.domains.dns.checks.dmarc import check_dmarc
from penguin_desktop.core.domains.dns.checks.mta_sts import check_mta_sts
from penguin_desktop.core.domains.dns.checks.mx import check_mx
from penguin_desktop.core.domains.dns.checks.ptr import check_ptr
from penguin_desktop.core.domains.dns.checks.runner import (
    CHECKS,
    PARALLEL_FROM,
    SHARD,
    check_domain,
    check_domains,
    run_checks,
)
from penguin_desktop.core.domains.dns.checks.spf import check_spf
from penguin_desktop.core.domains.dns.checks.tls_rpt import check_tls_rpt

__all__ = [
    "CHECKS",
    "PARALLEL_FROM",
    "SHARD",
    "check_blacklists",
    "check_dkim",
    "check_dmarc",
    "check_domain",
    "check_domains",
    "check_mta_sts",
    "check_mx",
    "check_ptr",
    "check_spf",
    "check_tls_rpt",
    "run_checks",
]
