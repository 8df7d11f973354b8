"""The audit log page, its filter bar and lazy model."""
