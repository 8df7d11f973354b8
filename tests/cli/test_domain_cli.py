"""`penguin domain` and `penguin dns provider` as a consultant scripts them, against a real
BIND9: what they print, their JSON, and their exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import AddUser, Penguin
from tests.conftest import MASTER_PASSWORD
from tests.servers.bind import BindServer, reset_records
from tests.servers.dns_zones import FIXME_NAMES, FIXME_START, REPORTS, SERVER_IP
from tests.servers.mailu import running_mailu
from tests.servers.sshd import SshdServer


@pytest.fixture(autouse=True)
def _master_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated DKIM keys and provider credentials go to the encrypted secrets file."""
    monkeypatch.setenv("PENGUIN_MASTER_PASSWORD", MASTER_PASSWORD)


def _workspace(penguin: Penguin, name: str = "Acme") -> None:
    assert penguin("workspace", "create", name).exit_code == 0


def test_add_list_records_and_export(initialized: Penguin, tmp_path: Path) -> None:
    penguin = initialized
    _workspace(penguin)
    added = penguin(
        "domain",
        "add",
        "Bücher.test",
        "--workspace",
        "Acme",
        "--lab",
        "--ip",
        SERVER_IP,
        "--ip",
        "2001:db8::25",
        "--dkim-selector",
        "pm",
    )
    assert added.exit_code == 0, added.stderr
    assert "Added bücher.test to 'Acme'; generated DKIM keys for pm" in added.stdout
    listed = penguin("domain", "list")
    assert "bücher.test" in listed.stdout and "pm (2048 bits)" in listed.stdout
    rows = penguin.json("domain", "list", "-w", "Acme")
    assert rows[0]["name"] == "xn--bcher-kva.test" and rows[0]["server_ips"] == [
        SERVER_IP,
        "2001:db8::25",
    ]
    records = penguin("domain", "records", "bücher.test")
    assert f"v=spf1 ip4:{SERVER_IP} ip6:2001:db8::25 ~all" in records.stdout
    assert "https://mta-sts.xn--bcher-kva.test/.well-known/mta-sts.txt" in records.stdout
    data = penguin.json("domain", "records", "xn--bcher-kva.test")
    assert {r["rtype"] for r in data["records"]} >= {"MX", "TXT", "PTR", "A", "AAAA"}
    zone = penguin("domain", "export-zone", "bücher.test")
    assert zone.stdout.startswith("; Records for xn--bcher-kva.test")
    out = tmp_path / "zone.txt"
    assert penguin("domain", "export-zone", "bücher.test", "--out", str(out)).exit_code == 0
    assert out.read_text() == zone.stdout


def test_check_exits_0_with_findings_and_json_lists_them(
    initialized: Penguin, bind: BindServer
) -> None:
    penguin = initialized
    _workspace(penguin)
    for name in ("nodmarc.test", "good.test"):
        result = penguin(
            "domain",
            "add",
            name,
            "-w",
            "Acme",
            "--lab",
            "--ip",
            SERVER_IP,
            "--report-address",
            REPORTS,
        )
        assert result.exit_code == 0, result.stderr
    result = penguin(
        "domain", "check", "nodmarc.test", "--nameserver", bind.address, "--no-blacklists"
    )
    assert result.exit_code == 0, result.stderr
    assert "[FAIL] nodmarc.test has no DMARC record" in result.stdout
    assert "fix: Publish a TXT record at _dmarc.nodmarc.test" in result.stdout
    data = penguin.json(
        "domain",
        "check",
        "--all",
        "-w",
        "Acme",
        "--no-blacklists",
        env={"PENGUIN_DNS_NAMESERVER": bind.address},
    )
    assert [d["domain"] for d in data["domains"]] == ["good.test", "nodmarc.test"]
    finding = next(f for f in data["domains"][1]["findings"] if f["code"] == "dmarc.missing")
    assert set(finding) >= {"severity", "code", "message", "fix"}
    assert finding["severity"] == "error"
    assert 0 < data["score"] < 100
    usage = penguin("domain", "check")
    assert usage.exit_code == 2 and "give a domain NAME or --all" in usage.stderr
    listed = penguin.json("domain", "list")
    assert {d["name"]: d["last_worst"] for d in listed}["nodmarc.test"] == "dmarc.missing"


def test_fix_through_a_tsig_provider(initialized: Penguin, bind: BindServer) -> None:
    penguin = initialized
    _workspace(penguin)
    reset_records(bind, "fixme.test", FIXME_NAMES, FIXME_START)
    added = penguin(
        "dns",
        "provider",
        "add",
        "bind",
        "-w",
        "Acme",
        "--kind",
        "rfc2136",
        "--server",
        bind.address,
        "--key-name",
        bind.key_name,
        "--secret-stdin",
        stdin=bind.key_secret + "\n",
    )
    assert added.exit_code == 0, added.stderr
    providers = penguin.json("dns", "provider", "list")
    assert providers[0]["credential_secret"] == "dns-provider/bind"
    assert bind.key_secret not in json.dumps(providers)
    tested = penguin("dns", "provider", "test", "bind", "-w", "Acme")
    assert tested.exit_code == 0 and "accepted TSIG key pm-key" in tested.stdout
    assert (
        penguin(
            "domain",
            "add",
            "fixme.test",
            "-w",
            "Acme",
            "--lab",
            "--ip",
            SERVER_IP,
            "--provider",
            "bind",
        ).exit_code
        == 0
    )
    dry = penguin("domain", "fix", "fixme.test", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "- fixme.test MX 5 mx.elsewhere.test.  (not ours: needs --yes or --delete)" in (
        dry.stdout
    )
    assert "Dry run: nothing was written." in dry.stdout
    done = penguin("domain", "fix", "fixme.test", "--nameserver", bind.address)
    assert done.exit_code == 0, done.stderr
    assert "read back and verified" in done.stdout
    assert "By hand: Reverse DNS of 192.0.2.10: must name the server (mail.fixme.test)" in (
        done.stdout
    )
    typo = penguin("domain", "fix", "fixme.test", "--delete", "fixme.test MX 5 mx.typo.test.")
    assert typo.exit_code == 1
    assert "no record that is not ours matches" in typo.stderr
    assert "fixme.test MX 5 mx.elsewhere.test." in typo.stderr
    again = penguin("domain", "fix", "fixme.test", "--delete", "fixme.test MX 5 mx.elsewhere.test.")
    assert "Applied 1 changes" in again.stdout
    assert "Nothing to change" in penguin("domain", "fix", "fixme.test").stdout

    assert "by hand (manual)" in penguin("domain", "set-provider", "fixme.test", "--manual").stdout
    assert penguin("domain", "set-provider", "fixme.test").exit_code == 2
    moved = penguin.json("domain", "set-provider", "fixme.test", "bind")
    assert moved == {"domain": "fixme.test", "workspace": "Acme", "provider": "bind"}
    removed = penguin("dns", "provider", "remove", "bind", "-w", "Acme")
    assert removed.exit_code == 0, removed.stderr
    assert "Removed DNS provider 'bind'; now fixed by hand: fixme.test" in removed.stdout
    assert penguin.json("dns", "provider", "list") == []
    assert penguin.json("domain", "list")[0]["provider"] is None
    gone = penguin("dns", "provider", "remove", "bind", "-w", "Acme")
    assert gone.exit_code == 1 and "no DNS provider named 'bind'" in gone.stderr


def test_report_shows_the_last_check_without_dns(initialized: Penguin, bind: BindServer) -> None:
    penguin = initialized
    _workspace(penguin)
    penguin("domain", "add", "nodmarc.test", "-w", "Acme", "--lab", "--ip", SERVER_IP)
    never = penguin("domain", "report", "nodmarc.test")
    assert never.exit_code == 1
    assert "has not been checked yet: run `penguin domain check nodmarc.test`" in never.stderr
    penguin("domain", "check", "nodmarc.test", "--nameserver", bind.address, "--no-blacklists")
    shown = penguin("domain", "report", "nodmarc.test", env={"PENGUIN_DNS_NAMESERVER": "192.0.2.1"})
    assert shown.exit_code == 0, shown.stderr
    assert "[FAIL] nodmarc.test has no DMARC record" in shown.stdout
    assert "UTC; `penguin domain check` for a fresh one." in shown.stdout
    data = penguin.json("domain", "report", "nodmarc.test")
    assert data["domains"][0]["domain"] == "nodmarc.test"
    assert any(f["code"] == "dmarc.missing" for f in data["domains"][0]["findings"])


def test_errors_and_roles(initialized: Penguin, add_user: AddUser, bind: BindServer) -> None:
    penguin = initialized
    _workspace(penguin)
    bad = penguin("domain", "add", "not a domain", "-w", "Acme")
    assert bad.exit_code == 1 and "is not a domain name" in bad.stderr
    assert penguin("domain", "records", "nope.test").exit_code == 1
    add_user("viewer@agency.test")
    assert (
        penguin("member", "add", "viewer@agency.test", "-w", "Acme", "--role", "viewer").exit_code
        == 0
    )
    denied = penguin("domain", "add", "x.test", "-w", "Acme", user="viewer@agency.test")
    assert denied.exit_code == 3 and "may not add and remove sending domains" in denied.stderr
    wrong = penguin(
        "dns",
        "provider",
        "add",
        "bad",
        "-w",
        "Acme",
        "--kind",
        "rfc2136",
        "--server",
        bind.address,
        "--key-name",
        "pm-key",
        "--secret-stdin",
        stdin="d3JvbmcgYnV0IGJhc2U2NA==\n",
    )
    assert wrong.exit_code == 0
    failed = penguin("dns", "provider", "test", "bad", "-w", "Acme")
    assert failed.exit_code == 5 and "rejected the TSIG key 'pm-key'" in failed.stderr
    removed = penguin("domain", "add", "gone.test", "-w", "Acme", "--dkim-selector", "s1")
    assert removed.exit_code == 0
    assert penguin("domain", "remove", "gone.test").exit_code == 0
    secrets = penguin.json("secrets", "list", "-w", "Acme")
    assert [s["name"] for s in secrets] == ["dns-provider/bad"]


def test_attach_takes_mailus_dkim_key_into_the_records(
    initialized: Penguin, sshd: SshdServer
) -> None:
    penguin = initialized
    _workspace(penguin)
    with running_mailu() as mailu:
        adopted = penguin(
            "server", "adopt", "mx1", "-w", "Acme", "--host", sshd.host, "--port", str(sshd.port),
            "--user", sshd.user, "--accept-host-key", sshd.host_fingerprint,
            "--mailu-url", mailu.base_url, "--mailu-token-stdin", stdin=mailu.state.token + "\n",
        )  # fmt: skip
        assert adopted.exit_code == 0, adopted.stderr
        done = penguin("domain", "attach", "client.test", "--server", "mx1")
        assert done.exit_code == 0, done.stderr
        assert (
            "Attached client.test to mx1: added to the workspace, created in MailU, DKIM key "
            "generated." in done.stdout
        )
        assert "publish them with `penguin domain fix client.test`" in done.stdout
        records = penguin("domain", "records", "client.test").stdout
        assert "dkim._domainkey.client.test" in records
        data = penguin.json("domain", "attach", "client.test", "--server", "mx1")
        assert (data["created_in_mailu"], data["generated_dkim"]) == (False, False)
        assert data["domain"]["mail_server"] == "mx1"
        missing = penguin("domain", "attach", "client.test", "--server", "mx9")
        assert missing.exit_code == 1 and "no server named 'mx9'" in missing.stderr
