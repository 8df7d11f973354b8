"""Taking a workspace bundle in: what would change, and the rows written under new ids.

Rows land under new ids (each table's old id mapped to its new one, links rewritten through
those maps, tables in the metadata's sorted order so parents come first); `--replace` first
deletes the workspace's rows, children first, in the same transaction. "What would change" pairs
rows by their content without ids and links (those differ between databases by design): a row
only in the bundle is added, one only in the target removed, and as many of each as pair up per
table are counted as changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.names import name_key
from penguin_desktop.core.platform.store.tables import MembershipRow, UserRow, WorkspaceRow
from penguin_desktop.core.portable.archive import BackupDamaged
from penguin_desktop.core.portable.bundle_rows import Part, belongs, decode, line, parts


@dataclass(frozen=True)
class TableChange:
    """Rows of one table an import adds, removes and changes."""

    table: str
    added: int
    removed: int
    changed: int


@dataclass(frozen=True)
class ImportPlan:
    """What an import does (or, not `applied`, would do): a `new` workspace or a `replace`,
    the changes per table, the members matched to this agency's users and the e-mails that are
    none of them, the secrets it sets, and the target's tables that changed since the bundle's
    base (an import over them was forced)."""

    workspace: str
    mode: str
    source_audit_events: int
    source_audit_head: str
    changes: list[TableChange]
    members_added: list[str]
    members_unknown: list[str]
    secrets: list[str]
    changed_since: list[str]
    applied: bool = False


def validate(path: Path, tables: Mapping[str, list[dict[str, Any]]]) -> None:
    """Refuse a bundle naming a table or column this database does not have."""
    known = {part.table.name: part.table for part in parts()}
    for name, rows in tables.items():
        table = known.get(name)
        if table is None:
            what = f"table {name!r}"
        elif extra := set().union(*(row.keys() for row in rows)) - set(table.c.keys()):
            what = f"columns {sorted(extra)} of {name!r}"
        else:
            continue
        raise BackupDamaged(
            f"{path} holds {what}, which this database does not have; nothing was imported",
            field="file",
        )


def _content(part: Part, row: Mapping[str, Any]) -> str:
    """A row without its own id and its links: what stays the same in another database."""
    links = {column for column, _, _ in part.parents} | {"workspace_id"}
    links |= {c.name for c in part.table.columns if c.foreign_keys}
    if part.fresh_id:
        links.add("id")
    return line({k: v for k, v in row.items() if k not in links})


def changes(
    incoming: Mapping[str, list[dict[str, Any]]],
    current: Mapping[str, list[dict[str, Any]]],
) -> list[TableChange]:
    """Per table with a difference: rows added, removed and changed (see the module's words)."""
    found = []
    for part in parts():
        name = part.table.name
        new = Counter(_content(part, row) for row in incoming.get(name, []))
        old = Counter(_content(part, row) for row in current.get(name, []))
        same = sum((new & old).values())
        only_new, only_old = new.total() - same, old.total() - same
        changed = min(only_new, only_old)
        if only_new or only_old:
            found.append(TableChange(name, only_new - changed, only_old - changed, changed))
    return found


def changed_since(current: Mapping[str, Any], base: Mapping[str, Any]) -> list[str]:
    """The tables whose state differs from `base`, each with its rows now and then."""
    if current["sha256"] == base.get("sha256"):
        return []
    then = base.get("tables", {})
    return [
        f"{name} ({now['rows']} rows now, {then.get(name, {}).get('rows', 0)} then)"
        for name, now in sorted(current["tables"].items())
        if now != then.get(name)
    ]


def match_members(
    session: Session, workspace_id: int | None, members: list[dict[str, str]], actor: Actor
) -> tuple[list[tuple[int, str, Role]], list[str]]:
    """(user id, email, role) of the bundle's members who are users here and not yet members
    (nor the importer, who owns a new workspace), and the e-mails that are no user here."""
    found, unknown = [], []
    for member in members:
        try:
            email, role = str(member["email"]), Role(member["role"])
        except (KeyError, ValueError):
            raise BackupDamaged("the bundle's member list was altered", field="file") from None
        user = session.execute(
            select(UserRow.id).where(func.lower(UserRow.email) == email.lower())
        ).scalar_one_or_none()
        if user is None:
            unknown.append(email)
            continue
        already = None
        if workspace_id is not None:
            already = session.get(MembershipRow, (workspace_id, user))
        if user != actor.user_id and already is None:
            found.append((user, email, role))
    return found, unknown


def create_workspace(session: Session, name: str, actor: Actor) -> WorkspaceRow:
    row = WorkspaceRow(name=name, name_key=name_key(name))
    session.add(row)
    session.flush()
    session.add(MembershipRow(workspace_id=row.id, user_id=actor.user_id, role=Role.OWNER.value))
    return row


def delete_rows(session: Session, workspace_id: int) -> None:
    """Every travelling row of the workspace, children first."""
    found = parts()
    by_name = {part.table.name: part for part in found}
    for part in reversed(found):
        condition = belongs(part, by_name, workspace_id, any_link=True)
        session.execute(delete(part.table).where(condition))


def insert_rows(
    session: Session, tables: Mapping[str, list[dict[str, Any]]], workspace_id: int
) -> None:
    """The bundle's rows under new ids, their links rewritten to the rows they now point at."""
    ids: dict[str, dict[Any, Any]] = {}
    for part in parts():
        table = part.table
        rows = [{k: decode(v) for k, v in row.items()} for row in tables.get(table.name, [])]
        for row in rows:
            for column in table.columns:
                for fk in column.foreign_keys:
                    target = fk.column.table.name
                    if target == "workspaces":
                        row[column.name] = workspace_id
                    elif row.get(column.name) is not None and target in ids:
                        try:
                            row[column.name] = ids[target][row[column.name]]
                        except KeyError:
                            raise BackupDamaged(
                                f"a row of {table.name} in the bundle points at a missing row "
                                f"of {target}",
                                field="file",
                            ) from None
        if not rows:
            continue
        if part.fresh_id:
            old = [row.pop("id") for row in rows]
            made = session.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
            )
            ids[table.name] = dict(zip(old, made.scalars().all(), strict=True))
        else:
            session.execute(insert(table), rows)


def add_members(session: Session, workspace_id: int, members: list[tuple[int, str, Role]]) -> None:
    for user_id, _, role in members:
        session.add(MembershipRow(workspace_id=workspace_id, user_id=user_id, role=role.value))
