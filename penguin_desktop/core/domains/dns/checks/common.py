"""What every record type's check shares: severities, "could not check" and fix wording.

Kept in one place so every check words a failed lookup and a record to publish the same way.
"""

from __future__ import annotations

from penguin_desktop.core.domains.dns.findings import Category, Finding, Severity
from penguin_desktop.core.domains.dns.resolver import Answer

OK, WARN, ERR = Severity.OK, Severity.WARNING, Severity.ERROR


def could_not(category: Category, code: str, answer: Answer, what: str) -> Finding:
    """A lookup that failed is inconclusive, never held against the domain's score."""
    return Finding(
        WARN,
        code,
        category,
        f"Could not check {what}: {answer.describe()}.",
        "Nothing to change yet; run the check again later. If it keeps failing, ask the "
        "domain's DNS host why its servers do not answer.",
        inconclusive=True,
    )


def txt_fix(name: str, value: str) -> str:
    return f'Publish a TXT record at {name} with the value "{value}".'


def tags(text: str) -> dict[str, str]:
    """The `k=v; k=v` tags of a policy record, read leniently so a stray space or a trailing
    semicolon is not taken for a malformed record."""
    out = {}
    for part in text.split(";"):
        k, eq, v = part.strip().partition("=")
        if eq:
            out[k.strip()] = v.strip()
    return out
