"""Builds the settings, database and services once; the CLI and the GUI both start here."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from penguin_desktop.config import Settings
from penguin_desktop.core.accounts.auth import AuthService
from penguin_desktop.core.accounts.members import MemberService
from penguin_desktop.core.accounts.users import UserService
from penguin_desktop.core.accounts.workspaces import WorkspaceService
from penguin_desktop.core.audit.service import AuditService
from penguin_desktop.core.platform.jobs.locks import ResourceLocks
from penguin_desktop.core.platform.store.database import Database, open_database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from penguin_desktop.core.billing.plans import PlanService
    from penguin_desktop.core.billing.service import BillingService
    from penguin_desktop.core.campaigns.campaigns import CampaignService
    from penguin_desktop.core.campaigns.compliance import ComplianceService
    from penguin_desktop.core.campaigns.engine import SendEngine
    from penguin_desktop.core.campaigns.insight import CampaignInsight
    from penguin_desktop.core.campaigns.service import LeadService
    from penguin_desktop.core.campaigns.suppression import SuppressionService
    from penguin_desktop.core.campaigns.unsubscribe import UnsubscribeService
    from penguin_desktop.core.domains.service import DomainService
    from penguin_desktop.core.mailboxes.outside import OutsideMailboxService
    from penguin_desktop.core.mailboxes.sending import SendingService
    from penguin_desktop.core.mailboxes.service import MailboxService
    from penguin_desktop.core.monitoring.service import MonitoringService
    from penguin_desktop.core.portable.backup import BackupService
    from penguin_desktop.core.portable.bundle import BundleService
    from penguin_desktop.core.portable.schedule import BackupScheduleService
    from penguin_desktop.core.portable.sqlite_export import SqliteExportService
    from penguin_desktop.core.secrets.backends.stores import MasterPassword, SecretStores
    from penguin_desktop.core.secrets.service import SecretService
    from penguin_desktop.core.servers.attach import DomainAttachService
    from penguin_desktop.core.servers.service import ServerService


def _register_rotations() -> None:
    """Importing the rotation procedures registers them (SSH keys, SMTP passwords); they get
    the container through the secret service to reach the server and mailbox services."""
    import penguin_desktop.core.mailboxes.rotation
    import penguin_desktop.core.servers.rotation  # noqa: F401


def _plan_limits(session: Session, workspace_id: int, resource: str, adding: int) -> None:
    """Billing's guard on the database's quotas: a plan in block mode refuses one more domain or
    mailbox. Registered whenever the database opens, so it holds however domains and mailboxes
    are reached; billing itself is imported by the first creation that asks."""
    from penguin_desktop.core.billing.plans import enforce_limits

    enforce_limits(session, workspace_id, resource, adding)


class Container:
    def __init__(
        self,
        settings: Settings,
        master_password: MasterPassword | None = None,
        *,
        create: bool = True,
    ) -> None:
        """`master_password` is how this face asks for the secrets file's master password;
        `create` whether a missing workspace database may be created (the first run)."""
        self.settings = settings
        self.master_password = master_password
        self._create = create

    @cached_property
    def db(self) -> Database:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        db = open_database(self.settings.db_url, create=self._create)
        # Every so many audit entries the trail's head is signed, after the write commits.
        db.on_checkpoint_due = lambda: self.audit.checkpoint_quietly()
        db.quotas.register("plan", _plan_limits)
        return db

    @cached_property
    def auth(self) -> AuthService:
        return AuthService(self.db)

    @cached_property
    def users(self) -> UserService:
        return UserService(self.db)

    @cached_property
    def workspaces(self) -> WorkspaceService:
        return WorkspaceService(self.db)

    @cached_property
    def members(self) -> MemberService:
        return MemberService(self.db)

    @cached_property
    def audit(self) -> AuditService:
        return AuditService(self.db, self.settings.data_dir, lambda: self.secrets)

    @cached_property
    def stores(self) -> SecretStores:
        # Imported on first use: keyring, httpx and the Vault client cost ~0.2 s at start-up.
        from penguin_desktop.core.secrets.backends.stores import SecretStores

        if self.master_password is None:
            return SecretStores(self.settings.data_dir)
        return SecretStores(self.settings.data_dir, self.master_password)

    @cached_property
    def secrets(self) -> SecretService:
        from penguin_desktop.core.secrets.service import SecretService

        return SecretService(
            self.db, self.stores, services=self, load_procedures=_register_rotations
        )

    @cached_property
    def domains(self) -> DomainService:
        # Imported on first use like the secrets: dnspython, httpx and cryptography are not
        # needed to open the window.
        from penguin_desktop.core.domains.service import DomainService

        return DomainService(self.db, self.secrets)

    @cached_property
    def locks(self) -> ResourceLocks:
        """One job at a time per server, shared by every service of this process."""
        return ResourceLocks()

    @cached_property
    def servers(self) -> ServerService:
        # paramiko is imported on first use, like the secrets.
        from penguin_desktop.core.servers.service import ServerService

        # Provisioning's reverse-DNS step asks the DNS server the domain checks ask; the domain
        # service is built only when a run gets there.
        return ServerService(
            self.db, self.secrets, self.locks, resolver=lambda: self.domains.resolver_config()
        )

    @cached_property
    def domain_attach(self) -> DomainAttachService:
        from penguin_desktop.core.servers.attach import DomainAttachService

        return DomainAttachService(self.domains, self.servers)

    @cached_property
    def mailboxes(self) -> MailboxService:
        from penguin_desktop.core.mailboxes.service import MailboxService

        return MailboxService(self.db, self.secrets, self.servers)

    @cached_property
    def outside_mailboxes(self) -> OutsideMailboxService:
        from penguin_desktop.core.mailboxes.outside import OutsideMailboxService

        return OutsideMailboxService(self.db, self.secrets)

    @cached_property
    def sending(self) -> SendingService:
        from penguin_desktop.core.mailboxes.sending import SendingService

        return SendingService(self.db)

    @cached_property
    def monitoring(self) -> MonitoringService:
        from penguin_desktop.core.monitoring.service import MonitoringService

        return MonitoringService(
            self.db, lambda: self.secrets, lambda: self.servers, lambda: self.domains
        )

    @cached_property
    def plans(self) -> PlanService:
        from penguin_desktop.core.billing.plans import PlanService

        return PlanService(self.db)

    @cached_property
    def billing(self) -> BillingService:
        from penguin_desktop.core.billing.service import BillingService

        return BillingService(self.db, lambda: self.secrets)

    @cached_property
    def leads(self) -> LeadService:
        from penguin_desktop.core.campaigns.service import LeadService

        return LeadService(self.db)

    @cached_property
    def suppression(self) -> SuppressionService:
        from penguin_desktop.core.campaigns.suppression import SuppressionService

        return SuppressionService(self.db)

    @cached_property
    def compliance(self) -> ComplianceService:
        from penguin_desktop.core.campaigns.compliance import ComplianceService

        return ComplianceService(self.db)

    @cached_property
    def unsubscribe(self) -> UnsubscribeService:
        from penguin_desktop.core.campaigns.unsubscribe import UnsubscribeService

        return UnsubscribeService(self.db, self.secrets)

    @cached_property
    def campaigns(self) -> CampaignService:
        from penguin_desktop.core.campaigns.campaigns import CampaignService

        return CampaignService(self.db, self.sending)

    @cached_property
    def campaign_insight(self) -> CampaignInsight:
        from penguin_desktop.core.campaigns.insight import CampaignInsight

        return CampaignInsight(self.db, self.sending)

    @cached_property
    def sqlite_export(self) -> SqliteExportService:
        # sqlite-utils is imported on first use: only an export needs it.
        from penguin_desktop.core.portable.sqlite_export import SqliteExportService

        return SqliteExportService(self.db)

    def send_engine(self, ca_file: str | None = None) -> SendEngine:
        """A new engine each time: each run is its own engine in the ledger."""
        from penguin_desktop.core.campaigns.engine import SendEngine

        return SendEngine(self.db, self.sending, self.secrets, self.unsubscribe, ca_file=ca_file)

    @cached_property
    def bundles(self) -> BundleService:
        from penguin_desktop.core.portable.bundle import BundleService

        return BundleService(self.db, self.secrets)

    @cached_property
    def backups(self) -> BackupService:
        from penguin_desktop.core.portable.backup import BackupService

        return BackupService(self.db, self.settings.data_dir)

    @cached_property
    def backup_schedule(self) -> BackupScheduleService:
        from penguin_desktop.core.portable.schedule import BackupScheduleService

        return BackupScheduleService(self.db, self.settings.data_dir, self.secrets)

    def close(self) -> None:
        if "stores" in self.__dict__:
            self.stores.close()
        if "db" in self.__dict__:
            self.db.close()
