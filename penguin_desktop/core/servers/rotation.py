"""The rotation procedure of SSH keys, registered with the secrets framework
(core.secrets.rotation) when this module is imported, which the container does.

The server logging in with the secret gets a new key: the new public key is authorized, a
login with it is proved, it is stored, and only then the old one is removed
(ServerService.rotate_key_secret); an interruption at any point leaves a stored key that logs
in. It acts as the rotating user through the process's server service, so its lock,
permissions and audit trail apply, and stores the new value itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.secrets import RotationRequest, SecretKind, register_rotation

if TYPE_CHECKING:
    from penguin_desktop.core.servers.service import ServerService


def rotate_ssh_key(request: RotationRequest) -> None:
    servers: ServerService = request.service("servers")
    servers.rotate_key_secret(request.actor, request.workspace, request.name)


register_rotation(SecretKind.SSH_KEY, rotate_ssh_key)
