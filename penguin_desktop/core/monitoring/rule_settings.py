"""Alert rules as users change them: the agency's layer over the defaults, a workspace's layer
over the agency's, and a check's own thresholds over both."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.monitoring import rules
from penguin_desktop.core.monitoring.tables import AlertRuleRow
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service


@dataclass(frozen=True)
class RuleView:
    condition: str
    warning: float | None
    critical: float | None
    enabled: bool
    source: str  # "default", "agency" or the workspace's name
    meaning: str
    unit: str


def parse_condition(raw: str) -> rules.Condition:
    try:
        return rules.Condition(raw.strip().lower())
    except ValueError:
        raise ValidationError(
            f"{raw!r} is not an alert condition",
            field="condition",
            value=raw,
            allowed=[c.value for c in rules.Condition],
        ) from None


def layers(session: Session, workspace_id: int | None) -> list[dict[rules.Condition, rules.Rule]]:
    """The agency's overrides, then the workspace's (when given)."""
    agency: dict[rules.Condition, rules.Rule] = {}
    mine: dict[rules.Condition, rules.Rule] = {}
    wanted = [None] if workspace_id is None else [None, workspace_id]
    for row in session.execute(
        select(AlertRuleRow).where(
            AlertRuleRow.workspace_id.is_(None)
            if workspace_id is None
            else (AlertRuleRow.workspace_id.is_(None)) | (AlertRuleRow.workspace_id == workspace_id)
        )
    ).scalars():
        if row.workspace_id not in wanted:
            continue
        rule = rules.Rule(rules.Condition(row.condition), row.warning, row.critical, row.enabled)
        (agency if row.workspace_id is None else mine)[rule.condition] = rule
    return [agency, mine]


class RuleService(Service):
    def all(self, actor: Actor, workspace: str | None = None) -> list[RuleView]:
        with self._reading(actor) as session:
            ws_id = None
            ws_name = ""
            if workspace:
                ws, _ = self._workspace(session, actor, workspace, Permission.MONITOR_READ)
                ws_id, ws_name = ws.id, ws.name
            agency, mine = layers(session, ws_id)
        views = []
        for condition, default in rules.DEFAULTS.items():
            rule, source = default, "default"
            if condition in agency:
                rule, source = agency[condition], "agency"
            if condition in mine:
                rule, source = mine[condition], ws_name
            definition = rules.DEFINITIONS[condition]
            views.append(
                RuleView(
                    condition.value,
                    rule.warning,
                    rule.critical,
                    rule.enabled,
                    source,
                    definition.words,
                    definition.unit,
                )
            )
        return views

    def set(
        self,
        actor: Actor,
        condition: rules.Condition,
        *,
        warning: float | None = None,
        critical: float | None = None,
        enabled: bool = True,
        workspace: str | None = None,
    ) -> RuleView:
        """Replace the rule's thresholds for the agency or one workspace (None: no threshold)."""
        definition = rules.DEFINITIONS[condition]
        if definition.direction is rules.Direction.STATUS and (warning or critical) is not None:
            raise ValidationError(
                f"{condition} follows the check's own verdict and has no thresholds; it can "
                "only be turned on or off",
                field="warning",
            )
        if warning is not None and critical is not None:
            below = definition.direction is rules.Direction.BELOW
            if (below and critical > warning) or (not below and critical < warning):
                raise ValidationError(
                    f"the critical threshold ({critical:g}) must be {'under' if below else 'over'} "
                    f"the warning one ({warning:g})",
                    field="critical",
                    value=critical,
                )
        with self._writing(actor) as session:
            ws = None
            if workspace:
                ws, _ = self._workspace(
                    session, actor, workspace, Permission.ALERT_RULE_WORKSPACE, writable=True
                )
            else:
                self._require_org(actor, Permission.ALERT_RULE_AGENCY, f"alert-rule:{condition}")
            row = session.execute(
                select(AlertRuleRow).where(
                    AlertRuleRow.condition == condition.value,
                    AlertRuleRow.workspace_id.is_(None)
                    if ws is None
                    else AlertRuleRow.workspace_id == ws.id,
                )
            ).scalar_one_or_none()
            if row is None:
                row = AlertRuleRow(workspace_id=ws.id if ws else None, condition=condition.value)
                session.add(row)
            row.warning, row.critical, row.enabled = warning, critical, enabled
            self._audit(
                session,
                actor,
                "alert.rule.set",
                f"alert-rule:{condition}",
                ws,
                warning=warning,
                critical=critical,
                enabled=enabled,
            )
        return next(v for v in self.all(actor, workspace) if v.condition == condition.value)
