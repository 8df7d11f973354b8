"""After a domain or a mailbox is created: what the workspace is now over its plan's limits by.

A plan that only warns lets the creation through, and the page that created it says so at once
(a plan that blocks refused it before anything was made). Reading the plan is a quick read of
the mirror; a failure to read it must not turn a creation that worked into an error."""

from __future__ import annotations

import logging

from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.ui.shell.state import AppState

logger = logging.getLogger(__name__)


def over_plan(state: AppState, workspace: str) -> str | None:
    """One sentence for the page's message line, or None when the workspace is within its plan."""
    try:
        sentences = state.container.plans.over_limits(state.actor, workspace)
    except PenguinError as exc:
        logger.info("could not read the plan of %s: %s", workspace, exc.message)
        return None
    if not sentences:
        return None
    return "Over the plan: " + "; ".join(sentences) + " (see Billing, Plans & usage)"
