"""One campaign email as it goes over SMTP, and the compliance gate's look at it.

The footer (the unsubscribe line and the sender's postal address, CAN-SPAM) is added unless
the step's own text already carries both, and the gate then reads the finished message rather
than trusting the builder: a message without `List-Unsubscribe` (an https link and a mailto
address), `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), the unsubscribe line
or the postal address never reaches DATA."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from html import escape

ONE_CLICK = "List-Unsubscribe=One-Click"


def new_message_id(sender: str) -> str:
    """Random and unique: the ledger's key for this send and the thread's anchor."""
    return f"<{secrets.token_hex(12)}@{sender.rpartition('@')[2]}>"


@dataclass(frozen=True)
class Compliance:
    """What every message of a workspace must carry."""

    postal_address: str
    https_link: str
    mailto_link: str


def _text_footer(text: str, rules: Compliance) -> str:
    if rules.https_link in text and rules.postal_address in text:
        return text
    return (
        f"{text.rstrip()}\n\n--\nTo stop receiving these emails, unsubscribe: "
        f"{rules.https_link}\n{rules.postal_address}\n"
    )


def _html_footer(html: str, rules: Compliance) -> str:
    if escape(rules.https_link) in html and escape(rules.postal_address) in html:
        return html
    footer = (
        f'<p style="font-size:12px;color:#666">To stop receiving these emails, '
        f'<a href="{escape(rules.https_link)}">unsubscribe</a>.<br>'
        f"{escape(rules.postal_address)}</p>"
    )
    closing = html.lower().rfind("</body>")
    if closing >= 0:
        return html[:closing] + footer + html[closing:]
    return html + footer


def build(
    *,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    rules: Compliance,
    when: datetime,
    in_reply_to: str | None = None,
) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(when)
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message["List-Unsubscribe"] = f"<{rules.https_link}>, <{rules.mailto_link}>"
    message["List-Unsubscribe-Post"] = ONE_CLICK
    message.set_content(_text_footer(text, rules))
    if html is not None:
        message.add_alternative(_html_footer(html, rules), subtype="html")
    return message


def gate(message: EmailMessage, rules: Compliance) -> str | None:
    """The compliance rule the finished message breaks, in words, or None."""
    header = str(message.get("List-Unsubscribe", ""))
    if f"<{rules.https_link}>" not in header or not rules.https_link.startswith("https://"):
        return "List-Unsubscribe has no https link"
    if f"<{rules.mailto_link}>" not in header or not rules.mailto_link.startswith("mailto:"):
        return "List-Unsubscribe has no mailto address"
    if str(message.get("List-Unsubscribe-Post", "")) != ONE_CLICK:
        return "List-Unsubscribe-Post is not One-Click (RFC 8058)"
    body = message.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    if rules.https_link not in text:
        return "the body has no unsubscribe line"
    if not rules.postal_address.strip() or rules.postal_address not in text:
        return "the body has no postal address"
    return None
