"""The words the Secrets screens use for kinds of secrets, backends and rotation policies.

Every `SecretKind` core knows has a label here: the table paints one per row, so a kind without
one would break every repaint (a test keeps the two in step). Should core still grow a kind
before this table does, it is shown by its own name rather than not at all.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase

from penguin_desktop.core.secrets import BackendKind
from penguin_desktop.core.secrets.models import BackendInfo, SecretKind
from penguin_desktop.ui.shell import theme

KIND_LABELS: dict[SecretKind, str] = {
    SecretKind.SSH_KEY: "SSH private key",
    SecretKind.SMTP_PASSWORD: "SMTP password",
    SecretKind.API_KEY: "API key",
    SecretKind.VAULT_TOKEN: "Vault token",
    SecretKind.WEBHOOK_SECRET: "Webhook secret",
    SecretKind.DKIM_KEY: "DKIM private key",
}

# Mid-sentence, where a label's capital would be wrong ("whatever uses this webhook secret").
KIND_NOUNS: dict[SecretKind, str] = {
    **KIND_LABELS,
    SecretKind.WEBHOOK_SECRET: "webhook secret",
}

# Kinds whose value is a PEM block, typed as several lines; the placeholder shows its start.
MULTI_LINE: dict[SecretKind, str] = {
    SecretKind.SSH_KEY: "-----BEGIN OPENSSH PRIVATE KEY-----\n…",
    SecretKind.DKIM_KEY: "-----BEGIN PRIVATE KEY-----\n…",
}

BACKEND_LABELS: dict[str, str] = {
    BackendKind.KEYRING.value: "OS keyring",
    BackendKind.VAULT.value: "HashiCorp Vault",
    BackendKind.FILE.value: "Encrypted file",
}

BACKEND_NOUNS: dict[str, str] = {
    BackendKind.KEYRING.value: "the OS keyring",
    BackendKind.VAULT.value: "HashiCorp Vault",
    BackendKind.FILE.value: "the encrypted file",
}


def kind_label(kind: SecretKind) -> str:
    return KIND_LABELS.get(kind) or kind.value.replace("_", " ").capitalize()


def kind_noun(kind: SecretKind) -> str:
    return KIND_NOUNS.get(kind) or kind.value.replace("_", " ")


def backend_label(kind: str) -> str:
    return BACKEND_LABELS.get(kind, kind)


def backend_noun(kind: str) -> str:
    """The backend mid-sentence: 'the encrypted file', 'HashiCorp Vault'."""
    return BACKEND_NOUNS.get(kind, kind)


def status_text(info: BackendInfo, workspace: str | None) -> str:
    """'Active for Acme: HashiCorp Vault at https://… (mount secret) — chosen by … on …'."""
    where = workspace or "the organization"
    text = f"<b>{backend_label(info.kind)}</b> is active for {where}"
    settings = info.settings
    if info.kind == BackendKind.VAULT.value and settings.get("address"):
        extra = [f"mount {settings.get('mount', 'secret')}"]
        if settings.get("namespace"):
            extra.append(f"namespace {settings['namespace']}")
        extra.append("AppRole login" if settings.get("role_id") else "token login")
        text += f" — {settings['address']} ({', '.join(extra)})"
    why = info.why[:1].upper() + info.why[1:]
    return f"{text}<br><span style='color:{theme.MUTED}'>{why}</span>"


def policy_text(days: int | None) -> str:
    if days is None:
        return "On demand"
    return "Every day" if days == 1 else f"Every {days} days"


def monospace() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
