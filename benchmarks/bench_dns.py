"""DNS posture figure: full checks (no blocklists) of 1,000 sending domains against a local BIND9
(target < 5 s on 2 cores), compared with `checkdmarc` on the same domains and server in the
same run.

checkdmarc is not a dependency: `pip install checkdmarc` into the venv to get the comparison
(it is skipped with a note otherwise). It takes custom nameservers as dnspython Nameserver
objects, so it queries the same BIND on its loopback port. The zones publish no MTA-STS
record, so neither tool goes over HTTPS for a policy file; both check SPF (with includes), DMARC
and MX; checkdmarc also checks NS, SOA, DNSSEC and BIMI, we also check DKIM, PTR/FCrDNS and
TLS-RPT.

Run: .venv/bin/python benchmarks/bench_dns.py [--domains N]. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from penguin_desktop.core.domains.dns.checks import run_checks
from penguin_desktop.core.domains.dns.dkim import generate_key
from penguin_desktop.core.domains.dns.records import DkimSelector, DomainSpec
from penguin_desktop.core.domains.dns.resolver import ResolverConfig
from tests.servers.bind import running_bind, zone_file
from tests.servers.dns_zones import txt

SERVER_IP = "192.0.2.10"
TARGET_S = 5.0


def zones(n: int, public_key: str) -> dict[str, str]:
    out = {
        "spf-provider.test": zone_file(
            "spf-provider.test", '_spf TXT "v=spf1 ip4:203.0.113.0/24 ip4:198.51.100.0/24 ~all"'
        ),
        "2.0.192.in-addr.arpa": zone_file("2.0.192.in-addr.arpa", "10 PTR mail.bench.test."),
        "bench.test": zone_file("bench.test", f"mail A {SERVER_IP}"),
    }
    for i in range(n):
        name = f"d{i:04d}.test"
        body = [
            "@ MX 10 mail.bench.test.",
            f"@ TXT {txt(f'v=spf1 ip4:{SERVER_IP} include:_spf.spf-provider.test ~all')}",
            '@ TXT "google-site-verification=abc"',
            f"_dmarc TXT {txt('v=DMARC1; p=quarantine; rua=mailto:dmarc@bench.test')}",
            f"pm._domainkey TXT {txt(f'v=DKIM1; k=rsa; p={public_key}')}",
            '_smtp._tls TXT "v=TLSRPTv1; rua=mailto:tls@bench.test"',
        ]
        out[name] = zone_file(name, "\n".join(body))
    return out


def ours(specs: list[DomainSpec], config: ResolverConfig) -> tuple[float, int]:
    start = time.perf_counter()
    reports = run_checks(specs, config)
    elapsed = time.perf_counter() - start
    assert len(reports) == len(specs)
    errors = sum(f.severity.value == "error" for r in reports for f in r.findings)
    return elapsed, errors


def theirs(names: list[str], port: int) -> tuple[float | None, str]:
    try:
        import checkdmarc
        import dns.nameserver
    except ImportError:
        return None, "checkdmarc is not installed (pip install checkdmarc)"
    nameserver = dns.nameserver.Do53Nameserver("127.0.0.1", port)
    start = time.perf_counter()
    results = checkdmarc.check_domains(names, nameservers=[nameserver], timeout=2.0)
    elapsed = time.perf_counter() - start
    results = results if isinstance(results, list) else [results]
    failures = sum(1 for r in results if not r["spf"].get("valid") or not r["dmarc"].get("valid"))
    version = getattr(checkdmarc, "__version__", "?")
    return elapsed, f"checkdmarc {version}: {failures} domains with SPF or DMARC invalid"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--domains", type=int, default=1000)
    n = parser.parse_args().domains
    key = generate_key().public_b64
    with running_bind(zones(n, key)) as bind:
        config = ResolverConfig(nameservers=(("127.0.0.1", bind.port),), timeout=2.0, retries=2)
        specs = [
            DomainSpec(
                name=f"d{i:04d}.test",
                mail_hosts=("mail.bench.test",),
                server_ips=(SERVER_IP,),
                dkim=(DkimSelector("pm", key),),
                report_address="dmarc@bench.test",
            )
            for i in range(n)
        ]
        ours(specs[:20], config)  # warm up imports and the server's caches
        our_s, errors = ours(specs, config)
        print(
            f"penguin: full posture of {n} domains (no blocklists): {our_s:.2f} s "
            f"({n / our_s:.0f} domains/s, {errors} error findings)"
        )
        their_s, note = theirs([s.name for s in specs], bind.port)
        if their_s is not None:
            print(f"{note}; {n} domains in {their_s:.2f} s")
        else:
            print(note)
    ratio = round(their_s / our_s, 2) if their_s else None
    print(
        json.dumps(
            {
                "benchmark": "dns_posture",
                "domains": n,
                "seconds": round(our_s, 3),
                "target_seconds": TARGET_S,
                "within_target": our_s < TARGET_S,
                "checkdmarc_seconds": round(their_s, 3) if their_s else None,
                "speedup_vs_checkdmarc": ratio,
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
