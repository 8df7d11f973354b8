"""Run the real `penguin` command in-process (CliRunner) against a real workspace."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from penguin_desktop.cli.main import cli
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, USER_PASSWORD


@dataclass
class Penguin:
    """Calls `penguin ...` as a given user, like a script with PENGUIN_USER/PASSWORD set."""

    db_url: str
    data_dir: Path

    def __call__(
        self,
        *args: str,
        user: str | None = OWNER_EMAIL,
        password: str | None = None,
        stdin: str | None = None,
        env: dict[str, str] | None = None,
    ) -> Result:
        environment = {
            "PENGUIN_DATA_DIR": str(self.data_dir),
            "PENGUIN_DB_URL": self.db_url,
            "PENGUIN_USER": None,
            "PENGUIN_PASSWORD": None,
        }
        if user is not None:
            environment["PENGUIN_USER"] = user
            environment["PENGUIN_PASSWORD"] = password or (
                OWNER_PASSWORD if user == OWNER_EMAIL else USER_PASSWORD
            )
        environment.update(env or {})
        return CliRunner().invoke(cli, list(args), env=environment, input=stdin)

    def json(self, *args: str, **kwargs: Any) -> Any:
        result = self(*args, "--json", **kwargs)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture
def penguin(db_url: str, tmp_path: Path) -> Penguin:
    return Penguin(db_url, tmp_path)


@pytest.fixture
def initialized(penguin: Penguin) -> Penguin:
    result = penguin(
        "init",
        "--org",
        "Agency CLI",
        "--owner-email",
        OWNER_EMAIL,
        env={"PENGUIN_PASSWORD": OWNER_PASSWORD},
        user=None,
    )
    assert result.exit_code == 0, result.stderr
    return penguin


AddUser = Callable[..., None]


@pytest.fixture
def add_user(initialized: Penguin) -> AddUser:
    def add(email: str, org_role: str = "member") -> None:
        result = initialized(
            "user",
            "add",
            email,
            "--password-stdin",
            "--org-role",
            org_role,
            stdin=USER_PASSWORD + "\n",
        )
        assert result.exit_code == 0, result.stderr

    return add
