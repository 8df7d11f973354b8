"""The `penguin` command line: a thin face over the core services."""
