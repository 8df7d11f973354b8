"""Alembic environment: always run in-process on a connection the store hands over.

The metadata it compares against is whole only with every capability's tables imported
(env_tables).
"""

from __future__ import annotations

from alembic import context

import penguin_desktop.core.platform.store.migrations.env_tables  # noqa: F401
from penguin_desktop.core.platform.store.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
