"""A lead's fields: which CSV headers mean which field, and each field's rule.

Headers are matched with case, spaces, underscores, hyphens and dots ignored ("E-mail",
"email address", "First_Name"). A column no synonym claims is kept as a custom field named
after its header; a mapping to an empty field drops the column."""

from __future__ import annotations

import re
from datetime import datetime

from penguin_desktop.core.campaigns.models import LawfulBasis

EMAIL = "email"
FIELDS = (
    "email",
    "first_name",
    "last_name",
    "company",
    "title",
    "phone",
    "website",
    "country",
    "lawful_basis",
    "consent_source",
    "consent_at",
)
# The widths of the columns (tables.py): a longer value is refused rather than cut.
WIDTHS = {"phone": 64, "website": 2000, "country": 2, "lawful_basis": 24, "consent_at": 32}
DEFAULT_WIDTH = 255

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "emailaddress", "mail", "e-mail", "emails", "workemail", "businessemail"),
    "first_name": ("firstname", "first", "givenname", "forename", "fname"),
    "last_name": ("lastname", "last", "surname", "familyname", "lname"),
    "company": (
        "company",
        "companyname",
        "organization",
        "organisation",
        "org",
        "employer",
        "account",
        "accountname",
        "business",
    ),
    "title": ("title", "jobtitle", "position", "role", "jobrole"),
    "phone": ("phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone"),
    "website": ("website", "web", "url", "site", "companywebsite", "domain", "companydomain"),
    "country": ("country", "countrycode", "nation"),
    "lawful_basis": ("lawfulbasis", "legalbasis", "basis", "gdprbasis"),
    "consent_source": ("consentsource", "source", "leadsource"),
    "consent_at": ("consentat", "consentdate", "consenttime", "consentedat", "collectedat"),
}


def header_key(header: str) -> str:
    return re.sub(r"[\s_\-.]+", "", header).lower()


_BY_KEY = {header_key(s): name for name, words in _SYNONYMS.items() for s in words}


def auto_field(header: str) -> str:
    """The lead field a header means, or the header itself (stripped): a custom field."""
    return _BY_KEY.get(header_key(header), header.strip())


# ISO 3166-1 alpha-2, officially assigned codes.
_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO
    DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU
    GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW
    KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU
    MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA
    ZM ZW"""
COUNTRIES = frozenset(_CODES.split())


def country(value: str) -> str | None:
    """The ISO 3166 alpha-2 code in upper case, or None when it is not one."""
    code = value.strip().upper()
    return code if code in COUNTRIES else None


def lawful_basis(value: str) -> str | None:
    word = re.sub(r"[\s\-]+", "_", value.strip().lower())
    return word if word in set(LawfulBasis) else None


def consent_at(value: str) -> str | None:
    """An ISO 8601 date or date and time, written back in ISO form; None when unreadable."""
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None
