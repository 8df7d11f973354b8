"""Backing up a server's MailU configuration (mailu.env, docker-compose.yml, the DKIM keys)
into an encrypted archive and putting it back onto a server: which files travel, where the
archive key lives, and which secrets a restore takes over. The archive format itself is
provision.backup's."""

from __future__ import annotations

import base64
import shlex
from pathlib import Path

from penguin_desktop.core.platform.errors import NotFoundError, ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.store.tables import utcnow
from penguin_desktop.core.secrets import SecretKind, SecretService
from penguin_desktop.core.servers.access import Login
from penguin_desktop.core.servers.mailu_files import env_values
from penguin_desktop.core.servers.names import (
    ARCHIVE_KEY_SECRET,
    mailu_secret_key_name,
    mailu_token_secret_name,
)
from penguin_desktop.core.servers.provision import backup as archive
from penguin_desktop.core.servers.ssh.client import SshConnection


def archive_key(secrets: SecretService, actor: Actor, workspace: str, create: bool = True) -> bytes:
    """The workspace's archive key; the first backup makes it, a restore needs it."""
    try:
        return base64.b64decode(secrets.use(actor, workspace, ARCHIVE_KEY_SECRET, "server backup"))
    except NotFoundError:
        if not create:
            raise ValidationError(
                f"{workspace!r} has no backup key ({ARCHIVE_KEY_SECRET}): this archive was "
                "made in another workspace or its key was deleted"
            ) from None
    key = archive.new_key()
    secrets.set(
        actor, workspace, ARCHIVE_KEY_SECRET, SecretKind.API_KEY,
        base64.b64encode(key).decode(), rotation_days=None, reason="server backups",
    )  # fmt: skip
    return key


def download(conn: SshConnection, folder: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for fixed in ("mailu.env", "docker-compose.yml"):
        files[fixed] = conn.download(f"{folder}/{fixed}")
    listing = conn.run(f"ls -1 {shlex.quote(folder)}/dkim 2>/dev/null || true")
    for entry in listing.stdout.split():
        files[f"dkim/{entry}"] = conn.download(f"{folder}/dkim/{entry}")
    return files


def write_archive(out: Path, key: bytes, login: Login, files: dict[str, bytes]) -> dict[str, str]:
    """Seal `files` into the archive at `out`; returns its manifest."""
    env = env_values(files["mailu.env"])
    manifest = {
        "server": login.name,
        "workspace": login.workspace,
        "domain": env.get("DOMAIN", ""),
        "hostnames": env.get("HOSTNAMES", ""),
        "created": utcnow().isoformat(),
        "files": ", ".join(sorted(files)),
    }
    archive.write_private(out, archive.seal(key, archive.pack(files, manifest)))
    return manifest


def read_archive(source: Path, key: bytes) -> tuple[dict[str, bytes], dict[str, str]]:
    """(files, manifest) of an archive; a wrong key or a changed byte is refused."""
    return archive.unpack(archive.open_sealed(key, source.read_bytes()))


def restore_folder(folder: str) -> str:
    folder = folder.rstrip("/") or "/"
    if not folder.startswith("/"):
        raise ValidationError(f"the MailU directory must be an absolute path, not {folder!r}")
    return folder


def upload(conn: SshConnection, folder: str, files: dict[str, bytes]) -> None:
    conn.makedirs(f"{folder}/dkim")
    for path, data in sorted(files.items()):
        conn.upload(data, f"{folder}/{path}", mode=0o644 if path.endswith(".yml") else 0o600)


def take_over_secrets(
    secrets: SecretService,
    actor: Actor,
    workspace: str,
    server: str,
    env: dict[str, str],
    manifest: dict[str, str],
) -> None:
    """Store the backup's MailU SECRET_KEY and admin token as this server's, so provisioning
    it with the same domain finds a configuration that matches its secrets."""
    for secret, variable in (
        (mailu_secret_key_name(server), "SECRET_KEY"),
        (mailu_token_secret_name(server), "API_TOKEN"),
    ):
        if env.get(variable):
            secrets.set(
                actor, workspace, secret, SecretKind.API_KEY, env[variable],
                reason=f"restore from backup of {manifest.get('server', '?')}",
            )  # fmt: skip
