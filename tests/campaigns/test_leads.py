"""Importing, listing, exporting and erasing leads through the service, on real databases."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.campaigns import consent_blocks, is_suppressed
from penguin_desktop.core.campaigns.models import Lead, SuppressionReason
from penguin_desktop.core.campaigns.tables import LeadRow, SuppressionRow
from penguin_desktop.core.platform.errors import PermissionDenied, ValidationError
from penguin_desktop.core.platform.models import Actor, Role
from tests.campaigns.conftest import write_csv
from tests.conftest import add_user

MIXED = (
    "E-mail;First Name;Organization;Country;Lawful Basis;Industry\r\n"
    "Zoë@Example.com;Zoë;Müller GmbH;DE;consent;SaaS\r\n"
    "ZOË@EXAMPLE.com;Zoé;Dup AG;DE;;SaaS\r\n"
    "not-an-address;X;Y;FR;;\r\n"
    "kim@blocked.example;Kim;Blocked Ltd;GB;;Retail\r\n"
    "lee@sub.blocked.example;Lee;Blocked Ltd;GB;;Retail\r\n"
    "jo@example.org;Jo;Café Crème;de;legitimate interest;Retail\r\n"
    "\r\n"
    "max@example.net;Max;Acme;XX;;\r\n"
)


def _rejects(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


# `in_child`: the checks run in a child process, as they do for a large file.
@pytest.mark.parametrize("in_child", [False, True], ids=["here", "in_child"])
def test_an_import_counts_each_reason_and_writes_the_rejects(
    container: Container, owner: Actor, tmp_path: Path, in_child: bool
) -> None:
    if in_child:
        container.leads.in_child_from = 0
    container.workspaces.create(owner, "Acme")
    container.suppression.add(owner, "blocked.example", "Acme")
    source = write_csv(tmp_path / "leads.csv", "\ufeff" + MIXED, "utf-8")
    report = container.leads.import_file(owner, "Acme", "Q1", source)
    assert (report.encoding, report.delimiter) == ("utf-8", ";")
    assert (report.rows, report.imported, report.duplicates) == (7, 2, 1)
    assert (report.invalid, report.suppressed, report.needs_consent) == (2, 2, 1)
    assert report.reasons == {
        "duplicate in file": 1,
        "invalid country": 1,
        "invalid email": 1,
        "suppressed domain": 2,
    }
    rejected = _rejects(tmp_path / "leads.csv.rejected.csv")
    assert [(r["line"], r["reason"]) for r in rejected] == [
        ("3", "duplicate in file"),
        ("4", "invalid email"),
        ("5", "suppressed domain"),
        ("6", "suppressed domain"),
        ("9", "invalid country"),
    ]
    leads = container.leads.leads(owner, "Acme", "Q1")
    assert [(x.email, x.first_name, x.company, x.country, x.lawful_basis) for x in leads] == [
        ("zoë@example.com", "Zoë", "Müller GmbH", "DE", "consent"),
        ("jo@example.org", "Jo", "Café Crème", "DE", "legitimate_interest"),
    ]
    assert leads[0].custom == {"Industry": "SaaS"}
    again = container.leads.import_file(owner, "Acme", "Q1", source)
    assert (again.imported, again.duplicates) == (0, 3)
    other = container.leads.import_file(owner, "Acme", "Q2", source)
    assert (other.imported, other.existing) == (2, 2)
    assert len(container.leads.leads(owner, "Acme")) == 2
    events = container.audit.page(owner, AuditFilter(workspace="Acme", action="lead.import"))
    assert len(events) == 3


def test_cp1252_and_tabs_and_the_mapping(boss: Actor, lite: Container, tmp_path: Path) -> None:
    text = "Mail\tNom\tSociété\tNotes\r\nrené@exemple.fr\tRené\tÉlysée SARL\tcall\r\n"
    source = write_csv(tmp_path / "fr.csv", text.replace("rené@", "rene@"), "cp1252")
    shown = lite.leads.preview(source, {"Nom": "last_name", "Notes": ""})
    assert (shown.encoding, shown.delimiter) == ("cp1252", "\t")
    assert shown.mapping == {"Mail": "email", "Nom": "last_name", "Société": "Société",
                             "Notes": ""}  # fmt: skip
    assert shown.rows == [{"email": "rene@exemple.fr", "last_name": "René",
                           "Société": "Élysée SARL"}]  # fmt: skip
    report = lite.leads.import_file(boss, "Acme", "fr", source, {"Nom": "last_name", "Notes": ""})
    assert report.imported == 1 and report.rejects_file is None
    lead = lite.leads.leads(boss, "Acme")[0]
    assert (lead.last_name, lead.custom) == ("René", {"Société": "Élysée SARL"})
    with pytest.raises(ValidationError) as caught:
        lite.leads.preview(source, {"Nope": "title"})
    assert caught.value.field == "map"
    with pytest.raises(ValidationError):
        lite.leads.preview(source, {"Mail": ""})


def test_segments_and_export(boss: Actor, lite: Container, tmp_path: Path) -> None:
    text = (
        "email,company,country,industry\n"
        "a@example.com,Acme GmbH,DE,SaaS\n"
        "b@example.com,Globex,DE,Retail\n"
        "c@example.com,acme inc,US,saas\n"
    )
    lite.leads.import_file(boss, "Acme", "all", write_csv(tmp_path / "l.csv", text))

    def emails(*where: str) -> list[str]:
        return [x.email for x in lite.leads.leads(boss, "Acme", "all", where)]

    assert emails("company~ACME") == ["a@example.com", "c@example.com"]
    assert emails("country=de", "industry=saas") == ["a@example.com"]
    assert emails("industry~S") == ["a@example.com", "c@example.com"]
    assert emails("company=acme") == []
    with pytest.raises(ValidationError):
        emails("nothing")
    out = tmp_path / "out.csv"
    assert lite.leads.export(boss, out, "Acme", where=["industry=saas"]) == 2
    rows = _rejects(out)
    assert [r["email"] for r in rows] == ["a@example.com", "c@example.com"]
    assert rows[0]["industry"] == "SaaS"


def test_erasure_leaves_only_a_hash_and_blocks_reimport(
    container: Container, owner: Actor, tmp_path: Path
) -> None:
    container.workspaces.create(owner, "Acme")
    source = write_csv(tmp_path / "l.csv", "Email,First Name\nJane@Example.com,Jane\n")
    container.leads.import_file(owner, "Acme", "L", source)
    container.suppression.add(owner, "jane@example.com", "Acme", SuppressionReason.COMPLAINT)
    result = container.leads.erase(owner, "Acme", "JANE@example.com")
    assert result.found and result.lists == 1
    assert container.leads.leads(owner, "Acme") == []
    with container.db.read() as session:
        values = session.execute(select(SuppressionRow.value)).scalars().all()
        assert values == [result.hash]
        assert session.execute(select(LeadRow)).first() is None
        ws_id = session.execute(select(SuppressionRow.workspace_id)).scalar_one()
        assert ws_id is not None and is_suppressed(session, ws_id, "jane@example.com")
    again = container.leads.import_file(owner, "Acme", "L", source)
    assert (again.imported, again.reasons) == (0, {"erased address": 1})
    trail = container.audit.page(owner, AuditFilter(workspace="Acme"))
    assert all("jane@example.com" not in str(e.summary).lower() for e in trail)
    assert any(e.action == "lead.erase" for e in trail)


def test_suppression_scopes(boss: Actor, lite: Container) -> None:
    lite.suppression.add(boss, "@Spam.Example", None)
    lite.suppression.add(boss, "x@example.com", "Globex")
    assert [s.value for s in lite.suppression.entries(boss, "Acme")] == ["spam.example"]
    assert {s.value for s in lite.suppression.entries(boss, "Globex")} == {
        "spam.example",
        "x@example.com",
    }
    with lite.db.read() as session:
        scopes = session.execute(
            select(SuppressionRow.workspace_id).order_by(SuppressionRow.id)
        ).scalars()
        assert [w is None for w in scopes] == [True, False]
    with pytest.raises(ValidationError):
        lite.suppression.add(boss, "not a domain", "Acme")
    lite.suppression.remove(boss, "x@example.com", "Globex")
    assert [s.value for s in lite.suppression.entries(boss, None)] == ["spam.example"]


def test_denials_are_audited(boss: Actor, lite: Container, tmp_path: Path) -> None:
    member = add_user(lite, boss, "member@agency.test")
    lite.members.add(boss, "Acme", "member@agency.test", Role.MEMBER)
    source = write_csv(tmp_path / "l.csv", "email\na@example.com\n")
    calls = [
        lambda: lite.leads.import_file(member, "Acme", "L", source),
        lambda: lite.leads.erase(member, "Acme", "a@example.com"),
        lambda: lite.suppression.add(member, "example.com", "Acme"),
        lambda: lite.suppression.add(member, "example.com", None),
        lambda: lite.compliance.set(member, "Acme", "1 Road", "https://a.example/u"),
        lambda: lite.compliance.set_country(member, "FR", True),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert lite.leads.leads(member, "Acme") == []
    denied = [e.action for e in lite.audit.page(boss, AuditFilter()) if e.outcome == "denied"]
    assert sorted(denied) == sorted(
        [
            "lead.manage",
            "lead.erase",
            "suppression.manage",
            "suppression.agency",
            "compliance.set",
            "compliance.countries",
        ]
    )


def test_consent_blocks_a_country_that_needs_consent(boss: Actor, lite: Container) -> None:
    needs = lite.compliance.consent_countries()
    assert needs == {"DE", "NL", "HR", "RO"}

    def lead(country: str | None, basis: str | None) -> Lead:
        return Lead(1, "Acme", "a@example.com", country=country, lawful_basis=basis)

    assert consent_blocks(lead("DE", None), needs) is not None
    assert consent_blocks(lead("DE", "legitimate_interest"), needs) is not None
    assert consent_blocks(lead("DE", "consent"), needs) is None
    assert consent_blocks(lead("FR", None), needs) is None
    assert consent_blocks(lead(None, None), needs) is None
    lite.compliance.set_country(boss, "fr", True)
    lite.compliance.set_country(boss, "DE", False)
    assert lite.compliance.consent_countries() == {"FR", "NL", "HR", "RO"}


def test_compliance_settings(boss: Actor, lite: Container) -> None:
    info = lite.compliance.set(boss, "Acme", " 1 Main St ", "https://acme.example/u")
    assert lite.compliance.settings(boss, "Acme") == info
    for address, url, field in (("", "https://a.example", "postal_address"),
                                ("1 Road", "http://a.example", "unsubscribe_url"),
                                ("1 Road", "https://", "unsubscribe_url")):  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            lite.compliance.set(boss, "Acme", address, url)
        assert caught.value.field == field


def test_a_clean_reimport_removes_the_rejects_an_earlier_one_left(
    boss: Actor, lite: Container, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "leads.csv", "email\nann@example.com\nnot-an-address\n", "utf-8")
    first = lite.leads.import_file(boss, "Acme", "Q1", source)
    assert first.rejects_file == str(tmp_path / "leads.csv.rejected.csv")
    write_csv(source, "email\nbob@example.com\n", "utf-8")  # the bad row fixed and sent alone

    second = lite.leads.import_file(boss, "Acme", "Q1", source)

    assert second.rejects_file is None and second.imported == 1
    assert not (tmp_path / "leads.csv.rejected.csv").exists()
    kept = tmp_path / "mine.csv"
    kept.write_text("line,reason,email\n2,kept by hand,x@example.com\n")
    write_csv(source, "email\ncy@example.com\n", "utf-8")
    lite.leads.import_file(boss, "Acme", "Q1", source, rejects=kept)
    assert kept.exists()  # a file named by hand is never removed


def test_the_lists_of_a_workspace_are_named_in_order(
    lite: Container, boss: Actor, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "few.csv", "email\r\nann@example.com\r\n")
    for name in ("Zeta", "alpha"):
        lite.leads.import_file(boss, "Acme", name, source)
    assert lite.leads.lists(boss, "Acme") == ["alpha", "Zeta"]
    assert lite.leads.lists(boss, "Globex") == []


@pytest.mark.parametrize("in_child", [False, True], ids=["here", "in_child"])
def test_an_unreadable_file_is_refused_whole_wherever_it_is_checked(
    boss: Actor, lite: Container, tmp_path: Path, in_child: bool
) -> None:
    if in_child:
        lite.leads.in_child_from = 0
    huge = "x" * 200_000  # past the csv module's field limit, far down the file
    text = "Email,Name\n" + "ann@example.com,Ann\n" * 3 + f'bo@example.com,"{huge}"\n'
    source = write_csv(tmp_path / "l.csv", text)
    with pytest.raises(ValidationError, match="not readable CSV") as refused:
        lite.leads.import_file(boss, "Acme", "L", source)
    assert refused.value.field == "file"
    assert lite.leads.leads(boss, "Acme") == []
