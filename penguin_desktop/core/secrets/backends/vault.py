"""HashiCorp Vault (or OpenBao) KV version 2 over httpx.

Token or AppRole login, renewal before expiry, check-and-set writes, an optional namespace.
Every answer Vault can give maps to a clear error; no error text ever carries a secret.
"""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from penguin_desktop.core.platform.errors import (
    CredentialRefused,
    ExternalServiceError,
    NotFoundError,
    ValidationError,
)
from penguin_desktop.core.secrets.backends.base import BackendKind

RENEW_WHEN_LEFT = 1 / 3


class VaultCasConflict(ExternalServiceError):
    """Someone changed the secret in Vault since we last wrote it."""


@dataclass(frozen=True)
class VaultConfig:
    """Where Vault is and how we log in; no secret here (token and secret ID live elsewhere)."""

    address: str
    mount: str = "secret"
    namespace: str | None = None
    role_id: str | None = None
    cacert: str | None = None
    prefix: str = "penguin-desktop"
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.address.startswith(("http://", "https://")):
            raise ValidationError(
                f"Vault address must start with http:// or https://: {self.address!r}"
            )
        if not self.mount.strip("/"):
            raise ValidationError("the Vault mount path cannot be empty")


@dataclass
class _Token:
    value: str
    expires_at: float | None
    ttl: float
    renewable: bool


class VaultStore:
    kind = BackendKind.VAULT

    def __init__(
        self,
        config: VaultConfig,
        *,
        token: str | None = None,
        secret_id: str | None = None,
    ) -> None:
        if token is None and (config.role_id is None or secret_id is None):
            raise ValidationError("Vault needs a token, or an AppRole role ID and secret ID")
        self.config = config
        self._static_token = token
        self._secret_id = secret_id
        self._token: _Token | None = None
        self._lock = threading.Lock()
        headers = {"X-Vault-Request": "true"}
        if config.namespace:
            headers["X-Vault-Namespace"] = config.namespace
        verify: bool | ssl.SSLContext = True
        if config.cacert:
            verify = ssl.create_default_context(cafile=config.cacert)
        self._http = httpx.Client(
            base_url=config.address.rstrip("/"),
            headers=headers,
            timeout=config.timeout,
            verify=verify,
        )

    def close(self) -> None:
        self._http.close()

    # --- KV v2 -------------------------------------------------------------------------------
    def _path(self, kind: str, locator: str) -> str:
        mount = self.config.mount.strip("/")
        return f"/v1/{mount}/{kind}/{quote(self.config.prefix)}/{quote(locator)}"

    def get(self, locator: str) -> str:
        body = self._call("GET", self._path("data", locator), what=f"secret {locator}")
        try:
            return str(body["data"]["data"]["value"])
        except (KeyError, TypeError):
            raise ExternalServiceError(
                f"Vault answered for {locator} without a value field"
            ) from None

    def version(self, locator: str) -> int:
        body = self._call("GET", self._path("data", locator), what=f"secret {locator}")
        return int(body["data"]["metadata"]["version"])

    def put(self, locator: str, value: str, cas: int | None = None) -> int | None:
        payload: dict[str, Any] = {"data": {"value": value}}
        if cas is not None:
            payload["options"] = {"cas": cas}
        body = self._call(
            "POST", self._path("data", locator), json=payload, what=f"secret {locator}"
        )
        return int(body["data"]["version"])

    def delete(self, locator: str) -> None:
        try:
            self._call("DELETE", self._path("metadata", locator), what=f"secret {locator}")
        except NotFoundError:
            return

    def delete_many(self, locators: list[str]) -> None:
        for locator in locators:
            self.delete(locator)

    def status(self) -> str:
        body = self._call("GET", "/v1/sys/health", auth=False, what="health")
        version = body.get("version", "?")
        ns = f", namespace {self.config.namespace}" if self.config.namespace else ""
        self._ensure_token()
        return f"Vault {version} at {self.config.address}, KV v2 mount {self.config.mount}{ns}"

    # --- tokens ------------------------------------------------------------------------------
    def _ensure_token(self) -> str:
        with self._lock:
            now = time.monotonic()
            tok = self._token
            if tok is None:
                tok = self._login() if self._static_token is None else self._lookup_static()
            elif tok.expires_at is not None and tok.expires_at - now < tok.ttl * RENEW_WHEN_LEFT:
                tok = self._renew(tok)
            self._token = tok
            return tok.value

    def _lookup_static(self) -> _Token:
        assert self._static_token is not None
        body = self._raw(
            "GET", "/v1/auth/token/lookup-self", token=self._static_token, what="token"
        )
        data = body.get("data") or {}
        ttl = float(data.get("ttl") or 0)
        return _Token(
            self._static_token,
            time.monotonic() + ttl if ttl > 0 else None,
            ttl,
            bool(data.get("renewable")),
        )

    def _login(self) -> _Token:
        body = self._raw(
            "POST",
            "/v1/auth/approle/login",
            json={"role_id": self.config.role_id, "secret_id": self._secret_id},
            what="AppRole login",
        )
        return _token_from_auth(body)

    def _renew(self, tok: _Token) -> _Token:
        if tok.renewable:
            try:
                body = self._raw(
                    "POST",
                    "/v1/auth/token/renew-self",
                    token=tok.value,
                    json={},
                    what="token renewal",
                )
                return _token_from_auth(body)
            except ExternalServiceError:  # a refused token is one too
                if self._secret_id is None:
                    raise
        if self._secret_id is not None:
            return self._login()
        return tok

    # --- HTTP --------------------------------------------------------------------------------
    def _call(
        self, method: str, path: str, *, what: str, auth: bool = True, json: Any = None
    ) -> Any:
        token = self._ensure_token() if auth else None
        return self._raw(method, path, token=token, json=json, what=what)

    def _raw(
        self, method: str, path: str, *, what: str, token: str | None = None, json: Any = None
    ) -> Any:
        headers = {"X-Vault-Token": token} if token else {}
        where = self.config.address
        try:
            response = self._http.request(method, path, headers=headers, json=json)
        except httpx.ConnectError as exc:
            if _is_tls_failure(exc):
                raise ExternalServiceError(
                    f"TLS failure talking to Vault at {where}: the certificate was not trusted; "
                    "name the CA that signed it (or set VAULT_CACERT)",
                    field="ca_cert",
                ) from None
            raise ExternalServiceError(
                f"cannot reach Vault at {where}: connection failed"
            ) from None
        except httpx.TimeoutException:
            raise ExternalServiceError(f"Vault at {where} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise ExternalServiceError(
                f"talking to Vault at {where} failed: {type(exc).__name__}"
            ) from None
        return _answer(response, what, where)


def _token_from_auth(body: Any) -> _Token:
    auth = body.get("auth") or {}
    ttl = float(auth.get("lease_duration") or 0)
    return _Token(
        str(auth["client_token"]),
        time.monotonic() + ttl if ttl > 0 else None,
        ttl,
        bool(auth.get("renewable")),
    )


def _errors(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        errors = []
    return "; ".join(str(e) for e in errors)[:300]


def _answer(response: httpx.Response, what: str, where: str) -> Any:
    status = response.status_code
    if status in (200, 201):
        try:
            return response.json()
        except ValueError:
            raise ExternalServiceError(f"Vault at {where} answered {what} with garbage") from None
    if status == 204:
        return {}
    detail = _errors(response)
    if status == 404:
        raise NotFoundError(f"{what} not found in Vault")
    if status == 503 and "sealed" in detail.lower():
        raise ExternalServiceError(f"Vault at {where} is sealed: an operator must unseal it")
    if status == 403:
        raise ExternalServiceError(
            f"Vault refused {what}: permission denied (check the token or AppRole policy)"
        )
    if status == 400 and "check-and-set" in detail:
        raise VaultCasConflict(
            f"{what} changed in Vault since we last wrote it (check-and-set conflict); "
            "reload and try again"
        )
    if status in (400, 401) and what in ("AppRole login", "token", "token renewal"):
        raise CredentialRefused(f"Vault {what} failed: {detail or 'invalid credentials'}")
    if status == 503:
        raise ExternalServiceError(f"Vault at {where} is unavailable (503): {detail}")
    raise ExternalServiceError(f"Vault answered {what} with HTTP {status}: {detail}")


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
