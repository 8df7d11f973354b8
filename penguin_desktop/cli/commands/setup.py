"""`penguin init`: the first run, and `penguin roles`: the permission matrix."""

from __future__ import annotations

import os
import sys

import click

from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object
from penguin_desktop.cli.state import CliState, pass_state, prompt_secret
from penguin_desktop.core.platform.models import Face
from penguin_desktop.core.platform.permissions import matrix_markdown


@click.command("init")
@click.option("--org", "org_name", required=True, help="The agency's name.")
@click.option("--owner-email", required=True, help="Email of the owner account to create.")
@shared_options(identity=False)
@pass_state
def init(state: CliState, org_name: str, owner_email: str) -> None:
    """Create the organization and its owner account (password from PENGUIN_PASSWORD or a
    prompt)."""
    password = os.environ.get("PENGUIN_PASSWORD") or prompt_secret("Owner password", confirm=True)
    state.creating = True
    actor = state.container.auth.initialize(org_name, owner_email, password, Face.CLI)
    secrets_file = state.container.secrets.file_state()
    kind, why = secrets_file.default_backend, secrets_file.why
    can_ask = bool(os.environ.get("PENGUIN_MASTER_PASSWORD")) or sys.stdin.isatty()
    if kind == "file" and can_ask:
        state.container.secrets.open_file(actor)
    emit_object(
        state,
        {
            "organization": " ".join(org_name.split()),
            "owner": actor.email,
            "secret_backend": kind,
            "why": why,
        },
        f"Initialized {org_name!r} with owner {actor.email} in {state.container.settings.data_dir}"
        f"\nSecrets go to the {kind} backend ({why})",
    )


@click.command("roles")
@shared_options(identity=False)
@pass_state
def roles(state: CliState) -> None:
    """Show what each role may do (the permission matrix)."""
    from penguin_desktop.core.platform.permissions import MATRIX

    if state.json:
        emit_object(
            state,
            {
                p.value: {"scope": r.scope.value, "roles": sorted(x.value for x in r.roles)}
                for p, r in MATRIX.items()
            },
            "",
        )
    else:
        click.echo(matrix_markdown())
