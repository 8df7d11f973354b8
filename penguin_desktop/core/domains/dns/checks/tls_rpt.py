"""The TLS-RPT check: one well-formed `_smtp._tls` record saying where TLS failures are reported."""

from __future__ import annotations

import re

from penguin_desktop.core.domains.dns.checks.common import ERR, OK, WARN, could_not, tags, txt_fix
from penguin_desktop.core.domains.dns.findings import Category, Finding
from penguin_desktop.core.domains.dns.records import DomainSpec
from penguin_desktop.core.domains.dns.resolver import DnsClient

_C = Category.TLS_RPT
_TLSRPT_URI = re.compile(r"^(mailto:[^@\s]+@[^@\s]+|https://\S+)$")


async def check_tls_rpt(client: DnsClient, spec: DomainSpec) -> list[Finding]:
    name = f"_smtp._tls.{spec.name}"
    wanted = f"v=TLSRPTv1; rua=mailto:{spec.reports_to}"
    answer = await client.txt(name)
    if answer.failed:
        return [could_not(_C, "tls-rpt.lookup-failed", answer, "TLS-RPT")]
    records = [t for t in answer.values if t.startswith("v=TLSRPTv1")]
    if not records:
        return [
            Finding(
                WARN,
                "tls-rpt.missing",
                _C,
                f"{spec.name} has no TLS-RPT record, so nobody hears about failed encrypted "
                "deliveries to it.",
                txt_fix(name, wanted),
            )
        ]
    uris = [u.strip() for u in tags(records[0]).get("rua", "").split(",") if u.strip()]
    if len(records) > 1 or not uris or not all(_TLSRPT_URI.match(u) for u in uris):
        return [
            Finding(
                ERR,
                "tls-rpt.syntax",
                _C,
                f"The TLS-RPT record at {name} is malformed (one record, rua= with mailto: or "
                "https: addresses).",
                f'Replace it with "{wanted}".',
            )
        ]
    return [Finding(OK, "tls-rpt.ok", _C, "The TLS-RPT record is well formed.")]
