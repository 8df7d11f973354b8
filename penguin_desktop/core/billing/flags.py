"""Feature flags: a plan's `features` turn flags on for its workspaces, and an override turns
one on or off for one workspace whatever its plan says (a trial of a feature, or a feature
withheld). The known flags are every plan's features and every override's flag, so a flag
that only an override names still shows, as off, for the other workspaces."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.billing.catalogue import clean_flag
from penguin_desktop.core.billing.models import FlagInfo, PlanInfo
from penguin_desktop.core.billing.tables import FlagOverrideRow
from penguin_desktop.core.platform.errors import ValidationError

PLAN, OVERRIDE, NONE = "plan", "override", "none"


def flag_name(raw: str) -> str:
    """The flag as kept (lower case), or a ValidationError saying what a flag name is."""
    name = clean_flag(raw)
    if name is None:
        raise ValidationError(
            f"{raw.strip()!r} is not a flag name: 1 to 64 letters, digits, '-', '_' or '.'",
            field="flag",
            value=raw,
        )
    return name


def overrides(session: Session, workspace_id: int) -> dict[str, bool]:
    rows = session.execute(
        select(FlagOverrideRow.flag, FlagOverrideRow.enabled).where(
            FlagOverrideRow.workspace_id == workspace_id
        )
    ).all()
    return {flag: bool(enabled) for flag, enabled in rows}


def known(session: Session, plans: Iterable[PlanInfo]) -> set[str]:
    """Every flag a plan or an override names."""
    named = {flag for plan in plans for flag in plan.features}
    named |= set(session.execute(select(FlagOverrideRow.flag).distinct()).scalars())
    return named


def resolve(
    flags: Iterable[str], plan: PlanInfo | None, overridden: dict[str, bool]
) -> list[FlagInfo]:
    """Each flag on or off for a workspace and why: its override, else its plan, else off."""
    features = set(plan.features) if plan else set()
    found: list[FlagInfo] = []
    for flag in sorted(set(flags) | set(overridden)):
        if flag in overridden:
            found.append(FlagInfo(flag, overridden[flag], OVERRIDE))
        elif flag in features:
            found.append(FlagInfo(flag, True, PLAN))
        else:
            found.append(FlagInfo(flag, False, NONE))
    return found


def store(session: Session, workspace_id: int, flag: str, enabled: bool | None) -> bool | None:
    """Set the workspace's override of `flag` (None removes it); returns the override before."""
    row = session.execute(
        select(FlagOverrideRow).where(
            FlagOverrideRow.workspace_id == workspace_id, FlagOverrideRow.flag == flag
        )
    ).scalar_one_or_none()
    before = row.enabled if row is not None else None
    if enabled is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(FlagOverrideRow(workspace_id=workspace_id, flag=flag, enabled=enabled))
    else:
        row.enabled = enabled
    return before
