"""`penguin lead|suppression|compliance ...` as a script uses them: JSON counts, the rejects
file beside the input, preview, filters, export, erasure, and errors in the CLI's words."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.cli.conftest import Penguin
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, fresh_sqlite

LEADS = (
    "Email,First Name,Company,Country\n"
    "ann@example.com,Ann,Acme,DE\n"
    "ANN@example.com,Ann,Acme,DE\n"
    "broken@,Bob,Globex,FR\n"
    "cy@spam.example,Cy,Spam,GB\n"
)


@pytest.fixture
def cli(tmp_path: Path, sqlite_template: Path) -> Penguin:
    penguin = Penguin(fresh_sqlite(sqlite_template, tmp_path / "db" / "w.db"), tmp_path)
    made = penguin("init", "--org", "Agency", "--owner-email", OWNER_EMAIL,
                   env={"PENGUIN_PASSWORD": OWNER_PASSWORD}, user=None)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert penguin("workspace", "create", "Acme").exit_code == 0
    return penguin


def test_import_prints_counts_and_writes_rejects(cli: Penguin, tmp_path: Path) -> None:
    source = tmp_path / "leads.csv"
    source.write_text(LEADS)
    assert cli.json("suppression", "add", "spam.example", "-w", "Acme")["kind"] == "domain"
    preview = cli.json("lead", "import", str(source), "-w", "Acme", "--list", "L", "--preview")
    assert preview["mapping"]["First Name"] == "first_name" and len(preview["rows"]) == 4
    assert cli.json("lead", "list", "-w", "Acme") == []
    report = cli.json("lead", "import", str(source), "-w", "Acme", "--list", "L")
    assert {k: report[k] for k in ("imported", "duplicates", "invalid", "suppressed")} == {
        "imported": 1, "duplicates": 1, "invalid": 1, "suppressed": 1}  # fmt: skip
    with (tmp_path / "leads.csv.rejected.csv").open() as file:
        rejected = list(csv.DictReader(file))
    assert [(r["line"], r["reason"]) for r in rejected] == [
        ("3", "duplicate in file"), ("4", "invalid email"), ("5", "suppressed domain")]  # fmt: skip
    text = cli("lead", "import", str(source), "-w", "Acme", "--list", "L",
               "--rejects", str(tmp_path / "r.csv"))  # fmt: skip
    assert text.exit_code == 0 and "0 of 4 rows imported" in text.stdout
    assert (tmp_path / "r.csv").exists()
    listed = cli.json("lead", "list", "--list", "L", "--where", "company~ac")
    assert [x["email"] for x in listed] == ["ann@example.com"]
    out = tmp_path / "out.csv"
    assert cli.json("lead", "export", "--out", str(out), "--where", "country=DE")["exported"] == 1
    assert "ann@example.com" in out.read_text()
    erased = cli.json("lead", "erase", "Ann@Example.com", "-w", "Acme")
    assert erased["found"] is True
    entries = cli.json("suppression", "list", "-w", "Acme")
    assert {e["kind"] for e in entries} == {"domain", "hash"}
    assert "ann@" not in str(entries)
    assert cli("suppression", "remove", "spam.example", "-w", "Acme").exit_code == 0


def test_errors_in_the_clis_words(cli: Penguin, tmp_path: Path) -> None:
    source = tmp_path / "leads.csv"
    source.write_text(LEADS)
    missing = cli("lead", "import", str(tmp_path / "nope.csv"), "-w", "Acme", "--list", "L")
    assert missing.exit_code == 1 and "no file" in missing.stderr
    bad_map = cli("lead", "import", str(source), "-w", "Acme", "--list", "L", "--map", "Nope=x")
    assert bad_map.exit_code == 1 and "(--map)" in bad_map.stderr
    assert "(--where)" in cli("lead", "list", "--where", "junk").stderr
    both = cli("suppression", "add", "x.example", "-w", "Acme", "--agency")
    assert both.exit_code == 1
    bad = cli("suppression", "add", "not a domain", "--agency")
    assert bad.exit_code == 1 and "--value-stdin" not in bad.stderr
    url = cli("compliance", "set", "-w", "Acme", "--postal-address", "1 Road",
              "--unsubscribe-url", "http://a.example/u")  # fmt: skip
    assert url.exit_code == 1 and "(--unsubscribe-url)" in url.stderr
    country = cli("compliance", "countries", "--set", "ZZ", "--needs-consent", "yes")
    assert country.exit_code == 1 and "(--set)" in country.stderr


def test_compliance_and_agency_suppression(cli: Penguin) -> None:
    saved = cli.json("compliance", "set", "-w", "Acme", "--postal-address", "1 Main St",
                     "--unsubscribe-url", "https://acme.example/u")  # fmt: skip
    assert saved["unsubscribe_url"] == "https://acme.example/u"
    countries = cli.json("compliance", "countries")
    assert [c["country"] for c in countries] == ["DE", "HR", "NL", "RO"]
    assert (
        cli.json("compliance", "countries", "--set", "at", "--needs-consent", "yes")["country"]
        == "AT"
    )
    cli.json("suppression", "add", "Jane@Example.com", "--agency", "--reason", "complaint")
    assert [e["value"] for e in cli.json("suppression", "list", "-w", "Acme")] == [
        "jane@example.com"
    ]
    assert cli.json("suppression", "list", "--agency")[0]["reason"] == "complaint"
    assert cli("suppression", "remove", "jane@example.com", "--agency").exit_code == 0
