"""Limits on creating more of something in a workspace, asked by the capabilities that create it
and answered by whichever capability knows the limits.

Billing knows a workspace's plan, but domains and mailboxes come before billing in the arrows
and may not import it. So the platform holds the question: the database carries one `Quotas`
registry, billing registers a guard on it (the container does so when it opens the database),
and a service asks `db.quotas.require(session, workspace_id, DOMAINS)` in the transaction that
inserts the row. With no guard registered, or a workspace without a plan, nothing is limited.

A guard refuses by raising `LimitReached`; going over a limit that only warns is not a refusal,
and the faces read it from the plan's usage after the fact.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from penguin_desktop.core.platform.errors import Remedy, ValidationError

DOMAINS = "domains"
MAILBOXES = "mailboxes"
EMAILS_MONTH = "emails_month"
RESOURCES = (DOMAINS, MAILBOXES, EMAILS_MONTH)

# What a limit counts, in words: (one, many).
NOUNS: dict[str, tuple[str, str]] = {
    DOMAINS: ("sending domain", "sending domains"),
    MAILBOXES: ("mailbox", "mailboxes"),
    EMAILS_MONTH: ("email a month", "emails a month"),
}

# A guard is asked (session, workspace id, resource, how many are being added) and raises
# LimitReached to refuse; it returns nothing when the creation may go ahead.
Guard = Callable[[Session, int, str, int], None]


def counted(resource: str, count: int) -> str:
    """`count` of `resource` in words: "1 sending domain", "5 mailboxes"."""
    one, many = NOUNS.get(resource, (resource, resource))
    return f"{count} {one if count == 1 else many}"


def over_words(workspace: str, plan: str, resource: str, limit: int, used: int) -> str:
    """The sentence both a refusal and a warning say: which plan allows how many, and how many
    the workspace has."""
    allows = counted(resource, limit)
    return f"the workspace {workspace}'s plan {plan} allows {allows} and it has {used}"


class LimitReached(ValidationError):
    """Creating more would go over a limit that refuses (a plan in block mode). The message
    names the workspace, the plan, the limit and how many there are; the remedy points at the
    workspace's plan usage."""

    def __init__(self, *, workspace: str, plan: str, resource: str, limit: int, used: int) -> None:
        super().__init__(
            over_words(workspace, plan, resource, limit, used),
            value=limit,
            remedy=Remedy("plan.usage", fields=(("workspace", workspace),)),
        )
        self.workspace = workspace
        self.plan = plan
        self.resource = resource
        self.limit = limit
        self.used = used


class Quotas:
    """The guards one database's writers consult before creating something limited."""

    def __init__(self) -> None:
        self._guards: dict[str, Guard] = {}

    def register(self, name: str, guard: Guard) -> None:
        """Add (or replace) the guard called `name`: registering twice keeps one."""
        self._guards[name] = guard

    def unregister(self, name: str) -> None:
        self._guards.pop(name, None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._guards)

    def require(self, session: Session, workspace_id: int, resource: str, adding: int = 1) -> None:
        """Ask every guard whether `adding` more of `resource` may be created in the workspace;
        a refusal raises LimitReached inside the caller's transaction, so nothing is written."""
        if resource not in RESOURCES:
            raise ValueError(f"unknown limited resource {resource!r}")
        for guard in list(self._guards.values()):
            guard(session, workspace_id, resource, adding)
