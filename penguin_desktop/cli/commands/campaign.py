"""`penguin campaign ...`: campaigns over a lead list and the workspace's mailboxes, their
steps and A/B variants, start and pause, the send engine (`run`), previews, the next day's
forecast and the results."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.progress import progress, stop_on_signals
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.campaigns.models import CampaignInfo, CampaignStats, RunReport
from penguin_desktop.core.platform.errors import ValidationError

WORKSPACE_HELP = "The client workspace the campaign belongs to."
MAX_BODY = 1024 * 1024


def _read(path: Path, what: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            f"cannot read the {what} {path}: {exc.strerror}", field=what
        ) from None
    if len(data) > MAX_BODY:
        raise ValidationError(f"the {what} {path} is over 1 MiB", field=what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"the {what} {path} is not UTF-8 text", field=what) from None


def _show(info: CampaignInfo) -> str:
    lines = [
        f"{info.name} ({info.workspace}): {info.status}, list {info.list!r}, {info.leads} leads",
        f"  mailboxes: {', '.join(info.mailboxes)}",
        f"  window: {info.window} ({info.timezone})",
        f"  daily limit: {info.daily_limit or 'none'}; per recipient domain: "
        f"{info.recipient_domain_limit or 'none'}",
    ]
    for step in info.steps:
        lines.append(f"  step {step.position} (after {step.delay_days} business days):")
        lines += [f"    {v.name}: {v.subject}" for v in step.variants]
    if not info.steps:
        lines.append("  no steps yet: penguin campaign step add")
    return "\n".join(lines)


@click.group("campaign")
def campaign() -> None:
    """Campaigns: sequences sent through the workspace's mailboxes within every limit."""


@campaign.command("create")
@click.argument("name")
@click.option("--workspace", "-w", required=True, help=WORKSPACE_HELP)
@click.option("--list", "list_name", required=True, help="The lead list the campaign mails.")
@click.option(
    "--mailbox", "mailboxes", multiple=True, required=True,
    help="A mailbox to send through (repeat: the campaign rotates over them).",
)  # fmt: skip
@click.option(
    "--window", default="Mon-Fri 09:00-17:00", show_default=True,
    help="The days and hours it may send, e.g. 'Mon-Fri 09:00-17:00'.",
)  # fmt: skip
@click.option(
    "--timezone", default="UTC", show_default=True,
    help="The window's time zone (e.g. Europe/Berlin), or 'lead' for each lead's own.",
)  # fmt: skip
@click.option("--daily-limit", type=int, help="At most this many sends in 24 hours.")
@click.option(
    "--recipient-domain-limit", type=int,
    help="At most this many sends to one recipient domain in 24 hours.",
)  # fmt: skip
@shared_options()
@pass_state
def create(
    state: CliState, name: str, workspace: str, list_name: str, mailboxes: tuple[str, ...],
    window: str, timezone: str, daily_limit: int | None, recipient_domain_limit: int | None,
) -> None:  # fmt: skip
    """Create a campaign (a draft: add steps, then start it)."""
    with arguments("name"):
        info = state.container.campaigns.create(
            state.actor(), workspace, name, list_name, mailboxes, window, timezone,
            daily_limit, recipient_domain_limit,
        )  # fmt: skip
    emit_object(state, info, f"Created campaign {info.name!r}.\n{_show(info)}")


@campaign.group("step")
def step() -> None:
    """A campaign's steps and their A/B variants."""


@step.command("add")
@click.argument("campaign_name", metavar="CAMPAIGN")
@click.option("--workspace", "-w", required=True, help=WORKSPACE_HELP)
@click.option("--subject", required=True, help="The subject ({{tokens}} and {spin|tax} work).")
@click.option(
    "--body-file", type=click.Path(path_type=Path), required=True,
    help="The plain-text body, a UTF-8 file.",
)  # fmt: skip
@click.option("--html-file", type=click.Path(path_type=Path), help="An optional HTML body.")
@click.option("--delay-days", type=int, help="Business days after the previous step (default 0).")
@click.option(
    "--variant",
    help="Add an A/B variant of this name to the last step (or to --step N) instead of a step.",
)
@click.option("--step", "step_number", type=int, help="The step (1-based) to add the variant to.")
@shared_options()
@pass_state
def step_add(
    state: CliState, campaign_name: str, workspace: str, subject: str, body_file: Path,
    html_file: Path | None, delay_days: int | None, variant: str | None,
    step_number: int | None,
) -> None:  # fmt: skip
    """Add a step to CAMPAIGN, or with --variant an A/B variant of its last step (or --step N)."""
    body = _read(body_file, "body file")
    html = _read(html_file, "HTML file") if html_file else None
    with arguments("campaign"):
        info = state.container.campaigns.add_step(
            state.actor(), workspace, campaign_name, subject, body, html, delay_days, variant,
            step_number,
        )  # fmt: skip
    emit_object(state, info, _show(info))


def _state_command(verb: str, doc: str) -> None:
    @campaign.command(verb, help=doc)
    @click.argument("campaign_name", metavar="CAMPAIGN")
    @click.option("--workspace", "-w", required=True, help=WORKSPACE_HELP)
    @shared_options()
    @pass_state
    def command(state: CliState, campaign_name: str, workspace: str) -> None:
        service = state.container.campaigns
        with arguments("campaign"):
            info = getattr(service, verb)(state.actor(), workspace, campaign_name)
        emit_object(state, info, _show(info))


_state_command("start", "Start sending CAMPAIGN (its list's leads are enrolled).")
_state_command("pause", "Pause sending CAMPAIGN; its leads keep their place.")
_state_command("show", "Show CAMPAIGN: mailboxes, window, limits, steps and variants.")


@campaign.command("list")
@click.option("--workspace", "-w", help="Only this workspace.")
@shared_options()
@pass_state
def list_(state: CliState, workspace: str | None) -> None:
    """List campaigns with their status and leads."""
    rows = state.container.campaigns.all(state.actor(), workspace)
    emit_table(
        state, rows,
        [("workspace", "workspace"), ("name", "name"), ("status", "status"), ("list", "list"),
         ("leads", "leads"), ("window", "window"), ("timezone", "timezone")],
        "No campaigns yet: penguin campaign create",
    )  # fmt: skip


@campaign.command("unknown")
@click.argument("campaign_name", metavar="CAMPAIGN")
@click.option("--workspace", "-w", required=True, help=WORKSPACE_HELP)
@click.option(
    "--resend", "decision", flag_value="resend",
    help="Send them again (only to leads that have not moved on since).",
)  # fmt: skip
@click.option("--mark-sent", "decision", flag_value="sent", help="Record them as sent.")
@shared_options()
@pass_state
def unknown(state: CliState, campaign_name: str, workspace: str, decision: str | None) -> None:
    """Settle the sends a crash left unclear (neither found in the Sent folder nor refused):
    CAMPAIGN's `unknown` sends are recorded as sent, or sent again."""
    if decision is None:
        raise click.UsageError("say what to do with them: --resend or --mark-sent")
    with arguments("campaign"):
        count = state.container.campaigns.settle_unknown(
            state.actor(), workspace, campaign_name, resend=decision == "resend"
        )
    verb = "handed back for sending" if decision == "resend" else "recorded as sent"
    emit_object(state, {"settled": count, "decision": decision}, f"{count} unknown sends {verb}.")


def _run_text(r: RunReport) -> str:
    lines = [f"Sent {r.sent}, failed {r.failed}."]
    if r.held_by:
        lines.append("Held: " + ", ".join(f"{n} by {k}" for k, n in sorted(r.held_by.items())))
    if r.blocked_by:
        lines.append("Blocked: " + "; ".join(f"{n} ({k})" for k, n in sorted(r.blocked_by.items())))
    if r.reconciled:
        lines.append("After a crash: " + ", ".join(f"{n} {k}" for k, n in r.reconciled.items()))
    if r.inbox:
        lines.append("Inboxes: " + ", ".join(f"{n} {k}" for k, n in sorted(r.inbox.items())))
    for email, reason in r.paused_mailboxes.items():
        lines.append(f"Paused {email}: {reason}")
    return "\n".join(lines)


@campaign.command("run")
@click.option("--once", is_flag=True, help="Send what is due now within every limit, then exit.")
@click.option("--workspace", "-w", help="Only this workspace's campaigns (default: all yours).")
@click.option("--ca-file", help="A CA bundle for the mail servers' certificates.")
@shared_options()
@pass_state
def run(state: CliState, once: bool, workspace: str | None, ca_file: str | None) -> None:
    """The send engine: passes until stopped (Ctrl-C or SIGTERM finish the message under way),
    or one pass with --once."""
    actor = state.actor()
    engine = state.container.send_engine(ca_file)

    def on_pass(report: RunReport) -> None:
        """A long-running engine's log: one line per pass that did something."""
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"{stamp} " + _run_text(report).replace("\n", "; "), err=True)

    if not once:
        click.echo("Sending the active campaigns within their limits; Ctrl-C stops.", err=True)
    with progress(state) as job, stop_on_signals(job.cancel):
        report = engine.run(actor, workspace, once=once, ctx=job, on_pass=None if once else on_pass)
    emit_object(state, report, _run_text(report))


def _stats_text(s: CampaignStats) -> str:
    lines = [
        f"{s.campaign} ({s.workspace}): {s.status}; {s.leads} leads, {s.active} active, "
        f"{s.finished} finished the sequence",
    ]
    if s.stopped:
        lines.append("Stopped or blocked: " + ", ".join(f"{n} {k}" for k, n in s.stopped.items()))
    for v in s.variants:
        lines.append(
            f"  step {v.step} {v.variant}: sent {v.sent}, failed {v.failed}, unknown {v.unknown}, "
            f"bounced {v.bounced}, replied {v.replied} ({v.reply_rate:.1%}), unsubscribed "
            f"{v.unsubscribed}, complaints {v.complained}"
        )
    if s.deferred_by:
        lines.append(
            "Deferred by limit: " + ", ".join(f"{k} {n}" for k, n in s.deferred_by.items())
        )
    if s.blocked_by:
        lines.append("Blocked by rule: " + "; ".join(f"{k} {n}" for k, n in s.blocked_by.items()))
    lines += [f"  A/B step {ab.step}: {ab.note}" for ab in s.ab]
    return "\n".join(lines)


@campaign.command("stats")
@click.argument("campaign_name", metavar="CAMPAIGN")
@click.option("--workspace", "-w", required=True, help=WORKSPACE_HELP)
@shared_options()
@pass_state
def stats(state: CliState, campaign_name: str, workspace: str) -> None:
    """CAMPAIGN's results per step and variant, deferrals by limit, blocks by rule, and the
    A/B verdicts."""
    with arguments("campaign"):
        result = state.container.campaign_insight.stats(state.actor(), workspace, campaign_name)
    emit_object(state, result, _stats_text(result))


@campaign.command("preview")
@click.argument("campaign_name", metavar="CAMPAIGN")
@click.option("--workspace", "-w", required=True, help=WORKSPACE_HELP)
@click.option("--lead", "lead_email", required=True, help="The lead's address.")
@click.option("--step", "step_number", type=int, default=1, show_default=True, help="Which step.")
@shared_options()
@pass_state
def preview(
    state: CliState, campaign_name: str, workspace: str, lead_email: str, step_number: int
) -> None:
    """The message a lead would get from CAMPAIGN for a step, or the rule that blocks it."""
    with arguments("campaign"):
        shown = state.container.campaign_insight.preview(
            state.actor(), workspace, campaign_name, lead_email, step_number
        )
    head = f"Step {shown.step}, variant {shown.variant}, from {shown.sender or '-'}"
    if shown.blocked:
        text = f"{head}\nBLOCKED: {shown.blocked}"
    else:
        text = f"{head}\nSubject: {shown.subject}\n\n{shown.text}"
    emit_object(state, shown, text)


@campaign.command("plan")
@click.option("--workspace", "-w", required=True, help=WORKSPACE_HELP)
@shared_options()
@pass_state
def plan(state: CliState, workspace: str) -> None:
    """The next 24 hours' sends as the engine would make them, per mailbox, and what holds the
    rest."""
    day = state.container.campaign_insight.plan_day(state.actor(), workspace)
    lines = [f"{day.planned} of {day.due} due leads would be sent in the next 24 hours."]
    lines += [f"  {email}: {n}" for email, n in sorted(day.by_mailbox.items())]
    if day.held_by:
        lines.append("Held: " + ", ".join(f"{n} by {k}" for k, n in sorted(day.held_by.items())))
    emit_object(state, day, "\n".join(lines))
