"""A campaign email and the compliance gate: what the builder makes passes; the footer is
added once; and the gate reads the finished message, so a message missing any one thing the
law asks for is refused under that rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from html import escape

import pytest

from penguin_desktop.core.campaigns.message import ONE_CLICK, Compliance, build, gate

RULES = Compliance(
    postal_address="Smith & Sons, 1 Main St, Springfield",
    https_link="https://unsub.agency.test/u/tok?c=1&l=2",
    mailto_link="mailto:anna@acme-mail.test?subject=unsubscribe",
)


def _message(text: str = "Hi Jane,\nquick question.", html: str | None = None) -> EmailMessage:
    return build(
        sender="anna@acme-mail.test", recipient="jane@example.com", subject="Hello",
        text=text, html=html, message_id="<a1@acme-mail.test>", rules=RULES,
        when=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), in_reply_to="<a0@acme-mail.test>",
    )  # fmt: skip


def _plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_a_built_message_passes_the_gate() -> None:
    message = _message(html="<html><body><p>Hi</p></body></html>")
    assert gate(message, RULES) is None
    assert message["List-Unsubscribe-Post"] == ONE_CLICK
    assert message["In-Reply-To"] == message["References"] == "<a0@acme-mail.test>"


def test_the_footer_is_added_once() -> None:
    text = _plain(_message())
    assert text.count(RULES.https_link) == 1 and text.count(RULES.postal_address) == 1
    assert text.startswith("Hi Jane,\nquick question.\n\n--\n")
    own = f"Hi,\nunsubscribe: {RULES.https_link}\n{RULES.postal_address}\n"
    kept = _plain(_message(own))
    assert kept == own
    assert gate(_message(own), RULES) is None


def test_a_text_with_only_the_link_still_gets_the_whole_footer() -> None:
    text = _plain(_message(f"Hi, unsubscribe: {RULES.https_link}"))
    assert text.count(RULES.https_link) == 2 and text.count(RULES.postal_address) == 1


def test_the_html_part_gets_the_escaped_footer_before_the_body_closes() -> None:
    message = _message(html="<html><body><p>Hi Jane</p></BODY></html>")
    html = message.get_body(("html",))
    assert html is not None
    content = str(html.get_content())
    assert f'<a href="{escape(RULES.https_link)}">unsubscribe</a>' in content
    assert escape(RULES.postal_address) in content and "Smith & Sons" not in content
    assert content.index(escape(RULES.postal_address)) < content.index("</BODY>")
    assert content.count(escape(RULES.postal_address)) == 1
    footed = f"<p>{escape(RULES.https_link)} {escape(RULES.postal_address)}</p>"
    again = _message(html=footed).get_body(("html",))
    assert again is not None and str(again.get_content()).strip() == footed


def _without_post(message: EmailMessage) -> None:
    del message["List-Unsubscribe-Post"]


def _without_mailto(message: EmailMessage) -> None:
    del message["List-Unsubscribe"]
    message["List-Unsubscribe"] = f"<{RULES.https_link}>"


def _without_https(message: EmailMessage) -> None:
    del message["List-Unsubscribe"]
    message["List-Unsubscribe"] = f"<{RULES.mailto_link}>"


def _without_postal(message: EmailMessage) -> None:
    body = message.get_body(("plain",))
    assert body is not None
    body.set_content(_plain(message).replace(RULES.postal_address, ""))


def _without_link_line(message: EmailMessage) -> None:
    body = message.get_body(("plain",))
    assert body is not None
    body.set_content(_plain(message).replace(RULES.https_link, ""))


@pytest.mark.parametrize("html", [None, "<p>Hi</p>"])
@pytest.mark.parametrize(
    ("strip", "rule"),
    [
        (_without_post, "List-Unsubscribe-Post is not One-Click (RFC 8058)"),
        (_without_mailto, "List-Unsubscribe has no mailto address"),
        (_without_https, "List-Unsubscribe has no https link"),
        (_without_postal, "the body has no postal address"),
        (_without_link_line, "the body has no unsubscribe line"),
    ],
)
def test_the_gate_names_the_rule_a_message_breaks(
    strip: Callable[[EmailMessage], None], rule: str, html: str | None
) -> None:
    message = _message(html=html)
    strip(message)
    assert gate(message, RULES) == rule
