"""`penguin mailbox connect` and `penguin campaign ...` as a script uses them, with a real
(recording) SMTP server: create, steps and variants, preview, plan, start, `run --once`,
`stats --json` with deferrals by limit, settling unknown sends, and errors in the CLI's words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.campaigns.sending_tables import SendRow
from tests.campaigns.send_servers import Recorder, recording_smtp
from tests.cli.conftest import Penguin
from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, fresh_sqlite

SENDER = "cara@acme-mail.test"
PASSWORD = "cli-Smtp-5521"


@pytest.fixture
def cli(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Penguin, Recorder]]:
    monkeypatch.setenv("PENGUIN_MASTER_PASSWORD", MASTER_PASSWORD)
    penguin = Penguin(fresh_sqlite(sqlite_template, tmp_path / "db" / "w.db"), tmp_path)
    made = penguin("init", "--org", "Agency", "--owner-email", OWNER_EMAIL,
                   env={"PENGUIN_PASSWORD": OWNER_PASSWORD}, user=None)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert penguin("workspace", "create", "Acme").exit_code == 0
    (tmp_path / "leads.csv").write_text(
        "Email,First Name\nann@example.com,Ann\nbo@example.org,Bo\ncy@example.net,\n"
    )
    assert penguin("lead", "import", str(tmp_path / "leads.csv"), "-w", "Acme", "--list", "L")
    assert penguin("compliance", "set", "-w", "Acme", "--postal-address", "1 Main St",
                   "--unsubscribe-url", "https://u.agency.test/u").exit_code == 0  # fmt: skip
    with recording_smtp({SENDER: PASSWORD}) as (port, recorder):
        connected = penguin(
            "mailbox", "connect", SENDER, "--workspace", "Acme", "--smtp-host", "127.0.0.1",
            "--smtp-port", str(port), "--smtp-tls", "none", "--password-stdin",
            "--daily-limit", "2", "--min-gap-seconds", "0", stdin=PASSWORD + "\n",
        )  # fmt: skip
        assert connected.exit_code == 0, connected.stderr
        yield penguin, recorder


def test_a_campaign_from_the_command_line(cli: tuple[Penguin, Recorder], tmp_path: Path) -> None:
    penguin, recorder = cli
    body = tmp_path / "body.txt"
    body.write_text("Hi {{first_name|there}},\nshort question.\n")
    made = penguin.json("campaign", "create", "Q1", "-w", "Acme", "--list", "L",
                        "--mailbox", SENDER, "--window", "Mon-Sun 00:00-24:00")  # fmt: skip
    assert made["status"] == "draft" and made["mailboxes"] == [SENDER]
    added = penguin.json("campaign", "step", "add", "Q1", "-w", "Acme", "--subject",
                         "Hello {{first_name|there}}", "--body-file", str(body))  # fmt: skip
    assert [s["position"] for s in added["steps"]] == [1]
    variant = penguin.json("campaign", "step", "add", "Q1", "-w", "Acme", "--subject", "Hey",
                           "--body-file", str(body), "--variant", "B")  # fmt: skip
    assert [v["name"] for v in variant["steps"][0]["variants"]] == ["A", "B"]
    shown = penguin.json("campaign", "preview", "Q1", "-w", "Acme", "--lead", "cy@example.net")
    assert shown["blocked"] is None and shown["text"].startswith("Hi there,")
    assert penguin.json("campaign", "start", "Q1", "-w", "Acme")["leads"] == 3
    plan = penguin.json("campaign", "plan", "-w", "Acme")
    assert plan["planned"] == 2 and plan["held_by"] == {"mailbox daily cap": 1}
    run = penguin.json("campaign", "run", "--once", "-w", "Acme")
    assert run["sent"] == 2 and run["held_by"] == {"mailbox daily cap": 1}
    assert len(recorder.received) == 2
    stats = penguin.json("campaign", "stats", "Q1", "-w", "Acme")
    assert sum(v["sent"] for v in stats["variants"]) == 2
    assert stats["deferred_by"] == {"mailbox daily cap": 1}
    listed = penguin.json("campaign", "list", "-w", "Acme")
    assert [(c["name"], c["status"]) for c in listed] == [("Q1", "active")]
    assert penguin.json("campaign", "pause", "Q1", "-w", "Acme")["status"] == "paused"


def test_unknown_sends_are_the_users_to_settle(
    cli: tuple[Penguin, Recorder], tmp_path: Path
) -> None:
    penguin, recorder = cli
    (tmp_path / "b.txt").write_text("Hello")
    penguin("campaign", "create", "Q1", "-w", "Acme", "--list", "L", "--mailbox", SENDER,
            "--window", "Mon-Sun 00:00-24:00")  # fmt: skip
    penguin("campaign", "step", "add", "Q1", "-w", "Acme", "--subject", "S",
            "--body-file", str(tmp_path / "b.txt"))  # fmt: skip
    penguin("campaign", "start", "Q1", "-w", "Acme")
    assert penguin.json("campaign", "run", "--once", "-w", "Acme")["sent"] == 2
    c = Container(Settings(data_dir=tmp_path, db_url=penguin.db_url), lambda _: MASTER_PASSWORD)
    with c.db.write() as session:
        session.execute(update(SendRow).values(status="unknown"))
    c.close()
    refused = penguin("campaign", "unknown", "Q1", "-w", "Acme")
    assert refused.exit_code != 0 and "--resend or --mark-sent" in refused.stderr
    assert penguin.json("campaign", "unknown", "Q1", "-w", "Acme", "--resend")["settled"] == 2
    # The user said they did not go: they go again (and count against the cap as new sends).
    assert penguin.json("campaign", "run", "--once", "-w", "Acme")["sent"] == 2
    stats = penguin.json("campaign", "stats", "Q1", "-w", "Acme")
    assert sum(v["unknown"] for v in stats["variants"]) == 0
    assert sum(v["sent"] for v in stats["variants"]) == 2
    assert len(recorder.received) == 4
    assert penguin.json("campaign", "unknown", "Q1", "-w", "Acme", "--mark-sent")["settled"] == 0


def test_bad_input_is_named_in_the_clis_words(cli: tuple[Penguin, Recorder]) -> None:
    penguin, _ = cli
    bad = penguin("campaign", "create", "Q1", "-w", "Acme", "--list", "L", "--mailbox", SENDER,
                  "--window", "weekdays 9-5")  # fmt: skip
    assert bad.exit_code == 1 and "--window" in bad.stderr and "Mon-Fri 09:00-17:00" in bad.stderr
    unknown_box = penguin("campaign", "create", "Q1", "-w", "Acme", "--list", "L",
                          "--mailbox", "nobody@acme-mail.test")  # fmt: skip
    assert unknown_box.exit_code == 1 and "not a mailbox" in unknown_box.stderr
    zone = penguin("campaign", "create", "Q1", "-w", "Acme", "--list", "L", "--mailbox", SENDER,
                   "--timezone", "Mars/Olympus")  # fmt: skip
    assert zone.exit_code == 1 and "--timezone" in zone.stderr
    missing = penguin("campaign", "start", "Nope", "-w", "Acme")
    assert missing.exit_code == 1 and "no campaign named 'Nope'" in missing.stderr
