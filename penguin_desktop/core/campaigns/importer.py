"""A lead file's rows into lead values, one decision per row, without the database.

The mapping says which column feeds which field; `RowCheck` turns a row's cells into the
values of a new lead (in FIELDS order, custom fields last as JSON) or the reason it is
refused. It is the hot loop of an import of a million rows, so it works on tuples and sets."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from penguin_desktop.core.campaigns import emails, fields
from penguin_desktop.core.platform.errors import ValidationError

# Why a row was not imported, by the count it adds to.
INVALID = "invalid"
DUPLICATE = "duplicate"
SUPPRESSED = "suppressed"
KIND_OF = {
    "missing email": INVALID,
    "invalid email": INVALID,
    "invalid country": INVALID,
    "invalid lawful basis": INVALID,
    "invalid consent date": INVALID,
    "value too long": INVALID,
    "duplicate in file": DUPLICATE,
    "already on the list": DUPLICATE,
    "suppressed address": SUPPRESSED,
    "suppressed domain": SUPPRESSED,
    "erased address": SUPPRESSED,
}


def kinds(reasons: Mapping[str, int]) -> dict[str, int]:
    """The reasons' counts summed by what they count as (invalid, duplicate, suppressed)."""
    totals = dict.fromkeys((INVALID, DUPLICATE, SUPPRESSED), 0)
    for reason, n in reasons.items():
        totals[KIND_OF[reason]] += n
    return totals


Check = Callable[[str], str | None]
_CHECKS: dict[str, tuple[Check, str]] = {
    "country": (fields.country, "invalid country"),
    "lawful_basis": (fields.lawful_basis, "invalid lawful basis"),
    "consent_at": (fields.consent_at, "invalid consent date"),
}


_NONES = [None] * (len(fields.FIELDS) - 1)
_json = json.JSONEncoder(ensure_ascii=False).encode


def address_hash(email: str) -> str:
    """What an erasure keeps of an address: the SHA-256 of its normalized form, in hex."""
    return hashlib.sha256(email.encode()).hexdigest()


def mapping_for(header: Sequence[str], overrides: Mapping[str, str]) -> list[str | None]:
    """The field each column feeds (None: dropped). `overrides` maps a column (its header, as
    written or as auto-mapping compares headers) to a field name; an empty one drops it."""
    by_key = {fields.header_key(h): i for i, h in enumerate(header)}
    targets: list[str | None] = [fields.auto_field(h) or None for h in header]
    for column, target in overrides.items():
        index = by_key.get(fields.header_key(column))
        if index is None:
            raise ValidationError(
                f"the file has no column {column!r}", field="map", allowed=list(header)
            )
        name = target.strip()
        targets[index] = (fields.auto_field(name) if name else None) or None
    taken: dict[str, int] = {}
    for i, slot in enumerate(targets):
        if slot is None:
            continue
        if slot in taken and slot in fields.FIELDS:
            raise ValidationError(
                f"columns {header[taken[slot]]!r} and {header[i]!r} both map to {slot}",
                field="map",
            )
        taken[slot] = i
    if fields.EMAIL not in taken:
        raise ValidationError("no column holds the email addresses: map one to email", field="map")
    return targets


@dataclass
class Blocklist:
    """The suppression list as sets, for the import's loop: addresses, domains (a domain
    covers its subdomains) and the hashes erasures left."""

    addresses: set[str]
    domains: set[str]
    hashes: set[str]

    def reason(self, email: str) -> str | None:
        if email in self.addresses:
            return "suppressed address"
        if self.domains and any(
            d in self.domains for d in emails.parent_domains(emails.domain_of(email))
        ):
            return "suppressed domain"
        if self.hashes and address_hash(email) in self.hashes:
            return "erased address"
        return None


class RowCheck:
    """Turns cells into a new lead's values, or says why not; remembers the file's addresses
    so a repeat within the file is a duplicate."""

    def __init__(
        self,
        workspace_id: int,
        targets: Sequence[str | None],
        blocklist: Blocklist,
        existing: Mapping[str, int],
        on_list: set[int],
    ) -> None:
        self.workspace_id = workspace_id
        self.email_at = list(targets).index(fields.EMAIL)
        # (column, slot in the values, widest value, check, its reason, its answers so far):
        # the answers are kept per value, as countries and lawful bases repeat on every row.
        self.standard: list[tuple[int, int, int, Check | None, str, dict[str, str | None]]] = []
        for i, t in enumerate(targets):
            if t in fields.FIELDS and t != fields.EMAIL:
                check, reason = _CHECKS.get(t, (None, ""))
                width = fields.WIDTHS.get(t, fields.DEFAULT_WIDTH)
                self.standard.append((i, 1 + fields.FIELDS.index(t), width, check, reason, {}))
        # Custom fields as (column, its JSON key and colon).
        self.custom = [
            (i, _json(t) + ": ")
            for i, t in enumerate(targets)
            if t is not None and t not in fields.FIELDS
        ]
        self.blocklist = blocklist
        self.existing = existing
        self.on_list = on_list
        self.seen: set[str] = set()
        self.existing_ids: list[int] = []

    def check(self, cells: Sequence[str]) -> tuple[int | str | None, ...] | str:
        """The values (the workspace's id, FIELDS in order, custom JSON last) of a new lead;
        an empty tuple when the row names a lead of the workspace not yet on the list (its id
        is kept in `existing_ids`); or the reason the row is refused."""
        raw = cells[self.email_at].strip() if self.email_at < len(cells) else ""
        if not raw:
            return "missing email"
        email = emails.normalize(raw)
        if email is None:
            return "invalid email"
        if email in self.seen:
            return "duplicate in file"
        lead_id = self.existing.get(email)
        if lead_id is not None and lead_id in self.on_list:
            self.seen.add(email)
            return "already on the list"
        values: list[int | str | None] = [self.workspace_id, email, *_NONES]
        width = len(cells)
        for i, slot, widest, check, reason, answers in self.standard:
            if i >= width:
                continue
            cell = cells[i].strip()
            if not cell:
                continue
            if check is not None:
                if cell not in answers:
                    answers[cell] = check(cell)
                checked = answers[cell]
                if checked is None:
                    return reason
                cell = checked
            if len(cell) > widest:
                return "value too long"
            values[slot] = cell
        blocked = self.blocklist.reason(email)
        if blocked is not None:
            return blocked
        self.seen.add(email)
        if lead_id is not None:
            self.existing_ids.append(lead_id)
            return ()
        values.append(self._custom(cells, width) if self.custom else "{}")
        return tuple(values)

    def _custom(self, cells: Sequence[str], width: int) -> str:
        """The custom fields as a JSON object, written from pieces made once per import (a
        JSON encoder per row was a fifth of an import's time). An empty value is left out."""
        parts = []
        for i, key in self.custom:
            if i < width:
                value = cells[i].strip()
                if value:
                    parts.append(key + _json(value))
        return "{" + ", ".join(parts) + "}"
