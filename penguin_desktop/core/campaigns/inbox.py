"""What comes back to a sending mailbox: replies, bounces (DSN, RFC 3464), spam complaints
(ARF, RFC 5965) and unsubscribe requests, each tied to the campaign mail it answers through
the Message-IDs it points at.

The inbox is read with EXAMINE and BODY.PEEK, so nothing is marked read: the mailbox belongs to
the agency's client, who still reads it in their own mail program.
"""

from __future__ import annotations

import imaplib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import parseaddr
from typing import Literal

from penguin_desktop.core.mailboxes import MailServer, imap_errors, open_imap
from penguin_desktop.core.platform.errors import ExternalServiceError

EventKind = Literal["reply", "bounce", "unsubscribe", "complaint"]

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# Subject "unsubscribe TOKEN", after any "Re:"/"Fwd:"; tokens are what the campaign's links
# carry (at least 8 URL-safe characters), so "unsubscribe me" is a request without a token.
_UNSUBSCRIBE = re.compile(
    r"\s*(?:(?:re|fwd?|aw|wg)\s*:\s*)*unsubscribe\b[\s:]*(?P<token>[A-Za-z0-9._~-]{8,}(?!\S))?",
    re.I,
)
_UID = re.compile(rb"\bUID (\d+)")
_DETAIL_MAX = 300
_FETCH_BATCH = 50


@dataclass(frozen=True)
class InboxEvent:
    kind: EventKind
    uid: int
    sender: str  # the From address, lower case
    refers_to: tuple[str, ...]  # Message-IDs this message points at, "<id@host>"
    hard: bool  # bounce: permanent failure (5.x.x); False otherwise
    detail: str  # bounce: Status and Diagnostic-Code; else the subject (one line, <= 300)
    token: str | None  # unsubscribe: the token after "unsubscribe" in the subject


@dataclass(frozen=True)
class InboxScan:
    events: list[InboxEvent]
    last_uid: int  # the next scan passes this as `after_uid`
    uidvalidity: int  # and this, so a rebuilt mailbox is read again from the start


def scan_inbox(
    server: MailServer,
    password: str,
    *,
    after_uid: int = 0,
    uidvalidity: int | None = None,
    ca_file: str | None = None,
    limit: int = 500,
) -> InboxScan:
    """Read up to `limit` messages newer than `after_uid`, oldest first, so a long backlog is
    worked off over several scans; UIDs only mean something within one UIDVALIDITY, so a
    change starts over from the first message."""
    with open_imap(server, password, ca_file=ca_file) as imap, imap_errors(server, password):
        status, data = imap.select("INBOX", readonly=True)
        if status != "OK":
            raise ExternalServiceError(f"IMAP {server.host}:{server.port}: no INBOX: {data!r}")
        current = _uidvalidity(imap)
        if uidvalidity is not None and uidvalidity != current:
            after_uid = 0
        uids = _uids_after(imap, after_uid)[:limit]
        events = [
            event for uid, raw in _fetch(imap, uids) if (event := classify(uid, raw)) is not None
        ]
        imap.logout()
    return InboxScan(events, max(uids, default=after_uid), current)


def classify(uid: int, raw: bytes) -> InboxEvent | None:
    """The event a message is, or None for mail that is none of ours to act on. Never raises:
    a mailbox holds whatever anyone sent, and the stdlib's header parser has known crashes on
    some malformed headers; one unreadable mail must not stop the scan of the others."""
    try:
        return _classify(uid, raw)
    except Exception:
        return None


def _classify(uid: int, raw: bytes) -> InboxEvent | None:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    sender = parseaddr(_header(msg, "From"))[1].lower()
    subject = _one_line(_header(msg, "Subject"))
    refs = _ids(_header(msg, "In-Reply-To"), _header(msg, "References"))
    if msg.get_content_type() == "multipart/report":
        report_type = str(msg.get_param("report-type", "")).lower()
        if report_type == "delivery-status":
            hard, detail = _delivery_status(msg)
            refs = _dedupe(_original_ids(msg) + refs)
            return InboxEvent("bounce", uid, sender, refs, hard, detail or subject, None)
        if report_type == "feedback-report":
            refs = _dedupe(_original_ids(msg) + refs)
            return InboxEvent("complaint", uid, sender, refs, False, subject, None)
    if _is_automatic(msg):
        return None
    unsubscribe = _UNSUBSCRIBE.match(subject)
    if unsubscribe is not None:
        token = unsubscribe["token"]
        return InboxEvent("unsubscribe", uid, sender, refs, False, subject, token)
    if refs:
        return InboxEvent("reply", uid, sender, refs, False, subject, None)
    return None


def _is_automatic(msg: Message) -> bool:
    """RFC 3834 and the older vacation-responder conventions: an out-of-office is no reply."""
    submitted = _header(msg, "Auto-Submitted").strip().lower()
    precedence = _header(msg, "Precedence").strip().lower()
    return (
        submitted not in ("", "no")
        or msg.get("X-Autoreply") is not None
        or msg.get("X-Autorespond") is not None
        or precedence == "auto_reply"
    )


def _delivery_status(msg: Message) -> tuple[bool, str]:
    """Hard when any recipient failed with a 5.x.x status; the detail is the first failed (or
    else first) recipient's Status and Diagnostic-Code."""
    blocks = [
        block
        for part in msg.walk()
        if part.get_content_type() == "message/delivery-status"
        for block in _payload_messages(part)
        if block.get("Status") is not None or block.get("Action") is not None
    ]
    hard = False
    chosen: Message | None = None
    chosen_failed = False
    for block in blocks:
        failed = _header(block, "Action").strip().lower() == "failed"
        status = _header(block, "Status").strip()
        if failed and status.startswith("5"):
            hard = True
        if chosen is None or (failed and not chosen_failed):
            chosen, chosen_failed = block, failed
    if chosen is None:
        return False, ""
    return hard, _one_line(f"{_header(chosen, 'Status')} {_header(chosen, 'Diagnostic-Code')}")


def _original_ids(msg: Message) -> tuple[str, ...]:
    """The Message-ID of the mail a report is about, from its attached copy or headers."""
    ids: list[str] = []
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            for original in _payload_messages(part):
                ids.extend(_ids(_header(original, "Message-ID")))
        elif kind == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                headers = BytesParser(policy=policy.default).parsebytes(payload, headersonly=True)
                ids.extend(_ids(_header(headers, "Message-ID")))
    return tuple(ids)


def _payload_messages(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [item for item in payload if isinstance(item, Message)]
    return [payload] if isinstance(payload, Message) else []


def _header(msg: Message, name: str) -> str:
    value = msg.get(name)
    return "" if value is None else str(value)


def _ids(*values: str) -> tuple[str, ...]:
    return _dedupe(tuple(found for value in values for found in _MESSAGE_ID.findall(value)))


def _dedupe(ids: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


def _one_line(text: str) -> str:
    return " ".join(text.split())[:_DETAIL_MAX]


def _uidvalidity(imap: imaplib.IMAP4) -> int:
    _, data = imap.response("UIDVALIDITY")
    value = data[0] if data else None
    if isinstance(value, bytes) and value.isdigit():
        return int(value)
    raise ExternalServiceError("the IMAP server did not report the INBOX's UIDVALIDITY")


def _uids_after(imap: imaplib.IMAP4, after_uid: int) -> list[int]:
    """`n:*` always matches the newest message, even below n, hence the filter."""
    status, data = imap.uid("SEARCH", f"UID {after_uid + 1}:*")
    if status != "OK" or not data or not isinstance(data[0], bytes):
        return []
    return sorted(uid for uid in map(int, data[0].split()) if uid > after_uid)


def _fetch(imap: imaplib.IMAP4, uids: list[int]) -> Iterator[tuple[int, bytes]]:
    """Whole messages by UID, in batches, peeked so that none is marked read."""
    for start in range(0, len(uids), _FETCH_BATCH):
        batch = ",".join(map(str, uids[start : start + _FETCH_BATCH]))
        status, data = imap.uid("FETCH", batch, "(UID BODY.PEEK[])")
        if status != "OK":
            raise ExternalServiceError(f"the IMAP server refused to fetch messages: {data!r}")
        for item in data:
            if isinstance(item, tuple) and (found := _UID.search(item[0])) is not None:
                yield int(found[1]), item[1]
