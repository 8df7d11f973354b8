"""What one CLI invocation knows: where the data is, who is acting, how to print."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import click

from penguin_desktop import log
from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.errors import AuthenticationError
from penguin_desktop.core.platform.models import Actor, Face


@dataclass
class CliState:
    data_dir: str | None = None
    db_url: str | None = None
    json: bool = False
    user: str | None = None
    debug: bool = False
    creating: bool = False  # `init`: the one command that may create the workspace database
    _container: Container | None = field(default=None, repr=False)
    _actor: Actor | None = field(default=None, repr=False)

    @property
    def container(self) -> Container:
        if self._container is None:
            settings = Settings.resolve(self.data_dir, self.db_url)
            log.configure(settings.log_dir, self.debug)
            self._container = Container(
                settings, master_password=master_password, create=self.creating
            )
        return self._container

    def actor(self) -> Actor:
        """Log in from PENGUIN_USER / PENGUIN_PASSWORD, else --user and a no-echo prompt."""
        if self._actor is None:
            email = os.environ.get("PENGUIN_USER") or self.user
            if not email:
                raise AuthenticationError(
                    "who is acting? set PENGUIN_USER (and PENGUIN_PASSWORD) or pass --user EMAIL"
                )
            password = os.environ.get("PENGUIN_PASSWORD")
            if password is None:
                password = prompt_secret(f"Password for {email}")
            self._actor = self.container.auth.login(email, password, Face.CLI)
        return self._actor

    def close(self) -> None:
        if self._container is not None:
            self._container.close()


def master_password(creating: bool) -> str:
    """PENGUIN_MASTER_PASSWORD, else a no-echo prompt (asked twice when creating the file)."""
    value = os.environ.get("PENGUIN_MASTER_PASSWORD")
    if value:
        log.redact(value)
        return value
    label = "New master password for the secrets file" if creating else "Master password"
    return prompt_secret(label, confirm=creating, variable="PENGUIN_MASTER_PASSWORD")


def prompt_secret(label: str, confirm: bool = False, variable: str = "PENGUIN_PASSWORD") -> str:
    """A no-echo prompt; refused when nobody is at a terminal to answer it, naming the
    environment variable that would have answered instead."""
    if not sys.stdin.isatty():
        raise AuthenticationError(
            f"{label.lower()} needed but no terminal to ask on: set {variable}"
        )
    value: str = click.prompt(label, hide_input=True, confirmation_prompt=confirm)
    log.redact(value)
    return value


pass_state = click.make_pass_decorator(CliState, ensure=True)
