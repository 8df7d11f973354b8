"""Use cases: the only door into the core. Each takes the acting user, checks the role against
the permission matrix, writes the audit trail, and returns domain objects."""
