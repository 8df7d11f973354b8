"""`SecretService.rotate` (what `penguin secrets rotate` runs) with the registered procedures:
an SSH key against the real sshd, SMTP passwords through the loopback MailU admin API. The
acting user is the one audited; a failing procedure leaves the secret as it was."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.errors import (
    CredentialRefused,
    ExternalServiceError,
    ValidationError,
)
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.secrets.models import SecretKind
from penguin_desktop.core.servers.mailu import MailuClient
from penguin_desktop.core.servers.models import Health
from penguin_desktop.core.servers.ssh.client import SshConnection, SshTarget
from penguin_desktop.core.servers.ssh.keys import KeyPair, generate_ed25519, load_private_key
from tests.servers.mailu import MailuServer, running_mailu
from tests.servers.sshd import SshdServer, running_sshd

KEY_SECRET = "server/mx1/ssh-key"
# The check logged in (a busy test machine may fail its load check: degraded, not unreachable).
LOGGED_IN = (Health.HEALTHY, Health.DEGRADED)


@pytest.fixture
def mailu() -> Iterator[MailuServer]:
    with running_mailu() as server:
        with MailuClient(server.base_url, server.state.token) as api:
            api.create_domain("client.test")
        yield server


@pytest.fixture
def first_key(sshd: SshdServer) -> Iterator[KeyPair]:
    """mx1's own key, authorized on the test sshd next to the suite's key."""
    pair = generate_ed25519("first")
    sshd.authorize(pair.public_openssh)
    yield pair
    # Leave the shared sshd with the suite's key only (whatever a test did to the file).
    keys = sshd.authorized_keys
    keys.chmod(0o600)
    blob = pair.public_openssh.split()[1]
    kept = [line for line in keys.read_text().splitlines() if blob not in line]
    keys.write_text("".join(f"{line}\n" for line in kept if "penguinmails-mx1" not in line))


@pytest.fixture
def mx1(
    container: Container, owner: Actor, sshd: SshdServer, mailu: MailuServer, first_key: KeyPair
) -> str:
    container.workspaces.create(owner, "Acme")
    container.servers.adopt(
        owner, "Acme", "mx1", sshd.host, sshd.port, sshd.user,
        private_key=first_key.private_openssh, accept_fingerprint=sshd.host_fingerprint,
        mailu_url=mailu.base_url, mailu_token=mailu.state.token,
    )  # fmt: skip
    return "mx1"


def logs_in(sshd: SshdServer, private_key: str) -> bool:
    target = SshTarget(sshd.host, sshd.port, sshd.user)
    try:
        with SshConnection.connect(
            target, sshd.host_fingerprint, load_private_key(private_key)
        ) as conn:
            return conn.run("true").ok
    except CredentialRefused:
        return False


def test_rotating_an_ssh_key_secret_installs_a_new_key_and_retires_the_old(
    container: Container, owner: Actor, mx1: str, sshd: SshdServer, first_key: KeyPair
) -> None:
    assert logs_in(sshd, first_key.private_openssh)
    info = container.secrets.rotate(owner, "Acme", KEY_SECRET)
    assert info.name == KEY_SECRET and info.kind is SecretKind.SSH_KEY
    new = container.secrets.reveal(owner, "Acme", KEY_SECRET, "test")
    assert new != first_key.private_openssh
    assert logs_in(sshd, new)
    assert not logs_in(sshd, first_key.private_openssh)
    assert sshd.client_key.public_openssh.split()[1] in sshd.authorized_keys.read_text()
    entries = container.audit.page(owner, AuditFilter(workspace="Acme"))
    (rotated,) = [e for e in entries if e.action == "server.rotate-key"]
    assert rotated.actor == owner.email
    # Stored once, by the procedure, after the new key logged in (not a second time after).
    replaced = [e for e in entries if e.action == "secret.replace" and KEY_SECRET in e.target]
    assert len(replaced) == 1 and replaced[0].actor == owner.email


def test_rotating_a_mailbox_password_goes_through_the_mailu_api(
    container: Container, owner: Actor, mx1: str, mailu: MailuServer
) -> None:
    container.mailboxes.create(owner, "ann@client.test", mx1)
    name = "mailbox/ann@client.test"
    old = container.secrets.reveal(owner, "Acme", name, "test")
    container.secrets.rotate(owner, "Acme", name)
    new = container.secrets.reveal(owner, "Acme", name, "test")
    assert new != old and mailu.state.passwords["ann@client.test"] == new
    actions = [e.action for e in container.audit.page(owner, AuditFilter(workspace="Acme"))]
    assert "mailbox.passwd" in actions and "secret.replace" in actions


def test_rotating_a_postmaster_password_made_by_provisioning(
    container: Container, owner: Actor, mx1: str, mailu: MailuServer
) -> None:
    name = "server/mx1/postmaster@client.test"
    with MailuClient(mailu.base_url, mailu.state.token) as api:
        api.create_user("postmaster@client.test", "first-password-0123")
    container.secrets.set(
        owner, "Acme", name, SecretKind.SMTP_PASSWORD, "first-password-0123", reason="test"
    )
    container.secrets.rotate(owner, "Acme", name)
    new = container.secrets.reveal(owner, "Acme", name, "test")
    assert new != "first-password-0123"
    assert mailu.state.passwords["postmaster@client.test"] == new


def test_secrets_without_a_remote_side_are_refused_and_left_alone(
    container: Container, owner: Actor, mx1: str
) -> None:
    container.secrets.set(owner, "Acme", "loose-key", SecretKind.SSH_KEY, "not used", reason="t")
    with pytest.raises(ValidationError, match="no server of 'Acme' logs in with 'loose-key'"):
        container.secrets.rotate(owner, "Acme", "loose-key")
    container.secrets.set(owner, "Acme", "smtp/x", SecretKind.SMTP_PASSWORD, "pw", reason="t")
    with pytest.raises(ValidationError, match="not a mailbox's password"):
        container.secrets.rotate(owner, "Acme", "smtp/x")
    assert container.secrets.reveal(owner, "Acme", "loose-key", "t") == "not used"
    assert container.secrets.reveal(owner, "Acme", "smtp/x", "t") == "pw"


def test_rotation_when_authorized_keys_has_no_final_newline(
    container: Container, owner: Actor, mx1: str, sshd: SshdServer, first_key: KeyPair
) -> None:
    # Hand-edited files often lack the final newline; the new key must not be glued onto the
    # old key's line (a rollback or the old key's removal would then take both away).
    keys = sshd.authorized_keys
    keys.write_text(keys.read_text().rstrip("\n"))
    container.secrets.rotate(owner, "Acme", KEY_SECRET)
    new = container.secrets.reveal(owner, "Acme", KEY_SECRET, "test")
    assert logs_in(sshd, new)
    assert not logs_in(sshd, first_key.private_openssh)
    assert logs_in(sshd, sshd.client_key.private_openssh)


def test_a_new_key_that_cannot_be_installed_changes_nothing(
    container: Container, owner: Actor, mx1: str, sshd: SshdServer, first_key: KeyPair
) -> None:
    before = sshd.authorized_keys.read_text()
    sshd.break_tool("touch", "touch: cannot touch 'authorized_keys': No space left on device")
    try:
        with pytest.raises(ExternalServiceError, match="could not add the new key") as failed:
            container.secrets.rotate(owner, "Acme", KEY_SECRET)
    finally:
        sshd.reset_remote()
    assert "No space left on device" in failed.value.message
    assert failed.value.message.endswith("nothing changed")
    assert container.secrets.reveal(owner, "Acme", KEY_SECRET, "t") == first_key.private_openssh
    assert sshd.authorized_keys.read_text() == before
    assert logs_in(sshd, first_key.private_openssh)
    assert container.servers.run_check(owner, "mx1").health in LOGGED_IN


def test_a_new_key_that_cannot_log_in_is_taken_out_and_the_old_one_stays(
    container: Container, owner: Actor
) -> None:
    # sshd reads its keys outside ~/.ssh (AuthorizedKeysFile /etc/ssh/...): the new key lands
    # in ~/.ssh/authorized_keys, the login with it is refused by the real server.
    with running_sshd(keys_outside_home=True) as server:
        server.install_docker_standin()
        first = generate_ed25519("first")
        server.authorize(first.public_openssh)
        home_keys_before = server.authorized_keys.read_text()
        container.workspaces.create(owner, "Acme")
        container.servers.adopt(
            owner, "Acme", "mx1", server.host, server.port, server.user,
            private_key=first.private_openssh, accept_fingerprint=server.host_fingerprint,
        )  # fmt: skip
        log: list[str] = []
        with pytest.raises(ExternalServiceError) as failed:
            container.servers.rotate_key(owner, "mx1", on_log=log.append)
        assert failed.value.message.startswith("the new key could not log in to mx1 (")
        assert failed.value.message.endswith("taken out again and the old key stays in use")
        assert log == ["new key authorized next to the old one on mx1"]
        assert server.authorized_keys.read_text() == home_keys_before
        stored = container.secrets.reveal(owner, "Acme", KEY_SECRET, "t")
        assert stored == first.private_openssh
        assert logs_in(server, first.private_openssh)
        assert container.servers.run_check(owner, "mx1").health in LOGGED_IN
        # Through `secrets rotate` the same: an error, the secret as it was.
        with pytest.raises(ExternalServiceError, match="the new key could not log in"):
            container.secrets.rotate(owner, "Acme", KEY_SECRET)
        assert container.secrets.reveal(owner, "Acme", KEY_SECRET, "t") == stored
        actions = [e.action for e in container.audit.page(owner, AuditFilter(workspace="Acme"))]
        assert "server.rotate-key" not in actions and "secret.replace" not in actions
