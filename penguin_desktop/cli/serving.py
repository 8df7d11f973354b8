"""The CLI's small HTTP services (Stripe's webhooks, unsubscribe links): listen, serve on a
thread until Ctrl-C or SIGTERM, then close the socket."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import HTTPServer

import click

from penguin_desktop.cli.progress import stop_on_signals
from penguin_desktop.core.platform.errors import ValidationError


def listen(make: Callable[[], HTTPServer], host: str, port: int) -> HTTPServer:
    """The server bound to host:port, or the refusal in the CLI's words (the port named)."""
    try:
        return make()
    except OSError as exc:
        raise ValidationError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", field="port", value=port
        ) from None


def serve_until_stopped(server: HTTPServer, what: str, host: str, port: int) -> None:
    click.echo(f"{what} on http://{host}:{port}/; Ctrl-C stops.", err=True)
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
