"""Append-only, hash-chained audit trail: append, verify, query and export."""
