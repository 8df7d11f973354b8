"""Plans and limits, the door: the catalogue, each workspace's plan and its usage against the
plan's limits, feature flags, and the guard that refuses creating more where a plan blocks.

Who reads what: the catalogue is the agency's price list (billing readers); a workspace's plan,
usage and flags belong to the workspace (every role in it), and billing readers, who see every
client's payments, see every workspace's plan too. Flags are set by organization admins; each
change is audited.

The guard (`enforce_limits`) is registered on the database's quotas by the container, so the
domains and mailboxes services consult the plan without importing billing. A plan in warn mode
never refuses: going over shows in its usage, and `over_limits` words it for the faces to show
right after a creation.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.billing import catalogue as cat
from penguin_desktop.core.billing import flags
from penguin_desktop.core.billing.models import (
    FlagInfo,
    LimitMode,
    PlanInfo,
    WorkspacePlan,
)
from penguin_desktop.core.billing.tables import SubscriptionRow
from penguin_desktop.core.platform import quotas
from penguin_desktop.core.platform.errors import NotFoundError, ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.names import name_key
from penguin_desktop.core.platform.permissions import Permission, allows
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.tables import WorkspaceRow

__all__ = ["PlanService", "enforce_limits", "over_limit_words"]

Found = tuple[SubscriptionRow, PlanInfo | None]


def _plans_of(session: Session, workspace_ids: Collection[int]) -> dict[int, Found]:
    """Each workspace's live subscription and its plan (None: a subscription without items);
    a workspace without a subscription is absent."""
    subs = cat.current_subscriptions(session, workspace_ids)
    known = cat.catalogue(session, {p for _, p in subs.values() if p})
    return {
        ws_id: (sub, (known.get(plan_id) or cat.missing_plan(plan_id)) if plan_id else None)
        for ws_id, (sub, plan_id) in subs.items()
    }


def _workspace_plans(session: Session, spaces: dict[int, WorkspaceRow]) -> list[WorkspacePlan]:
    found = _plans_of(session, spaces)
    domains = cat.counts(session, quotas.DOMAINS, spaces)
    mailboxes = cat.counts(session, quotas.MAILBOXES, spaces)
    result = []
    for ws_id, ws in spaces.items():
        sub, plan = found.get(ws_id, (None, None))
        result.append(
            WorkspacePlan(
                workspace=ws.name,
                plan=plan,
                subscription=sub.id if sub else None,
                subscription_status=sub.status if sub else None,
                usage=cat.usage(plan, ws_id, domains, mailboxes),
            )
        )
    return sorted(result, key=lambda w: w.workspace.casefold())


def over_limit_words(plan: WorkspacePlan) -> list[str]:
    """A sentence for each limit the workspace is over (what a warn-mode plan lets happen)."""
    if plan.plan is None:
        return []
    return [
        quotas.over_words(plan.workspace, plan.plan.name, line.resource, line.limit, line.used)
        for line in plan.usage
        if line.over and line.limit is not None and line.used is not None
    ]


def enforce_limits(session: Session, workspace_id: int, resource: str, adding: int) -> None:
    """The quotas guard: refuse, inside the creating transaction, to go over a limit of a plan
    in block mode. No plan, no limit, warn mode or an uncounted resource: nothing to refuse."""
    found = _plans_of(session, [workspace_id]).get(workspace_id)
    plan = found[1] if found else None
    limit = cat.limit_of(plan, resource)
    if plan is None or limit is None or plan.limits.mode is not LimitMode.BLOCK:
        return
    if resource not in cat.COUNTED:
        return
    used = cat.counts(session, resource, [workspace_id]).get(workspace_id, 0)
    if used + adding > limit:
        ws = session.get(WorkspaceRow, workspace_id)
        raise quotas.LimitReached(
            workspace=ws.name if ws else str(workspace_id),
            plan=plan.name,
            resource=resource,
            limit=limit,
            used=used,
        )


def _on_off(value: bool | None) -> str:
    return "plan" if value is None else ("on" if value else "off")


class PlanService(Service):
    # --- the catalogue --------------------------------------------------------------------------
    def plans(self, actor: Actor) -> list[PlanInfo]:
        """Every plan of the Stripe mirror, active ones first."""
        with self._reading(actor) as session:
            self._require_org(actor, Permission.BILLING_READ, "billing:plans")
            return cat.sorted_plans(cat.catalogue(session).values())

    def plan(self, actor: Actor, plan: str) -> PlanInfo:
        """One plan by its Stripe id, or by its name when only one plan has it."""
        with self._reading(actor) as session:
            self._require_org(actor, Permission.BILLING_READ, f"plan:{plan.strip()}")
            plans = cat.catalogue(session)
        wanted = plan.strip()
        if wanted in plans:
            return plans[wanted]
        named = [p for p in plans.values() if p.name.casefold() == wanted.casefold()]
        if not named:
            raise NotFoundError(f"no plan {wanted!r} among the agency's plans", field="plan")
        if len(named) > 1:
            raise ValidationError(
                f"several plans are called {wanted!r}: say which by its id",
                field="plan",
                allowed=sorted(p.id for p in named),
            )
        return named[0]

    # --- workspaces' plans and usage --------------------------------------------------------------
    def _readable(self, session: Session, actor: Actor, workspace: str) -> WorkspaceRow:
        """The named workspace if the actor may read its plan: billing readers any, everyone
        else those they belong to (a refusal is audited like any other)."""
        if allows(actor.org_role, Permission.BILLING_READ):
            ws = session.execute(
                select(WorkspaceRow).where(WorkspaceRow.name_key == name_key(workspace))
            ).scalar_one_or_none()
            if ws is None:
                raise NotFoundError(f"no workspace named {workspace.strip()!r}", field="workspace")
            return ws
        ws, _ = self._workspace(session, actor, workspace, Permission.PLAN_READ)
        return ws

    def workspace_plan(self, actor: Actor, workspace: str) -> WorkspacePlan:
        """The workspace's plan (None without a live subscription: no limits) and its usage."""
        with self._reading(actor) as session:
            ws = self._readable(session, actor, workspace)
            return _workspace_plans(session, {ws.id: ws})[0]

    def workspace_plans(self, actor: Actor) -> list[WorkspacePlan]:
        """Every open workspace the actor may read the plan of, by name (an archived one bills
        nothing and can create nothing)."""
        with self._reading(actor) as session:
            if allows(actor.org_role, Permission.BILLING_READ):
                spaces = {w.id: w for w in session.execute(select(WorkspaceRow)).scalars()}
            else:
                spaces = self._rows_visible(session, actor, Permission.PLAN_READ)
            open_spaces = {i: w for i, w in spaces.items() if w.archived_at is None}
            return _workspace_plans(session, open_spaces)

    def over_limits(self, actor: Actor, workspace: str) -> list[str]:
        """What the workspace is over its plan's limits by, in sentences (empty: nothing)."""
        return over_limit_words(self.workspace_plan(actor, workspace))

    # --- feature flags ----------------------------------------------------------------------------
    def flags(self, actor: Actor, workspace: str) -> list[FlagInfo]:
        """Every known flag, on or off for the workspace, and whether its plan or an override
        decides."""
        with self._reading(actor) as session:
            ws = self._readable(session, actor, workspace)
            found = _plans_of(session, [ws.id]).get(ws.id)
            plans = cat.catalogue(session).values()
            return flags.resolve(
                flags.known(session, plans),
                found[1] if found else None,
                flags.overrides(session, ws.id),
            )

    def set_flag(self, actor: Actor, workspace: str, flag: str, enabled: bool | None) -> FlagInfo:
        """Turn `flag` on or off for the workspace whatever its plan says; None removes the
        override, so the plan decides again."""
        name = flags.flag_name(flag)
        with self._writing(actor) as session:
            self._require_org(actor, Permission.FLAG_SET, f"workspace:{workspace.strip()}")
            ws = session.execute(
                select(WorkspaceRow).where(WorkspaceRow.name_key == name_key(workspace))
            ).scalar_one_or_none()
            if ws is None:
                raise NotFoundError(f"no workspace named {workspace.strip()!r}", field="workspace")
            if ws.archived_at is not None:
                raise ValidationError(f"workspace {ws.name!r} is archived; it can no longer change")
            before = flags.store(session, ws.id, name, enabled)
            self._audit(
                session,
                actor,
                "plan.flag.set",
                f"flag:{name}",
                ws,
                flag=name,
                before=_on_off(before),
                after=_on_off(enabled),
            )
            found = _plans_of(session, [ws.id]).get(ws.id)
            overridden = {name: enabled} if enabled is not None else {}
            return flags.resolve([name], found[1] if found else None, overridden)[0]
