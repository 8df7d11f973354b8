"""MailU's files on a server as this program reads them: the KEY=value lines of its .env files,
and the MailU version its compose file runs."""

from __future__ import annotations

import re
import shlex

from penguin_desktop.core.servers.ssh.client import SshConnection

_ENV_MARK = "--penguin-dot-env--"
_MAILU_VERSION_VAR = re.compile(r"\$\{MAILU_VERSION(?::?-([^}]*))?\}")


def env_values(data: bytes) -> dict[str, str]:
    values = {}
    for line in data.decode(errors="replace").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def mailu_version_from(compose: str, dot_env: str = "") -> str | None:
    """The MailU version a compose file runs: the tag of its MailU images
    (`ghcr.io/mailu/admin:2024.06`), or, in the file MailU's setup utility writes
    (`...admin:${MAILU_VERSION:-2024.06}`), MAILU_VERSION from the project's .env, else the
    default written there. The most common tag wins (one odd service does not decide)."""
    env = env_values(dot_env.encode())
    tags: dict[str, int] = {}
    for line in compose.splitlines():
        key, _, value = line.strip().partition(":")
        if key.strip() != "image":
            continue
        image = value.strip().strip("'\"")
        if "mailu" not in image.lower():
            continue
        variable = _MAILU_VERSION_VAR.search(image)
        if variable is not None:
            tag = env.get("MAILU_VERSION", "").strip("'\"") or (variable.group(1) or "")
        else:
            last = image.split("@", 1)[0].rsplit("/", 1)[-1]
            tag = last.partition(":")[2]
        if tag and "$" not in tag:
            tags[tag] = tags.get(tag, 0) + 1
    return max(tags, key=lambda t: tags[t]) if tags else None


def read_mailu_version(conn: SshConnection, folder: str) -> str | None:
    """The MailU version running on the server, read from the compose file in `folder` (and
    its .env), else from the images of the running containers; None when unknown. One command,
    as it runs in every health check."""
    where = shlex.quote(folder.rstrip("/") or "/")
    found = conn.run(
        f"cd {where} 2>/dev/null && {{ [ -f docker-compose.yml ] || [ -f compose.yml ]; }} "
        f"&& {{ cat docker-compose.yml compose.yml 2>/dev/null; echo {_ENV_MARK}; "
        "cat .env 2>/dev/null; true; } "
        "|| docker ps --format 'image: {{.Image}}' 2>/dev/null",
        20,
    )
    compose, _, dot_env = found.stdout.partition(f"{_ENV_MARK}\n")
    return mailu_version_from(compose, dot_env)
