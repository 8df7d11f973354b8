"""The permission matrix, held as data.

Each permission names its scope: organization-wide permissions are checked against the user's
organization role, workspace permissions against the user's role in that workspace. The README
shows this same table (a test keeps them in step), so what the code enforces is what users read.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from penguin_desktop.core.platform.models import Role


class Scope(enum.StrEnum):
    ORGANIZATION = "organization"
    WORKSPACE = "workspace"


class Permission(enum.StrEnum):
    WORKSPACE_CREATE = "workspace.create"
    USER_ADD = "user.add"
    USER_LIST = "user.list"
    USER_UNLOCK = "user.unlock"
    USER_SET_ROLE = "user.set-role"
    LOGIN_ACTIVITY_ALL = "login-activity.all"
    AUDIT_ORGANIZATION = "audit.organization"
    AUDIT_VERIFY = "audit.verify"
    BACKUP_CREATE = "backup.create"
    WORKSPACE_READ = "workspace.read"
    WORKSPACE_RENAME = "workspace.rename"
    WORKSPACE_ARCHIVE = "workspace.archive"
    WORKSPACE_HANDOVER = "workspace.handover"
    MEMBER_READ = "member.read"
    MEMBER_MANAGE = "member.manage"
    AUDIT_READ = "audit.read"
    AUDIT_EXPORT = "audit.export"
    SECRET_BACKEND_SET = "secret.backend.set"
    SECRET_MIGRATE = "secret.migrate"
    SECRET_BACKEND_OVERRIDE = "secret.backend.override"
    SECRET_LIST = "secret.list"
    SECRET_WRITE = "secret.write"
    SECRET_REVEAL = "secret.reveal"
    DOMAIN_READ = "domain.read"
    DOMAIN_MANAGE = "domain.manage"
    DOMAIN_FIX = "domain.fix"
    DNS_PROVIDER_MANAGE = "dns.provider.manage"
    DNS_NAMESERVER_SET = "dns.nameserver.set"
    SERVER_READ = "server.read"
    SERVER_OPERATE = "server.operate"
    SERVER_MANAGE = "server.manage"
    MAILBOX_READ = "mailbox.read"
    MAILBOX_MANAGE = "mailbox.manage"
    MAILBOX_ALIAS_READ = "mailbox.alias.read"
    MONITOR_READ = "monitor.read"
    MONITOR_MANAGE = "monitor.manage"
    ALERT_HANDLE = "alert.handle"
    ALERT_RULE_WORKSPACE = "alert.rule.workspace"
    ALERT_RULE_AGENCY = "alert.rule.agency"
    NOTIFIER_WORKSPACE = "notifier.workspace"
    NOTIFIER_AGENCY = "notifier.agency"
    BILLING_CONNECT = "billing.connect"
    BILLING_SYNC = "billing.sync"
    BILLING_READ = "billing.read"
    BILLING_LINK = "billing.link"
    BILLING_REFUND = "billing.refund"
    PLAN_READ = "plan.read"
    FLAG_SET = "flag.set"
    LEAD_READ = "lead.read"
    LEAD_MANAGE = "lead.manage"
    LEAD_ERASE = "lead.erase"
    SUPPRESSION_MANAGE = "suppression.manage"
    SUPPRESSION_AGENCY = "suppression.agency"
    COMPLIANCE_SET = "compliance.set"
    COMPLIANCE_COUNTRIES = "compliance.countries"
    CAMPAIGN_READ = "campaign.read"
    CAMPAIGN_MANAGE = "campaign.manage"
    CAMPAIGN_SEND = "campaign.send"


@dataclass(frozen=True)
class Rule:
    scope: Scope
    roles: frozenset[Role]
    description: str


_ALL = frozenset(Role)
_OWNER = frozenset({Role.OWNER})
_ADMINS = frozenset({Role.OWNER, Role.ADMIN})
_MANAGERS = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER})

MATRIX: dict[Permission, Rule] = {
    Permission.WORKSPACE_CREATE: Rule(Scope.ORGANIZATION, _ADMINS, "Create client workspaces"),
    Permission.USER_ADD: Rule(Scope.ORGANIZATION, _ADMINS, "Add user accounts"),
    Permission.USER_LIST: Rule(Scope.ORGANIZATION, _MANAGERS, "List user accounts"),
    Permission.USER_UNLOCK: Rule(Scope.ORGANIZATION, _ADMINS, "Unlock a locked account"),
    Permission.USER_SET_ROLE: Rule(Scope.ORGANIZATION, _OWNER, "Change a user's organization role"),
    Permission.LOGIN_ACTIVITY_ALL: Rule(
        Scope.ORGANIZATION, _ADMINS, "See every user's login activity"
    ),
    Permission.AUDIT_ORGANIZATION: Rule(
        Scope.ORGANIZATION, _ADMINS, "Read organization-level audit events"
    ),
    Permission.AUDIT_VERIFY: Rule(Scope.ORGANIZATION, _ADMINS, "Verify the audit hash chain"),
    Permission.BACKUP_CREATE: Rule(
        Scope.ORGANIZATION, _ADMINS, "Back up the whole workspace: database, secrets file, settings"
    ),
    Permission.WORKSPACE_READ: Rule(Scope.WORKSPACE, _ALL, "Open the workspace"),
    Permission.WORKSPACE_RENAME: Rule(Scope.WORKSPACE, _ADMINS, "Rename the workspace"),
    Permission.WORKSPACE_ARCHIVE: Rule(Scope.WORKSPACE, _OWNER, "Archive the workspace"),
    Permission.WORKSPACE_HANDOVER: Rule(
        Scope.WORKSPACE,
        _ADMINS,
        "Hand the workspace over in a sealed bundle with its secrets, or replace it from one",
    ),
    Permission.MEMBER_READ: Rule(Scope.WORKSPACE, _ALL, "See the workspace's members"),
    Permission.MEMBER_MANAGE: Rule(
        Scope.WORKSPACE, _ADMINS, "Add, remove and change roles of members (below own role)"
    ),
    Permission.AUDIT_READ: Rule(Scope.WORKSPACE, _MANAGERS, "Read the workspace's audit log"),
    Permission.AUDIT_EXPORT: Rule(Scope.WORKSPACE, _ADMINS, "Export audit reports"),
    Permission.SECRET_BACKEND_SET: Rule(
        Scope.ORGANIZATION, _ADMINS, "Choose the organization's secret backend"
    ),
    Permission.SECRET_MIGRATE: Rule(
        Scope.ORGANIZATION, _ADMINS, "Migrate secrets between backends"
    ),
    Permission.SECRET_BACKEND_OVERRIDE: Rule(
        Scope.WORKSPACE, _ADMINS, "Give the workspace its own secret backend"
    ),
    Permission.SECRET_LIST: Rule(
        Scope.WORKSPACE, _MANAGERS | {Role.MEMBER}, "See the workspace's secret references"
    ),
    Permission.SECRET_WRITE: Rule(Scope.WORKSPACE, _MANAGERS, "Set, replace and delete secrets"),
    Permission.SECRET_REVEAL: Rule(Scope.WORKSPACE, _ADMINS, "Reveal a secret's value"),
    Permission.DOMAIN_READ: Rule(
        Scope.WORKSPACE, _ALL, "See sending domains, their required records and DNS checks"
    ),
    Permission.DOMAIN_MANAGE: Rule(
        Scope.WORKSPACE, _MANAGERS, "Add and remove sending domains, choose their DNS provider"
    ),
    Permission.DOMAIN_FIX: Rule(
        Scope.WORKSPACE, _MANAGERS, "Apply DNS fixes through the workspace's DNS providers"
    ),
    Permission.DNS_NAMESERVER_SET: Rule(
        Scope.ORGANIZATION, _ADMINS, "Choose the DNS server that checks ask"
    ),
    Permission.DNS_PROVIDER_MANAGE: Rule(
        Scope.WORKSPACE, _ADMINS, "Add and remove DNS providers and their credentials"
    ),
    Permission.SERVER_READ: Rule(
        Scope.WORKSPACE, _ALL, "See mail servers, their status and last health check"
    ),
    Permission.SERVER_OPERATE: Rule(
        Scope.WORKSPACE, _MANAGERS, "Run health checks and MailU provisioning on mail servers"
    ),
    Permission.SERVER_MANAGE: Rule(
        Scope.WORKSPACE,
        _ADMINS,
        "Adopt and remove mail servers, trust their host keys, rotate their SSH keys",
    ),
    Permission.MAILBOX_READ: Rule(
        Scope.WORKSPACE, _ALL, "See mailboxes and their SMTP/IMAP settings (not passwords)"
    ),
    Permission.MAILBOX_MANAGE: Rule(
        Scope.WORKSPACE,
        _MANAGERS,
        "Create, enable/disable, re-password, resize and remove mailboxes; add/remove aliases",
    ),
    Permission.MAILBOX_ALIAS_READ: Rule(
        Scope.WORKSPACE,
        _MANAGERS | {Role.MEMBER},
        "See mailbox aliases (read from MailU with the server's admin token)",
    ),
    Permission.MONITOR_READ: Rule(Scope.WORKSPACE, _ALL, "See checks, their results and alerts"),
    Permission.MONITOR_MANAGE: Rule(
        Scope.WORKSPACE, _MANAGERS, "Add, change, remove and run monitoring checks"
    ),
    Permission.ALERT_HANDLE: Rule(
        Scope.WORKSPACE, _MANAGERS | {Role.MEMBER}, "Acknowledge and resolve alerts"
    ),
    Permission.ALERT_RULE_WORKSPACE: Rule(
        Scope.WORKSPACE, _ADMINS, "Change the workspace's alert rules"
    ),
    Permission.ALERT_RULE_AGENCY: Rule(
        Scope.ORGANIZATION, _ADMINS, "Change the agency's alert rules"
    ),
    Permission.NOTIFIER_WORKSPACE: Rule(
        Scope.WORKSPACE, _ADMINS, "Add, test and remove the workspace's alert notifiers"
    ),
    Permission.NOTIFIER_AGENCY: Rule(
        Scope.ORGANIZATION, _ADMINS, "Add, test and remove the agency's alert notifiers"
    ),
    Permission.BILLING_CONNECT: Rule(
        Scope.ORGANIZATION, _ADMINS, "Connect the agency's Stripe account and its webhooks"
    ),
    Permission.BILLING_SYNC: Rule(
        Scope.ORGANIZATION, _MANAGERS, "Sync billing from Stripe and see the sync's status"
    ),
    Permission.BILLING_READ: Rule(
        Scope.ORGANIZATION, _MANAGERS, "See payments, invoices and revenue of every client"
    ),
    Permission.BILLING_LINK: Rule(
        Scope.ORGANIZATION, _ADMINS, "Link Stripe customers to client workspaces"
    ),
    Permission.BILLING_REFUND: Rule(Scope.ORGANIZATION, _ADMINS, "Refund a payment"),
    Permission.PLAN_READ: Rule(
        Scope.WORKSPACE, _ALL, "See the workspace's plan, its limits, usage and feature flags"
    ),
    Permission.FLAG_SET: Rule(
        Scope.ORGANIZATION, _ADMINS, "Turn a workspace's feature flags on or off"
    ),
    Permission.LEAD_READ: Rule(
        Scope.WORKSPACE, _ALL, "See the workspace's leads, lists and suppression list; export them"
    ),
    Permission.LEAD_MANAGE: Rule(Scope.WORKSPACE, _MANAGERS, "Import leads into lists"),
    Permission.LEAD_ERASE: Rule(
        Scope.WORKSPACE, _ADMINS, "Erase a lead's personal data (GDPR), keeping only its hash"
    ),
    Permission.SUPPRESSION_MANAGE: Rule(
        Scope.WORKSPACE,
        _MANAGERS,
        "Add and remove the workspace's suppressed addresses and domains",
    ),
    Permission.SUPPRESSION_AGENCY: Rule(
        Scope.ORGANIZATION, _ADMINS, "Add and remove agency-wide suppressed addresses and domains"
    ),
    Permission.COMPLIANCE_SET: Rule(
        Scope.WORKSPACE, _ADMINS, "Set the workspace's postal address and unsubscribe link"
    ),
    Permission.COMPLIANCE_COUNTRIES: Rule(
        Scope.ORGANIZATION, _ADMINS, "Choose the countries that need prior consent for email"
    ),
    Permission.CAMPAIGN_READ: Rule(
        Scope.WORKSPACE, _ALL, "See the workspace's campaigns, their steps, previews and results"
    ),
    Permission.CAMPAIGN_MANAGE: Rule(
        Scope.WORKSPACE, _MANAGERS, "Create campaigns and change their steps and settings"
    ),
    Permission.CAMPAIGN_SEND: Rule(
        Scope.WORKSPACE, _MANAGERS, "Start, pause and run campaigns (send their email)"
    ),
}


def allows(role: Role, permission: Permission) -> bool:
    return role in MATRIX[permission].roles


def may_assign(actor_role: Role, target_role: Role) -> bool:
    """Owners may hand out any role; everyone else only roles below their own."""
    return actor_role is Role.OWNER or target_role.rank < actor_role.rank


def matrix_markdown() -> str:
    """The matrix as a Markdown table, for the README and `penguin roles`."""
    head = "| permission | scope | " + " | ".join(r.value for r in Role) + " |"
    rule = "|---|---|" + "---|" * len(Role)
    rows = [
        f"| `{p.value}` {MATRIX[p].description} | {MATRIX[p].scope.value} | "
        + " | ".join("yes" if r in MATRIX[p].roles else "-" for r in Role)
        + " |"
        for p in Permission
    ]
    return "\n".join([head, rule, *rows])
