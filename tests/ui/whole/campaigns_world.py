"""Leads for the every-page tests, made through the services: two lists, leads with every
field and a custom one (one in a country that asks for consent without it), an erased lead
(its hash suppressed), a suppressed domain in the workspace and an address agency-wide, and
the workspace's sender details."""

from __future__ import annotations

import tempfile
from pathlib import Path

from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Actor

LEADS = (
    "email,first name,last name,company,title,phone,website,country,lawful basis,"
    "consent source,consent at,industry\n"
    "ann@example.com,Ann,Archer,Acme Ltd,CEO,+44 20 7946 0000,https://acme.example.com,GB,"
    "legitimate interest,,,SaaS\n"
    "jo@example.org,Jo,Jung,Müller GmbH,CTO,,,DE,,,,Retail\n"
    "kim@example.net,Kim,,,,,,FR,consent,fair 2026,2026-03-01,\n"
    "gone@example.com,Gone,,,,,,,,,,\n"
)


def build(container: Container, owner: Actor, workspace: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "leads.csv"
        source.write_text(LEADS, encoding="utf-8")
        container.leads.import_file(owner, workspace, "Fair 2026", source)
        source.write_text("email\nann@example.com\n", encoding="utf-8")
        container.leads.import_file(owner, workspace, "VIP", source)
    container.leads.erase(owner, workspace, "gone@example.com")
    container.suppression.add(owner, "blocked.example.com", workspace)
    container.suppression.add(owner, "never@example.org", None)
    container.compliance.set(
        owner, workspace, "1 Main Street, Springfield", "https://example.com/unsubscribe"
    )
