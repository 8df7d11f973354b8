"""`penguin lead ...`: import a CSV file of leads into a list, list and export segments, erase a
lead (GDPR)."""

from __future__ import annotations

from pathlib import Path

import click

from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.campaigns.models import ImportPreview, ImportReport
from penguin_desktop.core.platform.errors import ValidationError

WHERE_HELP = (
    "Only leads whose FIELD is VALUE (FIELD=VALUE) or contains it (FIELD~VALUE), ignoring "
    "case; a custom field by its name (repeat: all must match)."
)


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        column, equals, target = pair.partition("=")
        if not equals or not column.strip():
            raise ValidationError(f"{pair!r} is not COLUMN=FIELD", field="map")
        mapping[column.strip()] = target.strip()
    return mapping


@click.group("lead")
def lead() -> None:
    """Leads: CSV import into lists, segments by field filters, export, GDPR erasure."""


def _preview_text(p: ImportPreview) -> str:
    shown = {"\t": "tab"}.get(p.delimiter, p.delimiter)
    lines = [f"encoding: {p.encoding}", f"delimiter: {shown}", "columns:"]
    lines += [f"  {column} -> {field or '(dropped)'}" for column, field in p.mapping.items()]
    lines.append(f"first {len(p.rows)} rows:")
    lines += ["  " + ", ".join(f"{k}={v}" for k, v in row.items()) for row in p.rows]
    return "\n".join(lines)


def _report_text(r: ImportReport) -> str:
    lines = [
        f"{r.imported} of {r.rows} rows imported into list {r.list!r} of {r.workspace!r} "
        f"({r.existing} were leads already); {r.duplicates} duplicates, {r.invalid} invalid, "
        f"{r.suppressed} suppressed"
    ]
    lines += [f"  {reason}: {n}" for reason, n in r.reasons.items()]
    if r.needs_consent:
        lines.append(f"{r.needs_consent} imported leads need consent before they can be mailed")
    if r.rejects_file:
        lines.append(f"rejected rows, with their line numbers: {r.rejects_file}")
    return "\n".join(lines)


@lead.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--workspace", "-w", required=True, help="The client workspace.")
@click.option(
    "--list", "list_name", required=True, help="The list to add the leads to (made if new)."
)
@click.option(
    "--map",
    "pairs",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Read COLUMN into FIELD (a lead field or a custom field's name); COLUMN= drops the "
    "column. Unmapped columns are matched by their headers; the rest become custom fields.",
)
@click.option(
    "--rejects",
    type=click.Path(path_type=Path),
    help="Where to write the rejected rows with line number and reason "
    "(default FILE.rejected.csv beside FILE; written only when rows are rejected).",
)
@click.option(
    "--preview", is_flag=True, help="Show encoding, delimiter, mapping and 5 rows; import nothing."
)
@shared_options()
@pass_state
def import_(
    state: CliState,
    file: Path,
    workspace: str,
    list_name: str,
    pairs: tuple[str, ...],
    rejects: Path | None,
    preview: bool,
) -> None:
    """Import the leads of the CSV FILE into a list: addresses checked, duplicates (in the file,
    on the list) and suppressed addresses left out, each reason counted."""
    mapping = _mapping(pairs)
    service = state.container.leads
    with arguments("file"):
        if preview:
            shown = service.preview(file, mapping)
            emit_object(state, shown, _preview_text(shown))
            return
        report = service.import_file(state.actor(), workspace, list_name, file, mapping, rejects)
    emit_object(state, report, _report_text(report))


_COLUMNS = [
    ("email", "email"),
    ("first_name", "first name"),
    ("last_name", "last name"),
    ("company", "company"),
    ("country", "country"),
    ("lawful_basis", "lawful basis"),
    ("workspace", "workspace"),
]


@lead.command("list")
@click.option("--workspace", "-w", help="Only this workspace (default: every one you can see).")
@click.option("--list", "list_name", help="Only the leads on this list.")
@click.option("--where", multiple=True, metavar="FIELD=VALUE", help=WHERE_HELP)
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Show at most this many leads.")  # fmt: skip
@shared_options()
@pass_state
def list_(
    state: CliState,
    workspace: str | None,
    list_name: str | None,
    where: tuple[str, ...],
    limit: int,
) -> None:
    """List leads, oldest first: a segment by list and field filters."""
    rows = state.container.leads.leads(state.actor(), workspace, list_name, where, limit)
    emit_table(state, rows, _COLUMNS, "No leads match.")


@lead.command("export")
@click.option(
    "--out", required=True, type=click.Path(path_type=Path), help="The CSV file to write."
)
@click.option("--workspace", "-w", help="Only this workspace (default: every one you can see).")
@click.option("--list", "list_name", help="Only the leads on this list.")
@click.option("--where", multiple=True, metavar="FIELD=VALUE", help=WHERE_HELP)
@shared_options()
@pass_state
def export(
    state: CliState, out: Path, workspace: str | None, list_name: str | None, where: tuple[str, ...]
) -> None:
    """Export a segment to CSV: every lead field, then each custom field."""
    count = state.container.leads.export(state.actor(), out, workspace, list_name, where)
    emit_object(state, {"exported": count, "file": str(out)}, f"{count} leads written to {out}")


@lead.command("erase")
@click.argument("email")
@click.option("--workspace", "-w", required=True, help="The client workspace.")
@shared_options()
@pass_state
def erase(state: CliState, email: str, workspace: str) -> None:
    """Erase a lead's personal data (GDPR): the lead, its list entries and any suppression of
    the address in clear go; the address's SHA-256 stays suppressed so it is never imported
    again."""
    with arguments("email"):
        result = state.container.leads.erase(state.actor(), workspace, email)
    what = "erased" if result.found else "was not a lead; its hash is suppressed all the same"
    emit_object(state, result, f"{email.strip()} {what} in {result.workspace!r}")
