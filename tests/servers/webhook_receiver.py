"""A loopback HTTP receiver that records every request (headers and raw body) and can be told to
answer a given status for the next N requests, or to go down altogether.

The recording handler and the switchable server are also the base of the PagerDuty Events API
stand-in (`tests/servers/pagerduty.py`), which adds PagerDuty's validation on top.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.servers.common import free_port

HOOK_PATH = "/hooks/penguin"


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ReceiverState:
    received: list[Received] = field(default_factory=list)
    scripted: deque[int] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_next(self, status: int, count: int = 1) -> None:
        """Answer `status` (and no more) to the next `count` requests, whatever they hold."""
        with self.lock:
            self.scripted.extend([status] * count)

    def record(self, request: Received) -> int | None:
        """Keep the request; the scripted status it gets, if any."""
        with self.lock:
            self.received.append(request)
            return self.scripted.popleft() if self.scripted else None


class RecordingHandler(BaseHTTPRequestHandler):
    state: ReceiverState

    def log_message(self, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        request = Received(
            method="POST",
            path=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=raw,
        )
        scripted = self.state.record(request)
        if scripted is None:
            self.accept(request)
        else:
            self.reply(scripted, {"error": self.responses.get(scripted, ("scripted",))[0]})

    def accept(self, request: Received) -> None:
        """What an ordinary request gets; a plain receiver takes anything at its path."""
        if request.path != HOOK_PATH:
            self.reply(404, {"error": "no hook here"})
            return
        self.reply(200, {"received": True})

    def reply(self, status: int, document: dict[str, Any]) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class SwitchableServer:
    """A handler class served from a thread on a fixed loopback port, so it can be taken down
    (connections refused) and brought back at the same address."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.handler = handler
        self.port = free_port()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def up(self) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        # A short poll keeps shutdown quick: tests take servers down and up many times.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def down(self) -> None:
        if self._httpd is None or self._thread is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = self._thread = None


@contextmanager
def serving(handler: type[RecordingHandler]) -> Iterator[SwitchableServer]:
    server = SwitchableServer(handler)
    server.up()
    try:
        yield server
    finally:
        server.down()


@dataclass(frozen=True)
class WebhookReceiver:
    server: SwitchableServer
    state: ReceiverState

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}{HOOK_PATH}"


@contextmanager
def running_webhook_receiver() -> Iterator[WebhookReceiver]:
    state = ReceiverState()
    handler = type("Handler", (RecordingHandler,), {"state": state})
    with serving(handler) as server:
        yield WebhookReceiver(server, state)
