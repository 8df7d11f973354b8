"""The Campaigns page over a real workspace: a lead list, an outside mailbox whose SMTP port is
closed, the sender details and a campaign of two steps, the first with two variants. The page
lists it with its steps; the dialogs create a campaign (a bad window shown at its field) and add
a step; Start and Pause change its status; the preview renders a lead's subject or says why a
suppressed lead gets nothing; a send pass over the closed port ends and reports."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from penguin_desktop.container import Container
from penguin_desktop.core.mailboxes import MailServer, Tls
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.ui.campaigns.campaign_dialogs import AddStepDialog, NewCampaignDialog
from penguin_desktop.ui.campaigns.campaigns_page import CampaignsPage
from penguin_desktop.ui.shell.main_window import PAGES, MainWindow

WindowFactory = Callable[..., MainWindow]
WAIT_MS = 30_000
SENDER = "ben@acme-mail.test"
CSV = "Email,First Name\nann@example.com,Ann\nbob@example.org,Bob\n"


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def acme(container: Container, owner: Actor, tmp_path: Path, test_keyring: object) -> str:
    """The outside mailbox's password goes to a keyring of the test's own."""
    container.workspaces.create(owner, "Acme")
    source = tmp_path / "leads.csv"
    source.write_text(CSV, encoding="utf-8")
    container.leads.import_file(owner, "Acme", "Fair", source)
    server = MailServer("127.0.0.1", closed_port(), Tls.NONE, SENDER)
    container.outside_mailboxes.connect(owner, "Acme", SENDER, server, None, "app-password-1")
    container.compliance.set(owner, "Acme", "1 Main St, Springfield", "https://unsub.test/u")
    campaigns = container.campaigns
    campaigns.create(owner, "Acme", "Q1", "Fair", [SENDER], window="Mon-Sun 00:00-24:00")
    campaigns.add_step(owner, "Acme", "Q1", "Hi {{first_name|there}}", "Hello {{first_name}}")
    campaigns.add_step(owner, "Acme", "Q1", "Question, {{first_name}}?", "Hello", variant="B",
                       step=1)  # fmt: skip
    campaigns.add_step(owner, "Acme", "Q1", "Following up", "Just checking", delay_days=2)
    container.suppression.add(owner, "bob@example.org", "Acme")
    return "Acme"


def open_campaigns(window: MainWindow) -> CampaignsPage:
    page = window.show_page(PAGES.index(CampaignsPage))
    assert isinstance(page, CampaignsPage)
    return page


def settle(qtbot: QtBot, window: MainWindow) -> None:
    QApplication.processEvents()
    qtbot.waitUntil(lambda: not window.state.runner.running, timeout=WAIT_MS)
    QApplication.processEvents()


def status_shown(page: CampaignsPage) -> str:
    return str(page.model.index(0, 1).data())


def test_the_campaign_is_listed_with_its_steps_and_results(
    qtbot: QtBot, acme: str, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    page = open_campaigns(window)
    settle(qtbot, window)
    assert [c.name for c in page.model.rows] == ["Q1"]
    assert [str(page.model.index(0, c).data()) for c in range(6)] == [
        "Q1", "Draft", "Fair", "0", "1", "Mon-Sun 00:00-24:00",
    ]  # fmt: skip
    steps = page.detail.steps.text()
    assert "Step 1" in steps and "Step 2" in steps and "Question, {{first_name}}?" in steps
    assert "B:" in steps and "Following up" in steps
    assert "Nothing sent yet" in page.detail.message.text()
    assert page.detail.blocked.text() == "Nothing blocked."


def test_new_campaign_shows_a_bad_window_at_its_field_then_creates(
    qtbot: QtBot, acme: str, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    page = open_campaigns(window)
    page.new_button.click()
    dialog = page.dialog
    assert isinstance(dialog, NewCampaignDialog)
    assert dialog.list_combo.currentText() == "Fair"
    qtbot.keyClicks(dialog.name, "Spring")
    dialog.mailboxes.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.window_edit.setText("Mon-Fri 9-5")
    dialog.ok_button.click()
    assert dialog.isVisible()
    assert "not like" in dialog.field_error("window")
    assert dialog.focusWidget() is dialog.window_edit

    dialog.window_edit.setText("Mon-Fri 08:00-16:00")
    dialog.timezone.setCurrentText("Europe/Berlin")
    dialog.daily.setValue(40)
    dialog.ok_button.click()
    assert not dialog.isVisible()
    assert [c.name for c in page.model.rows] == ["Q1", "Spring"]
    created = page.selected()
    assert created is not None and created.name == "Spring"
    assert created.timezone == "Europe/Berlin" and created.daily_limit == 40
    assert "Created Spring" in page.message.text()


def test_add_step_adds_a_step_and_previews_a_lead(
    qtbot: QtBot, acme: str, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    page = open_campaigns(window)
    settle(qtbot, window)
    page.step_button.click()
    dialog = page.dialog
    assert isinstance(dialog, AddStepDialog)
    assert [dialog.lead.itemText(i) for i in range(dialog.lead.count())] == [
        "ann@example.com", "bob@example.org",
    ]  # fmt: skip
    dialog.lead.setCurrentText("ann@example.com")
    dialog.preview_button.click()
    settle(qtbot, window)
    rendered = dialog.preview.text()
    assert "Subject: Hi Ann" in rendered or "Subject: Question, Ann?" in rendered, rendered
    dialog.lead.setCurrentText("bob@example.org")
    dialog.preview_button.click()
    settle(qtbot, window)
    assert dialog.preview.kind == "warning" and "Not sent to bob@example.org" in (
        dialog.preview.text()
    )

    qtbot.keyClicks(dialog.subject, "Last call")
    dialog.body.setPlainText("Closing the file, {{first_name|friend}}.")
    dialog.ok_button.click()
    assert not dialog.isVisible()
    settle(qtbot, window)
    assert "Step 3" in page.detail.steps.text() and "Last call" in page.detail.steps.text()


def test_start_and_pause_change_the_status(
    qtbot: QtBot, acme: str, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    page = open_campaigns(window)
    assert not page.pause_button.isEnabled() and page.start_button.isEnabled()
    page.start_button.click()
    assert status_shown(page) == "Active"
    assert "2 leads enrolled" in page.message.text()
    assert page.pause_button.isEnabled() and not page.start_button.isEnabled()
    page.pause_button.click()
    assert status_shown(page) == "Paused"
    settle(qtbot, window)


def test_send_due_now_over_a_closed_port_ends_with_its_report(
    qtbot: QtBot, acme: str, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    page = open_campaigns(window)
    page.start_button.click()
    settle(qtbot, window)
    job = page.send_now()
    assert job is not None
    assert page.cancel_button.isVisibleTo(page) and not page.send_button.isVisibleTo(page)
    with qtbot.waitSignal(job.signals.ended, timeout=WAIT_MS):
        pass
    settle(qtbot, window)
    text = page.message.text()
    assert "Sent 0" in text, text
    assert page.send_button.isVisibleTo(page) and not page.cancel_button.isVisibleTo(page)


def test_an_empty_workspace_says_how_to_begin(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    container.workspaces.create(owner, "Empty Co")
    page = open_campaigns(make_window(owner))
    assert page.stack.currentWidget() is page.empty
    assert "No campaigns in Empty Co" in page.empty.title.text()
    assert page.empty.button.isVisibleTo(page) and page.empty.button.text() == "New campaign…"
    page.empty.button.click()
    assert isinstance(page.dialog, NewCampaignDialog)
    page.dialog.reject()
