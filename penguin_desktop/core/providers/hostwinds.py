"""Hostwinds Cloud API through httpx.

Every call is a form-encoded POST to one endpoint (`.../cloud/api.php`) with `action` and the
`API` key. Errors come back with HTTP 200 and `"result": "error"` (the message in `message` or
`error`), so the body decides, not the status code. The base URL is a setting:
PENGUIN_HOSTWINDS_API, defaulting to the real service.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import httpx

from penguin_desktop.core.errors import AuthenticationError, ExternalServiceError, NotFoundError
from penguin_desktop.core.providers.vps import PROVIDERS, VpsInstance

ENV_API = "PENGUIN_HOSTWINDS_API"
DEFAULT_API = "https://clients.hostwinds.com/cloud/api.php"
TIMEOUT = 30.0


def api_base(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get(ENV_API) or DEFAULT_API


class HostwindsProvider:
    name = "hostwinds"

    def __init__(self, api_key: str, base_url: str | None = None) -> None:
        self.base_url = base_url or api_base()
        self._key = api_key
        self._http = httpx.Client(timeout=TIMEOUT)

    def close(self) -> None:
        self._http.close()

    def _call(self, action: str, **params: str) -> Any:
        try:
            response = self._http.post(
                self.base_url, data={"action": action, "API": self._key, **params}
            )
        except httpx.TimeoutException:
            raise ExternalServiceError(
                "Hostwinds did not answer in time; try again later"
            ) from None
        except httpx.HTTPError as exc:
            raise ExternalServiceError(
                f"cannot reach Hostwinds at {self.base_url}: {exc}"
            ) from None
        if response.status_code >= 400:
            raise ExternalServiceError(
                f"Hostwinds answered HTTP {response.status_code} to {action}"
            )
        try:
            body = response.json()
        except ValueError:
            raise ExternalServiceError(f"Hostwinds sent a non-JSON answer to {action}") from None
        if not isinstance(body, dict):
            raise ExternalServiceError(f"Hostwinds sent an unexpected answer to {action}")
        if body.get("result") == "error" or ("error" in body and "success" not in body):
            message = str(body.get("message") or body.get("error") or "unknown error")
            lowered = message.lower()
            if "api" in lowered and ("key" in lowered or "auth" in lowered):
                raise AuthenticationError(
                    f"Hostwinds refused the API key ({message}); check the secret holding it"
                )
            if "not found" in lowered or "does not exist" in lowered:
                raise NotFoundError(f"Hostwinds: {message}")
            raise ExternalServiceError(f"Hostwinds {action} failed: {message}")
        return body.get("success", body)

    def create(
        self, *, name: str, region: str, plan: str, image: str, ssh_public_key: str
    ) -> VpsInstance:
        created = self._call(
            "add_instance",
            location_id=region,
            rid=plan,
            template=image,
            srvrname=name,
            ssh_key=ssh_public_key,
        )
        ref = str(created.get("serviceid") if isinstance(created, dict) else created)
        return self.get(ref)

    def get(self, ref: str) -> VpsInstance:
        data = self._call("get_instance", serviceid=ref)
        return VpsInstance(
            ref=str(data.get("serviceid", ref)),
            status=str(data.get("status", "unknown")).lower(),
            ip=data.get("main_ip") or None,
            hostname=data.get("hostname") or None,
        )

    def set_reverse_dns(self, ref: str, ip: str, hostname: str) -> None:
        self._call("update_rdns", serviceid=ref, ip=ip, rdns=hostname)

    def delete(self, ref: str) -> None:
        self._call("terminate_instance", serviceid=ref)


PROVIDERS["hostwinds"] = HostwindsProvider
