"""The rotation procedures of SSH keys and SMTP passwords, registered with the secrets
framework (core.secrets.rotation) when this module is imported, which the container does.

Each acts as the rotating user through the services of the same process (the container the
secret service hands over), so their locks, permissions and audit trail apply:

- SSH key: the server logging in with the secret gets a new key: the new public key is
  authorized, a login with it is proved, it is stored, and only then the old one is removed
  (ServerService.rotate_key); an interruption at any point leaves a stored key that logs in.
- SMTP password: a mailbox's password (mailbox/EMAIL) is changed through the MailU API by
  MailboxService.passwd; a postmaster password made by provisioning
  (server/NAME/postmaster@DOMAIN) by ServerService.rotate_postmaster_password.

Both store the new value themselves and return None. The services are imported on first use,
so importing this module costs nothing at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from penguin_desktop.core.errors import ValidationError
from penguin_desktop.core.models import SecretKind
from penguin_desktop.core.secrets.rotation import RotationRequest, register

if TYPE_CHECKING:
    from penguin_desktop.core.services.mailboxes import MailboxService
    from penguin_desktop.core.services.servers import ServerService

MAILBOX_PREFIX = "mailbox/"  # MailboxService's password secrets: mailbox/EMAIL
SERVER_PREFIX = "server/"


class RotationServices(Protocol):
    """What the procedures need of the container."""

    @property
    def servers(self) -> ServerService: ...

    @property
    def mailboxes(self) -> MailboxService: ...


def _services(request: RotationRequest) -> RotationServices:
    services = request.services
    if services is None or not all(hasattr(services, a) for a in ("servers", "mailboxes")):
        raise ValidationError(
            f"cannot rotate {request.name!r} here: the secret service was started without the "
            "server and mailbox services"
        )
    return services  # type: ignore[return-value]


def rotate_ssh_key(request: RotationRequest) -> None:
    _services(request).servers.rotate_key_secret(request.actor, request.workspace, request.name)


def rotate_smtp_password(request: RotationRequest) -> None:
    services = _services(request)
    if request.name.startswith(MAILBOX_PREFIX):
        email = request.name.removeprefix(MAILBOX_PREFIX)
        services.mailboxes.passwd(request.actor, email, request.workspace)
    elif request.name.startswith(SERVER_PREFIX) and "/postmaster@" in request.name:
        services.servers.rotate_postmaster_password(request.actor, request.workspace, request.name)
    else:
        raise ValidationError(
            f"{request.name!r} is not a mailbox's password (mailbox/EMAIL) nor a server's "
            "postmaster password, so there is no MailU account to change: replace the value "
            "with `penguin secrets set` instead"
        )


register(SecretKind.SSH_KEY, rotate_ssh_key)
register(SecretKind.SMTP_PASSWORD, rotate_smtp_password)
