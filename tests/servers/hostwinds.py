"""A loopback server following the Hostwinds Cloud API reference: one endpoint taking
form-encoded POSTs with `action` and `API`; answers are JSON with HTTP 200 even for errors, as
lists of result objects (`[{"result": "error", "action": ..., "message": ...}]`); a wrong key
gets "Not Authorized!". add_instance answers with its invoice and "Server is being Created!"
but no service ID (get_instance_ids with `search` finds it); get_instance answers the instance
object; set_rdns and terminate as documented. Instances go from "building" to "active" after
`build_polls` reads."""

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

    def _send_list(self, body: list[dict[str, Any]]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, message: str, action: str = "") -> None:
        self._send_list([{"result": "error", "action": action, "message": message}])

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
            self._error("Not Authorized!", "Authorization")
            return
        with self.state.lock:
            self._dispatch(action, form)

    def _dispatch(self, action: str, form: dict[str, str]) -> None:
        state = self.state
        if action == "add_instance":
            missing = [p for p in ("template", "rid", "location_id") if not form.get(p)]
            if missing:
                self._error(f"Missing required parameter(s): {', '.join(missing)}", "Add Instance")
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
            self._send_list(
                [
                    {"result": "success", "action": "Invoice Paid", "message": "Invoice paid"},
                    {"result": "success", "action": "Add Instance",
                     "message": "Server is being Created!"},
                ]
            )  # fmt: skip
            return
        if action == "get_instance_ids":
            search = form.get("search", "")
            self._send_list(
                [
                    {"id": int(ref), "hostname": i["hostname"], "srvrname": i["srvrname"],
                     "ips": i["main_ip"], "dedicatedip": i["main_ip"], "ip_v6": ""}
                    for ref, i in state.instances.items()
                    if search.lower() in i["srvrname"].lower()
                ]
            )  # fmt: skip
            return
        ref = form.get("serviceid", "")
        instance = state.instances.get(ref)
        if action not in ("get_instance", "set_rdns", "terminate"):
            self._error(f"Unknown action {action}", action)
        elif instance is None:
            self._error("A valid serviceid is required.", action)
        elif action == "get_instance":
            state.polls[ref] += 1
            if instance["status"] == "building" and state.polls[ref] > state.build_polls:
                instance["status"], instance["main_ip"] = "active", state.instance_ip
            self._send(instance)
        elif action == "set_rdns":
            if form.get("ip") != instance["main_ip"]:
                self._error(f"IP {form.get('ip')} does not belong to instance {ref}", "Set rDNS")
                return
            state.rdns[form["ip"]] = form.get("rdns", "")
            self._send_list(
                [{"result": "success", "action": "Set rDNS", "message": "rDNS record updated."}]
            )
        else:
            del state.instances[ref]
            self._send_list([{"result": "success", "message": "Instance deleted"}])


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
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield HostwindsServer(state, int(httpd.server_address[1]))
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
