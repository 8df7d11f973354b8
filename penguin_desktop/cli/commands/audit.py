"""`penguin audit ...`: read, verify, sign and export the tamper-evident audit trail."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.progress import progress
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.audit.digest import display_time
from penguin_desktop.core.audit.export import ExportFormat
from penguin_desktop.core.audit.models import AuditFilter, VerifyResult
from penguin_desktop.core.platform.errors import PenguinError, ValidationError

F = TypeVar("F", bound=Callable[..., Any])


class ChainBroken(PenguinError):
    """Verification found tampering; the message names the first bad entry."""


def parse_when(raw: str | None, *, end: bool) -> datetime | None:
    """YYYY-MM-DD (a whole day; --until includes it) or an ISO date-time (UTC if no zone)."""
    if raw is None:
        return None
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end else start
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"not a date: {raw!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+ZZ:ZZ])"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _filters(
    workspace: str | None,
    actor: str | None,
    action: str | None,
    since: str | None,
    until: str | None,
) -> AuditFilter:
    flt = AuditFilter(
        workspace=workspace,
        actor=actor,
        action=action,
        since=parse_when(since, end=False),
        until=parse_when(until, end=True),
    )
    if flt.since and flt.until and flt.since >= flt.until:
        raise ValidationError("--since must be before --until")
    return flt


def filter_options(func: F) -> F:
    """--workspace, --actor, --action, --since, --until: the filters every audit command takes."""
    for opt in reversed(
        [
            click.option("--workspace", "-w", help="Only this workspace."),
            click.option("--actor", metavar="EMAIL", help="Only this actor."),
            click.option("--action", help="Only this action (prefix with a trailing '*')."),
            click.option("--since", metavar="DATE", help="From this date (UTC)."),
            click.option("--until", metavar="DATE", help="Up to and including this date."),
        ]
    ):
        func = opt(func)
    return func


@click.group("audit")
def audit() -> None:
    """Read, verify and export the audit trail."""


@audit.command("list")
@filter_options
@click.option(
    "--limit",
    default=100,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Show at most this many events.",
)
@shared_options()
@pass_state
def list_(
    state: CliState,
    workspace: str | None,
    actor: str | None,
    action: str | None,
    since: str | None,
    until: str | None,
    limit: int,
) -> None:
    """List audit events, newest first."""
    flt = _filters(workspace, actor, action, since, until)
    rows = state.container.audit.page(state.actor(), flt, limit=limit)
    emit_table(
        state,
        rows,
        [
            ("seq", "#"),
            ("ts", "time"),
            ("actor", "actor"),
            ("workspace", "workspace"),
            ("action", "action"),
            ("target", "target"),
            ("outcome", "result"),
            ("summary", "change"),
        ],
        "No audit events match.",
    )


def _unlock_when_answered(state: CliState) -> None:
    """Open an existing secrets file when PENGUIN_MASTER_PASSWORD answers for it, so verify and
    export can sign the head they report on: they never prompt for the password themselves."""
    if os.environ.get("PENGUIN_MASTER_PASSWORD") and state.container.secrets.file_state().exists:
        state.container.secrets.open_file(state.actor())


def _intact(result: VerifyResult) -> str:
    text = f"Audit chain intact: {result.checked:,} entries, head {result.head_hash}"
    signed = result.checkpoint
    if signed is None:
        return text + "; no signed checkpoint to check it against yet"
    return (
        f"{text}; entry {signed.seq} carries the hash signed on {display_time(signed.ts)} UTC "
        f"(the newest checkpoint, kept in {result.checkpoint_source})"
    )


@audit.command("verify")
@shared_options()
@pass_state
def verify(state: CliState) -> None:
    """Check the hash chain against the newest signed checkpoint; names the first edited,
    deleted or reordered entry, or the checkpoint a rewritten trail no longer matches."""
    _unlock_when_answered(state)
    with progress(state) as ctx:
        result = state.container.audit.verify(state.actor(), ctx)
    if not result.ok:
        if state.json:
            emit_object(state, result, "")
        raise ChainBroken(f"audit chain broken at entry {result.first_bad_seq}: {result.problem}")
    emit_object(state, result, _intact(result))


@audit.command("checkpoint")
@shared_options()
@pass_state
def checkpoint(state: CliState) -> None:
    """Sign the chain's head now and keep the checkpoint outside the database (the file beside
    it, and Vault when secrets live there). Done every 100 entries anyway where the secret
    store opens without a password."""
    signed = state.container.audit.checkpoint(state.actor())
    when = display_time(signed.ts)
    emit_object(state, signed, f"Signed checkpoint: entry {signed.seq}, {signed.hash} ({when} UTC)")


@audit.command("public-key")
@shared_options()
@pass_state
def public_key(state: CliState) -> None:
    """Print the public key that checks the trail's signed checkpoints (Ed25519, base64): keep
    it apart from the database to check reports with."""
    key = state.container.audit.public_key(state.actor())
    emit_object(state, {"public_key": key}, key)


@audit.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ExportFormat]),
    required=True,
    help="Report format.",
)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="File to write.")
@filter_options
@shared_options()
@pass_state
def export(
    state: CliState,
    fmt: str,
    out: str,
    workspace: str | None,
    actor: str | None,
    action: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """Export an audit report (CSV, JSON or PDF) with the chain head hash and the newest signed
    checkpoint (for CSV in FILE.signed-head.json beside it)."""
    flt = _filters(workspace, actor, action, since, until)
    _unlock_when_answered(state)
    with progress(state) as ctx:
        result = state.container.audit.export(state.actor(), ExportFormat(fmt), Path(out), flt, ctx)
    text = f"Exported {result.rows:,} events to {result.path} (chain head {result.head_hash})"
    if result.signed is None:
        text += "; no signed checkpoint could be included"
    else:
        text += f"; signed head: entry {result.signed.seq}"
        if result.signed_head_path:
            text += f" in {result.signed_head_path}"
    emit_object(state, result, text)
