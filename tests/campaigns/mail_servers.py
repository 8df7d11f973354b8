"""Real mail servers for the campaign suite: Dovecot (IMAP, STARTTLS and IMAPS) and aiosmtpd
with a working AUTH, both presenting a certificate that names `localhost` from a test CA.

The campaigns' conftest shares the fixtures; the root conftest marks every test that uses
`dovecot` as `needs_server`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from tests.servers.common import free_port, unavailable
from tests.servers.dovecot import TLS_NAME, Dovecot, LoopbackPki, make_loopback_pki
from tests.servers.mail_tls import HOST, Listening, TlsIdentity, _Sink


@pytest.fixture(scope="session")
def loopback_pki(tmp_path_factory: pytest.TempPathFactory) -> LoopbackPki:
    return make_loopback_pki(tmp_path_factory.mktemp("loopback-pki"))


@pytest.fixture(scope="session")
def dovecot(loopback_pki: LoopbackPki) -> Iterator[Dovecot]:
    """One Dovecot for the session (plain+STARTTLS on `port`, IMAPS on `imaps_port`); each test
    adds users with addresses of its own. Fails instead of skipping under CI=true."""
    try:
        with Dovecot(loopback_pki.leaf) as server:
            yield server
    except RuntimeError as exc:
        unavailable(str(exc))


class _Accounts:
    """aiosmtpd authenticator over a dict of user -> password."""

    def __init__(self, users: dict[str, str]) -> None:
        self.users = users

    def __call__(
        self, server: SMTP, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if self.users.get(user) == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@contextmanager
def running_smtp_auth(
    identity: TlsIdentity | None, users: dict[str, str], *, implicit: bool = False
) -> Iterator[Listening]:
    """aiosmtpd on loopback accepting `users`: STARTTLS (AUTH only after it), implicit TLS, or
    plain text (AUTH allowed without TLS) when `identity` is None."""
    options: dict[str, Any] = {"authenticator": _Accounts(users), "auth_require_tls": False}
    if identity is not None and implicit:
        options.update(ssl_context=identity.context)
    elif identity is not None:
        options.update(tls_context=identity.context, auth_require_tls=True)
    controller = Controller(
        _Sink(), hostname=HOST, port=free_port(), server_hostname=TLS_NAME, **options
    )
    controller.start()
    try:
        yield Listening(HOST, controller.port)
    finally:
        controller.stop()
