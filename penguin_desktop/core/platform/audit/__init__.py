"""The append-only, hash-chained audit trail every service writes to."""
