"""An audit event's summary as lines a person reads: "field: value" and "field: old -> new".

The summary is the canonical JSON of what the service passed to `_audit`: scalars, lists and the
occasional dict. Printed raw it reads like program output (`['pm']`, `None`, `True`, an empty
`reason:`), so each field becomes one line: lists joined with commas, booleans as yes/no, empty
and absent values left out. Old and new values of one thing become a single "old -> new" line;
the services spell such pairs `before`/`after` (what changed is implied by the action, see
`actions.CHANGED_FIELD`), `from`/`to`, `old_X`/`new_X`, or `previous_X` beside the new value
(`previous_mb` beside `quota_mb`).
"""

from __future__ import annotations

import json
from typing import Any

from penguin_desktop.core.audit.actions import changed_field

ARROW = " -> "
NONE = "(none)"

# Field names whose words are not just the key with spaces for underscores.
LABELS: dict[str, str] = {
    "dkim_selector": "DKIM selector",
    "dkim_selectors": "DKIM selectors",
    "domains_now_manual": "domains now fixed by hand",
    "generated_key": "SSH key generated",
    "generated_keys": "DKIM keys generated",
    "host_key": "host key",
    "ips": "IPs",
    "mailu_url": "MailU URL",
    "mailu_version": "MailU version",
    "offered": "host key offered",
    "org_role": "organization role",
    "pinned": "host key pinned",
    "quota_mb": "quota (MB)",
    "source_server": "backup of server",
}


def label(key: str) -> str:
    """The words for a summary field."""
    return LABELS.get(key, key.replace("_", " "))


def format_value(value: Any) -> str:
    """A JSON value as text without Python or JSON punctuation; "" for nothing worth showing."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(text for text in map(format_value, value) if text)
    if isinstance(value, dict):
        parts = ((label(str(k)), format_value(v)) for k, v in value.items())
        return "; ".join(f"{k}: {v}" for k, v in parts if v)
    return str(value)


def _pairs(data: dict[str, Any], action: str) -> dict[str, tuple[str, str, str]]:
    """Each key that belongs to an old/new pair -> (the pair's label, old key, new key)."""
    found: list[tuple[str, str, str]] = []
    for old, new in (("before", "after"), ("from", "to")):
        if old in data and new in data:
            found.append((changed_field(action), old, new))
    for key in data:
        if key.startswith("old_") and f"new_{key[4:]}" in data:
            found.append((label(key[4:]), key, f"new_{key[4:]}"))
        elif key.startswith("previous_"):
            stem = key[len("previous_") :]
            new = next((k for k in data if k != key and (k == stem or k.endswith(f"_{stem}"))), "")
            if new:
                found.append((label(new), key, new))
    return {key: pair for pair in found for key in pair[1:]}


def _change_line(name: str, old: Any, new: Any) -> str:
    before, after = format_value(old), format_value(new)
    if not before and not after:
        return ""
    return f"{name}: {before or NONE}{ARROW}{after or NONE}"


def change_lines(summary: str | dict[str, Any], action: str = "", target: str = "") -> list[str]:
    """The summary's fields as lines, old/new pairs joined; fields that only repeat `target`
    (the thing the event is about, shown beside it) are left out."""
    data = json.loads(summary) if isinstance(summary, str) else summary
    if not isinstance(data, dict):
        text = format_value(data)
        return [text] if text else []
    pairs = _pairs(data, action)
    subject = target.partition(":")[2]
    done: set[str] = set()
    lines: list[str] = []
    for key, value in data.items():
        if key in done:
            continue
        if key in pairs:
            name, old, new = pairs[key]
            done.update((old, new))
            line = _change_line(name, data[old], data[new])
        elif subject and value == subject:  # name=Acme beside workspace:Acme says it twice
            continue
        else:
            text = format_value(value)
            line = f"{label(key)}: {text}" if text else ""
        if line:
            lines.append(line)
    return lines
