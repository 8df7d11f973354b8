"""A loopback server following the Hostwinds Cloud API: one endpoint taking form-encoded POSTs
with `action` and `API`; answers are JSON with HTTP 200 even for errors (`"result": "error"`
and a `message`). Instances go from "building" to "active" after `build_polls` reads."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

PATH = "/cloud/api.php"


@dataclass
class HostwindsState:
    api_key: str
    instance_ip: str = "127.0.0.1"
    build_polls: int = 2
    next_id: int = 4242001
    instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)
    rdns: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    state: HostwindsState

    def log_message(self, *args: Any) -> None:
        return

    def _send(self, body: dict[str, Any], status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, message: str) -> None:
        self._send({"result": "error", "message": message})

    def do_GET(self) -> None:
        self._send({"result": "error", "message": "Requests must be POST"}, 405)

    def do_POST(self) -> None:
        if self.path != PATH:
            self._send({"result": "error", "message": "Not found"}, 404)
            return
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        action = form.get("action", "")
        self.state.calls.append(action)
        if form.get("API") != self.state.api_key:
            self._error("Invalid API Key")
            return
        with self.state.lock:
            self._dispatch(action, form)

    def _dispatch(self, action: str, form: dict[str, str]) -> None:
        state = self.state
        if action == "add_instance":
            missing = [p for p in ("template", "rid", "location_id") if not form.get(p)]
            if missing:
                self._error(f"Missing required parameter(s): {', '.join(missing)}")
                return
            ref = str(state.next_id)
            state.next_id += 1
            state.instances[ref] = {
                "serviceid": int(ref),
                "srvrname": form.get("srvrname", ""),
                "location_id": int(form["location_id"]),
                "product_id": int(form["rid"]),
                "template_uuid": form["template"],
                "ssh_keys": [form["ssh_key"]] if form.get("ssh_key") else [],
                "status": "building",
                "main_ip": "",
                "hostname": "",
            }
            state.polls[ref] = 0
            self._send({"result": "success", "success": {"serviceid": int(ref)}})
            return
        ref = form.get("serviceid", "")
        instance = state.instances.get(ref)
        if action not in ("get_instance", "update_rdns", "terminate_instance"):
            self._error(f"Unknown action {action}")
        elif instance is None:
            self._error(f"Instance {ref} not found")
        elif action == "get_instance":
            state.polls[ref] += 1
            if instance["status"] == "building" and state.polls[ref] > state.build_polls:
                instance["status"], instance["main_ip"] = "active", state.instance_ip
            self._send({"result": "success", "success": instance})
        elif action == "update_rdns":
            if form.get("ip") != instance["main_ip"]:
                self._error(f"IP {form.get('ip')} does not belong to instance {ref}")
                return
            state.rdns[form["ip"]] = form.get("rdns", "")
            self._send({"result": "success", "success": "rDNS updated"})
        else:
            del state.instances[ref]
            self._send({"result": "success", "success": f"Instance {ref} terminated"})


@dataclass
class HostwindsServer:
    state: HostwindsState
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"


@contextmanager
def running_hostwinds(api_key: str = "hw-api-key-0123456789") -> Iterator[HostwindsServer]:
    state = HostwindsState(api_key)
    handler = type("Handler", (_Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield HostwindsServer(state, int(httpd.server_address[1]))
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
