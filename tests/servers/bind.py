"""A real BIND9 authoritative server on a free loopback port, with a TSIG key that may send
RFC 2136 updates to every zone it serves (TESTING.md recipe).

Zones are given as zone-file text; the server runs in a temp directory (it writes journals
there) and is stopped by its PID.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.tsig
import dns.tsigkeyring
import dns.update

from tests.servers.common import free_port

KEY_NAME = "pm-key"


@dataclass(frozen=True)
class BindServer:
    port: int
    key_name: str
    key_secret: str
    directory: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def _binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()), None
    )


def _serving(port: int, zone: str) -> bool:
    try:
        reply = dns.query.udp(dns.message.make_query(zone, "SOA"), "127.0.0.1", 0.5, port)
    except (OSError, dns.exception.Timeout):
        return False
    return reply.rcode() == dns.rcode.NOERROR and bool(reply.answer)


@contextmanager
def running_bind(zones: Mapping[str, str]) -> Iterator[BindServer]:
    """Start `named` serving `zones` (name -> zone-file text); RuntimeError if it cannot."""
    named, keygen = _binary("named"), _binary("tsig-keygen")
    if named is None or keygen is None:
        raise RuntimeError("BIND9 is not installed (apt-get install bind9 bind9-utils)")
    base = Path(tempfile.mkdtemp(prefix="bind-test-"))
    key_conf = subprocess.run(
        [keygen, "-a", "hmac-sha256", KEY_NAME], check=True, capture_output=True, text=True
    ).stdout
    (base / "pm-key.conf").write_text(key_conf)
    secret = re.search(r'secret "([^"]+)"', key_conf)
    assert secret is not None
    stanzas = []
    for i, (zone, text) in enumerate(sorted(zones.items())):
        (base / f"z{i}.zone").write_text(text)
        stanzas.append(
            f'zone "{zone}" {{ type primary; file "{base}/z{i}.zone"; '
            f'allow-update {{ key "{KEY_NAME}"; }}; }};'
        )
    proc: subprocess.Popen[bytes] | None = None
    for _attempt in range(5):
        port = free_port()
        (base / "named.conf").write_text(
            f'include "{base}/pm-key.conf";\n'
            f'options {{ directory "{base}"; listen-on port {port} {{ 127.0.0.1; }}; '
            f'listen-on-v6 {{ none; }}; pid-file "{base}/named.pid"; '
            f'session-keyfile "{base}/session.key"; managed-keys-directory "{base}"; '
            "recursion no; dnssec-validation no; notify no; };\n"
            "controls { };\n" + "\n".join(stanzas) + "\n"
        )
        checkconf = _binary("named-checkconf")
        if checkconf is not None:
            checked = subprocess.run(
                [checkconf, "-z", str(base / "named.conf")], capture_output=True, text=True
            )
            if checked.returncode != 0:
                shutil.rmtree(base, ignore_errors=True)
                raise RuntimeError(f"BIND zones do not load: {checked.stdout[-1500:]}")
        log = base / "named.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [named, "-c", str(base / "named.conf"), "-g", "-n", "2"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        probe = next(iter(sorted(zones)))
        while time.monotonic() < deadline and proc.poll() is None:
            if _serving(port, probe):
                break
            time.sleep(0.05)
        if proc.poll() is None and _serving(port, probe):
            break
        proc.kill()
        proc.wait()
        proc = None
    if proc is None:
        text = (base / "named.log").read_text(errors="replace")[-1500:]
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"BIND did not start: {text}")
    try:
        yield BindServer(port, KEY_NAME, secret.group(1), base)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(base, ignore_errors=True)


def zone_file(origin: str, body: str, serial: int = 1) -> str:
    """A zone file with SOA and NS for `origin`; `body` holds the records under test."""
    return (
        f"$ORIGIN {origin}.\n$TTL 300\n"
        f"@ IN SOA ns1.{origin}. hostmaster.{origin}. {serial} 3600 600 86400 60\n"
        f"@ IN NS ns1.{origin}.\nns1 IN A 127.0.0.1\n{body}\n"
    )


def reset_records(server: BindServer, zone: str, names: tuple[str, ...], records: str) -> None:
    """Put a zone's names back to a known state with a TSIG-signed update, so tests that fix
    the zone can run again (on each database backend) against the same server."""
    keyring = dns.tsigkeyring.from_text({server.key_name: ("hmac-sha256", server.key_secret)})
    update = dns.update.UpdateMessage(
        zone + ".", keyring=keyring, keyname=server.key_name, keyalgorithm=dns.tsig.HMAC_SHA256
    )
    for name in names:
        for rtype in ("TXT", "MX", "SRV"):
            update.delete(name + ".", rtype)
    for line in records.strip().splitlines():
        owner, rtype, value = line.split(maxsplit=2)
        name = zone + "." if owner == "@" else f"{owner}.{zone}."
        update.add(name, 300, rtype, value)
    reply = dns.query.tcp(update, "127.0.0.1", port=server.port, timeout=10)
    assert reply.rcode() == dns.rcode.NOERROR, dns.rcode.to_text(reply.rcode())
