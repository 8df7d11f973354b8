"""The Servers page, the host-key dialogs and the New server wizard against a real Container,
the session's real OpenSSH sshd (with its stand-in `docker`) and the loopback MailU admin API:
an adopted server in the table, trusting a host key, the wizard adopting and provisioning with
a live log, cancel then resume, a changed host key, a viewer's disabled actions and a refused
connection. No sleeps: every wait is on a condition or a signal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QApplication, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from penguin_desktop.config import DB_FILE, Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.secrets.models import SecretKind
from penguin_desktop.core.servers.models import ServerStatus
from penguin_desktop.core.servers.tables import ServerRow
from penguin_desktop.core.servers.vps.hostwinds import ENV_API
from penguin_desktop.ui.servers.forms import PlanFields, RemoveServerDialog, StartProvisionDialog
from penguin_desktop.ui.servers.host_key import HostKeyChangedDialog, HostKeyDialog
from penguin_desktop.ui.servers.page import ServersPage
from penguin_desktop.ui.servers.provision_view import ProvisionDialog
from penguin_desktop.ui.servers.wizard import PAGE_DETAILS, PAGE_RUN, NewServerWizard
from penguin_desktop.ui.shell.main_window import MainWindow
from tests.conftest import fresh_sqlite
from tests.servers.common import free_port
from tests.servers.hostwinds import running_hostwinds
from tests.servers.mailu import MailuServer, running_mailu
from tests.servers.sshd import SshdServer

WindowFactory = Callable[..., MainWindow]
MASTER = "a master password for the tests"
WAIT_MS = 30_000
FAST = {"poll_s": 0.05}


@pytest.fixture
def container(qapp: QApplication, tmp_path: Path, sqlite_template: Path) -> Iterator[Container]:
    """SSH keys and MailU tokens go to the encrypted secrets file (fixed master password)."""
    fresh_sqlite(sqlite_template, tmp_path / "data" / DB_FILE)
    built = Container(Settings.resolve(data_dir=tmp_path / "data", env={}), lambda _new: MASTER)
    yield built
    built.close()


@pytest.fixture(autouse=True)
def _no_wizard_left(qapp: QApplication) -> Iterator[None]:
    """A QWizard still alive when the next test restyles the application crashes Qt: delete
    every wizard a test leaves behind (the console deletes its own once closed and idle)."""
    yield
    for widget in qapp.allWidgets():
        if isinstance(widget, QWizard):
            widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def acme(container: Container, owner: Actor) -> str:
    container.workspaces.create(owner, "Acme")
    return "Acme"


@pytest.fixture
def remote_dir(tmp_path: Path, sshd: SshdServer) -> Iterator[Path]:
    sshd.reset_remote()
    tmp_path.chmod(0o777)
    yield tmp_path / "mailu"
    sshd.reset_remote()


@pytest.fixture
def mailu(remote_dir: Path, sshd: SshdServer) -> Iterator[MailuServer]:
    started = sshd.directory / "compose-running"  # the stand-in's `compose up` makes it
    with running_mailu(env_file=remote_dir / "mailu.env", started_by=started) as server:
        yield server


def adopt(
    container: Container, owner: Actor, sshd: SshdServer, name: str = "mx1", trust: bool = True
) -> None:
    container.servers.adopt(
        owner, "Acme", name, sshd.host, sshd.port, sshd.user,
        private_key=sshd.client_key.private_openssh,
        accept_fingerprint=sshd.host_fingerprint if trust else None,
    )  # fmt: skip


def servers_page(window: MainWindow) -> ServersPage:
    page = window.show_page(window.page_types.index(ServersPage))
    assert isinstance(page, ServersPage)
    page.provision_options = dict(FAST)
    return page


def cell(page: ServersPage, row: int, column: int) -> str:
    return str(page.model.index(row, column).data())


def column_of(page: ServersPage, title: str) -> int:
    titles = [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(9)]
    return titles.index(title)


def key_file(tmp_path: Path, sshd: SshdServer) -> Path:
    path = tmp_path / "id_ed25519"
    path.write_text(sshd.client_key.private_openssh)
    return path


def open_wizard(qtbot: QtBot, page: ServersPage) -> NewServerWizard:
    assert page.new_button.isEnabled()
    page.new_button.click()
    qtbot.waitUntil(lambda: isinstance(page.dialog, NewServerWizard) and page.dialog.isVisible())
    wizard = page.dialog
    assert isinstance(wizard, NewServerWizard)
    return wizard


def fill_adopt(
    wizard: NewServerWizard, sshd: SshdServer, key: Path, port: int, remote: Path, url: str
) -> None:
    details = wizard.details_page
    details.name.setText("mx1")
    details.host.setText(sshd.host)
    details.port.setValue(port)
    details.user.setText(sshd.user)
    details.key_file.setText(str(key))
    details.plan.domain.setText("client.test")
    details.plan.mailu_dir.setText(str(remote))
    details.plan.mailu_url.setText(url)


def next_enabled(wizard: NewServerWizard) -> bool:
    button = wizard.button(QWizard.WizardButton.NextButton)
    return button is not None and button.isEnabled()


def test_the_table_shows_an_adopted_server_with_its_pinned_key(
    qtbot: QtBot, qtmodeltester: object, owner: Actor, acme: str, container: Container,
    sshd: SshdServer, make_window: WindowFactory,
) -> None:  # fmt: skip
    page = servers_page(make_window(owner))
    assert page.stack.currentWidget() is page.empty
    assert page.empty.title.text() == "No mail servers in Acme yet"
    assert page.empty.button.text() == "New server…"
    adopt(container, owner, sshd)
    page.refresh()
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]
    assert page.stack.currentWidget() is page.splitter
    assert page.model.rowCount() == 1
    fingerprint = sshd.host_fingerprint
    row = {page.model.headerData(c, Qt.Orientation.Horizontal): cell(page, 0, c) for c in range(9)}
    assert row["Name"] == "mx1" and row["Workspace"] == "Acme" and row["Provider"] == "existing"
    assert row["IP"] == "127.0.0.1" and row["SSH"] == f"{sshd.port} / {sshd.user}"
    assert row["Host key"].startswith(fingerprint[:15]) and "…" in row["Host key"]
    assert row["MailU"] == "—" and row["Status"] == "Adopted"
    tip = page.model.index(0, column_of(page, "Host key")).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == fingerprint
    detail = page.detail
    assert detail.values["host_key"].text() == fingerprint
    assert detail.headline.text() == "mx1 · Acme · Adopted"
    assert set(detail.steps.states.values()) <= {"pending"}
    assert detail.steps.topLevelItemCount() >= 8
    assert detail.provision_button.isEnabled() and detail.check_button.isEnabled()
    # Run check on a worker: the last health check appears in the pane.
    with qtbot.waitSignal(page.state.runner.ended, timeout=WAIT_MS):
        detail.check_button.click()
    qtbot.waitUntil(lambda: not page.jobs)
    report = page.reports[("Acme", "mx1")]
    assert page.detail.health.text().startswith(report.health.value.capitalize())
    assert report.health.value in ("healthy", "degraded")  # load and disk are this machine's
    names = [page.detail.checks.topLevelItem(i).text(0) for i in range(5)]
    assert names == ["os", "load", "memory", "disk", "docker"]
    # The "all workspaces" view shows the Workspace column; Enter moves into the detail pane.
    assert page.table.isColumnHidden(1)
    page.all_box.setChecked(True)
    assert not page.table.isColumnHidden(1) and page.model.rowCount() == 1
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert page.detail.provision_button.hasFocus()


def test_the_host_key_dialog_shows_the_key_and_trusting_pins_it(
    qtbot: QtBot, owner: Actor, acme: str, container: Container, sshd: SshdServer,
    make_window: WindowFactory,
) -> None:  # fmt: skip
    adopt(container, owner, sshd, trust=False)
    page = servers_page(make_window(owner))
    detail = page.detail
    assert cell(page, 0, column_of(page, "Status")) == "Host key to trust"
    assert cell(page, 0, column_of(page, "Host key")) == "not trusted"
    assert detail.banner.isVisible() and sshd.host_fingerprint in detail.banner.text()
    assert not detail.provision_button.isEnabled()
    assert "Trust its host key first" in detail.provision_button.toolTip()
    detail.review_button.click()
    dialog = page.host_key_dialog
    assert isinstance(dialog, HostKeyDialog) and dialog.isVisible()
    assert dialog.host.text() == "127.0.0.1" and dialog.port.text() == str(sshd.port)
    assert dialog.fingerprint.text() == sshd.host_fingerprint
    assert "first time" in dialog.findChild(type(dialog.host), "dialogIntro").text()  # type: ignore[union-attr]
    assert dialog.cancel_button.isDefault() and not dialog.trust_button.isDefault()
    qtbot.waitUntil(lambda: dialog.key_type.text() == "ssh-ed25519", timeout=WAIT_MS)
    # Cancel leaves everything as it was.
    dialog.cancel_button.click()
    assert container.servers.get(owner, "mx1").host_key_fingerprint is None
    detail.review_button.click()
    dialog = page.host_key_dialog
    assert isinstance(dialog, HostKeyDialog)
    dialog.trust_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    info = container.servers.get(owner, "mx1")
    assert info.host_key_fingerprint == sshd.host_fingerprint
    assert info.status is ServerStatus.ADOPTED
    assert cell(page, 0, column_of(page, "Status")) == "Adopted"
    assert not detail.banner.isVisible() and detail.provision_button.isEnabled()


def test_the_wizard_adopts_trusts_and_provisions_with_a_live_log(
    qtbot: QtBot, owner: Actor, acme: str, container: Container, sshd: SshdServer,
    remote_dir: Path, mailu: MailuServer, tmp_path: Path, make_window: WindowFactory,
) -> None:  # fmt: skip
    page = servers_page(make_window(owner))
    wizard = open_wizard(qtbot, page)
    assert wizard.kind_page.adopt_choice.isChecked()
    wizard.next()
    assert wizard.currentId() == PAGE_DETAILS
    details = wizard.details_page
    assert not next_enabled(wizard)
    details.name.setText("no spaces")
    assert details.name_hint.isVisible() and "Bad server name" in details.name_hint.text()
    details.key_file.setText(str(tmp_path / "missing"))
    assert "No file at" in details.key_hint.text()
    fill_adopt(wizard, sshd, key_file(tmp_path, sshd), sshd.port, remote_dir, mailu.base_url)
    assert not details.name_hint.isVisible() and not details.key_hint.isVisible()
    assert next_enabled(wizard)
    wizard.next()
    assert wizard.currentId() == PAGE_RUN
    run = wizard.run_page
    # Mid-flow, the host-key dialog pops up: Trust.
    qtbot.waitUntil(
        lambda: isinstance(run.host_key_dialog, HostKeyDialog) and run.host_key_dialog.isVisible(),
        timeout=WAIT_MS,
    )
    dialog = run.host_key_dialog
    assert isinstance(dialog, HostKeyDialog)
    assert dialog.fingerprint.text() == sshd.host_fingerprint
    assert page.model.rowCount() == 1  # already saved, waiting for trust
    dialog.trust_button.click()
    qtbot.waitUntil(lambda: run.outcome != "", timeout=WAIT_MS)
    assert run.outcome == "done", run.view.log_text()
    log = run.view.log_text()
    assert "Start MailU (docker compose up -d)" in log
    assert "Container mailu-front-1  Started" in log  # the stand-in's output, line by line
    assert "MailU is installed on mx1 (mail.client.test)" in log
    assert "client.test: MailU's DKIM key (selector dkim)" in log  # handed over to DNS
    (domain,) = container.domains.all(owner)
    assert (domain.name, domain.mail_server, domain.dkim[0].selector) == (
        "client.test",
        "mx1",
        "dkim",
    )
    assert set(run.view.steps.states.values()) <= {"done", "skipped"}  # loopback: no rDNS
    assert run.view.bar.value() == run.view.bar.maximum()
    assert run.isComplete() and wizard.button(QWizard.WizardButton.FinishButton).isEnabled()  # type: ignore[union-attr]
    wizard.accept()
    page.refresh()
    assert cell(page, 0, column_of(page, "Status")) == "MailU ready"
    assert cell(page, 0, column_of(page, "MailU")) == "2024.06"
    assert cell(page, 0, column_of(page, "Host name")) == "mail.client.test"
    assert set(page.detail.steps.states.values()) <= {"done", "skipped"}
    # A backup of the freshly installed MailU, written off the UI thread.
    archive = tmp_path / "mx1.pmbak"
    with qtbot.waitSignal(page.state.runner.ended, timeout=WAIT_MS):
        page.start_backup(archive)
    qtbot.waitUntil(lambda: not page.jobs)
    assert archive.exists() and "Backed up mx1" in page.message.text()


def test_cancel_mid_provisioning_stops_and_provision_resumes(
    qtbot: QtBot, owner: Actor, acme: str, container: Container, sshd: SshdServer,
    remote_dir: Path, mailu: MailuServer, make_window: WindowFactory,
) -> None:  # fmt: skip
    adopt(container, owner, sshd)
    mailu.state.ready = False  # the admin never answers: provisioning waits for it
    page = servers_page(make_window(owner))
    page.detail.provision_button.click()
    form = page.dialog
    assert isinstance(form, StartProvisionDialog)
    assert not form.ok_button.isEnabled()
    form.plan.domain.setText("client.test")
    form.plan.mailu_dir.setText(str(remote_dir))
    form.plan.mailu_url.setText(mailu.base_url)
    form.ok_button.click()
    dialog = page.provision_dialogs[("Acme", "mx1")]
    assert isinstance(dialog, ProvisionDialog) and dialog.isVisible()
    view = dialog.view
    qtbot.waitUntil(lambda: "not yet" in view.log_text(), timeout=WAIT_MS)
    assert view.steps.states["admin"] == "running"
    assert not page.detail.provision_button.isEnabled()  # one job per server
    view.cancel_button.click()
    qtbot.waitUntil(lambda: view.outcome == "cancelled", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not page.jobs)
    assert view.steps.states["admin"] == "cancelled"
    assert view.steps.states["compose-up"] == "done"
    assert "Resume it later" in view.message.text()
    info = container.servers.get(owner, "mx1")
    assert info.status is ServerStatus.PROVISION_FAILED and info.steps["admin"] == "cancelled"
    assert cell(page, 0, column_of(page, "Status")) == "Provisioning stopped"
    assert page.detail.provision_button.text() == "Resume &provisioning"
    dialog.close()

    mailu.state.ready = True
    page.detail.provision_button.click()  # resumes with the saved plan: no form
    resumed = page.provision_dialogs[("Acme", "mx1")]
    assert resumed is not dialog
    qtbot.waitUntil(lambda: resumed.view.outcome != "", timeout=WAIT_MS)
    assert resumed.view.outcome == "done", resumed.view.log_text()
    assert "already done" in resumed.view.log_text()
    qtbot.waitUntil(lambda: not page.jobs)
    assert cell(page, 0, column_of(page, "Status")) == "MailU ready"
    assert sshd.docker_calls().count("compose -p mailu up -d") == 1


def test_a_changed_host_key_is_a_warning_with_no_easy_accept(
    qtbot: QtBot, owner: Actor, acme: str, container: Container, sshd: SshdServer,
    make_window: WindowFactory,
) -> None:  # fmt: skip
    adopt(container, owner, sshd)
    pinned = "SHA256:" + "C" * 43  # as if pinned before the server was reinstalled
    with container.db.write() as session:
        session.execute(update(ServerRow).values(host_key_fingerprint=pinned))
    page = servers_page(make_window(owner))
    page.detail.check_button.click()
    qtbot.waitUntil(
        lambda: (
            isinstance(page.host_key_dialog, HostKeyChangedDialog)
            and page.host_key_dialog.isVisible()
        ),
        timeout=WAIT_MS,
    )
    dialog = page.host_key_dialog
    assert isinstance(dialog, HostKeyChangedDialog)
    assert dialog.pinned_label.text() == pinned
    assert dialog.offered_label.text() == sshd.host_fingerprint
    assert dialog.close_button.isDefault()
    assert not dialog.replace_button.isEnabled() and dialog.typed.text() == ""
    dialog.typed.setText("SHA256:" + "D" * 43)
    assert not dialog.replace_button.isEnabled()
    assert "not the fingerprint" in dialog.message.text()
    qtbot.waitUntil(lambda: not page.jobs)
    assert cell(page, 0, column_of(page, "Status")) == "Host key CHANGED"
    assert container.servers.get(owner, "mx1").host_key_fingerprint == pinned
    dialog.typed.setText(sshd.host_fingerprint)
    assert dialog.replace_button.isEnabled()
    dialog.replace_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert container.servers.get(owner, "mx1").host_key_fingerprint == sshd.host_fingerprint
    assert cell(page, 0, column_of(page, "Status")) == "Adopted"


def test_a_viewer_sees_the_servers_with_every_action_disabled(
    owner: Actor, acme: str, container: Container, sshd: SshdServer,
    make_user: Callable[..., Actor], make_window: WindowFactory,
) -> None:  # fmt: skip
    adopt(container, owner, sshd)
    viewer = make_user("viewer@agency.test", Acme=Role.VIEWER)
    page = servers_page(make_window(viewer))
    assert page.model.rowCount() == 1 and cell(page, 0, 0) == "mx1"
    assert not page.new_button.isEnabled()
    for button in page.detail.buttons:
        assert not button.isEnabled(), button.text()
    assert "you are viewer" in page.detail.check_button.toolTip()
    assert "you are viewer" in page.detail.remove_button.toolTip()
    assert page.open_new() is None


def test_a_refused_connection_is_a_clear_message_and_nothing_is_lost(
    qtbot: QtBot, owner: Actor, acme: str, container: Container, sshd: SshdServer,
    tmp_path: Path, make_window: WindowFactory,
) -> None:  # fmt: skip
    page = servers_page(make_window(owner))
    wizard = open_wizard(qtbot, page)
    wizard.next()
    port = free_port()
    fill_adopt(wizard, sshd, key_file(tmp_path, sshd), port, tmp_path / "m", "https://x.test/api")
    wizard.next()
    run = wizard.run_page
    qtbot.waitUntil(lambda: run.back_button.isVisible(), timeout=WAIT_MS)
    assert f"Connection refused by 127.0.0.1:{port}" in run.view.message.text()
    assert "Nothing was saved" in run.view.message.text()
    assert not run.isComplete()
    assert container.servers.all(owner) == [] and page.model.rowCount() == 0
    run.back_button.click()
    details = wizard.details_page
    assert wizard.currentId() == PAGE_DETAILS
    assert details.name.text() == "mx1" and details.port.value() == port
    assert details.plan.domain.text() == "client.test"
    details.port.setValue(sshd.port)
    wizard.next()
    qtbot.waitUntil(
        lambda: isinstance(run.host_key_dialog, HostKeyDialog) and run.host_key_dialog.isVisible(),
        timeout=WAIT_MS,
    )
    dialog = run.host_key_dialog
    assert isinstance(dialog, HostKeyDialog)
    dialog.cancel_button.click()  # not trusted: saved, nothing sent, finish the wizard
    assert run.outcome == "untrusted" and run.isComplete()
    assert container.servers.get(owner, "mx1").status is ServerStatus.HOST_KEY_PENDING
    wizard.accept()
    page.refresh()
    assert cell(page, 0, column_of(page, "Status")) == "Host key to trust"


def test_the_wizard_creates_a_hostwinds_vps_and_trusts_its_key(
    qtbot: QtBot, owner: Actor, acme: str, container: Container, sshd: SshdServer,
    make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    with running_hostwinds() as hostwinds:
        monkeypatch.setenv(ENV_API, hostwinds.url)
        container.secrets.set(
            owner, acme, "provider/hostwinds", SecretKind.API_KEY, hostwinds.state.api_key
        )
        page = servers_page(make_window(owner))
        wizard = open_wizard(qtbot, page)
        wizard.create_options = {"poll_s": 0.01}
        wizard.kind_page.create_choice.setChecked(True)
        wizard.next()
        details = wizard.details_page
        assert details.stack.currentIndex() == 0 and not next_enabled(wizard)
        details.name.setText("hw1")
        details.region.setText("2")
        details.plan_id.setText("1001")
        details.image.setText("ubuntu-24.04")
        details.create_port.setValue(sshd.port)
        details.install.setChecked(False)
        assert next_enabled(wizard)
        wizard.next()
        run = wizard.run_page
        qtbot.waitUntil(
            lambda: (
                isinstance(run.host_key_dialog, HostKeyDialog) and run.host_key_dialog.isVisible()
            ),
            timeout=WAIT_MS,
        )
        assert "is active at 127.0.0.1" in run.view.log_text()
        dialog = run.host_key_dialog
        assert isinstance(dialog, HostKeyDialog)
        dialog.trust_button.click()
        qtbot.waitUntil(lambda: run.outcome != "", timeout=WAIT_MS)
        assert run.outcome == "done" and run.isComplete()
        assert not run.key_panel.isVisible()  # the provider put the key in place
        info = container.servers.get(owner, "hw1")
        assert info.provider == "hostwinds" and info.host_key_fingerprint == sshd.host_fingerprint
        assert len(hostwinds.state.instances) == 1
        wizard.accept()
        page.refresh()
        assert cell(page, 0, column_of(page, "Provider")) == "hostwinds"
        page.detail.remove_button.click()
        remove = page.dialog
        assert isinstance(remove, RemoveServerDialog) and remove.destroy_box.isVisible()
        remove.destroy_box.setChecked(True)
        remove.ok_button.click()
        qtbot.waitUntil(lambda: not remove.isVisible(), timeout=WAIT_MS)
        assert hostwinds.state.instances == {} and container.servers.all(owner) == []


def test_a_generated_key_is_shown_to_authorize_before_provisioning(
    qtbot: QtBot, owner: Actor, acme: str, container: Container, sshd: SshdServer,
    remote_dir: Path, mailu: MailuServer, make_window: WindowFactory,
) -> None:  # fmt: skip
    page = servers_page(make_window(owner))
    wizard = open_wizard(qtbot, page)
    wizard.next()
    details = wizard.details_page
    details.name.setText("gen1")
    details.host.setText(sshd.host)
    details.port.setValue(sshd.port)
    details.user.setText(sshd.user)
    details.plan.domain.setText("client.test")
    details.plan.mailu_dir.setText(str(remote_dir))
    details.plan.mailu_url.setText(mailu.base_url)
    wizard.next()
    run = wizard.run_page
    qtbot.waitUntil(
        lambda: isinstance(run.host_key_dialog, HostKeyDialog) and run.host_key_dialog.isVisible(),
        timeout=WAIT_MS,
    )
    run.host_key_dialog.trust_button.click()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: run.key_panel.isVisible(), timeout=WAIT_MS)
    public = run.public_key.text()
    assert public.startswith("ssh-ed25519 ") and "PRIVATE" not in public
    assert not run.view.running and run.outcome == ""  # waits for the user
    sshd.authorize(public)
    run.continue_button.click()
    qtbot.waitUntil(lambda: run.outcome != "", timeout=WAIT_MS)
    assert run.outcome == "done", run.view.log_text()


def test_a_key_not_read_at_creation_is_read_when_the_dialog_opens(
    qtbot: QtBot, owner: Actor, acme: str, container: Container, sshd: SshdServer,
    make_window: WindowFactory,
) -> None:  # fmt: skip
    adopt(container, owner, sshd, trust=False)
    with container.db.write() as session:  # as a VPS still booting when it was recorded
        session.execute(update(ServerRow).values(offered_fingerprint=None))
    page = servers_page(make_window(owner))
    assert "not read yet" in page.detail.banner.text()
    page.detail.review_button.click()
    dialog = page.host_key_dialog
    assert isinstance(dialog, HostKeyDialog) and not dialog.trust_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.trust_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.fingerprint.text() == sshd.host_fingerprint
    assert dialog.key_type.text() == "ssh-ed25519" and dialog.cancel_button.isDefault()
    dialog.trust_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert container.servers.get(owner, "mx1").host_key_fingerprint == sshd.host_fingerprint


def test_the_plan_takes_the_address_mail_leaves_from(qtbot: QtBot) -> None:
    fields = PlanFields()
    qtbot.addWidget(fields)
    fields.domain.setText("client.test")
    fields.public_ip.setText("not an address")
    assert fields.problems() == ["'not an address' is not an IP"]
    fields.public_ip.setText("203.0.113.25")
    assert fields.problems() == []
    assert fields.values()["public_ip"] == "203.0.113.25"
    fields.public_ip.clear()
    assert fields.values()["public_ip"] is None


def test_without_install_the_run_page_lists_no_mailu_steps(
    qtbot: QtBot, owner: Actor, acme: str, sshd: SshdServer, tmp_path: Path,
    make_window: WindowFactory,
) -> None:  # fmt: skip
    page = servers_page(make_window(owner))
    wizard = open_wizard(qtbot, page)
    wizard.next()
    fill_adopt(wizard, sshd, key_file(tmp_path, sshd), sshd.port, tmp_path / "m", "https://x/api")
    wizard.details_page.install.setChecked(False)
    wizard.next()
    view = wizard.run_page.view
    assert view.steps.isHidden() and view.steps.topLevelItemCount() == 0
    assert view.bar.isHidden() and view.progress_text.isHidden()
    run = wizard.run_page
    qtbot.waitUntil(
        lambda: isinstance(run.host_key_dialog, HostKeyDialog) and run.host_key_dialog.isVisible(),
        timeout=WAIT_MS,
    )
    run.host_key_dialog.trust_button.click()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: run.outcome != "", timeout=WAIT_MS)
    assert run.outcome == "done" and view.steps.isHidden()
    assert "mx1 is ready" in view.message.text()


def test_a_wizard_closed_mid_provisioning_reports_how_it_ended(
    qtbot: QtBot, owner: Actor, acme: str, sshd: SshdServer, remote_dir: Path,
    mailu: MailuServer, tmp_path: Path, make_window: WindowFactory,
) -> None:  # fmt: skip
    mailu.state.ready = False  # the admin never answers: provisioning waits for it
    window = make_window(owner)
    page = servers_page(window)
    wizard = open_wizard(qtbot, page)
    wizard.provision_options = dict(FAST)
    wizard.next()
    fill_adopt(wizard, sshd, key_file(tmp_path, sshd), sshd.port, remote_dir, mailu.base_url)
    wizard.next()
    run = wizard.run_page
    assert run.view.steps.topLevelItemCount() == 9  # MailU is to be installed: all its steps
    qtbot.waitUntil(
        lambda: isinstance(run.host_key_dialog, HostKeyDialog) and run.host_key_dialog.isVisible(),
        timeout=WAIT_MS,
    )
    run.host_key_dialog.trust_button.click()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: "not yet" in run.view.log_text(), timeout=WAIT_MS)
    job = run.view.job
    assert job is not None
    wizard.close()  # mid-job: the wizard is gone, nothing is left to show the outcome
    row = window.jobs.row_for(job)
    assert row is not None
    if not job.cancel_requested:  # closing left it running: the user cancels it from the strip
        row.cancel_button.click()
    qtbot.waitUntil(lambda: job.outcome is not None, timeout=WAIT_MS)
    assert window.flash_text == "Provisioning mx1 — cancelled"
    assert row in window.jobs.ended_rows() and row.label.toolTip() == window.flash_text
