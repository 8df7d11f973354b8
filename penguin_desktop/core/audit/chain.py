"""The canonical serialization and hash of one audit entry.

The canonical form is a compact JSON array in a fixed field order: unambiguous (JSON escapes
every separator), identical on every database, and cheap to build a million times.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

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


def entry_hash(fields: tuple[Any, ...] | list[Any]) -> str:
    """Hash of the fields in CHAINED_COLUMNS order (prev_hash last, so entries chain)."""
    return hashlib.sha256(_encode(fields).encode()).hexdigest()


def canonical_summary(summary: dict[str, Any]) -> str:
    return json.dumps(summary, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
