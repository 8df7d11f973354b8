"""Every capability's tables on the one metadata: the migrations are the one place in the
platform that knows them all (the layering test allows it here and nowhere else)."""

import penguin_desktop.core.accounts.tables
import penguin_desktop.core.billing.tables
import penguin_desktop.core.campaigns.sending_tables
import penguin_desktop.core.campaigns.tables
import penguin_desktop.core.domains.tables
import penguin_desktop.core.mailboxes.tables
import penguin_desktop.core.monitoring.tables
import penguin_desktop.core.secrets.tables
import penguin_desktop.core.servers.tables  # noqa: F401
