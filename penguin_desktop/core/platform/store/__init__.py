"""Persistence: SQLAlchemy engine (SQLite WAL or PostgreSQL), tables, migrations."""
