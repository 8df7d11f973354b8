"""The table of secret references: what each column says, and the rotation badge.

Dates show the day; the tooltip has the minute. Labels come from `labels`, which has one for
every kind of secret core knows, so no row can fail to paint.
"""

from __future__ import annotations

from datetime import datetime

from penguin_desktop.core.secrets.models import SecretRefInfo
from penguin_desktop.ui.secrets.labels import backend_label, kind_label, policy_text
from penguin_desktop.ui.widgets.badge_delegate import WARNING, BadgeStyle
from penguin_desktop.ui.widgets.formatting import local_time
from penguin_desktop.ui.widgets.list_model import Column

DUE_TEXT = "Rotation due"


def rotation_text(ref: SecretRefInfo) -> str:
    if ref.due:
        return DUE_TEXT
    if ref.due_at is None:
        return "—"
    return f"Next {local_time(ref.due_at)[:10]}"


def rotation_tip(ref: SecretRefInfo) -> str:
    if ref.due_at is None:
        return "No rotation schedule: replace the value when you need to"
    if ref.due:
        return f"Rotation was due on {local_time(ref.due_at)}: replace the value"
    return f"Rotation due on {local_time(ref.due_at)}"


def day(value: datetime | None) -> str:
    """Dates in the table; the minute is in the tooltip."""
    return local_time(value)[:10]


COLUMNS: tuple[Column[SecretRefInfo], ...] = (
    Column("Workspace", lambda s: s.workspace),
    Column("Name", lambda s: s.name, lambda s: f"{s.name} in {s.workspace}"),
    Column("Kind", lambda s: kind_label(s.kind)),
    Column("Backend", lambda s: backend_label(s.backend)),
    Column("Created", lambda s: day(s.created_at), lambda s: local_time(s.created_at)),
    Column(
        "Last rotated", lambda s: day(s.last_rotated_at), lambda s: local_time(s.last_rotated_at)
    ),
    Column(
        "Last accessed",
        lambda s: day(s.last_accessed_at) or "Never",
        lambda s: local_time(s.last_accessed_at) or "Nobody has read the value yet",
    ),
    Column("Rotation policy", lambda s: policy_text(s.rotation_days)),
    Column("Rotation", rotation_text, rotation_tip),
)
WORKSPACE_COLUMN = 0
ROTATION_COLUMN = len(COLUMNS) - 1


def badge(row: object) -> BadgeStyle | None:
    return WARNING if isinstance(row, SecretRefInfo) and row.due else None
