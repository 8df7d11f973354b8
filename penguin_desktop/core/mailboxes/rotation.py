"""The rotation procedure of SMTP passwords, registered with the secrets framework
(core.secrets.rotation) when this module is imported, which the container does.

A mailbox's password (mailbox/EMAIL) is changed through the MailU API by MailboxService.passwd;
a postmaster password made by provisioning (server/NAME/postmaster@DOMAIN) by
ServerService.rotate_postmaster_password. Both act as the rotating user through the process's
services, so their locks, permissions and audit trail apply, and store the new value themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.errors import Remedy, ValidationError
from penguin_desktop.core.secrets import RotationRequest, SecretKind, register_rotation

if TYPE_CHECKING:
    from penguin_desktop.core.mailboxes.service import MailboxService
    from penguin_desktop.core.servers import ServerService

MAILBOX_PREFIX = "mailbox/"  # MailboxService's password secrets: mailbox/EMAIL
SERVER_PREFIX = "server/"


def rotate_smtp_password(request: RotationRequest) -> None:
    if request.name.startswith(MAILBOX_PREFIX):
        mailboxes: MailboxService = request.service("mailboxes")
        mailboxes.passwd(
            request.actor, request.name.removeprefix(MAILBOX_PREFIX), request.workspace
        )
    elif request.name.startswith(SERVER_PREFIX) and "/postmaster@" in request.name:
        servers: ServerService = request.service("servers")
        servers.rotate_postmaster_password(request.actor, request.workspace, request.name)
    else:
        raise ValidationError(
            f"{request.name!r} is not a mailbox's password (mailbox/EMAIL) nor a server's "
            "postmaster password, so there is no MailU account to change: replace its value "
            "instead",
            remedy=Remedy("secrets.set", request.name, (("workspace", request.workspace),)),
        )


register_rotation(SecretKind.SMTP_PASSWORD, rotate_smtp_password)
