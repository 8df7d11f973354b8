"""MailU's admin REST API (v1) over httpx, token auth; its errors turned into clear messages.

The API answers `{"code": N, "message": "..."}` on errors (401 no header, 403 bad token,
404 unknown, 409 duplicate, 400 invalid, 429 rate limit). The token is sent as
`Authorization: Bearer <token>`; MailU accepts it with or without the `Bearer ` prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from penguin_desktop.core.platform.errors import (
    ConflictError,
    CredentialRefused,
    ExternalServiceError,
    NotFoundError,
    ValidationError,
)

TIMEOUT = 15.0
API_PATH = "/api/v1"
_DKIM_P = re.compile(r"p=([A-Za-z0-9+/=\s\"]+)")
# What MailU (Flask) answers for a path it does not serve, as opposed to an unknown domain/user.
_NO_SUCH_PATH = "requested URL was not found"


def api_url(raw: str) -> str:
    """The admin API endpoint for what people paste: the server's bare address
    (`https://mail.example.com`), its `/api`, or the API URL itself (`.../api/v1`)."""
    text = raw.strip()
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise ValidationError(
            f"bad MailU URL {raw.strip()!r}: give its address, e.g. https://mail.example.com",
            field="mailu_url",
        )
    path = url.path.rstrip("/")
    if path in ("", "/api"):
        path = API_PATH
    return str(url.copy_with(path=path, query=None, fragment=None))


@dataclass(frozen=True)
class MailuDomain:
    name: str
    max_users: int
    max_aliases: int
    dkim_record: str | None  # the TXT record MailU publishes, once keys exist

    @property
    def dkim_public_key(self) -> str | None:
        """The base64 `p=` value of the DKIM record, quotes and spaces removed."""
        if not self.dkim_record:
            return None
        found = _DKIM_P.search(self.dkim_record)
        if not found:
            return None
        return re.sub(r"[\s\"]", "", found.group(1)) or None


@dataclass(frozen=True)
class MailuUser:
    email: str
    enabled: bool
    quota_bytes: int
    comment: str


@dataclass(frozen=True)
class MailuAlias:
    email: str
    destination: list[str]
    comment: str


class MailuClient:
    """One admin API endpoint, e.g. `https://mail.example.com/api/v1`."""

    def __init__(self, base_url: str, token: str, timeout: float = TIMEOUT) -> None:
        self.base_url = api_url(base_url)
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
        )

    def __enter__(self) -> MailuClient:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- plumbing ------------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.TimeoutException:
            raise ExternalServiceError(
                f"MailU admin API at {self.base_url} did not answer in time"
            ) from None
        except httpx.HTTPError as exc:
            raise ExternalServiceError(
                f"cannot reach the MailU admin API at {self.base_url}: {exc}"
            ) from None
        try:
            payload = response.json()
        except ValueError:
            payload = None
        message = payload.get("message") if isinstance(payload, dict) else None
        status = response.status_code
        if status < 400 and not (isinstance(payload, dict) and payload.get("code", 200) >= 400):
            return payload
        code = payload.get("code", status) if isinstance(payload, dict) else status
        text = message or response.reason_phrase or f"HTTP {status}"
        if code in (401, 403):
            raise CredentialRefused(
                f"MailU refused the admin API token ({text}); check API_TOKEN in mailu.env"
            )
        if code == 404 and (message is None or _NO_SUCH_PATH in message):
            raise NotFoundError(
                f"no MailU admin API at {self.base_url}: is the API enabled in its mailu.env "
                "(API=true), and is this the mail server's address?",
                field="mailu_url",
            )
        if code == 404:
            raise NotFoundError(f"MailU: {text}")
        if code == 409:
            raise ConflictError(f"MailU: {text}")
        if code == 400:
            raise ValidationError(f"MailU: {text}")
        if code == 429:
            raise ExternalServiceError(f"MailU rate-limits this address: {text}; try later")
        raise ExternalServiceError(f"MailU admin API error {code}: {text}")

    # --- domains -------------------------------------------------------------------------------
    def ping(self) -> None:
        """Raise unless the API answers and accepts the token."""
        self._call("GET", "/domain")

    def domains(self) -> list[MailuDomain]:
        return [_domain(d) for d in self._call("GET", "/domain") or []]

    def domain(self, name: str) -> MailuDomain:
        return _domain(self._call("GET", f"/domain/{quote(name)}"))

    def create_domain(self, name: str, max_users: int = -1, max_aliases: int = -1) -> None:
        body = {"name": name, "max_users": max_users, "max_aliases": max_aliases}
        self._call("POST", "/domain", body)

    def delete_domain(self, name: str) -> None:
        self._call("DELETE", f"/domain/{quote(name)}")

    def generate_dkim(self, name: str) -> MailuDomain:
        self._call("POST", f"/domain/{quote(name)}/dkim")
        return self.domain(name)

    # --- users (mailboxes) ---------------------------------------------------------------------
    def users(self) -> list[MailuUser]:
        return [_user(u) for u in self._call("GET", "/user") or []]

    def user(self, email: str) -> MailuUser:
        return _user(self._call("GET", f"/user/{quote(email)}"))

    def create_user(
        self, email: str, password: str, quota_bytes: int | None = None, comment: str = ""
    ) -> None:
        """A mailbox; without `quota_bytes` MailU applies its default quota."""
        body: dict[str, Any] = {
            "email": email,
            "raw_password": password,
            "comment": comment,
            "enabled": True,
            "enable_imap": True,
        }
        if quota_bytes is not None:
            body["quota_bytes"] = quota_bytes
        self._call("POST", "/user", body)

    def update_user(
        self,
        email: str,
        *,
        password: str | None = None,
        enabled: bool | None = None,
        quota_bytes: int | None = None,
    ) -> None:
        body: dict[str, Any] = {}
        if password is not None:
            body["raw_password"] = password
        if enabled is not None:
            body["enabled"] = enabled
        if quota_bytes is not None:
            body["quota_bytes"] = quota_bytes
        self._call("PATCH", f"/user/{quote(email)}", body)

    def delete_user(self, email: str) -> None:
        self._call("DELETE", f"/user/{quote(email)}")

    # --- aliases -------------------------------------------------------------------------------
    def aliases(self) -> list[MailuAlias]:
        return [
            MailuAlias(a["email"], list(a.get("destination") or []), a.get("comment") or "")
            for a in self._call("GET", "/alias") or []
        ]

    def create_alias(self, email: str, destination: list[str], comment: str = "") -> None:
        body = {"email": email, "destination": destination, "comment": comment}
        self._call("POST", "/alias", body)

    def delete_alias(self, email: str) -> None:
        self._call("DELETE", f"/alias/{quote(email)}")


def _domain(data: dict[str, Any]) -> MailuDomain:
    return MailuDomain(
        name=data["name"],
        max_users=int(data.get("max_users", -1)),
        max_aliases=int(data.get("max_aliases", -1)),
        dkim_record=data.get("dns_dkim") or None,
    )


def _user(data: dict[str, Any]) -> MailuUser:
    return MailuUser(
        email=data["email"],
        enabled=bool(data.get("enabled", True)),
        quota_bytes=int(data.get("quota_bytes") or 0),
        comment=data.get("comment") or "",
    )
