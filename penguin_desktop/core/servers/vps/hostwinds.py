"""Hostwinds Cloud API through httpx.

Every call is a form-encoded POST to one endpoint (`.../cloud/api.php`) with `action` and the
`API` key. Errors come back with HTTP 200 and `"result": "error"` (the message in `message` or
`error`), as an object or as a list of result objects (`[{"result": "error", "action": ...,
"message": ...}]`), so the body decides, not the status code. A key used from an address not on
its IP allow-list gets "Not Authorized!". The base URL is a setting: PENGUIN_HOSTWINDS_API,
defaulting to the real service.

Actions used (names as in Hostwinds' Cloud API reference): add_instance (template, rid,
location_id, srvrname; its answer is a list of results without the new service ID, so the
instance is found by name with get_instance_ids), get_instance, set_rdns (serviceid, ip, rdns),
terminate. The public SSH key is sent as `ssh_key`; the reference lists `keys` (names of keys
stored in the account) instead, which is not verified against the live service yet.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import httpx

from penguin_desktop.core.platform.errors import (
    CredentialRefused,
    ExternalServiceError,
    NotFoundError,
)
from penguin_desktop.core.servers.vps.base import PROVIDERS, VpsInstance

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
        results = body if isinstance(body, list) else [body]
        if not results or not all(isinstance(r, dict) for r in results):
            if isinstance(body, list):
                return body  # a plain list of records (e.g. get_instance_ids)
            raise ExternalServiceError(f"Hostwinds sent an unexpected answer to {action}")
        for result in results:
            if result.get("result") == "error" or ("error" in result and "success" not in result):
                _raise(action, str(result.get("message") or result.get("error") or "unknown"))
        if isinstance(body, list):
            return body
        return body.get("success", body)

    def _ids_named(self, name: str) -> set[str]:
        found = self._call("get_instance_ids", search=name)
        records = found if isinstance(found, list) else list(found.values())
        return {
            str(r.get("id") or r.get("serviceid"))
            for r in records
            if isinstance(r, dict) and r.get("srvrname") == name
        }

    def create(
        self, *, name: str, region: str, plan: str, image: str, ssh_public_key: str
    ) -> VpsInstance:
        before = self._ids_named(name)
        created = self._call(
            "add_instance",
            location_id=region,
            rid=plan,
            template=image,
            srvrname=name,
            ssh_key=ssh_public_key,
        )
        given = created.get("serviceid") if isinstance(created, dict) else None
        if given is not None:
            return self.get(str(given))
        new = sorted(
            self._ids_named(name) - before, key=lambda ref: int(ref) if ref.isdigit() else 0
        )
        if not new:
            raise ExternalServiceError(
                f"Hostwinds accepted the order for {name!r} but lists no new instance by that "
                "name; look in the Hostwinds panel before ordering again"
            )
        return self.get(new[-1])

    def get(self, ref: str) -> VpsInstance:
        data = self._call("get_instance", serviceid=ref)
        return VpsInstance(
            ref=str(data.get("serviceid", ref)),
            status=str(data.get("status", "unknown")).lower(),
            ip=data.get("main_ip") or None,
            hostname=data.get("hostname") or None,
        )

    def set_reverse_dns(self, ref: str, ip: str, hostname: str) -> None:
        self._call("set_rdns", serviceid=ref, ip=ip, rdns=hostname)

    def delete(self, ref: str) -> None:
        self._call("terminate", serviceid=ref)


def _raise(action: str, message: str) -> None:
    lowered = message.lower()
    if "not authorized" in lowered:
        raise CredentialRefused(
            f"Hostwinds refused the API key ({message}): check the secret holding it, and that "
            "this computer's IPv4 address is on the key's IP allow-list in the Hostwinds panel"
        )
    if "api" in lowered and ("key" in lowered or "auth" in lowered):
        raise CredentialRefused(
            f"Hostwinds refused the API key ({message}); check the secret holding it"
        )
    if "not found" in lowered or "does not exist" in lowered or "valid serviceid" in lowered:
        raise NotFoundError(f"Hostwinds: {message}")
    raise ExternalServiceError(f"Hostwinds {action} failed: {message}")


PROVIDERS["hostwinds"] = HostwindsProvider
