"""Never a traceback: every command that talks to an outside server, pointed at a dead port, and
every kind of bad file or input, ends in exactly one line on stderr (run as a real process, so
anything a library logs to the terminal would show)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD
from tests.servers.common import free_port

PENGUIN = [sys.executable, "-m", "penguin_desktop.cli.main"]


@dataclass
class Run:
    """`penguin ...` as a separate process, signed in as the owner of a fresh agency."""

    env: dict[str, str]

    def __call__(self, *args: str, stdin: str | bytes = b"") -> subprocess.CompletedProcess[str]:
        data_in = stdin.encode() if isinstance(stdin, str) else stdin
        done = subprocess.run(
            [*PENGUIN, *args], input=data_in, capture_output=True, env=self.env, timeout=120
        )
        return subprocess.CompletedProcess(
            done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
        )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    penguin = Run(
        {
            **os.environ,
            "PENGUIN_DATA_DIR": str(tmp_path_factory.mktemp("agency")),
            "PENGUIN_USER": OWNER_EMAIL,
            "PENGUIN_PASSWORD": OWNER_PASSWORD,
            "PENGUIN_MASTER_PASSWORD": MASTER_PASSWORD,
        }
    )
    assert penguin("init", "--org", "Acme", "--owner-email", OWNER_EMAIL).returncode == 0
    assert penguin("workspace", "create", "Client").returncode == 0
    return penguin


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr
    return lines[0]


def test_outside_servers_at_a_dead_port_are_one_line_and_exit_5(run: Run) -> None:
    dead = free_port()
    ssh = run("server", "adopt", "mx", "-w", "Client", "--host", "127.0.0.1", "--port", str(dead))
    assert ssh.returncode == 5 and "connection refused" in one_line(ssh)
    vault = run(
        "secrets", "backend", "set", "vault", "--address", f"http://127.0.0.1:{dead}",
        "--token-stdin", stdin="token\n",
    )  # fmt: skip
    assert vault.returncode == 5 and "cannot reach Vault" in one_line(vault)
    added = run(
        "dns", "provider", "add", "ns", "-w", "Client", "--kind", "rfc2136",
        "--server", f"127.0.0.1:{dead}", "--key-name", "k", "--secret-stdin",
        stdin="c2VjcmV0\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    dns = run("dns", "provider", "test", "ns", "-w", "Client")
    assert dns.returncode == 5 and one_line(dns)
    postgres = run(
        "--db-url", f"postgresql+psycopg://penguin@127.0.0.1:{dead}/penguin", "workspace", "list"
    )
    assert postgres.returncode == 5 and "cannot reach PostgreSQL" in one_line(postgres)


def test_bad_files_and_input_are_one_line_and_exit_1(run: Run, tmp_path: Path) -> None:
    binary = tmp_path / "key.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    adopt = ("server", "adopt", "mx", "-w", "Client", "--host", "127.0.0.1", "--key-file")
    assert "not UTF-8 text" in one_line(run(*adopt, str(binary)))
    assert "larger than 64 KiB" in one_line(run(*adopt, "/dev/zero"))
    dkim = run("domain", "add", "x.example", "-w", "Client", "--dkim-key-file", "s=/dev/urandom")
    assert dkim.returncode == 1 and "larger than 64 KiB" in one_line(dkim)
    value = ("secrets", "set", "k", "-w", "Client", "--kind", "api_key", "--value-stdin")
    assert "not UTF-8 text" in one_line(run(*value, stdin=b"\xff\xfe"))
    assert "1 to 3650 days" in one_line(run(*value, "--rotate-every", "9" * 30, stdin="v"))
    export = run("audit", "export", "--format", "csv", "--out", "/proc/penguin/x.csv")
    assert export.returncode == 1 and one_line(export)
    spaced = run("server", "adopt", "mx", "-w", "Client", "--host", "exa mple")
    assert spaced.returncode == 1 and "neither an IP address nor a host name" in one_line(spaced)
    nowhere = run("--data-dir", "/proc/penguin", "workspace", "list")
    assert nowhere.returncode == 1 and "cannot use /proc/penguin" in one_line(nowhere)


def test_a_reader_that_goes_away_ends_the_listing_quietly(run: Run) -> None:
    listing = subprocess.Popen(
        [*PENGUIN, "audit", "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=run.env
    )
    assert listing.stdout is not None and listing.stderr is not None
    listing.stdout.close()  # like `| head`, gone before the first row is written
    assert listing.wait(timeout=120) == 0
    assert listing.stderr.read() == b""
