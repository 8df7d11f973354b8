"""`penguin suppression ...` and `penguin compliance ...`: who is never mailed, and what the
law asks of a workspace's emails (sender details, consent by country)."""

from __future__ import annotations

import click

from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.campaigns.models import SuppressionReason
from penguin_desktop.core.platform.errors import PenguinError, ValidationError


def _scope(workspace: str | None, agency: bool) -> str | None:
    if agency == (workspace is not None):
        raise ValidationError("name a workspace or the agency, not both", field="workspace")
    return workspace


_WS = "The client workspace."
_AGENCY = "The agency-wide list (every workspace) instead of one workspace's."


@click.group("suppression")
def suppression() -> None:
    """Addresses and whole domains never mailed, per workspace or agency-wide."""


@suppression.command("add")
@click.argument("value")
@click.option("--workspace", "-w", help=_WS)
@click.option("--agency", is_flag=True, help=_AGENCY)
@click.option(
    "--reason",
    type=click.Choice([r.value for r in SuppressionReason if r != SuppressionReason.ERASURE]),
    default="manual",
    show_default=True,
    help="Why it is suppressed.",
)
@shared_options()
@pass_state
def add(state: CliState, value: str, workspace: str | None, agency: bool, reason: str) -> None:
    """Suppress VALUE, an address or a whole domain (its subdomains too)."""
    with arguments("value"):
        entry = state.container.suppression.add(
            state.actor(), value, _scope(workspace, agency), SuppressionReason(reason)
        )
    where = f"workspace {entry.workspace!r}" if entry.workspace else "the agency"
    emit_object(state, entry, f"{entry.value} ({entry.kind}) is suppressed for {where}")


@suppression.command("list")
@click.option("--workspace", "-w", help=_WS + " Its entries and the agency's are shown.")
@click.option("--agency", is_flag=True, help="Only the agency-wide entries.")
@shared_options()
@pass_state
def list_(state: CliState, workspace: str | None, agency: bool) -> None:
    """List suppressed addresses, domains and erasure hashes."""
    rows = state.container.suppression.entries(state.actor(), _scope(workspace, agency))
    columns = [("value", "value"), ("kind", "kind"), ("reason", "reason"),
               ("workspace", "workspace"), ("added_at", "added"), ("added_by", "by")]  # fmt: skip
    emit_table(state, rows, columns, "Nothing is suppressed.")


@suppression.command("remove")
@click.argument("value")
@click.option("--workspace", "-w", help=_WS)
@click.option("--agency", is_flag=True, help=_AGENCY)
@shared_options()
@pass_state
def remove(state: CliState, value: str, workspace: str | None, agency: bool) -> None:
    """Take VALUE (an address or a domain) off the suppression list."""
    with arguments("value"):
        state.container.suppression.remove(state.actor(), value, _scope(workspace, agency))
    emit_object(state, {"removed": value.strip()}, f"{value.strip()} is no longer suppressed")


@click.group("compliance")
def compliance() -> None:
    """What the law asks of a workspace's emails: sender details, consent by country."""


@compliance.command("set")
@click.option("--workspace", "-w", required=True, help=_WS)
@click.option("--postal-address", required=True, help="The sender's postal address.")
@click.option("--unsubscribe-url", required=True, help="The unsubscribe page (https).")
@shared_options()
@pass_state
def set_(state: CliState, workspace: str, postal_address: str, unsubscribe_url: str) -> None:
    """Set the postal address and unsubscribe link every email of the workspace carries."""
    info = state.container.compliance.set(state.actor(), workspace, postal_address, unsubscribe_url)
    emit_object(state, info, f"{info.workspace!r}: {info.postal_address} / {info.unsubscribe_url}")


@compliance.command("countries")
@click.option("--set", "country", metavar="CC", help="Change this country (ISO 3166 code).")
@click.option(
    "--needs-consent",
    type=click.Choice(["yes", "no"]),
    help="With --set: whether its leads need prior consent (lawful basis consent) to be mailed.",
)
@shared_options()
@pass_state
def countries(state: CliState, country: str | None, needs_consent: str | None) -> None:
    """List the countries whose leads need prior consent even for B2B email, or change one
    (an extra beside the issue's commands: the list is a setting, not code)."""
    service = state.container.compliance
    if country is not None:
        if needs_consent is None:
            raise ValidationError("say whether the country needs consent", field="needs_consent")
        try:
            row = service.set_country(state.actor(), country, needs_consent == "yes")
        except PenguinError as exc:
            if exc.field == "country":
                exc.field = "set"
            raise
        word = "needs" if row.needs_consent else "does not need"
        emit_object(state, row, f"{row.country} {word} prior consent")
        return
    if needs_consent is not None:
        raise ValidationError("name the country to change", field="set")
    rows = [r for r in service.countries(state.actor()) if r.needs_consent]
    emit_table(state, rows, [("country", "country"), ("needs_consent", "needs consent")],
               "No country needs prior consent.")  # fmt: skip
