"""Replacing a server's credentials without locking anyone out: its SSH key (the new key is
authorized next to the old one and proved before the old one goes) and the postmaster password
provisioning made (changed through the MailU admin API before it is stored)."""

from __future__ import annotations

import secrets as token_source
import shlex
from collections.abc import Callable

from penguin_desktop.core.platform.errors import ExternalServiceError, PenguinError
from penguin_desktop.core.servers.access import Login
from penguin_desktop.core.servers.mailu import MailuClient
from penguin_desktop.core.servers.ssh.client import SshConnection
from penguin_desktop.core.servers.ssh.keys import generate_ed25519, load_private_key

KEYS_FILE = "~/.ssh/authorized_keys"


def _without_lines(keys_file: str, grep_pattern: str) -> str:
    """Shell: rewrite `keys_file` in place without the lines `grep -v {grep_pattern}` drops
    (in place, so its owner and mode stay; an emptied file is written too)."""
    temp = f"{keys_file}.penguin"
    return (
        f"{{ grep -v {grep_pattern} {keys_file} || [ $? -eq 1 ]; }} > {temp} && "
        f"cat {temp} > {keys_file}; status=$?; rm -f {temp}; exit $status"
    )


def _appended(keys_file: str, line: str) -> str:
    """Shell: add the (quoted) `line` to `keys_file` unless it is there already."""
    return (
        "umask 077 && mkdir -p ~/.ssh && touch " + keys_file + " && "
        # A file without a final newline would glue the new key onto its last line.
        f'{{ [ ! -s {keys_file} ] || [ -z "$(tail -c 1 {keys_file})" ] || '
        f"echo >> {keys_file}; }} && "
        f"(grep -qxF {line} {keys_file} || printf '%s\\n' {line} >> {keys_file})"
    )


class KeyRotation:
    """One SSH key rotation of one server: the old key's blob and the new pair."""

    def __init__(self, login: Login, old_private_key: str) -> None:
        self.login = login
        self.old_blob = load_private_key(old_private_key).get_base64()
        pair = generate_ed25519(f"penguinmails-{login.name}")
        self.private_key, self.public_key = pair.private_openssh, pair.public_openssh
        self.new_key = load_private_key(pair.private_openssh)

    def authorize(self, old_conn: SshConnection, log: Callable[[str], None]) -> None:
        """Authorize the new key over the old key's connection and prove a login with it; if
        that login fails the new key is taken out again, and nothing has changed."""
        name, line = self.login.name, shlex.quote(self.public_key)
        added = old_conn.run(_appended(KEYS_FILE, line))
        if not added.ok:
            raise ExternalServiceError(
                f"could not add the new key to {KEYS_FILE} on {name}: "
                f"{added.output}; nothing changed"
            )
        log(f"new key authorized next to the old one on {name}")
        try:
            with SshConnection.connect(self.login.target, self.login.pinned, self.new_key) as conn:
                proof = conn.run("true")
            if not proof.ok:
                raise ExternalServiceError(f"login with the new key failed: {proof.output}")
        except PenguinError as exc:
            old_conn.run(_without_lines(KEYS_FILE, f"-xF {line}"))
            raise ExternalServiceError(
                f"the new key could not log in to {name} ({exc.message}); it was "
                "taken out again and the old key stays in use"
            ) from None
        log("login with the new key works")

    def retire_old(self, log: Callable[[str], None]) -> bool:
        """Remove the old key from the server, logged in with the new one; whether it went
        (a failure only leaves an extra authorized key, which the log says)."""
        pattern = f"-F {shlex.quote(self.old_blob)}"
        try:
            with SshConnection.connect(self.login.target, self.login.pinned, self.new_key) as conn:
                removed = conn.run(_without_lines(KEYS_FILE, pattern))
            old_removed, why = removed.ok, removed.output
        except PenguinError as exc:
            old_removed, why = False, exc.message
        log(
            "old key removed from the server"
            if old_removed
            else f"could not remove the old key ({why}); remove it by hand"
        )
        return old_removed


def new_postmaster_password(api: MailuClient, email: str) -> str:
    """Set a new random password for `email` in MailU; the caller stores it."""
    password = token_source.token_urlsafe(18)
    api.update_user(email, password=password)
    return password
