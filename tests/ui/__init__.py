"""GUI tests (pytest-qt)."""
