"""Alembic revisions of the one schema; the only platform code that knows every capability's
tables."""
