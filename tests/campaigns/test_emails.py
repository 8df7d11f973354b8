"""The fast address check never accepts what email-validator refuses, and agrees with it on
what both accept."""

from __future__ import annotations

import email_validator
from hypothesis import given, settings
from hypothesis import strategies as st

from penguin_desktop.core.campaigns import emails

_ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-."
_LOCAL = st.text(alphabet=_ATEXT + '"@ (),:;<>[]\\é', min_size=0, max_size=70)
_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_é", min_size=0, max_size=66)
_DOMAIN = st.lists(_LABEL, min_size=1, max_size=4).map(".".join) | st.sampled_from(
    [
        "example.com",
        "localhost",
        "x.test",
        "mail.invalid",
        "a.b.c.org",
        "1.2.3.4",
        "xn--bcher-kva.de",
    ]
)
_ADDRESS = st.builds(lambda local, domain: f"{local}@{domain}", _LOCAL, _DOMAIN) | st.text(
    max_size=40
)


def _library(address: str) -> str | None:
    try:
        result = email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return None
    return str(result.normalized)


@settings(max_examples=1500, deadline=None)
@given(_ADDRESS)
def test_the_fast_path_refuses_whatever_the_library_refuses(address: str) -> None:
    mine = emails.normalize(address)
    theirs = _library(address.strip())
    if theirs is None:
        assert mine is None, f"accepted {address!r}, which email-validator refuses"
    else:
        assert mine is not None, f"refused {address!r}, which email-validator accepts"
        assert mine == mine.lower()
        assert mine.rpartition("@")[0] == theirs.rpartition("@")[0].lower()


def test_common_addresses() -> None:
    assert emails.normalize(" Jane.Doe+x@Example.COM ") == "jane.doe+x@example.com"
    assert emails.normalize("jane@localhost") is None
    assert emails.normalize("jane@example") is None
    assert emails.normalize("jane..doe@example.com") is None
    assert emails.normalize("jane@-example.com") is None
    assert emails.parent_domains("a.b.example.com") == ["a.b.example.com", "b.example.com",
                                                        "example.com"]  # fmt: skip
