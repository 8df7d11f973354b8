"""`penguin server ...` as a person and a script use it, against a real sshd."""

from __future__ import annotations

from pathlib import Path

import pytest

from penguin_desktop.core.servers.mailu import MailuClient
from penguin_desktop.core.servers.ssh.keys import generate_ed25519
from penguin_desktop.core.servers.vps.hostwinds import ENV_API
from tests.cli.conftest import Penguin
from tests.conftest import MASTER_PASSWORD
from tests.servers.common import free_port
from tests.servers.hostwinds import running_hostwinds
from tests.servers.mailu import running_mailu
from tests.servers.sshd import SshdServer


@pytest.fixture(autouse=True)
def _master_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """SSH keys and MailU tokens go to the encrypted secrets file."""
    monkeypatch.setenv("PENGUIN_MASTER_PASSWORD", MASTER_PASSWORD)


def test_adopt_trust_check_and_remove(initialized: Penguin, sshd: SshdServer) -> None:
    penguin = initialized
    assert penguin("workspace", "create", "Acme").exit_code == 0
    adopted = penguin(
        "server", "adopt", "mx1", "-w", "Acme", "--host", sshd.host,
        "--port", str(sshd.port), "--user", sshd.user,
    )  # fmt: skip
    assert adopted.exit_code == 0, adopted.stderr
    out = adopted.stdout
    assert "Generated an ed25519 key" in out and "authorized_keys" in out
    assert f"penguin server accept-host-key mx1 {sshd.host_fingerprint}" in out
    public = next(line.strip() for line in out.splitlines() if "ssh-ed25519" in line)
    assert "PRIVATE" not in out

    pending = penguin("server", "run-check", "mx1")
    assert pending.exit_code == 0 and "skipped" in pending.stdout

    wrong = penguin("server", "accept-host-key", "mx1", "SHA256:" + "Z" * 43)
    assert wrong.exit_code == 1 and "nothing was changed" in wrong.stderr
    accepted = penguin("server", "accept-host-key", "mx1", sshd.host_fingerprint)
    assert accepted.exit_code == 0 and sshd.host_fingerprint in accepted.stdout

    refused = penguin("server", "run-check", "mx1")
    assert refused.exit_code == 5
    assert "does not accept this key" in refused.stdout
    sshd.authorize(public)
    healthy = penguin("server", "run-check", "mx1")
    assert healthy.exit_code == 0, healthy.output
    assert "mx1 (Acme): healthy" in healthy.stdout and "docker" in healthy.stdout

    listed = penguin.json("server", "list")
    assert [(s["name"], s["status"], s["health"]) for s in listed] == [
        ("mx1", "adopted", "healthy")
    ]
    shown = penguin("server", "show", "mx1")
    assert f"host key:  {sshd.host_fingerprint}" in shown.stdout
    assert "secret server/mx1/ssh-key" in shown.stdout
    assert penguin("server", "remove", "mx1").exit_code == 0
    assert "No servers yet" in penguin("server", "list").stdout


def test_imported_key_confirmed_fingerprint_and_clear_failures(
    initialized: Penguin, sshd: SshdServer, tmp_path: Path
) -> None:
    penguin = initialized
    assert penguin("workspace", "create", "Acme").exit_code == 0
    key = tmp_path / "id_ed25519"
    key.write_text(sshd.client_key.private_openssh)
    ok = penguin(
        "server", "adopt", "mx1", "-w", "Acme", "--host", sshd.host, "--port", str(sshd.port),
        "--user", sshd.user, "--key-file", str(key), "--accept-host-key", sshd.host_fingerprint,
    )  # fmt: skip
    assert ok.exit_code == 0, ok.stderr
    assert f"Host key pinned: {sshd.host_fingerprint}" in ok.stdout
    assert "Generated" not in ok.stdout
    assert penguin("server", "run-check", "--all", "-w", "Acme").exit_code == 0
    port = free_port()
    down = penguin(
        "server", "adopt", "mx2", "-w", "Acme", "--host", "127.0.0.1", "--port", str(port)
    )
    assert down.exit_code == 5
    assert f"connection refused by 127.0.0.1:{port}" in down.stderr
    missing = penguin("server", "show", "nope")
    assert missing.exit_code == 1 and "no server named 'nope'" in missing.stderr
    half = penguin("server", "adopt", "mx3", "-w", "Acme", "--host", sshd.host, "--mailu-url", "x")
    assert half.exit_code == 1 and "--mailu-token-stdin" in half.stderr


def test_provision_streams_its_log_fails_clearly_and_resumes(
    initialized: Penguin, sshd: SshdServer, tmp_path: Path
) -> None:
    penguin = initialized
    sshd.reset_remote()
    remote = tmp_path / "remote"
    remote.mkdir(mode=0o777)
    started = sshd.directory / "compose-running"
    assert penguin("workspace", "create", "Acme").exit_code == 0
    key = tmp_path / "id_ed25519"
    key.write_text(sshd.client_key.private_openssh)
    adopted = penguin(
        "server", "adopt", "mx1", "-w", "Acme", "--host", sshd.host, "--port", str(sshd.port),
        "--user", sshd.user, "--key-file", str(key), "--accept-host-key", sshd.host_fingerprint,
    )  # fmt: skip
    assert adopted.exit_code == 0, adopted.stderr
    with running_mailu(env_file=remote / "mailu" / "mailu.env", started_by=started) as mailu:
        (sshd.directory / "compose-fail").touch()
        try:
            failed = penguin(
                "server", "provision", "mx1", "--domain", "client.test",
                "--mailu-dir", str(remote / "mailu"), "--mailu-url", mailu.base_url,
            )  # fmt: skip
        finally:
            (sshd.directory / "compose-fail").unlink()
        assert failed.exit_code == 5
        assert "[5/9] Render and upload mailu.env and docker-compose.yml" in failed.stdout
        assert "error: step 'Start MailU (docker compose up -d)' failed" in failed.stderr
        assert "port is already allocated" in failed.stderr
        shown = penguin("server", "show", "mx1").stdout
        assert "status:    provision-failed" in shown and "step compose-up: failed" in shown
        resumed = penguin("server", "provision", "mx1", "--resume")
        assert resumed.exit_code == 0, resumed.output
        assert (
            "[1/9] Preflight: OS, CPU/RAM/disk, free ports, Docker and Compose: already done"
            in (resumed.stdout)
        )
        assert "MailU is installed on mx1 (mail.client.test)" in resumed.stdout
        assert (
            "client.test: MailU's DKIM key (selector dkim) and the server's address are in its "
            "required records; publish them with `penguin domain fix client.test`."
        ) in resumed.stdout
        published = mailu.state.domains["client.test"]["dns_dkim"].replace('"', "")
    (domain,) = penguin.json("domain", "list", "-w", "Acme")
    (key,) = domain["dkim"]
    assert key["selector"] == "dkim" and key["public_key"] in published
    assert domain["mail_server"] == "mx1"
    assert "dkim._domainkey.client.test" in penguin("domain", "records", "client.test").stdout
    listed = penguin.json("server", "list")
    assert [s["status"] for s in listed] == ["mailu-ready"]
    sshd.reset_remote()


def test_create_through_hostwinds(
    initialized: Penguin, sshd: SshdServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    penguin = initialized
    assert penguin("workspace", "create", "Acme").exit_code == 0
    with running_hostwinds() as hostwinds:
        hostwinds.state.build_polls = 0
        monkeypatch.setenv(ENV_API, hostwinds.url)
        args = ("server", "create", "hw1", "-w", "Acme", "--region", "2", "--plan", "1001")
        nokey = penguin(*args, "--image", "ubuntu-24.04")
        assert nokey.exit_code == 1
        assert "penguin secrets set provider/hostwinds --kind api_key" in nokey.stderr
        stored = penguin(
            "secrets", "set", "provider/hostwinds", "--kind", "api_key", "-w", "Acme",
            "--value-stdin", stdin=hostwinds.state.api_key,
        )  # fmt: skip
        assert stored.exit_code == 0, stored.stderr
        created = penguin(*args, "--image", "ubuntu-24.04", "--port", str(sshd.port))
        assert created.exit_code == 0, created.stderr
        assert "Created hw1 (hostwinds instance) at 127.0.0.1 in 'Acme'." in created.stdout
        assert f"penguin server accept-host-key hw1 {sshd.host_fingerprint}" in created.stdout
        hostwinds.state.api_key = "rotated-elsewhere"
        refused = penguin("server", "remove", "hw1", "--destroy")
        assert refused.exit_code == 5 and "Hostwinds refused the API key" in refused.stderr
        assert [s["name"] for s in penguin.json("server", "list")] == ["hw1"]


def test_mailboxes_from_the_command_line(initialized: Penguin, sshd: SshdServer) -> None:
    penguin = initialized
    assert penguin("workspace", "create", "Acme").exit_code == 0
    with running_mailu() as mailu:
        with MailuClient(mailu.base_url, mailu.state.token) as api:
            api.create_domain("client.test")
        adopted = penguin(
            "server", "adopt", "mx1", "-w", "Acme", "--host", sshd.host, "--port", str(sshd.port),
            "--user", sshd.user, "--accept-host-key", sshd.host_fingerprint,
            "--mailu-url", mailu.base_url, "--mailu-token-stdin", stdin=mailu.state.token + "\n",
        )  # fmt: skip
        assert adopted.exit_code == 0, adopted.stderr
        made = penguin("mailbox", "create", "ann@client.test", "--server", "mx1")
        assert made.exit_code == 0, made.stderr
        assert "SMTP 127.0.0.1:587 (STARTTLS), IMAP 127.0.0.1:993 (TLS)" in made.stdout
        assert mailu.state.passwords["ann@client.test"] not in made.stdout
        rows = penguin.json("mailbox", "list")
        assert [(m["email"], m["enabled"]) for m in rows] == [("ann@client.test", True)]
        assert penguin("mailbox", "disable", "ann@client.test").exit_code == 0
        assert penguin("mailbox", "passwd", "ann@client.test").exit_code == 0
        wrong = penguin("mailbox", "create", "bob@nope.test", "--server", "mx1")
        assert wrong.exit_code == 1 and "MailU: Domain nope.test does not exist" in wrong.stderr
        assert penguin("mailbox", "remove", "ann@client.test").exit_code == 0
        assert "No mailboxes yet" in penguin("mailbox", "list").stdout


def test_adopting_an_existing_mailu_checks_its_token(
    initialized: Penguin, sshd: SshdServer
) -> None:
    penguin = initialized
    assert penguin("workspace", "create", "Acme").exit_code == 0
    with running_mailu() as mailu:
        wrong = penguin(
            "server", "adopt", "mx1", "-w", "Acme", "--host", sshd.host, "--port", str(sshd.port),
            "--mailu-url", mailu.base_url, "--mailu-token-stdin", stdin="not-the-token\n",
        )  # fmt: skip
    assert wrong.exit_code == 5
    assert "MailU refused the admin API token (Invalid API token)" in wrong.stderr
    assert penguin.json("server", "list") == []


def test_secrets_rotate_replaces_a_servers_ssh_key_on_the_server(
    initialized: Penguin, sshd: SshdServer, tmp_path: Path
) -> None:
    penguin = initialized
    first = generate_ed25519("cli-first")
    sshd.authorize(first.public_openssh)
    key = tmp_path / "id_ed25519"
    key.write_text(first.private_openssh)
    try:
        assert penguin("workspace", "create", "Acme").exit_code == 0
        adopted = penguin(
            "server", "adopt", "mx1", "-w", "Acme", "--host", sshd.host, "--port",
            str(sshd.port), "--user", sshd.user, "--key-file", str(key),
            "--accept-host-key", sshd.host_fingerprint,
        )  # fmt: skip
        assert adopted.exit_code == 0, adopted.stderr
        rotated = penguin("secrets", "rotate", "server/mx1/ssh-key", "-w", "Acme")
        assert rotated.exit_code == 0, rotated.stderr
        assert "Rotated server/mx1/ssh-key" in rotated.stdout
        authorized = sshd.authorized_keys.read_text()
        assert first.public_openssh.split()[1] not in authorized
        assert "penguinmails-mx1" in authorized  # the new key, installed by the procedure
        # Logs in with the new key (a busy test machine may make the load check fail: exit 5).
        checked = penguin("server", "run-check", "mx1")
        assert checked.exit_code in (0, 5) and "ok  os" in checked.stdout, checked.stderr
    finally:
        kept = [
            line
            for line in sshd.authorized_keys.read_text().splitlines()
            if "penguinmails-mx1" not in line and first.public_openssh.split()[1] not in line
        ]
        sshd.authorized_keys.write_text("".join(f"{line}\n" for line in kept))


def test_adopt_reads_the_mailu_version_and_list_and_show_tell_it(
    initialized: Penguin, sshd: SshdServer, tmp_path: Path
) -> None:
    penguin = initialized
    folder = tmp_path / "srv-mailu"
    folder.mkdir()
    (folder / "docker-compose.yml").write_text(
        "services:\n  admin:\n    image: ghcr.io/mailu/admin:2024.06\n"
        "  front:\n    image: ghcr.io/mailu/nginx:2024.06\n"
    )
    key = tmp_path / "id_ed25519"
    key.write_text(sshd.client_key.private_openssh)
    assert penguin("workspace", "create", "Acme").exit_code == 0
    adopted = penguin(
        "server", "adopt", "mx1", "-w", "Acme", "--host", sshd.host, "--port", str(sshd.port),
        "--user", sshd.user, "--key-file", str(key), "--accept-host-key", sshd.host_fingerprint,
        "--mailu-dir", str(folder),
    )  # fmt: skip
    assert adopted.exit_code == 0, adopted.stderr
    assert f"MailU 2024.06 found in {folder}." in adopted.stdout
    listed = penguin("server", "list")
    assert "MAILU" in listed.stdout.splitlines()[0] and "2024.06" in listed.stdout
    assert "MailU:     2024.06" in penguin("server", "show", "mx1").stdout
    assert penguin.json("server", "show", "mx1")["mailu_version"] == "2024.06"
