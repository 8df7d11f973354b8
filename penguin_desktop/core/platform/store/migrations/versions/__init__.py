"""One Alembic revision per file, in order."""
