"""Cloudflare API v4 DNS records through httpx: find the zone, list, create and delete records.

Every call checks the `{"success", "errors", "result", "result_info"}` envelope rather than the
status code alone, and turns Cloudflare's error codes into a sentence the user can act on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from penguin_desktop.core.domains.dns.diff import Action, Change, Published
from penguin_desktop.core.domains.dns.names import parent_names, same_name
from penguin_desktop.core.platform.errors import Cancelled, ExternalServiceError
from penguin_desktop.core.platform.jobs import JobContext

ENV_API = "PENGUIN_CLOUDFLARE_API"
DEFAULT_API = "https://api.cloudflare.com/client/v4"
PER_PAGE = 100
ZONES_PER_PAGE = 50  # the zones endpoint allows 5-50


def api_base(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return (env.get(ENV_API) or DEFAULT_API).rstrip("/")


def _unquote_txt(content: str) -> str:
    """Cloudflare may return TXT content as quoted strings ("a" "b"); we compare the joined text."""
    text = content.strip()
    if not (text.startswith('"') and text.endswith('"')):
        return content
    parts, current, quoted, escape = [], [], False, False
    for ch in text:
        if escape:
            current.append(ch)
            escape = False
        elif ch == "\\" and quoted:
            escape = True
        elif ch == '"':
            if quoted:
                parts.append("".join(current))
                current = []
            quoted = not quoted
        elif quoted:
            current.append(ch)
    return "".join(parts)


@dataclass
class CloudflareProvider:
    token: str
    base_url: str = field(default_factory=api_base)
    zone_name: str | None = None
    timeout: float = 15.0

    def describe(self) -> str:
        return f"Cloudflare API at {self.base_url}"

    def _client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=self.timeout,
        )

    def _call(self, client: httpx.Client, method: str, path: str, **kw: Any) -> dict[str, Any]:
        try:
            response = client.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise ExternalServiceError(
                f"cannot reach Cloudflare at {self.base_url}: {exc}"
            ) from None
        try:
            body = response.json()
        except ValueError:
            raise ExternalServiceError(
                f"Cloudflare answered {response.status_code} without JSON; is {self.base_url} "
                "the API address?"
            ) from None
        if not isinstance(body, dict) or not body.get("success"):
            errors = body.get("errors") if isinstance(body, dict) else None
            text = "; ".join(
                f"{e.get('message', '?')} (code {e.get('code', '?')})" for e in errors or []
            )
            hint = ""
            if response.status_code in (401, 403):
                hint = ": the API token is wrong or lacks the Zone.DNS edit permission"
            raise ExternalServiceError(
                f"Cloudflare refused {method} {path} (HTTP {response.status_code}): "
                f"{text or 'no reason given'}{hint}"
            )
        return body

    def _pages(
        self, client: httpx.Client, path: str, params: dict[str, Any], per_page: int = PER_PAGE
    ) -> list[Any]:
        results: list[Any] = []
        page = 1
        while True:
            body = self._call(
                client, "GET", path, params={**params, "page": page, "per_page": per_page}
            )
            results += body.get("result") or []
            info = body.get("result_info") or {}
            if page >= int(info.get("total_pages") or 1):
                return results
            page += 1

    def _zone(self, client: httpx.Client, domain: str) -> tuple[str, str]:
        candidates = [self.zone_name] if self.zone_name else [domain, *parent_names(domain, 2)]
        for name in candidates:
            assert name is not None
            zones = self._pages(client, "/zones", {"name": name}, ZONES_PER_PAGE)
            if zones:
                return str(zones[0]["id"]), str(zones[0]["name"])
        raise ExternalServiceError(
            f"no Cloudflare zone for {domain} is visible to this API token (looked for "
            f"{', '.join(c for c in candidates if c)})"
        )

    def _records(self, client: httpx.Client, zone_id: str) -> list[dict[str, Any]]:
        return self._pages(client, f"/zones/{zone_id}/dns_records", {})

    @staticmethod
    def _value(record: Mapping[str, Any]) -> str:
        rtype, content = record["type"], str(record["content"])
        if rtype == "MX":
            return f"{record.get('priority', 0)} {content.rstrip('.')}."
        if rtype == "SRV":
            return f"{record.get('priority', 0)} {content.rstrip('.')}."
        if rtype == "TXT":
            return _unquote_txt(content)
        return content

    def read(self, domain: str, wanted: Sequence[tuple[str, str]]) -> Published:
        with self._client() as client:
            zone_id, _ = self._zone(client, domain)
            records = self._records(client, zone_id)
        out: dict[tuple[str, str], list[str]] = {key: [] for key in wanted}
        for record in records:
            for name, rtype in wanted:
                if record["type"] == rtype and same_name(record["name"], name):
                    out[(name, rtype)].append(self._value(record))
        return out

    @staticmethod
    def _body(change: Change) -> dict[str, Any]:
        body: dict[str, Any] = {"type": change.rtype, "name": change.name, "ttl": change.ttl}
        if change.rtype == "MX":
            priority, host = change.value.split()
            body.update(priority=int(priority), content=host.rstrip("."))
        elif change.rtype == "SRV":
            priority, weight, port, target = change.value.split()
            body["data"] = {
                "priority": int(priority),
                "weight": int(weight),
                "port": int(port),
                "target": target.rstrip("."),
            }
        else:
            body["content"] = change.value
        return body

    def apply(self, domain: str, changes: Sequence[Change], ctx: JobContext) -> int:
        if not changes:
            return 0
        done = 0
        with self._client() as client:
            zone_id, _ = self._zone(client, domain)
            existing = self._records(client, zone_id)
            # Adds first, deletes after: a replaced record is never missing in between.
            ordered = sorted(changes, key=lambda c: c.action is Action.DELETE)
            for change in ordered:
                if ctx.cancelled:
                    raise Cancelled(f"fix cancelled after {done} of {len(changes)} changes")
                if change.action is Action.ADD:
                    self._call(
                        client, "POST", f"/zones/{zone_id}/dns_records", json=self._body(change)
                    )
                else:
                    for record in existing:
                        if (
                            record["type"] == change.rtype
                            and same_name(record["name"], change.name)
                            and self._value(record) == change.value
                        ):
                            self._call(
                                client, "DELETE", f"/zones/{zone_id}/dns_records/{record['id']}"
                            )
                            break
                done += 1
                ctx.progress(done / len(changes), change.describe())
        return done

    def test(self) -> str:
        with self._client() as client:
            body = self._call(client, "GET", "/user/tokens/verify")
        status = (body.get("result") or {}).get("status", "unknown")
        if status != "active":
            raise ExternalServiceError(f"the Cloudflare API token is {status}, not active")
        return f"Cloudflare at {self.base_url} accepted the API token (status {status})"
