"""A loopback server following Cloudflare's published API v4 for zones and DNS records.

What it keeps from the real one: the Bearer token header, the `{"success", "errors",
"messages", "result", "result_info"}` envelope, page/per_page pagination (zones allow at most
50 per page), error codes (10000 authentication, 7003 bad identifier, 81058 identical record,
9005 bad content) and MX priority / SRV data fields.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

PREFIX = "/client/v4"


@dataclass
class CloudflareState:
    tokens: set[str] = field(default_factory=set)
    zones: dict[str, dict[str, Any]] = field(default_factory=dict)
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_zone(self, name: str) -> str:
        zone_id = uuid.uuid4().hex
        self.zones[zone_id] = {"id": zone_id, "name": name, "status": "active"}
        self.records[zone_id] = {}
        return zone_id

    def add_record(self, zone_id: str, **record: Any) -> dict[str, Any]:
        rec = {
            "id": uuid.uuid4().hex,
            "zone_id": zone_id,
            "zone_name": self.zones[zone_id]["name"],
            "proxiable": False,
            "proxied": False,
            "ttl": 1,
            **record,
        }
        self.records[zone_id][rec["id"]] = rec
        return rec

    def zone_records(self, name: str) -> list[dict[str, Any]]:
        zone_id = next(i for i, z in self.zones.items() if z["name"] == name)
        return list(self.records[zone_id].values())


def _envelope(result: Any, info: dict[str, int] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"success": True, "errors": [], "messages": [], "result": result}
    if info is not None:
        body["result_info"] = info
    return body


def _error(code: int, message: str) -> dict[str, Any]:
    return {
        "success": False,
        "errors": [{"code": code, "message": message}],
        "messages": [],
        "result": None,
    }


class _Handler(BaseHTTPRequestHandler):
    state: CloudflareState

    def log_message(self, *args: Any) -> None:
        return

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            self._send(400, _error(6003, "Invalid request headers"))
            return False
        if header[7:] not in self.state.tokens:
            self._send(403, _error(10000, "Authentication error"))
            return False
        return True

    def _page(self, items: list[Any], query: dict[str, list[str]], max_per_page: int) -> None:
        page = int(query.get("page", ["1"])[0])
        per_page = int(query.get("per_page", ["20"])[0])
        if per_page > max_per_page or per_page < 1 or page < 1:
            self._send(400, _error(1001, f"per_page must be between 1 and {max_per_page}"))
            return
        total_pages = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        info = {
            "page": page,
            "per_page": per_page,
            "count": len(chunk),
            "total_count": len(items),
            "total_pages": total_pages,
        }
        self._send(200, _envelope(chunk, info))

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        self.state.requests.append(f"{method} {url.path}")
        if not url.path.startswith(PREFIX):
            self._send(404, _error(7000, "No route for that URI"))
            return
        if not self._authorized():
            return
        parts = url.path[len(PREFIX) :].strip("/").split("/")
        query = parse_qs(url.query)
        with self.state.lock:
            if parts == ["user", "tokens", "verify"] and method == "GET":
                self._send(200, _envelope({"id": "tok", "status": "active"}))
            elif parts == ["zones"] and method == "GET":
                zones = list(self.state.zones.values())
                if "name" in query:
                    zones = [z for z in zones if z["name"] == query["name"][0]]
                self._page(zones, query, 50)
            elif len(parts) >= 3 and parts[0] == "zones" and parts[2] == "dns_records":
                self._records(method, parts[1], parts[3] if len(parts) > 3 else None, query)
            else:
                self._send(404, _error(7000, "No route for that URI"))

    def _records(
        self, method: str, zone_id: str, record_id: str | None, query: dict[str, list[str]]
    ) -> None:
        if zone_id not in self.state.zones:
            self._send(
                400,
                _error(
                    7003,
                    "Could not route to /zones/..., perhaps your object identifier is invalid?",
                ),
            )
            return
        records = self.state.records[zone_id]
        if method == "GET" and record_id is None:
            items = sorted(records.values(), key=lambda r: r["id"])
            for key in ("type", "name", "content"):
                if key in query:
                    items = [r for r in items if r[key] == query[key][0]]
            self._page(items, query, 5000)
        elif method == "POST" and record_id is None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            problem = self._invalid(body)
            if problem:
                self._send(400, _error(9005, problem))
                return
            record = self._normalize(body)
            if any(
                r["type"] == record["type"]
                and r["name"] == record["name"]
                and r["content"] == record["content"]
                and r.get("priority") == record.get("priority")
                for r in records.values()
            ):
                self._send(400, _error(81058, "An identical record already exists."))
                return
            self._send(200, _envelope(self.state.add_record(zone_id, **record)))
        elif method == "DELETE" and record_id is not None:
            if records.pop(record_id, None) is None:
                self._send(404, _error(81044, "Record does not exist."))
                return
            self._send(200, _envelope({"id": record_id}))
        else:
            self._send(405, _error(10405, "Method not allowed"))

    @staticmethod
    def _invalid(body: dict[str, Any]) -> str | None:
        rtype = body.get("type")
        if rtype not in ("A", "AAAA", "CNAME", "MX", "TXT", "SRV", "PTR"):
            return f"Invalid record type {rtype!r}"
        if not body.get("name"):
            return "DNS record name is required"
        if rtype == "SRV":
            return None if isinstance(body.get("data"), dict) else "SRV records need data"
        content = body.get("content")
        if not isinstance(content, str) or not content:
            return "DNS record content is required"
        if rtype == "A":
            try:
                ipaddress.IPv4Address(content)
            except ValueError:
                return "Content for A record is invalid. Must be a valid IPv4 address"
        if rtype == "MX" and "priority" not in body:
            return "MX records need a priority"
        return None

    @staticmethod
    def _normalize(body: dict[str, Any]) -> dict[str, Any]:
        record = {
            "type": body["type"],
            "name": body["name"].rstrip(".").lower(),
            "ttl": body.get("ttl", 1),
        }
        if body["type"] == "SRV":
            d = body["data"]
            record.update(
                priority=d["priority"],
                content=f"{d['weight']} {d['port']} {d['target']}",
                data=d,
            )
        else:
            record["content"] = body["content"]
            if "priority" in body:
                record["priority"] = body["priority"]
        return record

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def do_PUT(self) -> None:
        self._route("PUT")


@dataclass(frozen=True)
class CloudflareServer:
    base_url: str
    token: str
    state: CloudflareState


@contextmanager
def running_cloudflare() -> Iterator[CloudflareServer]:
    state = CloudflareState()
    token = f"cf-{uuid.uuid4().hex}"
    state.tokens.add(token)
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield CloudflareServer(f"http://127.0.0.1:{server.server_port}{PREFIX}", token, state)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
