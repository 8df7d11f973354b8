"""`penguin unsubscribe serve`: the one-click unsubscribe endpoint the campaigns' links point
at, for the agency's always-on box behind its reverse proxy."""

from __future__ import annotations

import sys
import threading
from datetime import datetime

import click

from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.progress import stop_on_signals
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.platform.errors import ValidationError


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

    try:
        server = make_server(service, actor, host, port, log)
    except OSError as exc:
        raise ValidationError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", field="port", value=port
        ) from None
    click.echo(f"Answering unsubscribe links on http://{host}:{port}/; Ctrl-C stops.", err=True)
    serving = threading.Thread(target=server.serve_forever, args=(0.2,), daemon=True)
    stop = threading.Event()
    serving.start()
    try:
        with stop_on_signals(stop.set):
            while not stop.wait(0.5):
                pass
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
