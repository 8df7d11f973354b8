"""The zones the DNS tests serve from a real BIND: one domain per finding, plus a reverse zone
for PTR checks and local blocklists (one that lists a test IP, one that refuses every query)."""

from __future__ import annotations

from functools import cache

from penguin_desktop.core.domains.dns.dkim import DkimKeyPair, generate_key
from tests.servers.bind import zone_file

SERVER_IP = "192.0.2.10"
LISTED_IP = "192.0.2.66"
REPORTS = "dmarc@agency.test"
WEAK_512 = (
    "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMUo5llNP3DUT7omP2zB5WGffpsiZcH4+Wupbssjrb9gCBUn7u6i1NDxydz"
    "fjegbrav9UnMWiHelw7pLnlYc3FECAwEAAQ=="
)
SHORT_1024 = (
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDu9QdEwZGDe25G7T9JCinC5uKvIORxf66y/SpXXMitaV8Q8pQqqJo+"
    "5VMvUnPcXE5YZGNWNk++TjG7cBofsIBsti16LgExhcdEUKf9+j6llRNTKKESlSL/Yjm95voKW/Z597yvJFhllC4KUVui"
    "IaB13AVJhGx98W5FDYAo7kWexQIDAQAB"
)
BLOCKLISTS = {
    "lists": [
        {"name": "Test ZEN", "zone": "zen.dnsbl.test", "type": "ip", "refused_codes": []},
        {
            "name": "Refusing list",
            "zone": "refuse.dnsbl.test",
            "type": "ip",
            "refused_codes": ["127.255.255.254"],
        },
        {"name": "Test DBL", "zone": "dbl.dnsbl.test", "type": "domain", "refused_codes": []},
    ]
}


# A domain in need of fixing: another sender's SPF include that must survive, and an MX at a
# host that is not ours (deleted only when the user confirms).
FIXME_START = '@ TXT "v=spf1 include:_spf.good.test ~all"\n@ MX 5 mx.elsewhere.test.\n'
FIXME_NAMES = (
    "fixme.test",
    "_dmarc.fixme.test",
    "pm._domainkey.fixme.test",
    "_mta-sts.fixme.test",
    "_smtp._tls.fixme.test",
)


def txt(value: str) -> str:
    """A TXT value as zone-file strings of at most 255 bytes each."""
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))


@cache
def good_key() -> DkimKeyPair:
    return generate_key()


def mail_domain(
    name: str,
    *,
    spf: str | None = None,
    dmarc: str | None = None,
    dkim: str | None = None,
    mx: str = "mail",
    extra: str = "",
) -> str:
    """A zone for `name` with everything right unless an argument says otherwise."""
    spf = f"v=spf1 ip4:{SERVER_IP} ~all" if spf is None else spf
    dmarc = f"v=DMARC1; p=quarantine; rua=mailto:{REPORTS}" if dmarc is None else dmarc
    dkim_value = f"v=DKIM1; k=rsa; p={good_key().public_b64}" if dkim is None else dkim
    lines = [
        f"@ MX 10 {mx}",
        f"mail A {SERVER_IP}",
        f"@ TXT {txt(spf)}" if spf else "",
        f"_dmarc TXT {txt(dmarc)}" if dmarc else "",
        f"pm._domainkey TXT {txt(dkim_value)}" if dkim_value else "",
        '_mta-sts TXT "v=STSv1; id=20260101"',
        f'_smtp._tls TXT "v=TLSRPTv1; rua=mailto:{REPORTS}"',
        extra,
    ]
    return zone_file(name, "\n".join(line for line in lines if line))


def zones_under_test() -> dict[str, str]:
    many = " ".join(f"a:h{i}.many.test" for i in range(11))
    hosts = "\n".join(f"h{i} A 192.0.2.{100 + i}" for i in range(11))
    return {
        "good.test": mail_domain(
            "good.test",
            extra='sub A 192.0.2.99\n@ TXT "google-site=abc"\n'
            '_spf TXT "v=spf1 ip4:203.0.113.0/24 -all"\n'
            "loop1 CNAME loop2\nloop2 CNAME loop1\n"
            f"big TXT {txt('x' * 2000)}",
        ),
        "nodmarc.test": mail_domain("nodmarc.test", dmarc=""),
        "twospf.test": mail_domain(
            "twospf.test", extra='@ TXT "v=spf1 include:_spf.good.test -all"'
        ),
        "many.test": mail_domain(
            "many.test", spf=f"v=spf1 {many} ip4:{SERVER_IP} -all", extra=hosts
        ),
        "loop.test": mail_domain(
            "loop.test", spf=f"v=spf1 ip4:{SERVER_IP} include:loop2.test -all"
        ),
        "loop2.test": zone_file("loop2.test", '@ TXT "v=spf1 include:loop.test -all"'),
        "weak.test": mail_domain("weak.test", dkim=f"v=DKIM1; k=rsa; p={WEAK_512}"),
        "short.test": mail_domain("short.test", dkim=f"v=DKIM1; k=rsa; p={SHORT_1024}"),
        "wrongmx.test": mail_domain("wrongmx.test", mx="mx.elsewhere.test."),
        "elsewhere.test": zone_file("elsewhere.test", "mx A 198.51.100.7"),
        "cnamemx.test": mail_domain("cnamemx.test", mx="mx", extra="mx CNAME mail"),
        "mxip.test": mail_domain("mxip.test", mx="192.0.2.10."),
        "macro.test": mail_domain(
            "macro.test",
            spf="v=spf1 exists:%{i}._spf.%{d} -all",
            extra=f"{SERVER_IP}._spf A 127.0.0.2",
        ),
        "macrorev.test": mail_domain(
            "macrorev.test",
            spf="v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all",
            extra=f"{'.'.join(reversed(SERVER_IP.split('.')))}.in-addr._spf A 127.0.0.2",
        ),
        "macrono.test": mail_domain(
            "macrono.test", spf="v=spf1 exists:%{i}._spf.%{d} -all", extra="x._spf A 127.0.0.2"
        ),
        "ptr.test": mail_domain("ptr.test", spf="v=spf1 ptr:good.test -all"),
        "ptrno.test": mail_domain("ptrno.test", spf="v=spf1 ptr -all"),
        "plusall.test": mail_domain("plusall.test", spf="v=spf1 +all"),
        "noall.test": mail_domain("noall.test", spf=f"v=spf1 ip4:{SERVER_IP}"),
        "uncovered.test": mail_domain("uncovered.test", spf="v=spf1 ip4:198.51.100.0/24 -all"),
        "garbage.test": mail_domain(
            "garbage.test",
            spf=f"v=spf1 ip4:{SERVER_IP} "
            + " ".join(f"ip4:10.0.{i}.0/24" for i in range(60))
            + " ~all",
            extra='@ TXT "\\200\\001\\255binary"\n_dmarc.x TXT "v=DMARC1; p=reject"',
        ),
        "badsyntax.test": mail_domain(
            "badsyntax.test", spf="v=spf1 ip4:300.1.1.1 -all", dmarc="v=DMARC1; p=block"
        ),
        "listed.test": mail_domain("listed.test"),
        "drift.test": mail_domain("drift.test"),
        "fixme.test": zone_file("fixme.test", FIXME_START),
        "xn--bcher-kva.test": mail_domain("xn--bcher-kva.test"),
        "2.0.192.in-addr.arpa": zone_file(
            "2.0.192.in-addr.arpa",
            "10 PTR mail.good.test.\n66 PTR mail.listed.test.\n77 PTR nowhere.good.test.",
        ),
        "zen.dnsbl.test": zone_file(
            "zen.dnsbl.test",
            f"{'.'.join(reversed(LISTED_IP.split('.')))} A 127.0.0.2\n"
            f'{".".join(reversed(LISTED_IP.split(".")))} TXT "listed for testing"',
        ),
        "refuse.dnsbl.test": zone_file("refuse.dnsbl.test", "* A 127.255.255.254"),
        "dbl.dnsbl.test": zone_file("dbl.dnsbl.test", "listed.test A 127.0.1.2"),
    }
