"""Segments: leads chosen by field filters. `FIELD=VALUE` matches the whole value and
`FIELD~VALUE` a part of it, both ignoring case; a field that is not a lead field is a custom
field. Lead fields are filtered by the database, custom fields as the rows stream by."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func

from penguin_desktop.core.campaigns import fields
from penguin_desktop.core.campaigns.tables import LeadRow
from penguin_desktop.core.platform.errors import ValidationError

_FILTER = re.compile(r"\s*([^=~]+?)\s*([=~])(.*)", re.DOTALL)


@dataclass(frozen=True)
class Filter:
    field: str
    contains: bool
    value: str

    def sql(self) -> Any:
        column = func.lower(getattr(LeadRow, self.field))
        value = self.value.lower()
        if not self.contains:
            return column == value
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(f"%{escaped}%", escape="\\")

    def matches(self, custom: dict[str, str]) -> bool:
        keys = {fields.header_key(k): v for k, v in custom.items()}
        have = str(keys.get(fields.header_key(self.field), "")).lower()
        want = self.value.lower()
        return want in have if self.contains else have == want


def parse(where: Sequence[str]) -> list[Filter]:
    found = []
    for text in where:
        match = _FILTER.fullmatch(text)
        if not match:
            raise ValidationError(
                f"{text!r} is not a filter: write FIELD=VALUE or FIELD~VALUE", field="where"
            )
        name = fields.auto_field(match.group(1))
        found.append(Filter(name, match.group(2) == "~", match.group(3).strip()))
    return found


def split(filters: Sequence[Filter]) -> tuple[list[Any], list[Filter]]:
    """The SQL conditions of the lead fields, and the filters of custom fields."""
    standard = [f.sql() for f in filters if f.field in fields.FIELDS]
    return standard, [f for f in filters if f.field not in fields.FIELDS]


def custom_of(row: LeadRow) -> dict[str, str]:
    value = json.loads(row.custom_json or "{}")
    return value if isinstance(value, dict) else {}
