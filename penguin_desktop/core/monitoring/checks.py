"""Checks: every server and domain gets its defaults, users add, change and remove their own.

A default check cannot be removed (the next round would add it back); it is disabled instead,
which the error says."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.domains import DomainRow
from penguin_desktop.core.monitoring import rules
from penguin_desktop.core.monitoring.defaults import (
    DOMAIN_KINDS,
    INTERVALS,
    NETWORK_DEFAULTS,
    SERVER_KINDS,
    default_rows,
)
from penguin_desktop.core.monitoring.models import CheckInfo, CheckKind, Status, TlsMode
from penguin_desktop.core.monitoring.tables import CheckRow
from penguin_desktop.core.platform.errors import ConflictError, NotFoundError, ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.names import name_key
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow
from penguin_desktop.core.servers import ServerRow

MIN_INTERVAL, MAX_INTERVAL = 10, 7 * 86400


@dataclass(frozen=True)
class CheckChange:
    """What `set` changes; None leaves a field as it is."""

    port: int | None = None
    tls: TlsMode | None = None
    tls_name: str | None = None
    interval: int | None = None
    enabled: bool | None = None
    thresholds: Mapping[str, tuple[float | None, float | None]] | None = None


def parse_kind(raw: str) -> CheckKind:
    try:
        return CheckKind(raw.strip().lower())
    except ValueError:
        raise ValidationError(
            f"{raw!r} is not a kind of check",
            field="kind",
            value=raw,
            allowed=[k.value for k in CheckKind],
        ) from None


def _check_port(port: int | None) -> None:
    if port is not None and not 1 <= port <= 65535:
        raise ValidationError(f"port {port} is not between 1 and 65535", field="port", value=port)


def _host_name(raw: str | None) -> str | None:
    """A certificate name to expect: a DNS name (an empty one goes back to the server's)."""
    if raw is None or not raw.strip():
        return None
    name = raw.strip().lower().rstrip(".")
    labels = name.split(".")
    if len(name) > 253 or not all(
        0 < len(label) <= 63 and label.replace("-", "").replace("*", "").isalnum()
        for label in labels
    ):
        raise ValidationError(f"{raw!r} is not a host name", field="tls_name", value=raw)
    return name


def _check_interval(interval: int | None) -> None:
    if interval is not None and not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise ValidationError(
            f"an interval of {interval} s is outside {MIN_INTERVAL} s to {MAX_INTERVAL} s",
            field="interval",
            value=interval,
        )


def _thresholds_json(kind: CheckKind, raw: Mapping[str, tuple[float | None, float | None]]) -> str:
    clean: dict[str, list[float | None]] = {}
    for name, (warning, critical) in raw.items():
        try:
            condition = rules.Condition(name)
        except ValueError:
            raise ValidationError(
                f"{name!r} is not an alert condition",
                field="threshold",
                value=name,
                allowed=[c.value for c in rules.Condition],
            ) from None
        if kind not in rules.DEFINITIONS[condition].kinds:
            raise ValidationError(
                f"a {kind} check cannot raise {condition}", field="threshold", value=name
            )
        clean[condition.value] = [warning, critical]
    return json.dumps(clean, sort_keys=True)


def check_thresholds(row: CheckRow) -> dict[rules.Condition, rules.Rule]:
    """The check's own thresholds as rules (the last layer over the agency's and workspace's)."""
    try:
        data: dict[str, Any] = json.loads(row.thresholds or "{}")
        return {
            rules.Condition(k): rules.Rule(rules.Condition(k), v[0], v[1]) for k, v in data.items()
        }
    except (ValueError, TypeError, IndexError, KeyError):
        return {}


def target_names(session: Session, rows: list[CheckRow]) -> dict[int, tuple[str, str]]:
    """check id -> (target type, target name), two queries for any number of checks."""
    server_ids = {r.server_id for r in rows if r.server_id is not None}
    domain_ids = {r.domain_id for r in rows if r.domain_id is not None}
    servers = dict(
        session.execute(
            select(ServerRow.id, ServerRow.name).where(ServerRow.id.in_(server_ids))
        ).all()
    )
    domains = dict(
        session.execute(
            select(DomainRow.id, DomainRow.name).where(DomainRow.id.in_(domain_ids))
        ).all()
    )
    return {
        r.id: ("server", servers.get(r.server_id, "?"))
        if r.server_id is not None
        else ("domain", domains.get(r.domain_id or 0, "?"))
        for r in rows
    }


def _settings_of(row: CheckRow) -> dict[str, object]:
    """What a user may change of a check, as the audit record compares it."""
    return {
        "port": row.port,
        "tls": row.tls,
        "tls_name": row.tls_name,
        "interval": row.interval_s,
        "enabled": row.enabled,
        "thresholds": row.thresholds,
    }


def info(row: CheckRow, workspace: str, target: tuple[str, str]) -> CheckInfo:
    return CheckInfo(
        id=row.id,
        workspace=workspace,
        kind=CheckKind(row.kind),
        target=target[1],
        target_type=target[0],
        port=row.port,
        tls=TlsMode(row.tls) if row.tls else None,
        tls_name=row.tls_name,
        interval=row.interval_s,
        enabled=row.enabled,
        is_default=row.is_default,
        last_status=Status(row.last_status) if row.last_status else None,
        last_message=row.last_message,
        last_run_at=row.last_run_at,
        failures=row.failures,
        thresholds={c.value: (r.warning, r.critical) for c, r in check_thresholds(row).items()},
    )


class CheckService(Service):
    """Adding, listing, changing and removing checks."""

    def ensure_defaults(
        self, actor: Actor, workspace: str | None = None, now: datetime | None = None
    ) -> dict[int, WorkspaceRow]:
        """Give every server and domain its default checks, in the workspaces (or the one named)
        where the actor may run checks and that are not archived, one audit event per workspace
        and kind added; those workspaces. Others are passed over without a refusal: listing
        checks calls this on a reader's behalf too."""
        with self._writing(actor) as session:
            spaces = self._rows_visible(session, actor, Permission.MONITOR_MANAGE)
            live = {
                i: w
                for i, w in spaces.items()
                if w.archived_at is None
                and (workspace is None or w.name_key == name_key(workspace))
            }
            for ws_id, kind, count in default_rows(session, sorted(live), now or utcnow()):
                self._audit(
                    session, actor, "monitor.check.add", f"checks:{kind}", live[ws_id],
                    kind=kind, count=count, default=True,
                )  # fmt: skip
            return live

    def all(self, actor: Actor, workspace: str | None = None) -> list[CheckInfo]:
        with self._reading(actor) as session:
            spaces = self._workspaces_in_scope(session, actor, workspace, Permission.MONITOR_READ)
            rows = list(
                session.execute(
                    select(CheckRow)
                    .where(CheckRow.workspace_id.in_(sorted(spaces)))
                    .order_by(CheckRow.workspace_id, CheckRow.id)
                ).scalars()
            )
            names = target_names(session, rows)
            return [info(r, spaces[r.workspace_id].name, names[r.id]) for r in rows]

    def get(self, actor: Actor, check_id: int) -> CheckInfo:
        with self._reading(actor) as session:
            ws, row = self.row(session, actor, check_id, Permission.MONITOR_READ)
            return info(row, ws.name, target_names(session, [row])[row.id])

    def row(
        self, session: Session, actor: Actor, check_id: int, permission: Permission
    ) -> tuple[WorkspaceRow, CheckRow]:
        """The check, if the actor may do `permission` in its workspace; a check in a
        workspace they do not belong to is "not found", like one that does not exist."""
        row = session.get(CheckRow, check_id)
        ws = session.get(WorkspaceRow, row.workspace_id) if row else None
        if row is None or ws is None or self.role_in(session, actor, ws.id) is None:
            raise NotFoundError(f"no check #{check_id} among yours", field="check")
        self._workspace(session, actor, ws.name, permission)
        return ws, row

    def add(
        self,
        actor: Actor,
        workspace: str,
        kind: CheckKind,
        *,
        server: str | None = None,
        domain: str | None = None,
        port: int | None = None,
        tls: TlsMode | None = None,
        tls_name: str | None = None,
        interval: int | None = None,
    ) -> CheckInfo:
        if (server is None) == (domain is None):
            raise ValidationError("name either a server or a domain to check", field="server")
        allowed = SERVER_KINDS if server is not None else DOMAIN_KINDS
        if kind not in allowed:
            raise ValidationError(
                f"{kind} checks a {'domain' if server else 'server'}, not a "
                f"{'server' if server else 'domain'}; a {'server' if server else 'domain'}'s "
                "kinds of check are these",
                field="kind",
                value=kind.value,
                allowed=sorted(k.value for k in allowed),
            )
        _check_port(port)
        _check_interval(interval)
        default_port, default_tls = NETWORK_DEFAULTS.get(kind, (None, None))
        if kind not in NETWORK_DEFAULTS and (port, tls, tls_name) != (None, None, None):
            raise ValidationError(f"a {kind} check has no port or TLS mode", field="port")
        with self._writing(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.MONITOR_MANAGE, writable=True
            )
            server_id = domain_id = None
            if server is not None:
                server_id = self._target_id(session, ServerRow, ws, server, "server")
            else:
                domain_id = self._target_id(session, DomainRow, ws, domain or "", "domain")
            chosen_tls = tls or default_tls
            row = CheckRow(
                workspace_id=ws.id,
                kind=kind.value,
                server_id=server_id,
                domain_id=domain_id,
                port=port or default_port,
                tls=chosen_tls.value if chosen_tls else None,
                tls_name=_host_name(tls_name),
                interval_s=interval or INTERVALS[kind],
                enabled=True,
                is_default=False,
            )
            self._refuse_twin(session, row)
            session.add(row)
            session.flush()
            target = ("server", server) if server else ("domain", domain or "")
            self._audit(
                session,
                actor,
                "monitor.check.add",
                f"check:{row.id}",
                ws,
                kind=kind.value,
                on=target[1],
                port=row.port,
                interval=row.interval_s,
            )
            return info(row, ws.name, target)

    @staticmethod
    def _target_id(
        session: Session,
        model: type[ServerRow] | type[DomainRow],
        ws: WorkspaceRow,
        name: str,
        what: str,
    ) -> int:
        found = session.execute(
            select(model.id).where(model.workspace_id == ws.id, model.name == name.strip().lower())
        ).scalar_one_or_none()
        if found is None:
            raise NotFoundError(f"no {what} named {name.strip()!r} in {ws.name!r}", field=what)
        return int(found)

    @staticmethod
    def _refuse_twin(session: Session, row: CheckRow) -> None:
        twin = session.execute(
            select(CheckRow.id).where(
                CheckRow.workspace_id == row.workspace_id,
                CheckRow.kind == row.kind,
                CheckRow.server_id.is_(None)
                if row.server_id is None
                else CheckRow.server_id == row.server_id,
                CheckRow.domain_id.is_(None)
                if row.domain_id is None
                else CheckRow.domain_id == row.domain_id,
                CheckRow.port.is_(None) if row.port is None else CheckRow.port == row.port,
            )
        ).scalar_one_or_none()
        if twin is not None and twin != row.id:
            raise ConflictError(f"check #{twin} already does this check")

    def set(self, actor: Actor, check_id: int, change: CheckChange) -> CheckInfo:
        _check_port(change.port)
        _check_interval(change.interval)
        with self._writing(actor) as session:
            ws, row = self.row(session, actor, check_id, Permission.MONITOR_MANAGE)
            kind = CheckKind(row.kind)
            before = _settings_of(row)
            if (change.port, change.tls, change.tls_name) != (None, None, None) and (
                kind not in NETWORK_DEFAULTS
            ):
                raise ValidationError(f"a {kind} check has no port or TLS mode", field="port")
            if change.port is not None:
                row.port = change.port
            if change.tls is not None:
                row.tls = change.tls.value
            if change.tls_name is not None:
                row.tls_name = _host_name(change.tls_name)
            if change.interval is not None:
                row.interval_s = change.interval
            if change.enabled is not None:
                row.enabled = change.enabled
            if change.thresholds is not None:
                merged = {
                    c.value: (r.warning, r.critical) for c, r in check_thresholds(row).items()
                }
                merged.update(change.thresholds)
                # Both figures empty: the check follows the rule again.
                merged = {c: levels for c, levels in merged.items() if levels != (None, None)}
                row.thresholds = _thresholds_json(kind, merged)
            self._refuse_twin(session, row)
            after = _settings_of(row)
            changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
            self._audit(session, actor, "monitor.check.set", f"check:{row.id}", ws, **changed)
            return info(row, ws.name, target_names(session, [row])[row.id])

    def remove(self, actor: Actor, check_id: int) -> None:
        with self._writing(actor) as session:
            ws, row = self.row(session, actor, check_id, Permission.MONITOR_MANAGE)
            if row.is_default:
                raise ValidationError(
                    f"check #{check_id} is a default check and would come back: disable it instead",
                    field="check",
                    value=check_id,
                )
            target = target_names(session, [row])[row.id]
            session.delete(row)
            self._audit(
                session,
                actor,
                "monitor.check.remove",
                f"check:{check_id}",
                ws,
                kind=row.kind,
                on=target[1],
            )
