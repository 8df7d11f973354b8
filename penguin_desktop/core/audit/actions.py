"""Audit action codes in words, for people who read the trail without knowing the codes.

The audit trail stores short stable codes (`secret.reveal`); reports and the console show what
they mean ("Secret revealed") beside them. A denial is recorded under the permission that was
refused (`workspace.rename`), so it is worded as the attempt, from the permission matrix's own
descriptions ("Rename the workspace"), which keeps those words in step with what is enforced.
A code not listed here (a newer program wrote it) is shown as the code itself.
"""

from __future__ import annotations

from penguin_desktop.core.platform.permissions import MATRIX

ACTION_WORDS: dict[str, str] = {
    "alert.acknowledge": "Alert acknowledged",
    "alert.open": "Alert opened",
    "alert.resolve": "Alert resolved",
    "alert.rule.set": "Alert rule changed",
    "audit.export": "Audit report exported",
    "backup.create": "Backup made",
    "backup.prune": "Old scheduled backups deleted",
    "backup.schedule": "Backup schedule changed",
    "billing.connect": "Stripe account connected",
    "billing.export": "Payments exported",
    "billing.link": "Stripe customer linked to a workspace",
    "billing.refund": "Payment refunded",
    "billing.sync": "Billing synced from Stripe",
    "billing.webhook-secret": "Stripe webhook secret kept",
    "campaign.create": "Campaign created",
    "campaign.inbox": "Mailbox read for replies, bounces and unsubscribes",
    "campaign.pause": "Campaign paused",
    "campaign.run": "Campaign email sent",
    "campaign.start": "Campaign started",
    "campaign.step": "Campaign step added",
    "campaign.unknown": "Unclear sends settled",
    "campaign.unsubscribe": "Recipient unsubscribed",
    "compliance.country": "Consent rule of a country changed",
    "compliance.set": "Postal address and unsubscribe link set",
    "dns.nameserver.set": "DNS server for checks set",
    "dns.provider.add": "DNS provider added",
    "dns.provider.remove": "DNS provider removed",
    "domain.add": "Sending domain added",
    "domain.attach": "Domain linked to a mail server",
    "domain.fix": "DNS records fixed",
    "domain.provider.set": "Domain's DNS provider changed",
    "domain.remove": "Sending domain removed",
    "monitor.check.add": "Monitoring check added",
    "monitor.check.remove": "Monitoring check removed",
    "monitor.check.set": "Monitoring check changed",
    "monitor.settings": "Monitoring settings changed",
    "notifier.add": "Alert notifier added",
    "notifier.disable": "Alert notifier turned off",
    "notifier.enable": "Alert notifier turned on",
    "notifier.remove": "Alert notifier removed",
    "notifier.test": "Alert notifier tested",
    "plan.flag.set": "Feature flag changed",
    "lead.erase": "Lead erased (GDPR)",
    "lead.export": "Leads exported",
    "lead.import": "Leads imported",
    "mailbox.alias.add": "Alias added",
    "mailbox.connect": "Outside mailbox connected",
    "mailbox.disconnect": "Outside mailbox disconnected",
    "mailbox.domain-limit": "Sending domain's daily cap changed",
    "mailbox.limits": "Mailbox sending limits changed",
    "mailbox.pause": "Mailbox paused",
    "mailbox.resume": "Mailbox resumed",
    "mailbox.alias.remove": "Alias removed",
    "mailbox.create": "Mailbox created",
    "mailbox.disable": "Mailbox disabled",
    "mailbox.enable": "Mailbox enabled",
    "mailbox.passwd": "Mailbox password changed",
    "mailbox.quota": "Mailbox quota changed",
    "mailbox.remove": "Mailbox removed",
    "member.add": "Member added",
    "member.remove": "Member removed",
    "member.set-role": "Member's role changed",
    "org.init": "Organization created",
    "secret.backend.clear": "Workspace secret backend cleared",
    "secret.backend.set": "Secret backend chosen",
    "secret.backend.test": "Secret backend tested",
    "secret.delete": "Secret deleted",
    "secret.file.create": "Secrets file created",
    "secret.file.hand-over": "Secrets file unlock handed to the console's monitor",
    "secret.file.unlock": "Secrets file unlocked",
    "secret.migrate": "Secret moved to another backend",
    "secret.migrate.done": "Secret migration finished",
    "secret.read": "Secret used by the program",
    "secret.replace": "Secret replaced",
    "secret.reveal": "Secret revealed",
    "secret.set": "Secret stored",
    "secret.system.delete": "Program secret deleted",
    "secret.system.read": "Program's own secret used",
    "secret.system.set": "Program's own secret stored",
    "suppression.add": "Added to the suppression list",
    "suppression.remove": "Removed from the suppression list",
    "server.adopt": "Server adopted",
    "server.backup": "Server backed up",
    "server.check": "Server health checked",
    "server.create": "Server created",
    "server.host-key.accept": "Server host key accepted",
    "server.host-key.refused": "Changed host key refused",
    "server.postmaster.passwd": "Postmaster password changed",
    "server.provision": "MailU provisioned",
    "server.provision.cancelled": "Provisioning cancelled",
    "server.provision.failed": "Provisioning failed",
    "server.remove": "Server removed",
    "server.restore": "Server restored from a backup",
    "server.rotate-key": "Server SSH key rotated",
    "user.add": "User added",
    "user.email": "User's email changed",
    "user.idle-timeout": "Idle timeout changed",
    "user.locked": "Account locked after failed logins",
    "user.passwd": "User's password changed",
    "user.set-role": "Organization role changed",
    "user.unlock": "Account unlocked",
    "workspace.archive": "Workspace archived",
    "workspace.create": "Workspace created",
    "workspace.export": "Workspace data exported",
    "workspace.import": "Workspace imported from a bundle",
    "workspace.rename": "Workspace renamed",
}

# Attempts refused that are not permissions of the matrix (a wrong master password).
_ATTEMPT_WORDS: dict[str, str] = {
    "secret.file.create": "Create the secrets file",
    "secret.file.unlock": "Unlock the secrets file",
}

# What an action's `before`/`after` (or `from`/`to`) pair is the old and new value of; the
# summary itself only says "before" and "after".
CHANGED_FIELD: dict[str, str] = {
    "compliance.country": "Consent rule of a country changed",
    "compliance.set": "Postal address and unsubscribe link set",
    "dns.nameserver.set": "DNS server",
    "domain.provider.set": "DNS provider",
    "member.set-role": "role",
    "plan.flag.set": "feature flag",
    "secret.migrate": "backend",
    "server.host-key.accept": "host key",
    "user.email": "email",
    "user.idle-timeout": "idle timeout (minutes)",
    "user.set-role": "organization role",
    "workspace.rename": "name",
}


def attempt_words() -> dict[str, str]:
    """Every code a denial can carry, worded as what was attempted."""
    words = {permission.value: rule.description for permission, rule in MATRIX.items()}
    words.update(_ATTEMPT_WORDS)
    return words


_ATTEMPTS = attempt_words()


def action_words(code: str, denied: bool = False) -> str:
    """`code` in words: what happened, or for a denial what was attempted; else the code."""
    if denied and code in _ATTEMPTS:
        return _ATTEMPTS[code]
    return ACTION_WORDS.get(code, code)


def changed_field(code: str) -> str:
    """The name of what `code`'s before/after pair changed ("value" when not known)."""
    return CHANGED_FIELD.get(code, "value")
