"""The Domains page against a real Container and the session's real BIND9: empty state, adding
a domain, Check now on a worker, the fix preview (records not ours unchecked), applying a fix
through RFC 2136 and re-checking, the manual provider's snippet, and a viewer's disabled
controls. No sleeps: every wait is on a condition or a signal."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from penguin_desktop.config import DB_FILE, Settings
from penguin_desktop.container import Container
from penguin_desktop.core.domains.dns.findings import Severity
from penguin_desktop.core.domains.dns.resolver import ResolverConfig
from penguin_desktop.core.domains.models import ProviderKind
from penguin_desktop.core.domains.providers.base import read_dns
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.ui.accounts.settings_page import SettingsPage
from penguin_desktop.ui.domains.detail import UNCHECKED
from penguin_desktop.ui.domains.fix_preview import NOT_OURS, FixPreviewDialog
from penguin_desktop.ui.domains.forms import (
    AddDomainDialog,
    AddProviderDialog,
    AttachDialog,
    ChooseProviderDialog,
    RemoveProviderDialog,
)
from penguin_desktop.ui.domains.page import DomainsPage, ProvidersPanel
from penguin_desktop.ui.shell.main_window import MainWindow
from tests.conftest import fresh_sqlite
from tests.servers.bind import BindServer, reset_records
from tests.servers.dns_zones import (
    BLOCKLISTS,
    FIXME_NAMES,
    FIXME_START,
    LISTED_IP,
    REPORTS,
    SERVER_IP,
)
from tests.servers.mailu import running_mailu
from tests.servers.sshd import SshdServer

WindowFactory = Callable[..., MainWindow]
MASTER = "a master password for the tests"
WAIT_MS = 30_000


@pytest.fixture
def container(qapp: QApplication, tmp_path: Path, sqlite_template: Path) -> Iterator[Container]:
    """Overrides the suite's container: generated DKIM keys and provider credentials need a
    secret store, here the encrypted file with a fixed master password."""
    fresh_sqlite(sqlite_template, tmp_path / "data" / DB_FILE)
    built = Container(Settings.resolve(data_dir=tmp_path / "data", env={}), lambda _new: MASTER)
    yield built
    built.close()


@pytest.fixture
def acme(container: Container, owner: Actor, bind: BindServer) -> str:
    container.workspaces.create(owner, "Acme")
    container.domains.set_nameserver(owner, bind.address)
    return "Acme"


def domains_page(window: MainWindow) -> DomainsPage:
    page = window.show_page(window.page_types.index(DomainsPage))
    assert isinstance(page, DomainsPage)
    page.check_blacklists = False  # the public blocklists are not reachable from the tests
    return page


def table_text(page: DomainsPage, column: int) -> list[str]:
    model = page.model
    return [str(model.index(r, column).data()) for r in range(model.rowCount())]


def wait_idle(qtbot: QtBot, page: DomainsPage) -> None:
    qtbot.waitUntil(lambda: page.check_job is None and page.fix_job is None, timeout=WAIT_MS)


def check_selected(qtbot: QtBot, page: DomainsPage, name: str) -> None:
    page._select(name)
    assert page.check_button.isEnabled()
    with qtbot.waitSignal(page.state.runner.ended, timeout=WAIT_MS):
        page.check_button.click()
    wait_idle(qtbot, page)


def open_preview(qtbot: QtBot, page: DomainsPage, name: str) -> FixPreviewDialog:
    page._select(name)
    assert page.fix_button.isEnabled()
    page.fix_button.click()
    qtbot.waitUntil(
        lambda: isinstance(page.dialog, FixPreviewDialog) and page.dialog.isVisible(),
        timeout=WAIT_MS,
    )
    assert isinstance(page.dialog, FixPreviewDialog)
    return page.dialog


def test_empty_state_then_adding_a_domain_shows_it(
    qtbot: QtBot, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    page = domains_page(make_window(owner))
    assert page.stack.currentWidget() is page.empty
    assert page.empty.title.text() == "No sending domains in Acme yet"
    assert page.empty.button.isVisible() and page.empty.button.text() == "Add domain"
    page.empty.button.click()
    dialog = page.dialog
    assert isinstance(dialog, AddDomainDialog)
    assert dialog.generate.isChecked()  # the service generates a DKIM key pair on request
    dialog.name.setText("Good.Test.")
    dialog.ips.setText(SERVER_IP)  # a documentation address: only a lab may send from it
    dialog.report.setText(REPORTS)
    dialog.ok_button.click()
    assert dialog.isVisible() and "not a public address" in dialog.field_error("ip")
    dialog.lab.setChecked(True)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert page.stack.currentWidget() is page.splitter
    assert table_text(page, 0) == ["good.test"]
    assert table_text(page, 1) == ["—"] and table_text(page, 3) == ["Never"]
    assert page.selected() is not None and page.selected().name == "good.test"  # type: ignore[union-attr]
    records = page.detail.records
    types = {records.topLevelItem(i).text(1) for i in range(records.topLevelItemCount())}  # type: ignore[union-attr]
    assert {"MX", "TXT"} <= types
    assert "$ORIGIN good.test." in page.detail.zone_text
    page.detail.copy_zone.click()
    assert "$ORIGIN good.test." in QApplication.clipboard().text()


def test_a_bad_name_is_refused_inline(
    qtbot: QtBot, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    page = domains_page(make_window(owner))
    page.add_button.click()
    dialog = page.dialog
    assert isinstance(dialog, AddDomainDialog)
    dialog.name.setText("not a domain!")
    dialog.ok_button.click()
    assert dialog.isVisible() and "is not a domain name" in dialog.field_error("domain")
    assert page.model.rowCount() == 0


def test_check_now_runs_in_a_worker_and_lists_findings(
    qtbot: QtBot, container: Container, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    for name in ("weak.test", "good.test"):
        container.domains.add(
            owner,
            acme,
            name,
            ips=[SERVER_IP],
            dkim_selectors=["pm"],
            report_address=REPORTS,
            lab=True,
        )
    window = make_window(owner)
    page = domains_page(window)
    assert page.detail.headline.text().startswith("good.test has not been checked yet")
    page._select("weak.test")
    started: list[object] = []
    page.state.runner.started.connect(started.append)
    check_selected(qtbot, page, "weak.test")
    assert len(started) == 1  # the check ran as a job (with progress and cancel in the bar)
    rows = page.detail.rows
    found = {(r.finding.code, r.finding.severity) for r in rows}
    assert ("dkim.weak-key", Severity.ERROR) in found
    assert any(r.finding.severity is Severity.OK for r in rows)
    weak = next(r for r in rows if r.finding.code == "dkim.weak-key")
    assert "512 bits" in weak.message.text() and weak.fix is not None
    assert weak.fix.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    row = table_text(page, 0).index("weak.test")
    assert table_text(page, 1)[row].endswith("/ 100") and table_text(page, 2)[row] != "—"
    assert "/ 100" in page.detail.headline.text()
    assert page.message.kind == "success"

    with qtbot.waitSignal(page.state.runner.ended, timeout=WAIT_MS):
        page.check_all_button.click()
    wait_idle(qtbot, page)
    assert all(t.endswith("/ 100") for t in table_text(page, 1))
    assert "workspace score" in page.count.text()


def test_a_listed_ip_is_an_error_and_a_refusing_list_could_not_check(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    bind: BindServer,
    make_window: WindowFactory,
) -> None:
    lists = bind.directory / "ui-blocklists.json"
    lists.write_text(json.dumps(BLOCKLISTS))
    container.domains.blacklist_file = str(lists)
    container.domains.add(
        owner,
        acme,
        "listed.test",
        ips=[LISTED_IP],
        dkim_selectors=["pm"],
        report_address=REPORTS,
        lab=True,
    )
    page = domains_page(make_window(owner))
    page.check_blacklists = True
    check_selected(qtbot, page, "listed.test")
    lists_rows = [r for r in page.detail.rows if r.finding.category.value == "blacklist"]
    assert any(
        r.finding.severity is Severity.ERROR and not r.finding.inconclusive for r in lists_rows
    )
    unsure = [r for r in lists_rows if r.finding.inconclusive]
    assert unsure and all(r.caption.text() == f"BLACKLIST · {UNCHECKED}" for r in unsure)


def _fixme(container: Container, owner: Actor, acme: str, bind: BindServer) -> None:
    reset_records(bind, "fixme.test", FIXME_NAMES, FIXME_START)
    container.domains.add_provider(
        owner,
        acme,
        "bind",
        ProviderKind.RFC2136,
        {"server": bind.address, "key_name": bind.key_name},
        bind.key_secret,
    )
    container.domains.add(
        owner,
        acme,
        "fixme.test",
        ips=[SERVER_IP],
        dkim_selectors=["pm"],
        report_address=REPORTS,
        provider="bind",
        lab=True,
    )


def test_fix_previews_applies_through_rfc2136_and_rechecks(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    bind: BindServer,
    make_window: WindowFactory,
) -> None:
    _fixme(container, owner, acme, bind)
    page = domains_page(make_window(owner))
    check_selected(qtbot, page, "fixme.test")
    before = page.selected().last_score  # type: ignore[union-attr]
    assert before is not None and before < 50

    preview = open_preview(qtbot, page, "fixme.test")
    assert preview.apply_button is not None and preview.snippet is None
    texts = {
        (item.text(0), item.text(1), item.text(2), item.text(3)): item.checkState(0)
        for item, _change in preview.items
    }
    assert texts[("Add", "fixme.test", "MX", "10 mail.fixme.test.")] == Qt.CheckState.Checked
    assert (
        texts[(f"Delete · {NOT_OURS}", "fixme.test", "MX", "5 mx.elsewhere.test.")]
        == Qt.CheckState.Unchecked
    )
    assert sum(c.needs_confirmation for _i, c in preview.items) == 1
    assert preview.confirmed == []

    preview.apply_button.click()
    qtbot.waitUntil(lambda: "Re-checked" in page.message.text(), timeout=WAIT_MS)
    wait_idle(qtbot, page)
    after = page.selected()
    assert after is not None and after.name == "fixme.test"
    assert after.last_score is not None and after.last_score > before
    assert "1 record not ours left in place" in page.message.text()
    codes = {r.finding.code for r in page.detail.rows}
    assert {"spf.ok", "dkim.ok", "dmarc.ok"} <= codes

    again = open_preview(qtbot, page, "fixme.test")  # idempotent: only the foreign MX is left
    assert [c.describe() for _i, c in again.items] == ["- fixme.test MX 5 mx.elsewhere.test."]
    ((item, _change),) = again.items
    item.setCheckState(0, Qt.CheckState.Checked)
    assert again.confirmed == ["fixme.test MX 5 mx.elsewhere.test."]
    assert again.apply_button is not None
    again.apply_button.click()
    wait_idle(qtbot, page)
    assert "Applied 1 changes to fixme.test" in page.message.text(), page.message.text()
    published = read_dns(ResolverConfig.from_setting(bind.address), [("fixme.test", "MX")])
    assert published[("fixme.test", "MX")] == ["10 mail.fixme.test."]


def test_the_last_check_is_shown_after_a_restart(
    qtbot: QtBot, container: Container, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    container.domains.add(
        owner, acme, "nodmarc.test", ips=[SERVER_IP], report_address=REPORTS, lab=True
    )
    container.domains.check(owner, ["nodmarc.test"], blacklists=False)
    page = domains_page(make_window(owner))  # a new window: nothing checked in this session
    assert page.check_job is None
    codes = {r.finding.code for r in page.detail.rows}
    assert "dmarc.missing" in codes
    assert "nodmarc.test has no DMARC record" in table_text(page, 2)[0]
    assert "/ 100" in page.detail.headline.text()


def test_a_domain_changes_provider_and_a_provider_is_removed(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    bind: BindServer,
    make_window: WindowFactory,
) -> None:
    container.domains.add_provider(
        owner,
        acme,
        "bind",
        ProviderKind.RFC2136,
        {"server": bind.address, "key_name": bind.key_name},
        bind.key_secret,
    )
    container.domains.add(owner, acme, "good.test", ips=[SERVER_IP], lab=True)
    page = domains_page(make_window(owner))
    assert table_text(page, 4) == ["manual"]
    page.provider_button.click()
    chooser = page.dialog
    assert isinstance(chooser, ChooseProviderDialog)
    assert chooser.provider.currentText() == ChooseProviderDialog.MANUAL
    chooser.provider.setCurrentIndex(chooser.provider.findData("bind"))
    chooser.ok_button.click()
    assert table_text(page, 4) == ["bind"]

    page.providers_button.click()
    panel = page.dialog
    assert isinstance(panel, ProvidersPanel)
    panel.remove_button.click()
    qtbot.waitUntil(lambda: isinstance(panel.form, RemoveProviderDialog), timeout=WAIT_MS)
    form = panel.form
    assert isinstance(form, RemoveProviderDialog)
    assert "good.test will then be fixed by hand" in form.intro.text()
    form.ok_button.click()
    assert panel.tree.topLevelItemCount() == 0
    assert "now fixed by hand: good.test" in panel.message.text()
    assert table_text(page, 4) == ["manual"]
    assert container.secrets.all(owner, acme) == []


def test_manual_provider_shows_the_zone_snippet_to_copy(
    qtbot: QtBot, container: Container, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    container.domains.add(
        owner,
        acme,
        "nodmarc.test",
        ips=[SERVER_IP],
        dkim_selectors=["pm"],
        report_address=REPORTS,
        lab=True,
    )
    page = domains_page(make_window(owner))
    preview = open_preview(qtbot, page, "nodmarc.test")
    assert preview.apply_button is None and preview.snippet is not None
    assert any(c.name == "_dmarc.nodmarc.test" for _i, c in preview.items)
    assert "$ORIGIN nodmarc.test." in preview.snippet.toPlainText()
    assert preview.copy_button is not None
    preview.copy_button.click()
    assert "_dmarc" in QApplication.clipboard().text()
    preview.reject()


def test_dns_providers_are_added_and_tested_off_the_ui_thread(
    qtbot: QtBot, owner: Actor, acme: str, bind: BindServer, make_window: WindowFactory
) -> None:
    page = domains_page(make_window(owner))
    page.providers_button.click()
    panel = page.dialog
    assert isinstance(panel, ProvidersPanel) and panel.tree.topLevelItemCount() == 0
    panel.add_button.click()
    form = panel.form
    assert isinstance(form, AddProviderDialog)
    form.name.setText("bind")
    form.server.setText(bind.address)
    form.key_name.setText(bind.key_name)
    form.credential.setText(bind.key_secret)
    form.ok_button.click()
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() == 1)
    assert panel.tree.topLevelItem(0).text(1) == "rfc2136"  # type: ignore[union-attr]
    job = panel.test()
    assert job is not None
    qtbot.waitUntil(lambda: panel.message.kind in ("success", "error"), timeout=WAIT_MS)
    assert panel.message.kind == "success", panel.message.text()


def test_a_viewer_sees_the_domains_but_no_actions(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    make_user: Callable[..., Actor],
    make_window: WindowFactory,
) -> None:
    container.domains.add(
        owner, acme, "good.test", ips=[SERVER_IP], dkim_selectors=["pm"], lab=True
    )
    viewer = make_user("vic@agency.test", Acme=Role.VIEWER)
    page = domains_page(make_window(viewer))
    assert table_text(page, 0) == ["good.test"]
    for button in (page.add_button, page.remove_button, page.fix_button):
        assert not button.isEnabled()
    assert "you are viewer" in page.fix_button.toolTip()
    assert page.check_button.isEnabled()  # reading DNS is open to every role
    page.start_fix()
    assert page.fix_job is None and page.dialog is None


def test_the_dns_server_of_checks_is_chosen_in_settings(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    bind: BindServer,
    make_user: Callable[..., Actor],
    make_window: WindowFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PENGUIN_DNS_NAMESERVER", raising=False)
    window = make_window(owner)
    page = window.show_page(window.page_types.index(SettingsPage))
    assert isinstance(page, SettingsPage)
    card = page.nameserver
    assert card.server.text() == bind.address
    assert f"Domain checks ask {bind.address}" in card.description.text()
    card.server.setText("not a server:99999")
    card.save_button.click()
    assert card.message.kind == "error" and "99999" in card.message.text()
    assert container.domains.nameserver_choice(owner).saved == bind.address
    card.server.setText("127.0.0.1:5353")
    qtbot.keyClick(card.server, Qt.Key.Key_Return)
    assert card.message.kind == "success"
    assert container.domains.nameserver_choice(owner).saved == "127.0.0.1:5353"
    card.system_button.click()
    assert container.domains.nameserver_choice(owner).saved is None
    assert "the system resolver" in card.description.text() and card.server.text() == ""
    monkeypatch.setenv("PENGUIN_DNS_NAMESERVER", bind.address)
    card.reload()
    assert "PENGUIN_DNS_NAMESERVER is set and wins" in card.description.text()

    member = make_user("mia@agency.test", Acme=Role.MANAGER)
    other = make_window(member).show_page(window.page_types.index(SettingsPage))
    assert isinstance(other, SettingsPage)
    assert not other.nameserver.save_button.isEnabled()
    assert not other.nameserver.server.isEnabled()


def test_a_domain_is_attached_to_a_mailu_server_off_the_ui_thread(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    sshd: SshdServer,
    make_window: WindowFactory,
) -> None:
    page = domains_page(make_window(owner))
    page.attach_button.click()
    empty = page.dialog
    assert isinstance(empty, AttachDialog) and not empty.ok_button.isEnabled()
    assert "No server of this workspace has a MailU admin API" in empty.message.text()
    empty.reject()
    with running_mailu() as mailu:
        container.servers.adopt(
            owner, acme, "mx1", sshd.host, sshd.port, sshd.user,
            private_key=sshd.client_key.private_openssh, accept_fingerprint=sshd.host_fingerprint,
            mailu_url=mailu.base_url, mailu_token=mailu.state.token,
        )  # fmt: skip
        page.attach_button.click()
        dialog = page.dialog
        assert isinstance(dialog, AttachDialog) and dialog.server.currentData() == "mx1"
        dialog.ok_button.click()
        assert dialog.field_error("name") == "Enter the domain to attach"
        dialog.name.setText("client.test")
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: page.attach_job is not None, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: page.attach_job is None, timeout=WAIT_MS)
        assert "Attached client.test to mx1" in page.message.text(), page.message.text()
        assert "client.test" in mailu.state.domains
    assert table_text(page, 0) == ["client.test"]
    names = [
        page.detail.records.topLevelItem(i).text(0)  # type: ignore[union-attr]
        for i in range(page.detail.records.topLevelItemCount())
    ]
    assert "dkim._domainkey.client.test" in names
