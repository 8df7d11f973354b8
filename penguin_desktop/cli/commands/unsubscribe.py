"""`penguin unsubscribe serve`: the one-click unsubscribe endpoint the campaigns' links point
at, for the agency's always-on box behind its reverse proxy."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.serving import listen, serve_until_stopped
from penguin_desktop.cli.state import CliState, pass_state


@click.group("unsubscribe")
def unsubscribe() -> None:
    """The unsubscribe endpoint of the campaigns' links."""


@unsubscribe.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on (behind the agency's reverse proxy).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8025,
    show_default=True,
    help="The port to listen on.",
)
@shared_options()
@pass_state
def serve(state: CliState, host: str, port: int) -> None:
    """Answer unsubscribe links until stopped: a GET shows a confirmation page, a POST
    (RFC 8058 one-click, or the page's button) suppresses the address and stops the lead in
    every campaign of its workspace."""
    from penguin_desktop.core.campaigns.unsubscribe_server import make_server

    actor = state.actor()
    service = state.container.unsubscribe
    service.key(actor)  # read (or made) now: a request never opens the secret store

    def log(line: str) -> None:
        click.echo(f"{datetime.now():%Y-%m-%d %H:%M:%S} {line}", err=True)
        sys.stderr.flush()

    server = listen(lambda: make_server(service, actor, host, port, log), host, port)
    serve_until_stopped(server, "Answering unsubscribe links", host, port)
