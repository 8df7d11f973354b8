"""Every form dialog grows with what it shows: with a long error in its message line, and with
an error under each of its fields, nothing in it is cut, neither text nor buttons. Plus the
dialogs users saw cut: first run, New workspace, New mailbox and the wrong master password."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

import penguin_desktop.ui as ui_package
from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.campaigns.models import ImportPreview
from penguin_desktop.core.monitoring import NotifierKind
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.models import Face
from penguin_desktop.ui.accounts.first_run import FirstRunDialog
from penguin_desktop.ui.accounts.login import LoginDialog
from penguin_desktop.ui.accounts.member_forms import (
    AddMemberDialog,
    ChangeRoleDialog,
    RemoveMemberDialog,
)
from penguin_desktop.ui.accounts.user_forms import AddUserDialog
from penguin_desktop.ui.accounts.workspace_forms import (
    ArchiveWorkspaceDialog,
    NewWorkspaceDialog,
    RenameWorkspaceDialog,
)
from penguin_desktop.ui.billing.connect_dialog import ConnectDialog
from penguin_desktop.ui.billing.customers_tab import LinkDialog
from penguin_desktop.ui.billing.refund_dialog import RefundDialog
from penguin_desktop.ui.campaigns.campaign_dialogs import AddStepDialog, NewCampaignDialog
from penguin_desktop.ui.campaigns.forms import ComplianceDialog, EraseDialog, SuppressDialog
from penguin_desktop.ui.campaigns.import_dialog import ImportDialog
from penguin_desktop.ui.domains.forms import (
    AddDomainDialog,
    AddProviderDialog,
    AttachDialog,
    ChooseProviderDialog,
    RemoveDomainDialog,
    RemoveProviderDialog,
)
from penguin_desktop.ui.mailboxes.forms import (
    AddAliasDialog,
    NewMailboxDialog,
    PasswordDialog,
    QuotaDialog,
    RemoveAliasDialog,
    RemoveMailboxDialog,
)
from penguin_desktop.ui.mailboxes.limits import LimitsDialog
from penguin_desktop.ui.mailboxes.outside import ConnectOutsideDialog, DisconnectDialog
from penguin_desktop.ui.monitoring.check_form import CheckDialog, RemoveCheckDialog, Targets
from penguin_desktop.ui.monitoring.notifier_forms import AddNotifierDialog, RemoveNotifierDialog
from penguin_desktop.ui.portable.backup_dialogs import BackupNowDialog, ScheduleDialog
from penguin_desktop.ui.secrets.forms import DeleteSecretDialog, MigrateDialog, SetSecretDialog
from penguin_desktop.ui.secrets.master_password import MasterPasswordDialog
from penguin_desktop.ui.secrets.reveal import RevealDialog
from penguin_desktop.ui.secrets.unlock import MasterPasswordPrompt
from penguin_desktop.ui.servers.forms import RemoveServerDialog, RestoreDialog
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import FormDialog
from penguin_desktop.ui.widgets.job_form import JobFormDialog
from tests.servers.mailu import MailuServer
from tests.ui.conftest import OWNER, PASSWORD

from . import everything
from .conftest import MASTER
from .everything import OTHER, READY, WORKSPACE

LONG_ERROR = (
    "this error is long on purpose: it names the input at fault, what was wrong with it, what "
    "the rule is and what to do about it, so that it wraps onto three or four lines of the "
    "dialog and pushes the buttons down, as core's own messages with a remedy often do"
)
Factory = Callable[[], FormDialog]
D = TypeVar("D", bound=FormDialog)


def widget_name(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, (QLabel, QAbstractButton, QLineEdit)) else ""
    return f"{type(widget).__name__} {text[:40]!r}"


def cut_off(dialog: QWidget) -> list[str]:
    """Each visible piece of text or control that lies outside the dialog, or is shorter
    than it needs to be for its text."""
    problems = []
    inside = dialog.rect()
    kinds = (QLabel, QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox)
    for widget in dialog.findChildren(QWidget):
        if not isinstance(widget, kinds) or not widget.isVisibleTo(dialog):
            continue
        if isinstance(widget, QLineEdit) and isinstance(widget.parentWidget(), QComboBox):
            continue  # the combo box's own editor
        where = QRect(widget.mapTo(dialog, QPoint(0, 0)), widget.size())
        if not inside.contains(where):
            problems.append(f"{widget_name(widget)} at {where.getRect()} outside {inside.size()}")
        if widget.hasHeightForWidth():
            needed = widget.heightForWidth(widget.width())
            wide = wrapped_width(widget)
        else:
            needed = widget.sizeHint().height()
            wide = widget.minimumSizeHint().width()
        if widget.height() < needed:
            problems.append(f"{widget_name(widget)} is {widget.height()} px tall, needs {needed}")
        if widget.width() < wide:
            problems.append(f"{widget_name(widget)} is {widget.width()} px wide, needs {wide}")
    return problems


def wrapped_width(label: QWidget) -> int:
    """How wide a wrapped label's plain text is at its width, where Qt can break it: wider than
    the label when a piece (an address, a path) cannot be broken."""
    if not isinstance(label, QLabel) or "<" in label.text():
        return 0
    room = label.contentsRect().width()
    flags = int(Qt.TextFlag.TextWordWrap.value)
    used = label.fontMetrics().boundingRect(QRect(0, 0, room, 100_000), flags, label.text())
    return used.width() - room + label.width()


def shown(qtbot: QtBot, dialog: D) -> D:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def every_form_dialog() -> set[type[FormDialog]]:
    for module in pkgutil.walk_packages(ui_package.__path__, "penguin_desktop.ui."):
        importlib.import_module(module.name)
    found: set[type[FormDialog]] = set()
    todo = [FormDialog]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return found


def factories(container: Container, world: everything.World) -> dict[type, Factory]:
    """How to open each form dialog on the world's objects."""
    owner = world.owner
    state = AppState(container, owner)
    state.reload_workspaces(WORKSPACE)
    ws = state.current
    assert ws is not None
    member = container.members.all(owner, WORKSPACE)[-1]
    secret = container.secrets.all(owner, WORKSPACE)[0]
    domain = container.domains.all(owner, WORKSPACE)[0]
    providers = container.domains.providers(owner, WORKSPACE)
    servers = container.servers.all(owner, WORKSPACE)
    ready = next(s for s in servers if s.name == READY)
    box = container.mailboxes.all(owner, WORKSPACE)[0]
    alias = container.mailboxes.aliases(owner, WORKSPACE)[0]
    monitoring = container.monitoring
    check = next(c for c in monitoring.checks.all(owner, WORKSPACE) if not c.is_default)
    views = monitoring.rules.all(owner, WORKSPACE)
    targets = Targets([s.name for s in servers], [domain.name])
    notifier = next(n for n in monitoring.notifiers.all(owner) if n.workspace == WORKSPACE)
    payment = next(p for p in container.billing.payments(owner) if p.id == "ch_partly")
    customer = next(c for c in container.billing.customers(owner) if c.workspace is None)
    campaign = container.campaigns.all(owner, WORKSPACE)[0]
    accounts = container.sending.accounts(owner, WORKSPACE)
    leads = [lead.email for lead in container.leads.leads(owner, WORKSPACE)]
    outside = container.outside_mailboxes.all(owner, WORKSPACE)[0]
    return {
        FirstRunDialog: lambda: FirstRunDialog(container),
        LoginDialog: lambda: LoginDialog(container, "Test Agency"),
        AddMemberDialog: lambda: AddMemberDialog(state, ws),
        ChangeRoleDialog: lambda: ChangeRoleDialog(state, ws, member),
        RemoveMemberDialog: lambda: RemoveMemberDialog(state, ws, member),
        AddUserDialog: lambda: AddUserDialog(state),
        NewWorkspaceDialog: lambda: NewWorkspaceDialog(state),
        RenameWorkspaceDialog: lambda: RenameWorkspaceDialog(state, ws),
        ArchiveWorkspaceDialog: lambda: ArchiveWorkspaceDialog(state, ws),
        AddDomainDialog: lambda: AddDomainDialog(state, WORKSPACE, providers),
        AddProviderDialog: lambda: AddProviderDialog(state, WORKSPACE),
        AttachDialog: lambda: AttachDialog(WORKSPACE, domain, servers),
        ChooseProviderDialog: lambda: ChooseProviderDialog(state, domain, providers),
        RemoveDomainDialog: lambda: RemoveDomainDialog(state, domain),
        RemoveProviderDialog: lambda: RemoveProviderDialog(state, WORKSPACE, "bind", ["a.test"]),
        NewMailboxDialog: lambda: NewMailboxDialog(state, WORKSPACE, servers),
        PasswordDialog: lambda: PasswordDialog(state, box),
        QuotaDialog: lambda: QuotaDialog(state, box),
        AddAliasDialog: lambda: AddAliasDialog(state, box),
        RemoveMailboxDialog: lambda: RemoveMailboxDialog(state, box),
        RemoveAliasDialog: lambda: RemoveAliasDialog(state, alias),
        SetSecretDialog: lambda: SetSecretDialog(state, WORKSPACE, "file"),
        DeleteSecretDialog: lambda: DeleteSecretDialog(state, secret),
        RevealDialog: lambda: RevealDialog(state, secret),
        MigrateDialog: lambda: MigrateDialog({"file": 3, "vault": 1}),
        MasterPasswordDialog: lambda: MasterPasswordDialog(None, creating=True),
        RemoveServerDialog: lambda: RemoveServerDialog(state, ready),
        RestoreDialog: lambda: RestoreDialog(state, ready, Path("/tmp/mx1-backup.tar.gz")),
        CheckDialog: lambda: CheckDialog(state, WORKSPACE, targets, views),
        RemoveCheckDialog: lambda: RemoveCheckDialog(state, check),
        AddNotifierDialog: lambda: AddNotifierDialog(
            state, NotifierKind.WEBHOOK, [WORKSPACE, None], "https://events.pagerduty.com"
        ),
        RemoveNotifierDialog: lambda: RemoveNotifierDialog(state, notifier),
        ConnectDialog: lambda: ConnectDialog(state, container.billing.connection(owner)),
        RefundDialog: lambda: RefundDialog(state, payment),
        LinkDialog: lambda: LinkDialog(state, customer, [WORKSPACE, OTHER]),
        ImportDialog: lambda: previewed(ImportDialog(state, WORKSPACE)),
        EraseDialog: lambda: EraseDialog(state, WORKSPACE, "ann@example.com"),
        SuppressDialog: lambda: SuppressDialog(state, WORKSPACE),
        ComplianceDialog: lambda: ComplianceDialog(
            state, WORKSPACE, container.compliance.settings(owner, WORKSPACE)
        ),
        NewCampaignDialog: lambda: NewCampaignDialog(
            state, WORKSPACE, container.leads.lists(owner, WORKSPACE), accounts
        ),
        AddStepDialog: lambda: AddStepDialog(state, campaign, leads),
        ConnectOutsideDialog: lambda: ConnectOutsideDialog(state, WORKSPACE),
        DisconnectDialog: lambda: DisconnectDialog(state, outside),
        LimitsDialog: lambda: LimitsDialog(state, outside.limits),
        ScheduleDialog: lambda: ScheduleDialog(state, container.backup_schedule.settings(owner)),
        BackupNowDialog: lambda: BackupNowDialog(state, Path("/tmp")),
    }


def previewed(dialog: ImportDialog) -> ImportDialog:
    """The import dialog at its second step, the preview of a file with a custom column."""
    dialog.show_preview(
        ImportPreview(
            "utf-8",
            ";",
            {"E-mail": "email", "First Name": "first_name", "Industry": "Industry", "Notes": ""},
            [{"email": "ann@example.com", "first_name": "Ann", "Industry": "SaaS"}] * 5,
        )
    )
    return dialog


def test_every_form_dialog_grows_to_show_its_errors_whole(
    qtbot: QtBot, container: Container, owner: object, mailu: MailuServer
) -> None:
    world = everything.build(container, owner, mailu)  # type: ignore[arg-type]
    made = factories(container, world)
    bases = {JobFormDialog, next(c for c in every_form_dialog() if c.__name__ == "MailboxForm")}
    assert every_form_dialog() - bases <= set(made), "a new form dialog: add it to factories()"

    problems: list[str] = []
    for kind, make in sorted(made.items(), key=lambda item: item[0].__name__):
        dialog = shown(qtbot, make())
        dialog.message.show_error(ValidationError(LONG_ERROR))
        settle()
        problems += [f"{kind.__name__}, message line: {p}" for p in cut_off(dialog)]
        for field in dialog.fields:
            dialog.show_at_field(ValidationError(LONG_ERROR, field=field))
        settle()
        problems += [f"{kind.__name__}, field errors: {p}" for p in cut_off(dialog)]
        dialog.reject()
    assert problems == []


def test_first_run_grows_with_its_hints_and_errors(qtbot: QtBot, tmp_path: Path) -> None:
    prompt = MasterPasswordPrompt(env={})
    built = Container(Settings.resolve(data_dir=tmp_path / "first", env={}), prompt)
    try:
        dialog = shown(qtbot, FirstRunDialog(built))
        assert dialog.master is not None  # no keyring: the secrets file's password is asked too
        qtbot.keyClicks(dialog.password, "short")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        settle()
        assert "required" in dialog.field_error("org")
        assert "too short" in dialog.policy.text()
        assert cut_off(dialog) == []
    finally:
        prompt.abort()
        built.close()


def test_new_workspace_grows_with_its_error(
    qtbot: QtBot, container: Container, owner: object
) -> None:
    taken = "Acme Corporation International Holdings and Subsidiaries Ltd"
    container.workspaces.create(owner, taken)  # type: ignore[arg-type]
    dialog = shown(qtbot, NewWorkspaceDialog(AppState(container, owner)))  # type: ignore[arg-type]
    qtbot.keyClicks(dialog.name, taken.lower())
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    settle()
    assert "already exists" in dialog.message.text() + dialog.field_error("workspace")
    assert cut_off(dialog) == []


def test_new_mailbox_grows_with_its_password_hint(
    qtbot: QtBot, container: Container, owner: object, mailu: MailuServer
) -> None:
    world = everything.build(container, owner, mailu)  # type: ignore[arg-type]
    servers = container.servers.all(world.owner, WORKSPACE)
    dialog = shown(qtbot, NewMailboxDialog(AppState(container, world.owner), WORKSPACE, servers))
    email = "a.rather.long.name.for.the.shared.sales.mailbox.of.the.client@client.test"
    qtbot.keyClicks(dialog.email, email)
    settle()
    assert email in dialog.secret_note.text()
    assert cut_off(dialog) == []


def test_a_wrong_master_password_shows_whole_with_its_unlock_button(
    qtbot: QtBot, tmp_path: Path
) -> None:
    data = tmp_path / "kept"
    first = MasterPasswordPrompt(env={})
    created = Container(Settings.resolve(data_dir=data, env={}), first)
    first.actor = created.auth.initialize("Test Agency", OWNER, PASSWORD, Face.GUI)
    first.unlock_with(created.secrets, MASTER)  # the file now exists
    created.close()
    prompt = MasterPasswordPrompt(env={})
    reopened = Container(Settings.resolve(data_dir=data, env={}), prompt)
    prompt.actor = first.actor
    try:
        dialog = shown(qtbot, MasterPasswordDialog(reopened, creating=False))
        qtbot.keyClicks(dialog.master, "not the master password")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        settle()
        assert dialog.isVisible() and "Wrong master password" in dialog.message.text()
        assert dialog.ok_button.text() == "Unlock"
        assert cut_off(dialog) == []
    finally:
        prompt.abort()
        reopened.close()
