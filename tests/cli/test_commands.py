"""The command line as scripts and people use it: output, exit codes, clear errors."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import click
import pytest

from penguin_desktop.cli.main import cli
from tests.cli.conftest import AddUser, Penguin
from tests.conftest import OWNER_EMAIL, USER_PASSWORD


def _all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found += _all_commands(command, f"{prefix}{name} ")
    return found


@pytest.mark.parametrize(("name", "command"), _all_commands(cli))
def test_every_command_has_help(name: str, command: click.Command) -> None:
    assert command.help and len(command.help.strip()) > 10, f"`penguin {name}` lacks help"
    result = click.testing.CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0 and "Usage:" in result.stdout


def test_the_foundation_workflow(initialized: Penguin, add_user: AddUser, tmp_path: Path) -> None:
    penguin = initialized
    assert penguin("workspace", "create", "Client One").exit_code == 0
    add_user("bob@agency.test")
    assert (
        penguin(
            "member", "add", "bob@agency.test", "--workspace", "client one", "--role", "manager"
        ).exit_code
        == 0
    )
    members = penguin.json("member", "list", "--workspace", "Client One")
    assert {m["email"]: m["role"] for m in members} == {
        OWNER_EMAIL: "owner",
        "bob@agency.test": "manager",
    }
    bob_sees = penguin.json("workspace", "list", user="bob@agency.test")
    assert [(w["name"], w["my_role"]) for w in bob_sees] == [("Client One", "manager")]
    assert penguin("workspace", "rename", "Client One", "Client 1").exit_code == 0
    assert penguin("workspace", "archive", "Client 1").exit_code == 0
    assert penguin.json("workspace", "list") == []
    assert [w["name"] for w in penguin.json("workspace", "list", "--all")] == ["Client 1"]

    verify = penguin.json("audit", "verify")
    assert verify["ok"] is True and verify["checked"] >= 6
    out = tmp_path / "report.csv"
    result = penguin(
        "audit",
        "export",
        "--format",
        "csv",
        "--out",
        str(out),
        "--actor",
        OWNER_EMAIL,
        "--action",
        "workspace.*",
    )
    assert result.exit_code == 0, result.stderr
    assert "Exported 3 events" in result.stdout
    actions = [r["action"] for r in csv.DictReader(out.open())]
    assert actions == ["workspace.create", "workspace.rename", "workspace.archive"]

    listed = penguin.json("audit", "list", "--workspace", "Client 1", "--since", "2000-01-01")
    assert [e["action"] for e in listed][:2] == ["workspace.archive", "workspace.rename"]


def test_global_options_work_before_the_command(initialized: Penguin) -> None:
    result = initialized("--json", "workspace", "list")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_human_output_is_a_table_with_a_next_step_when_empty(initialized: Penguin) -> None:
    result = initialized("workspace", "list")
    assert "penguin workspace create" in result.stdout
    initialized("workspace", "create", "Acme")
    lines = initialized("workspace", "list").stdout.splitlines()
    assert lines[0].split()[:3] == ["NAME", "YOUR", "ROLE"]
    assert lines[1].startswith("Acme")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("workspace", "rename", "Nope", "X"), "no workspace named 'Nope'"),
        (
            ("member", "add", "ghost@agency.test", "-w", "Acme", "--role", "member"),
            "no user with email",
        ),
        (("member", "add", "x@agency.test", "-w", "Acme", "--role", "emperor"), "unknown role"),
        (("workspace", "create", "acme"), "already exists"),
        (("audit", "list", "--since", "yesterday"), "not a date"),
        (("user", "set-role", OWNER_EMAIL, "admin"), "at least one owner"),
    ],
)
def test_bad_input_is_exit_1_with_one_clear_line(
    initialized: Penguin, args: tuple[str, ...], message: str
) -> None:
    initialized("workspace", "create", "Acme")
    before = initialized.json("audit", "list", "--limit", "1000")
    result = initialized(*args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert initialized.json("audit", "list", "--limit", "1000") == before


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("bad-email", USER_PASSWORD, "not a valid email"),
        ("new@agency.test", "short", "too short"),
        ("new@agency.test", "password1234", "too common"),
    ],
)
def test_bad_new_users_are_refused(
    initialized: Penguin, email: str, password: str, message: str
) -> None:
    result = initialized("user", "add", email, "--password-stdin", stdin=password + "\n")
    assert result.exit_code == 1 and message in result.stderr
    assert [u["email"] for u in initialized.json("user", "list")] == [OWNER_EMAIL]


def test_usage_errors_are_exit_2(initialized: Penguin) -> None:
    assert initialized("workspace", "frobnicate").exit_code == 2
    assert initialized("member", "add", "x@agency.test").exit_code == 2
    assert initialized("audit", "export", "--format", "docx", "--out", "x").exit_code == 2


def test_a_viewer_is_refused_with_exit_3_and_the_refusal_is_audited(
    initialized: Penguin, add_user: AddUser
) -> None:
    initialized("workspace", "create", "Acme")
    add_user("viewer@agency.test")
    initialized("member", "add", "viewer@agency.test", "-w", "Acme", "--role", "viewer")
    as_viewer = {"user": "viewer@agency.test"}
    for args in (
        ("workspace", "rename", "Acme", "Mine"),
        ("workspace", "archive", "Acme"),
        ("workspace", "create", "Other"),
        ("member", "set-role", "viewer@agency.test", "-w", "Acme", "--role", "owner"),
        ("member", "remove", OWNER_EMAIL, "-w", "Acme"),
        ("user", "add", "z@agency.test", "--password-stdin"),
        ("audit", "export", "--format", "csv", "--out", "/tmp/never.csv"),
    ):
        result = initialized(*args, stdin=USER_PASSWORD + "\n", **as_viewer)
        assert result.exit_code == 3, (args, result.stderr)
        assert result.stderr.startswith("error: permission denied")
    denied = initialized.json("audit", "list", "--actor", "viewer@agency.test")
    assert len(denied) == 7 and {e["outcome"] for e in denied} == {"denied"}


def test_another_workspace_reads_as_one_that_does_not_exist(
    initialized: Penguin, add_user: AddUser
) -> None:
    initialized("workspace", "create", "Secret Client")
    add_user("bob@agency.test")
    result = initialized("member", "list", "-w", "Secret Client", user="bob@agency.test")
    assert result.exit_code == 1
    assert "no workspace named 'Secret Client' among yours" in result.stderr
    unknown = initialized("member", "list", "-w", "Nope Client", user="bob@agency.test")
    assert (unknown.exit_code, unknown.stderr.replace("Nope", "Secret")) == (1, result.stderr)
    result = initialized("audit", "list", "-w", "Secret Client", user="bob@agency.test")
    assert result.exit_code == 1


def test_authentication_failures_are_exit_4_and_lock_after_five(
    initialized: Penguin, add_user: AddUser
) -> None:
    add_user("bob@agency.test")
    for _ in range(5):
        result = initialized(
            "workspace", "list", user="bob@agency.test", password="wrong-pass-1234"
        )
        assert result.exit_code == 4
    result = initialized("workspace", "list", user="bob@agency.test")
    assert result.exit_code == 4 and "locked" in result.stderr
    assert initialized("user", "unlock", "bob@agency.test").exit_code == 0
    assert initialized("workspace", "list", user="bob@agency.test").exit_code == 0
    activity = initialized.json("login-activity", "--user", "bob@agency.test")
    assert [a["reason"] for a in activity[:3]] == ["ok", "account locked", "wrong password"]
    assert {a["face"] for a in activity} == {"cli"}


def test_no_identity_is_exit_4_with_what_to_do(initialized: Penguin) -> None:
    result = initialized("workspace", "list", user=None)
    assert result.exit_code == 4 and "PENGUIN_USER" in result.stderr


def test_commands_before_init_say_to_init(penguin: Penguin) -> None:
    if penguin.db_url.startswith("sqlite"):  # no database at all, not even an empty one
        Path(penguin.db_url.removeprefix("sqlite:///")).unlink()
    result = penguin("workspace", "list")
    assert result.exit_code == 1 and "run `penguin init`" in result.stderr
    if penguin.db_url.startswith("sqlite"):  # only init creates a workspace database
        assert "no workspace database at" in result.stderr
        assert not Path(penguin.db_url.removeprefix("sqlite:///")).exists()


def test_passwd_and_set_email(initialized: Penguin) -> None:
    result = initialized("user", "passwd", "--new-password-stdin", stdin="Another-fjord-2027!\n")
    assert result.exit_code == 0, result.stderr
    assert initialized("workspace", "list").exit_code == 4
    assert initialized("workspace", "list", password="Another-fjord-2027!").exit_code == 0
    result = initialized("user", "set-email", "boss@agency.test", password="Another-fjord-2027!")
    assert result.exit_code == 0
    me = initialized.json("user", "whoami", user="boss@agency.test", password="Another-fjord-2027!")
    assert me["email"] == "boss@agency.test"


def test_roles_prints_the_matrix(penguin: Penguin) -> None:
    result = penguin("roles", user=None)
    assert "| `member.manage`" in result.stdout
    matrix = penguin.json("roles", user=None)
    assert matrix["audit.export"]["roles"] == ["admin", "owner"]


def test_the_data_directory_is_private_from_the_first_command(tmp_path: Path) -> None:
    data = tmp_path / "new" / "agency"
    result = click.testing.CliRunner().invoke(
        cli, ["--data-dir", str(data), "workspace", "list"], env={"PENGUIN_USER": None}
    )
    assert result.exit_code == 1 and "no workspace database" in result.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "logs").stat().st_mode) == 0o700
