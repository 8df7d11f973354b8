"""The PDF audit report reads as a document for a client or an auditor: actions in words,
changes as "field: old -> new", a first-page summary and a closing section on verifying it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

import penguin_desktop.core
from penguin_desktop.container import Container
from penguin_desktop.core.audit.actions import ACTION_WORDS, action_words, attempt_words
from penguin_desktop.core.audit.changes import change_lines
from penguin_desktop.core.audit.export import ExportFormat
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.errors import PermissionDenied
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.secrets.backends.base import BackendKind
from penguin_desktop.core.secrets.models import SecretKind
from tests.conftest import add_user

CORE = Path(penguin_desktop.core.__file__).parent


@pytest.fixture
def report(container: Container, owner: Actor, tmp_path: Path) -> tuple[list[str], Actor]:
    """A varied history exported to PDF: (the text of each page, the member who was denied)."""
    container.workspaces.create(owner, "Acme")
    container.workspaces.create(owner, "Globex")
    bob = add_user(container, owner, "bob@agency.test")
    container.members.add(owner, "Acme", "bob@agency.test", Role.VIEWER)
    container.members.set_role(owner, "Acme", "bob@agency.test", Role.MEMBER)
    container.workspaces.rename(owner, "Globex", "Globex Corp")
    container.secrets.set_backend(owner, BackendKind.FILE)
    container.secrets.set(owner, "Acme", "stripe", SecretKind.API_KEY, "sk_live_canary")
    container.secrets.reveal(owner, "Acme", "stripe", reason="support ticket 42")
    with pytest.raises(PermissionDenied):
        container.workspaces.rename(bob, "Acme", "Bobs")
    out = tmp_path / "audit.pdf"
    container.audit.export(owner, ExportFormat.PDF, out, AuditFilter())
    return [page.extract_text() for page in PdfReader(out).pages], bob


def test_the_report_has_no_python_reprs_and_no_microseconds(
    report: tuple[list[str], Actor],
) -> None:
    text = "\n".join(report[0])
    for token in ("['", "None", "True", "False", "{'"):
        assert token not in text
    assert not re.search(r"reason:[ \t]*$", text, re.MULTILINE)  # empty fields are left out
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d", text)
    assert re.search(r"\d{4}-\d{2}-\d{2}\s\d{2}:\d{2}:\d{2}", text)
    assert "sk_live_canary" not in text


def test_actions_show_in_words_and_changes_as_old_to_new(
    report: tuple[list[str], Actor],
) -> None:
    flat = " ".join(" ".join(report[0]).split())
    for words in (
        "Organization created",
        "Workspace created",
        "Member added",
        "Secret revealed",
        "Secret stored",
        "Secret backend chosen",
    ):
        assert words in flat
    assert "secret.reveal" in flat  # the code beside its words
    assert "name: Globex -> Globex Corp" in flat
    assert "role: viewer -> member" in flat
    assert "reason: support ticket 42" in flat


def test_the_first_page_sums_up_the_report(report: tuple[list[str], Actor]) -> None:
    first = " ".join(report[0][0].split())
    assert "Summary" in first and "Period covered" in first
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} to \d{4}-\d{2}-\d{2} \S+ UTC", first)
    assert "Events by action" in first and "Workspace created workspace.create 2" in first
    assert "Events by actor" in first
    # 11 changes, then the signing key the export made to sign the head it reports
    assert "owner@agency.test 12" in first and "bob@agency.test 1 (1 denied)" in first
    assert "Program's own secret stored secret.system.set 1" in first
    assert "Denied attempts 1" in first
    assert "Denied: Rename the workspace" in first
    assert "permission denied" in first  # the denial listed with its reason


def test_the_report_closes_with_how_to_verify_it(
    container: Container, owner: Actor, report: tuple[list[str], Actor]
) -> None:
    pages = report[0]
    last = "".join(pages[-1].split())
    events = container.audit.page(owner, AuditFilter())
    export, head = events[0], events[1]  # the export is recorded right after the head it names
    assert export.action == "audit.export"
    assert "Howtoverifythisreport" in last and head.hash in last
    assert "penguinauditverify" in last
    assert "penguinauditlist--json" in last
    every = "".join("".join(pages).split())
    for entry in events[1:]:
        assert entry.hash[:10] in every
    assert f"Page{len(pages)}of{len(pages)}" in last


def test_changes_read_as_lines_without_empty_fields() -> None:
    summary = (
        '{"dkim_selectors":["pm"],"generated_key":true,"host_key":"","ips":["192.0.2.1"],'
        '"name":"example.com","provider":null,"reason":""}'
    )
    assert change_lines(summary, "domain.add", "domain:example.com") == [
        "DKIM selectors: pm",
        "SSH key generated: yes",
        "IPs: 192.0.2.1",
    ]
    assert change_lines({"previous_mb": 1024, "quota_mb": 2048}, "mailbox.quota") == [
        "quota (MB): 1024 -> 2048"
    ]
    assert change_lines({"from": "file", "to": "vault"}, "secret.migrate") == [
        "backend: file -> vault"
    ]
    assert change_lines({"before": "", "after": "SHA256:x"}, "server.host-key.accept") == [
        "host key: (none) -> SHA256:x"
    ]
    assert change_lines({"was_locked": False, "filters": {"Actor": "any", "Since": ""}}) == [
        "was locked: no",
        "filters: Actor: any",
    ]


def _literals(node: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _forwarding_helpers(trees: list[ast.Module]) -> dict[str, int]:
    """Functions that pass their `action` parameter on to `_audit`: name -> its position."""
    helpers: dict[str, int] = {}
    for tree in trees:
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef) or fn.name == "_audit":
                continue
            params = [a.arg for a in fn.args.args if a.arg != "self"]
            forwards = any(
                isinstance(call, ast.Call)
                and getattr(call.func, "attr", None) == "_audit"
                and len(call.args) > 2
                and isinstance(call.args[2], ast.Name)
                and call.args[2].id == "action"
                for call in ast.walk(fn)
            )
            if forwards and "action" in params:
                helpers[fn.name] = params.index("action")
    return helpers


def _action_codes() -> set[str]:
    """The string literals core passes as an audit action: to `_audit`, to helpers that pass
    it on, as AuditRecord(action=...), or assigned to a variable named `action`."""
    trees = [ast.parse(p.read_text()) for p in CORE.rglob("*.py")]
    helpers = _forwarding_helpers(trees)
    codes: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                index = 2 if name == "_audit" else helpers.get(name)
                if index is not None and len(node.args) > index:
                    codes |= _literals(node.args[index])
                if name == "_audit" or name in helpers or name == "AuditRecord":
                    for kw in node.keywords:
                        if kw.arg == "action":
                            codes |= _literals(kw.value)
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "action" for t in node.targets
            ):
                codes |= _literals(node.value)
    return codes


def test_every_action_code_in_core_has_words() -> None:
    codes = _action_codes()
    assert (
        len(codes) > 40 and {"secret.reveal", "mailbox.quota", "server.provision.failed"} <= codes
    )
    assert sorted(codes - ACTION_WORDS.keys()) == []
    attempts = attempt_words()
    assert all(p.value in attempts for p in Permission)
    assert action_words("workspace.rename", denied=True) == "Rename the workspace"
    assert action_words("something.new") == "something.new"
