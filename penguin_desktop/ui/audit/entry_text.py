"""How an audit event reads in the console, in the table and the detail pane alike: the action
in words (core's `actions`, so the console, the PDF report and the CLI say the same), the change
as lines (core's `changes`), where it happened and how it ended."""

from __future__ import annotations

from penguin_desktop.core.audit.actions import action_words
from penguin_desktop.core.audit.changes import change_lines
from penguin_desktop.core.audit.models import AuditEntry
from penguin_desktop.ui.widgets.formatting import outcome_text

FACES = {"gui": "the desktop console", "cli": "the command line", "system": "the program itself"}
ORGANIZATION = "(organization)"


def action_text(entry: AuditEntry) -> str:
    """What happened, or for a denial what was attempted."""
    return action_words(entry.action, denied=entry.outcome != "ok")


def change_lines_of(entry: AuditEntry) -> list[str]:
    """The summary as "field: value" lines; a summary that is not JSON (written by hand or by
    an older program) is shown as it is."""
    try:
        return change_lines(entry.summary, entry.action, entry.target)
    except ValueError:
        return [entry.summary] if entry.summary else []


def change_text(entry: AuditEntry) -> str:
    return " · ".join(change_lines_of(entry))


def workspace_text(entry: AuditEntry) -> str:
    return entry.workspace or ORGANIZATION


def result_text(entry: AuditEntry) -> str:
    return outcome_text(entry.outcome)


def face_text(face: str) -> str:
    words = FACES.get(face)
    return f"{words} ({face})" if words else face
