"""The MTA-STS check: one well-formed `_mta-sts` record announcing the domain's TLS policy."""

from __future__ import annotations

import re

from penguin_desktop.core.domains.dns.checks.common import ERR, OK, WARN, could_not, tags, txt_fix
from penguin_desktop.core.domains.dns.findings import Category, Finding
from penguin_desktop.core.domains.dns.records import DomainSpec, mta_sts_id
from penguin_desktop.core.domains.dns.resolver import DnsClient

_C = Category.MTA_STS
_STS_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")


async def check_mta_sts(client: DnsClient, spec: DomainSpec) -> list[Finding]:
    name = f"_mta-sts.{spec.name}"
    wanted = f"v=STSv1; id={mta_sts_id(spec)}"
    answer = await client.txt(name)
    if answer.failed:
        return [could_not(_C, "mta-sts.lookup-failed", answer, "MTA-STS")]
    records = [t for t in answer.values if t.startswith("v=STSv1")]
    if not records:
        return [
            Finding(
                WARN,
                "mta-sts.missing",
                _C,
                f"{spec.name} has no MTA-STS record, so mail sent to it can be downgraded to "
                "unencrypted delivery by an attacker.",
                txt_fix(name, wanted) + f" and serve the policy file at https://mta-sts."
                f"{spec.name}/.well-known/mta-sts.txt (the domain's required records show it).",
            )
        ]
    if len(records) > 1:
        return [
            Finding(
                ERR,
                "mta-sts.multiple",
                _C,
                f"{name} has {len(records)} MTA-STS records; senders then ignore MTA-STS.",
                f'Keep only "{wanted}".',
            )
        ]
    found = tags(records[0])
    if found.get("v") != "STSv1" or not _STS_ID.match(found.get("id", "")):
        return [
            Finding(
                ERR,
                "mta-sts.syntax",
                _C,
                f"The MTA-STS record at {name} is malformed (it needs v=STSv1 and an id= of 1-32 "
                "letters or digits).",
                f'Replace it with "{wanted}".',
            )
        ]
    return [Finding(OK, "mta-sts.ok", _C, "The MTA-STS record is well formed.")]
