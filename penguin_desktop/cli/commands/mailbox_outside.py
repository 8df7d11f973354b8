"""`penguin mailbox connect|test|disconnect|outside|set-limits|pause|resume`: mailboxes hosted
elsewhere, and how fast any mailbox may send. `mailbox` adds `COMMANDS` to its group (kept
apart so that module stays about MailU)."""

from __future__ import annotations

import click

from penguin_desktop.cli.inputs import read_stdin_line
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.mailboxes.mailconn import MailServer, Tls
from penguin_desktop.core.mailboxes.models import SendingLimits

TLS_CHOICE = click.Choice([t.value for t in Tls], case_sensitive=False)
IMAPS_PORT, IMAP_PORT = 993, 143
WORKSPACE_HELP = "The client workspace (needed when the address is in several)."


def _limits_text(limits: SendingLimits) -> str:
    ramp = (
        f", warm-up from {limits.warmup_start} +{limits.warmup_step}/day"
        if limits.warmup_start
        else ""
    )
    paused = f"; paused: {limits.pause_reason}" if limits.paused_at else ""
    return (
        f"{limits.email}: {limits.daily_limit}/day, {limits.min_gap_seconds} s apart{ramp}, "
        f"pause above {limits.bounce_threshold:.1%} bounces{paused}"
    )


@click.command("connect")
@click.argument("email")
@click.option("--workspace", "-w", required=True, help="The client workspace it sends for.")
@click.option("--smtp-host", required=True, help="The SMTP server's host name.")
@click.option("--smtp-port", type=int, required=True, help="The SMTP port (587, 465, 25).")
@click.option("--smtp-tls", type=TLS_CHOICE, required=True, help="How SMTP is encrypted.")
@click.option("--smtp-user", help="The SMTP login (default: EMAIL).")
@click.option("--imap-host", help="The IMAP server's host name (replies and bounces).")
@click.option("--imap-port", type=int, help="The IMAP port (default 993 implicit, else 143).")
@click.option("--imap-tls", type=TLS_CHOICE, help="How IMAP is encrypted (default: implicit).")
@click.option("--imap-user", help="The IMAP login (default: the SMTP login).")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin.")
@click.option("--daily-limit", type=int, help="Emails a day at most (default 50).")
@click.option("--min-gap-seconds", type=int, help="Seconds between two emails (default 60).")
@shared_options()
@pass_state
def connect(
    state: CliState,
    email: str,
    workspace: str,
    smtp_host: str,
    smtp_port: int,
    smtp_tls: str,
    smtp_user: str | None,
    imap_host: str | None,
    imap_port: int | None,
    imap_tls: str | None,
    imap_user: str | None,
    password_stdin: bool,
    daily_limit: int | None,
    min_gap_seconds: int | None,
) -> None:
    """Connect a mailbox hosted elsewhere (Google, Microsoft 365, any SMTP/IMAP host); its
    password, one line on stdin, goes to the secret store. `mailbox test` then logs in."""
    password = read_stdin_line("mailbox password")
    smtp = MailServer(smtp_host, smtp_port, Tls(smtp_tls.lower()), smtp_user or email.strip())
    imap = None
    if imap_host:
        tls = Tls((imap_tls or Tls.IMPLICIT).lower())
        port = imap_port or (IMAPS_PORT if tls is Tls.IMPLICIT else IMAP_PORT)
        imap = MailServer(imap_host, port, tls, imap_user or smtp.user)
    info = state.container.outside_mailboxes.connect(
        state.actor(), workspace, email, smtp, imap, password,
        daily_limit=daily_limit, min_gap_seconds=min_gap_seconds,
    )  # fmt: skip
    emit_object(
        state,
        info,
        f"Connected {info.email}: SMTP {info.smtp_text}, IMAP {info.imap_text}; password in "
        f"secret {info.password_secret}",
    )


@click.command("test")
@click.argument("email")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False), help="CA bundle (PEM).")
@shared_options()
@pass_state
def test_logins(state: CliState, email: str, workspace: str | None, ca_file: str | None) -> None:
    """Log in to the mailbox's SMTP (and IMAP) server with its stored password, and out."""
    lines = state.container.outside_mailboxes.test(state.actor(), email, workspace, ca_file)
    emit_object(state, {"email": email, "logins": lines}, "\n".join(lines))


@click.command("disconnect")
@click.argument("email")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def disconnect(state: CliState, email: str, workspace: str | None) -> None:
    """Forget an outside mailbox, its limits and its password (the account is untouched)."""
    state.container.outside_mailboxes.disconnect(state.actor(), email, workspace)
    emit_object(state, {"disconnected": email}, f"Disconnected {email}")


@click.command("outside")
@click.option("--workspace", "-w", help="Only this workspace.")
@shared_options()
@pass_state
def outside(state: CliState, workspace: str | None) -> None:
    """List outside mailboxes with their servers and sending limits (never passwords)."""
    rows = state.container.outside_mailboxes.all(state.actor(), workspace)
    emit_table(
        state,
        rows,
        [
            ("workspace", "workspace"),
            ("email", "email"),
            ("smtp_text", "smtp"),
            ("imap_text", "imap"),
            ("daily_limit", "per day"),
            ("pause_reason", "paused"),
        ],
        "No outside mailboxes yet: penguin mailbox connect EMAIL --workspace NAME ...",
    )


@click.command("set-limits")
@click.argument("email")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@click.option("--daily-limit", type=int, help="Emails a day at most (1-100000).")
@click.option("--min-gap-seconds", type=int, help="Seconds between two emails (0-86400).")
@click.option("--warmup-start", type=int, help="Start a warm-up today at this many a day.")
@click.option("--warmup-step", type=int, help="Warm-up: add this many a day (1-1000).")
@click.option("--no-warmup", is_flag=True, help="Stop the warm-up: send at the daily limit.")
@click.option("--bounce-threshold", type=float, help="Pause above this bounce rate (0.02 = 2%).")
@shared_options()
@pass_state
def set_limits(
    state: CliState,
    email: str,
    workspace: str | None,
    daily_limit: int | None,
    min_gap_seconds: int | None,
    warmup_start: int | None,
    warmup_step: int | None,
    no_warmup: bool,
    bounce_threshold: float | None,
) -> None:
    """Change how fast a mailbox (MailU or outside) may send; what is not given is kept."""
    limits = state.container.sending.set_limits(
        state.actor(), email, workspace, daily_limit=daily_limit,
        min_gap_seconds=min_gap_seconds, warmup_start=warmup_start, warmup_step=warmup_step,
        bounce_threshold=bounce_threshold, no_warmup=no_warmup,
    )  # fmt: skip
    emit_object(state, limits, _limits_text(limits))


@click.command("pause")
@click.argument("email")
@click.option("--reason", required=True, help="Why it stops sending (shown with the mailbox).")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def pause(state: CliState, email: str, reason: str, workspace: str | None) -> None:
    """Stop every campaign sending from a mailbox until it is resumed."""
    limits = state.container.sending.pause(state.actor(), email, workspace, reason)
    emit_object(state, limits, f"Paused {limits.email}: {limits.pause_reason}")


@click.command("resume")
@click.argument("email")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def resume(state: CliState, email: str, workspace: str | None) -> None:
    """Let campaigns send from a paused mailbox again."""
    limits = state.container.sending.resume(state.actor(), email, workspace)
    emit_object(state, limits, f"Resumed {limits.email}")


@click.command("domain-limit")
@click.argument("domain")
@click.option("--workspace", "-w", required=True, help="The client workspace it sends for.")
@click.option("--daily-limit", type=int, help="Emails a day at most from all its mailboxes.")
@click.option("--none", "no_limit", is_flag=True, help="Remove the domain's cap.")
@shared_options()
@pass_state
def domain_limit(
    state: CliState, domain: str, workspace: str, daily_limit: int | None, no_limit: bool
) -> None:
    """Cap what all mailboxes of the sending DOMAIN send together in 24 hours."""
    if (daily_limit is None) == (not no_limit):
        raise click.UsageError("give --daily-limit N, or --none to remove the cap")
    kept = state.container.sending.set_domain_limit(state.actor(), workspace, domain, daily_limit)
    shown = f"{kept} a day" if kept is not None else "no cap"
    emit_object(state, {"domain": domain, "daily_limit": kept}, f"{domain}: {shown}")


COMMANDS = (connect, test_logins, disconnect, outside, set_limits, pause, resume, domain_limit)
