"""A loopback server following MailU's published admin API v1 (`/api/v1`, Flask-RESTX).

What it keeps from the real one: `Authorization: <token>` with or without `Bearer ` (401 "A
valid Authorization header is mandatory" without it, 403 "Invalid API token" on a wrong one),
`{"code", "message"}` bodies, 400 on invalid names, 404 on unknown ones, 409 on duplicates,
domains with `dns_dkim` once keys are generated (`POST /domain/<d>/dkim`, selector `dkim`),
users with `raw_password`, `quota_bytes`, `enabled`, and aliases with a destination list.
Until `ready` is set (and `started_by` exists, when given) it answers 502 like MailU's front
while the admin container starts.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PREFIX = "/api/v1"
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,63}$")


@dataclass
class MailuState:
    configured_token: str
    env_file: Path | None = None  # like MailU, take API_TOKEN from the uploaded mailu.env
    started_by: Path | None = None  # answer only once this file exists (`compose up` ran)
    ready: bool = True
    domains: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def token(self) -> str:
        if self.env_file is not None and self.env_file.exists():
            for line in self.env_file.read_text().splitlines():
                if line.startswith("API_TOKEN="):
                    return line.split("=", 1)[1]
        return self.configured_token


def _dkim_public() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


class _Handler(BaseHTTPRequestHandler):
    state: MailuState

    def log_message(self, *args: Any) -> None:
        return

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _msg(self, code: int, message: str) -> None:
        self._send(code, {"code": code, "message": message})

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length)) if length else {}

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        self.state.requests.append(f"{method} {url.path}")
        started = self.state.started_by is None or self.state.started_by.exists()
        if not (self.state.ready and started):
            body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if not url.path.startswith(PREFIX):
            self._msg(404, "The requested URL was not found on the server.")
            return
        header = self.headers.get("Authorization")
        if not header:
            self._send(401, {"message": "A valid Authorization header is mandatory"})
            return
        if header.removeprefix("Bearer ") != self.state.token:
            self._send(403, {"message": "Invalid API token"})
            return
        parts = [unquote(p) for p in url.path[len(PREFIX) :].strip("/").split("/")]
        with self.state.lock:
            if parts[0] == "domain":
                self._domains(method, parts[1:])
            elif parts[0] == "user":
                self._users(method, parts[1:])
            elif parts[0] == "alias":
                self._aliases(method, parts[1:])
            else:
                self._msg(404, "The requested URL was not found on the server.")

    def _domains(self, method: str, rest: list[str]) -> None:
        domains = self.state.domains
        if not rest and method == "GET":
            self._send(200, list(domains.values()))
        elif not rest and method == "POST":
            data = self._body()
            name = data.get("name", "")
            if not _DOMAIN.match(name):
                self._msg(400, f"Domain {name} is not a valid domain")
            elif name in domains:
                self._msg(409, f"Duplicate domain name {name}")
            else:
                domains[name] = {
                    "name": name,
                    "comment": data.get("comment", ""),
                    "managers": [],
                    "max_users": data.get("max_users", -1),
                    "max_aliases": data.get("max_aliases", -1),
                    "signup_enabled": False,
                    "alternatives": [],
                    "dns_mx": f"{name}. 600 IN MX 10 mail.{name}.",
                }
                self._msg(200, f"Domain {name} has been created")
        elif rest and rest[0] not in domains:
            if not _DOMAIN.match(rest[0]):
                self._msg(400, f"Domain {rest[0]} is not a valid domain")
            else:
                self._msg(404, f"Domain {rest[0]} does not exist")
        elif len(rest) == 1 and method == "GET":
            self._send(200, domains[rest[0]])
        elif len(rest) == 1 and method == "DELETE":
            del domains[rest[0]]
            for email in [e for e in self.state.users if e.endswith("@" + rest[0])]:
                del self.state.users[email]
            self._msg(200, f"Domain {rest[0]} has been deleted")
        elif rest[1:] == ["dkim"] and method == "POST":
            domains[rest[0]]["dns_dkim"] = (
                f'dkim._domainkey.{rest[0]}. 600 IN TXT "v=DKIM1; k=rsa; p={_dkim_public()}"'
            )
            self._msg(200, f"DKIM/DMARC keys have been generated for domain {rest[0]}")
        else:
            self._msg(405, "The method is not allowed for the requested URL.")

    def _users(self, method: str, rest: list[str]) -> None:
        users = self.state.users
        if not rest and method == "GET":
            self._send(200, list(users.values()))
        elif not rest and method == "POST":
            data = self._body()
            email = data.get("email", "").lower()
            if not _EMAIL.match(email):
                self._msg(400, f"Provided email address {email} is not a valid email address")
            elif email.rsplit("@", 1)[1] not in self.state.domains:
                self._msg(404, f"Domain {email.rsplit('@', 1)[1]} does not exist")
            elif email in users:
                self._msg(409, f"User {email} already exists")
            elif "raw_password" not in data:
                self._msg(400, "Input payload validation failed: 'raw_password' is required")
            else:
                self.state.passwords[email] = data["raw_password"]
                users[email] = {
                    "email": email,
                    "comment": data.get("comment", ""),
                    "quota_bytes": data.get("quota_bytes", 1000000000),
                    "enabled": data.get("enabled", True),
                    "enable_imap": data.get("enable_imap", True),
                    "global_admin": data.get("global_admin", False),
                }
                self._msg(200, f"User {email} has been created")
        elif rest and not _EMAIL.match(rest[0]):
            self._msg(400, f"Provided email address {rest[0]} is not a valid email address")
        elif rest and rest[0] not in users:
            self._msg(404, f"User {rest[0]} cannot be found")
        elif method == "GET":
            self._send(200, users[rest[0]])
        elif method == "PATCH":
            data = self._body()
            if "raw_password" in data:
                self.state.passwords[rest[0]] = data.pop("raw_password")
            users[rest[0]].update({k: v for k, v in data.items() if k in users[rest[0]]})
            self._msg(200, f"User {rest[0]} has been updated")
        elif method == "DELETE":
            del users[rest[0]]
            self.state.passwords.pop(rest[0], None)
            self._msg(200, f"User {rest[0]} has been deleted")
        else:
            self._msg(405, "The method is not allowed for the requested URL.")

    def _aliases(self, method: str, rest: list[str]) -> None:
        aliases = self.state.aliases
        if not rest and method == "GET":
            self._send(200, list(aliases.values()))
        elif not rest and method == "POST":
            data = self._body()
            email = data.get("email", "").lower()
            if not _EMAIL.match(email):
                self._msg(400, f"Provided alias {email} is not a valid email address")
            elif email.rsplit("@", 1)[1] not in self.state.domains:
                self._msg(404, f"Domain {email.rsplit('@', 1)[1]} does not exist")
            elif email in aliases or email in self.state.users:
                self._msg(409, f"Duplicate alias {email}")
            else:
                aliases[email] = {
                    "email": email,
                    "destination": list(data.get("destination", [])),
                    "comment": data.get("comment", ""),
                    "wildcard": bool(data.get("wildcard", False)),
                }
                self._msg(200, f"Alias {email} has been created")
        elif rest and rest[0] not in aliases:
            self._msg(404, f"Alias {rest[0]} cannot be found")
        elif method == "GET":
            self._send(200, aliases[rest[0]])
        elif method == "DELETE":
            del aliases[rest[0]]
            self._msg(200, f"Alias {rest[0]} has been deleted")
        else:
            self._msg(405, "The method is not allowed for the requested URL.")

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def do_DELETE(self) -> None:
        self._route("DELETE")


@dataclass
class MailuServer:
    state: MailuState
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PREFIX}"


@contextmanager
def running_mailu(
    token: str = "mailu-admin-token-0123456789",
    env_file: Path | None = None,
    started_by: Path | None = None,
) -> Iterator[MailuServer]:
    state = MailuState(token, env_file, started_by)
    handler = type("Handler", (_Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield MailuServer(state, int(httpd.server_address[1]))
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
