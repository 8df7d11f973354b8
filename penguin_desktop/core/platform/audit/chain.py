"""The canonical serialization and hash of audit entries: the one place that defines them.

An entry's canonical text is its eleven chained fields as text, joined by NUL characters, in
this order (the two integers first, `prev_hash` last):

    seq NUL workspace_id NUL ts NUL actor NUL face NUL workspace NUL action NUL target NUL
    outcome NUL summary NUL prev_hash

with `seq` and `workspace_id` in decimal and an absent `workspace_id` (an organization-level
event) as the empty string. Every other field must be text. The form is unambiguous because no
field may contain NUL (PostgreSQL cannot store it in text at all) and each field has one type:
eleven fields always give exactly ten separators and the split is unique. Entries outside that
domain (a NUL inside a field, or a wrong type, which only SQLite's loose typing can produce) use
an escaped form instead: U+0001 followed by the fields as a compact JSON array. A normal
canonical text starts with `seq` in decimal, so the two forms never meet.

The hash is the SHA-256 of the UTF-8 canonical text, in lowercase hex. The same text comes out
of SQLite and PostgreSQL, so a chain verifies on either. Building it takes a join and a hash per
entry, which matters when a million entries are verified.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_sha256 = hashlib.sha256
_SEP = "\x00"
_ESCAPED = "\x01"
_FIELDS = 11

# Column order of audit_events that the hash covers; `hash` itself is last and excluded.
CHAINED_COLUMNS: tuple[str, ...] = (
    "seq",
    "ts",
    "actor",
    "face",
    "workspace_id",
    "workspace",
    "action",
    "target",
    "outcome",
    "summary",
    "prev_hash",
)


def entry_hashes(rows: Iterable[Sequence[Any]]) -> list[str]:
    """Hash of each row's first eleven fields (CHAINED_COLUMNS order); rows may carry more.

    Raises TypeError for a value no audit entry can hold (e.g. bytes).
    """
    join = _SEP.join
    sha256 = _sha256
    out: list[str] = []
    append = out.append
    for row in rows:
        seq, ts, actor, face, ws_id, workspace, action, target, outcome, summary, prev = row[
            :_FIELDS
        ]
        text: str | None = None
        if type(seq) is int and (ws_id is None or type(ws_id) is int):
            try:
                text = join(
                    (
                        str(seq),
                        "" if ws_id is None else str(ws_id),
                        ts,
                        actor,
                        face,
                        workspace,
                        action,
                        target,
                        outcome,
                        summary,
                        prev,
                    )
                )
            except TypeError:  # a field that is not text
                text = None
            if text is not None and text.count(_SEP) != _FIELDS - 1:  # a NUL inside a field
                text = None
        if text is None:
            text = _ESCAPED + _encode_json(list(row[:_FIELDS]))
        append(sha256(text.encode()).hexdigest())
    return out


def entry_hash(fields: Sequence[Any]) -> str:
    """Hash of the fields in CHAINED_COLUMNS order (prev_hash last, so entries chain)."""
    return entry_hashes((fields,))[0]


def canonical_summary(summary: dict[str, Any]) -> str:
    return json.dumps(summary, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
