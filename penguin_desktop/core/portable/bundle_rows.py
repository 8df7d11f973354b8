"""A workspace's rows as a bundle carries them: which tables travel, how a row becomes JSON and
back, the workspace's members, and the fingerprint `--replace` compares.

The tables are found through the one metadata the migrations fill, as sqlite_export.py reads
it: those whose `workspace_id` points at the workspace, then their children by foreign key, so
a new table travels without a change here. Left out: the workspace row and its memberships
(the receiver makes its own), secret references (re-made through the secret service with their
values), the audit trail (its events travel as a proof instead) and the agency's Stripe mirror
(another agency's Stripe account has nothing to do with it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Table, and_, or_, select
from sqlalchemy.orm import Session

from penguin_desktop.core.platform.store.migrations import env_tables  # noqa: F401 (fills Base)
from penguin_desktop.core.platform.store.tables import Base, MembershipRow, MetaRow, UserRow

LEFT_OUT = frozenset(
    {"workspaces", "memberships", "secret_refs", "audit_events", "stripe_customers"}
)


@dataclass(frozen=True)
class Part:
    """A table that travels: its rows are the workspace's own or, with `parents` (column,
    parent table, parent column), those whose links point at travelling rows."""

    table: Table
    parents: tuple[tuple[str, str, str], ...] = ()

    @property
    def fresh_id(self) -> bool:
        """Whether rows get a new `id` where they land (a lone integer key of its own)."""
        keys = list(self.table.primary_key.columns)
        return (
            len(keys) == 1
            and keys[0].name == "id"
            and isinstance(keys[0].type, Integer)
            and not keys[0].foreign_keys
        )


def parts() -> list[Part]:
    """The travelling tables, parents before children (the metadata's sorted order)."""
    found: dict[str, Part] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in LEFT_OUT:
            continue
        links = [
            (column.name, fk.column.table.name, fk.column.name)
            for column in table.columns
            for fk in column.foreign_keys
        ]
        if "workspace_id" in table.c and any(parent == "workspaces" for _, parent, _ in links):
            found[table.name] = Part(table)
        elif inside := tuple(link for link in links if link[1] in found):
            found[table.name] = Part(table, inside)
    return list(found.values())


def belongs(
    part: Part, by_name: Mapping[str, Part], workspace_id: int, *, any_link: bool = False
) -> ColumnElement[bool]:
    """Whether a row of the part is the workspace's. A child row is when every link it has to a
    travelling table points inside (so it can be rebuilt elsewhere); with `any_link`, when one
    does (what must go before its parents are deleted)."""
    table = part.table
    if not part.parents:
        return table.c.workspace_id == workspace_id
    inside: list[ColumnElement[bool]] = []
    for column, parent, parent_column in part.parents:
        above = by_name[parent]
        ids = select(above.table.c[parent_column]).where(belongs(above, by_name, workspace_id))
        inside.append(table.c[column].in_(ids.scalar_subquery()))
    if any_link:
        return or_(*inside)
    columns = [table.c[column] for column, _, _ in part.parents]
    return and_(
        *(or_(c.is_(None), cond) for c, cond in zip(columns, inside, strict=True)),
        or_(*(c.isnot(None) for c in columns)),
    )


def encode(value: Any) -> Any:
    """A column value as JSON: times tagged so they come back as times."""
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
    return value


def read_tables(session: Session, workspace_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every travelling table's rows of the workspace, as JSON-ready dicts."""
    found = parts()
    by_name = {part.table.name: part for part in found}
    tables: dict[str, list[dict[str, Any]]] = {}
    for part in found:
        rows = session.execute(
            select(part.table).where(belongs(part, by_name, workspace_id))
        ).mappings()
        tables[part.table.name] = [{k: encode(v) for k, v in row.items()} for row in rows]
    return tables


def read_members(session: Session, workspace_id: int) -> list[dict[str, str]]:
    """The members as email and role: all a receiver can match to its own users."""
    rows = session.execute(
        select(UserRow.email, MembershipRow.role)
        .join(MembershipRow, MembershipRow.user_id == UserRow.id)
        .where(MembershipRow.workspace_id == workspace_id)
        .order_by(UserRow.email)
    )
    return [{"email": email, "role": role} for email, role in rows]


def line(row: Mapping[str, Any]) -> str:
    """A row as one canonical line of JSON."""
    return json.dumps({k: encode(v) for k, v in row.items()}, sort_keys=True, default=str)


def _digest(lines: list[str]) -> dict[str, Any]:
    hashing = hashlib.sha256()
    for text in sorted(lines):
        hashing.update(text.encode() + b"\n")
    return {"rows": len(lines), "sha256": hashing.hexdigest()}


def fingerprint(session: Session, workspace_id: int) -> dict[str, Any]:
    """The workspace's state: a digest per table over its rows sorted (members and secret
    references too, but not when a secret was last read: an export reads them all), and one
    over those. Ids are in it: it is only ever compared within one database."""
    tables = {
        name: _digest([line(row) for row in rows])
        for name, rows in read_tables(session, workspace_id).items()
    }
    tables["members"] = _digest([line(m) for m in read_members(session, workspace_id)])
    refs = Base.metadata.tables["secret_refs"]
    rows = session.execute(
        select(refs.c.name, refs.c.kind, refs.c.rotation_days, refs.c.last_rotated_at).where(
            refs.c.workspace_id == workspace_id
        )
    ).mappings()
    tables["secrets"] = _digest([line(dict(row)) for row in rows])
    whole = hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()
    return {"sha256": whole, "tables": tables}


def _meta_key(workspace_id: int) -> str:
    return f"handover:ws:{workspace_id}"


def read_record(session: Session, workspace_id: int) -> dict[str, Any]:
    """What penguin_meta keeps about the workspace's hand-overs: `exported` (the fingerprint
    and time of its last export) and `based_on` (the fingerprint of the bundle it came from)."""
    row = session.get(MetaRow, _meta_key(workspace_id))
    record: dict[str, Any] = json.loads(row.value) if row else {}
    return record


def write_record(session: Session, workspace_id: int, **changes: Any) -> None:
    record = json.dumps({**read_record(session, workspace_id), **changes}, sort_keys=True)
    row = session.get(MetaRow, _meta_key(workspace_id))
    if row is None:
        session.add(MetaRow(key=_meta_key(workspace_id), value=record))
    else:
        row.value = record
