"""Workspaces and Members pages: what each role sees and may do."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.ui.accounts.members_page import MembersPage
from penguin_desktop.ui.accounts.workspaces_page import WorkspacesPage
from penguin_desktop.ui.shell.main_window import MainWindow

WindowFactory = Callable[..., MainWindow]


def _workspaces(window: MainWindow) -> WorkspacesPage:
    page = window.show_page(window.page_types.index(WorkspacesPage))
    assert isinstance(page, WorkspacesPage)
    return page


def _members(window: MainWindow) -> MembersPage:
    page = window.show_page(window.page_types.index(MembersPage))
    assert isinstance(page, MembersPage)
    return page


def test_owner_without_workspaces_is_invited_to_create_one(
    qtbot: QtBot, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    page = _workspaces(window)
    assert page.stack.currentWidget() is page.empty
    assert page.empty.title.text() == "No workspaces yet — create one"
    assert page.empty.button.isVisible() and page.new_button.isEnabled()

    dialog = page.open_new()
    qtbot.keyClicks(dialog.name, "Acme Corp")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    assert page.stack.currentWidget() is page.table
    assert [w.name for w in page.model.rows] == ["Acme Corp"]
    assert window.switcher.currentText() == "Acme Corp"
    assert window.state.current is not None and window.state.current.name == "Acme Corp"


def test_duplicate_workspace_name_shows_the_core_message(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    container.workspaces.create(owner, "Acme Corp")
    page = _workspaces(make_window(owner))
    dialog = page.open_new()
    qtbot.keyClicks(dialog.name, "acme corp")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.message.text() == "A workspace named 'Acme Corp' already exists"


def test_org_member_without_workspaces_is_told_whom_to_ask(
    owner: Actor, make_user: Callable[..., Actor], make_window: WindowFactory
) -> None:
    member = make_user("max@agency.test", Role.MEMBER)
    page = _workspaces(make_window(member))
    assert page.empty.title.text() == "You are not in any workspace yet"
    assert not page.empty.button.isVisible()
    assert not page.new_button.isEnabled()


def test_rename_and_archive_follow_the_workspace_role(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    make_user: Callable[..., Actor],
    make_window: WindowFactory,
) -> None:
    container.workspaces.create(owner, "Acme")
    container.workspaces.create(owner, "Globex")
    admin = make_user("ada@agency.test", Role.MEMBER, Acme=Role.ADMIN, Globex=Role.VIEWER)
    page = _workspaces(make_window(admin))

    page.table.selectRow(0)  # Acme, where ada is admin
    assert page.rename_button.isEnabled() and not page.archive_button.isEnabled()
    page.table.selectRow(1)  # Globex, where ada is viewer
    assert not page.rename_button.isEnabled() and not page.archive_button.isEnabled()
    assert "viewer" in page.rename_button.toolTip()

    page.table.selectRow(0)
    dialog = page.open_rename()
    assert dialog is not None
    dialog.name.setText("Acme Europe")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert [w.name for w in page.model.rows] == ["Acme Europe", "Globex"]


def test_viewer_sees_member_controls_disabled(
    container: Container,
    owner: Actor,
    make_user: Callable[..., Actor],
    make_window: WindowFactory,
) -> None:
    container.workspaces.create(owner, "Acme")
    viewer = make_user("vi@agency.test", Role.MEMBER, Acme=Role.VIEWER)
    page = _members(make_window(viewer))

    assert [m.email for m in page.model.rows] == ["owner@agency.test", "vi@agency.test"]
    page.table.selectRow(1)
    assert not page.add_button.isEnabled()
    assert not page.role_button.isEnabled()
    assert not page.remove_button.isEnabled()
    assert "you are viewer" in page.add_button.toolTip()


def test_admin_adds_a_member_with_roles_below_their_own(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    make_user: Callable[..., Actor],
    make_window: WindowFactory,
) -> None:
    container.workspaces.create(owner, "Acme")
    admin = make_user("ada@agency.test", Role.MEMBER, Acme=Role.ADMIN)
    container.users.add(owner, "max@agency.test", "another long passphrase", Role.MEMBER)
    page = _members(make_window(admin))
    assert page.add_button.isEnabled()

    dialog = page.open_add()
    assert dialog is not None
    offered = [dialog.role.itemData(i) for i in range(dialog.role.count())]
    assert offered == [Role.MANAGER, Role.MEMBER, Role.VIEWER]

    dialog.email.setEditText("nobody@agency.test")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.message.text() == "No user with email 'nobody@agency.test'"

    dialog.email.setEditText("max@agency.test")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert ("max@agency.test", Role.MEMBER) in [(m.email, m.role) for m in page.model.rows]

    # The owner ranks above the admin: no changing them; max ranks below: allowed.
    emails = [m.email for m in page.model.rows]
    page.table.selectRow(emails.index("owner@agency.test"))
    assert not page.role_button.isEnabled() and not page.remove_button.isEnabled()
    page.table.selectRow(emails.index("max@agency.test"))
    assert page.role_button.isEnabled() and page.remove_button.isEnabled()


def test_members_page_without_a_workspace_points_to_workspaces(
    owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    page = _members(window)
    assert page.empty.title.text() == "No workspace selected"
    page.empty.button.click()
    assert window.current_page() is window.pages[window.page_types.index(WorkspacesPage)]


def test_switcher_changes_the_members_shown(
    container: Container, owner: Actor, make_window: WindowFactory, make_user: Callable[..., Actor]
) -> None:
    container.workspaces.create(owner, "Acme")
    container.workspaces.create(owner, "Globex")
    make_user("max@agency.test", Role.MEMBER, Globex=Role.MEMBER)
    window = make_window(owner)
    page = _members(window)
    assert window.switcher.currentText() == "Acme"
    assert [m.email for m in page.model.rows] == ["owner@agency.test"]

    window.switcher.setCurrentIndex(window.switcher.findText("Globex"))
    window.switcher.activated.emit(window.switcher.currentIndex())
    assert [m.email for m in page.model.rows] == ["owner@agency.test", "max@agency.test"]


def test_a_long_workspace_name_is_kept_as_typed_and_its_limit_shown(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    page = _workspaces(make_window(owner))
    dialog = page.open_new()
    assert dialog.name_hint.text() == "64 characters at most"
    qtbot.keyClicks(dialog.name, "A" * 64)
    assert dialog.name_hint.text() == "64 of at most 64 characters"
    assert dialog.name_hint.property("kind") == ""

    qtbot.keyClicks(dialog.name, "BCDEF")
    assert dialog.name.text() == "A" * 64 + "BCDEF"  # nothing cut
    assert dialog.name_hint.text() == "Too long: 69 characters, at most 64"
    assert dialog.name_hint.property("kind") == "error"

    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.name.text() == "A" * 64 + "BCDEF"
    assert dialog.field_error("workspace").startswith("A workspace name has at most 64 characters")
    assert dialog.name_hint.text() == dialog.field_error("workspace")  # one line, not two
    assert container.workspaces.all(owner) == []


def test_renaming_shows_the_limit_too(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    container.workspaces.create(owner, "Acme")
    page = _workspaces(make_window(owner))
    page.table.selectRow(0)
    dialog = page.open_rename()
    assert dialog.name_hint.text() == "4 of at most 64 characters"
    dialog.name.setText("x" * 80)
    assert dialog.name.text() == "x" * 80
    assert dialog.name_hint.text() == "Too long: 80 characters, at most 64"
