"""The one-click unsubscribe endpoint: a small HTTP server for the agency's always-on box,
behind its reverse proxy (which ends TLS).

A GET only shows a confirmation page, because link scanners and mail previews follow GETs; the
unsubscribe happens on a POST carrying `List-Unsubscribe=One-Click` (RFC 8058, sent by mail
clients, and by the page's own button). A bad signature and an unknown token get the same
answer, so the endpoint tells a prober nothing. The log never holds a whole token."""

from __future__ import annotations

import html
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from penguin_desktop.core.campaigns.unsubscribe import UnsubscribeService
from penguin_desktop.core.platform.models import Actor

MAX_BODY = 4096
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
}
_STYLE = "body{font-family:sans-serif;max-width:32em;margin:4em auto;padding:0 1em}"
_CONFIRM = (
    "<p>Unsubscribe from these emails?</p>"
    '<form method="post">'
    '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
    '<input type="hidden" name="from" value="page">'
    '<button type="submit">Unsubscribe</button></form>'
)
_DONE = "<p>You are unsubscribed. You will get no more of these emails.</p>"
_BAD = "<p>This unsubscribe link is not valid.</p>"
_FAILED = "<p>Something went wrong; please try again later.</p>"


def page(title: str, body: str) -> bytes:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    ).encode()


def signed_in(target: str) -> str:
    """The signed token of a request target: `?t=...`, else the last path segment."""
    parts = urlsplit(target)
    query = parse_qs(parts.query).get("t")
    if query:
        return query[0]
    return unquote(parts.path.rstrip("/").rpartition("/")[2])


def shown(target: str) -> str:
    """The request target for the log: the path without its last segment and query, and of
    the token only its first characters (never the signature)."""
    path = urlsplit(target).path
    if path == "/healthz":
        return path
    head = path.rstrip("/").rpartition("/")[0]
    token = signed_in(target).partition(".")[0]
    return f"{head}/{token[:6]}..." if token else f"{head}/"


def make_server(
    service: UnsubscribeService, actor: Actor, host: str, port: int, log: Callable[[str], None]
) -> ThreadingHTTPServer:
    """A server answering any path; `log(line)` gets one line per request."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "penguin-unsubscribe"
        sys_version = ""

        def do_GET(self) -> None:
            if urlsplit(self.path).path == "/healthz":
                self._answer(200, b"ok", "text/plain")
            elif signed_in(self.path):
                self._answer(200, page("Unsubscribe", _CONFIRM))
            else:
                self._answer(400, page("Unsubscribe", _BAD))

        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length > MAX_BODY:
                self.close_connection = True
                self._answer(413, page("Too large", "<p>The request is too large.</p>"))
                return
            if length < 0:
                self._answer(400, page("Unsubscribe", _BAD))
                return
            form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
            if form.get("List-Unsubscribe") != ["One-Click"]:
                self._answer(400, page("Unsubscribe", _BAD))
                return
            via = "page" if form.get("from") == ["page"] else "one-click"
            try:
                outcome = service.apply(actor, signed_in(self.path), via)
            except Exception as exc:  # the visitor sees nothing of it; the log the kind
                self._answer(500, page("Unsubscribe", _FAILED), note=type(exc).__name__)
                return
            if outcome.done:
                self._answer(200, page("Unsubscribed", _DONE))
            else:
                self._answer(400, page("Unsubscribe", _BAD))

        def _answer(
            self, status: int, body: bytes, kind: str = "text/html", note: str = ""
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in HEADERS.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            log(f"{self.command} {shown(self.path)} {status}{f' {note}' if note else ''}")

        def log_message(self, format: str, *args: object) -> None:
            return None  # `log` has the line, without the token

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
