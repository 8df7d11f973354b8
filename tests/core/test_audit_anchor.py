"""The chain anchored outside the database: signed checkpoints of its head.

Whoever can write the database can cut the tail, re-chain every entry, or empty the trail and
reset its head, and the chain alone still verifies. These tests do exactly that to a real
database (after dropping the triggers that refuse it) and check that the newest signed
checkpoint, kept in a file beside the database or in Vault, gives the rewrite away; and that a
report's signed head can be checked with nothing but the public key and the README's recipe.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pypdf import PdfReader
from sqlalchemy import delete, select, text, update

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.audit.checkpoint import CHECKPOINT_FILE, SigningKey, signature_ok
from penguin_desktop.core.audit.export import ExportFormat
from penguin_desktop.core.audit.models import AuditFilter, Checkpoint
from penguin_desktop.core.platform.audit import trail
from penguin_desktop.core.platform.audit.chain import CHAINED_COLUMNS, entry_hash
from penguin_desktop.core.platform.errors import DatabaseError, NotFoundError, PermissionDenied
from penguin_desktop.core.platform.models import Actor, Face, Role
from penguin_desktop.core.platform.store.database import GENESIS_HASH
from penguin_desktop.core.platform.store.tables import AuditEventRow, AuditHeadRow, MetaRow
from penguin_desktop.core.secrets import BackendKind, VaultConfig
from penguin_desktop.core.secrets.backends.vault import VaultStore
from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, add_user
from tests.core.test_audit import allow_tampering
from tests.servers.vault import VaultServer


def checkpoints(container: Container) -> Path:
    return container.settings.data_dir / CHECKPOINT_FILE


def lines(container: Container) -> list[dict[str, object]]:
    return [json.loads(line) for line in checkpoints(container).read_text().splitlines()]


@pytest.fixture
def signed(container: Container, owner: Actor) -> Checkpoint:
    """Four workspaces, then a checkpoint: entry 7 (the key's making is entry 7) signed; two
    more workspaces after it, so the head is entry 9."""
    for name in ("A", "B", "C", "D"):
        container.workspaces.create(owner, name)
    checkpoint = container.audit.checkpoint(owner)
    container.workspaces.create(owner, "E")
    container.workspaces.create(owner, "F")
    return checkpoint


def test_a_checkpoint_signs_the_head_and_is_kept_beside_the_database(
    container: Container, owner: Actor, signed: Checkpoint
) -> None:
    assert signed.seq == 7
    events = container.audit.page(owner, AuditFilter())
    assert events[2].seq == 7 and events[2].hash == signed.hash
    assert events[2].action == "secret.system.set" and "audit-signing-key" in events[2].target
    assert lines(container) == [
        {
            "seq": 7,
            "hash": signed.hash,
            "ts": signed.ts,
            "public_key": signed.public_key,
            "signature": signed.signature,
        }
    ]
    assert stat.S_IMODE(checkpoints(container).stat().st_mode) == 0o600
    public = container.audit.public_key(owner)
    assert public == signed.public_key
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public))
    key.verify(base64.b64decode(signed.signature), signed.signed_text.encode())
    result = container.audit.verify(owner)
    assert result.ok and result.checkpoint == signed
    assert result.checkpoint_source == "the checkpoint file"


def test_the_private_key_lives_only_in_the_secret_store(
    container: Container, owner: Actor, signed: Checkpoint
) -> None:
    with container.db.read() as session:
        where = json.loads(session.get(MetaRow, "audit.signing_key").value)  # type: ignore[union-attr]
        dump = " ".join(
            str(row)
            for table in ("penguin_meta", "audit_events", "secret_refs", "secret_backends")
            for row in session.execute(text(f"SELECT * FROM {table}"))
        )
    assert where["backend"] == "file" and signed.public_key in dump
    private = container.secrets.system_secret(where["name"], BackendKind.FILE, "test")
    assert private is not None and SigningKey.from_secret(private).public_key == signed.public_key
    assert private not in dump
    assert private.encode() not in checkpoints(container).read_bytes()


def test_the_head_is_signed_every_so_many_entries_once_there_is_a_key(
    container: Container, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trail, "CHECKPOINT_EVERY", 5)
    for i in range(4):
        container.workspaces.create(owner, f"Before {i}")  # entries 3-6: no key yet
    assert not checkpoints(container).exists()
    container.audit.checkpoint(owner)  # makes the key (entry 7) and signs entry 7
    for i in range(9):
        container.workspaces.create(owner, f"W{i}")  # entries 8-16
    assert [line["seq"] for line in lines(container)] == [7, 10, 15]
    result = container.audit.verify(owner)
    assert result.ok and result.checkpoint is not None and result.checkpoint.seq == 15
    for line in lines(container):
        assert signature_ok(Checkpoint(**line))  # type: ignore[arg-type]


def test_automatic_checkpoints_never_ask_for_the_master_password(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data", db_url=db_url)

    def never(_creating: bool) -> str:
        raise AssertionError("an automatic checkpoint asked for the master password")

    monkeypatch.setattr(trail, "CHECKPOINT_EVERY", 2)
    first = Container(settings, lambda _creating: MASTER_PASSWORD)
    owner = first.auth.initialize("Org", OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
    first.audit.checkpoint(owner)  # asks, as an explicit checkpoint may
    first.close()
    later = Container(settings, never)  # a new process: the secrets file is locked
    try:
        owner = later.auth.login(OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
        for i in range(5):
            later.workspaces.create(owner, f"W{i}")
        assert len(lines(later)) == 1  # nothing signed, nothing asked, every write done
        result = later.audit.verify(owner)
        assert result.ok and result.checkpoint is not None and result.checkpoint.seq == 3
    finally:
        later.close()


def _rechain(container: Container, edit: Callable[[AuditEventRow], None]) -> None:
    """Edit entry 2 and recompute every hash after it and the head: a forged trail whose
    chain verifies."""
    allow_tampering(container.db)
    with container.db.write() as session:
        rows = session.execute(select(AuditEventRow).order_by(AuditEventRow.seq)).scalars().all()
        prev = GENESIS_HASH
        for row in rows:
            if row.seq == 2:
                edit(row)
            row.prev_hash = prev
            row.hash = prev = entry_hash([getattr(row, c) for c in CHAINED_COLUMNS])
        session.execute(update(AuditHeadRow).values(seq=rows[-1].seq, hash=prev))


def _cut_tail(container: Container, keep: int) -> None:
    allow_tampering(container.db)
    with container.db.write() as session:
        session.execute(delete(AuditEventRow).where(AuditEventRow.seq > keep))
        last = GENESIS_HASH
        if keep:
            last = session.execute(
                select(AuditEventRow.hash).where(AuditEventRow.seq == keep)
            ).scalar_one()
        session.execute(update(AuditHeadRow).values(seq=keep, hash=last))


def _set_target(row: AuditEventRow) -> None:
    row.target = "user:someone-else@agency.test"


@pytest.mark.parametrize(
    ("attack", "bad_seq", "finding"),
    [
        (lambda c: _cut_tail(c, 5), 6, "it now ends at entry 5"),
        (lambda c: _rechain(c, _set_target), 7, "entry 7 no longer carries the signed hash"),
        (lambda c: _cut_tail(c, 0), 1, "it now holds no entries"),
    ],
    ids=["cut-tail", "re-chained", "emptied-and-reset"],
)
def test_a_rewritten_trail_fails_against_the_newest_checkpoint(
    container: Container,
    owner: Actor,
    signed: Checkpoint,
    attack: Callable[[Container], None],
    bad_seq: int,
    finding: str,
) -> None:
    attack(container)
    when = signed.ts.replace("T", " ").removesuffix("Z")
    result = container.audit.verify(owner)
    assert not result.ok and result.first_bad_seq == bad_seq
    assert result.problem == (
        f"the trail was rewritten after checkpoint 7 signed on {when} UTC: {finding}"
    )
    with pytest.raises(DatabaseError, match="no new checkpoint was signed"):
        container.audit.checkpoint(owner)
    container.workspaces.create(owner, "After the rewrite")
    assert len(lines(container)) == 1  # the rewrite was never blessed with a signature
    assert not container.audit.verify(owner).ok


def test_a_missing_checkpoint_file_is_damage_and_is_not_made_anew(
    container: Container, owner: Actor, signed: Checkpoint
) -> None:
    checkpoints(container).unlink()
    result = container.audit.verify(owner)
    assert not result.ok and result.first_bad_seq == 7
    assert result.problem == (
        f"the audit trail is damaged: the checkpoint file {checkpoints(container)} is "
        "missing, but checkpoints up to entry 7 were written to it; restore it from a backup"
    )
    with pytest.raises(DatabaseError, match=r"checkpoint file .* is missing"):
        container.audit.checkpoint(owner)
    assert not checkpoints(container).exists()


@pytest.mark.parametrize(
    ("edit", "finding"),
    [
        (
            lambda text: text.replace('"seq":7', '"seq":8'),
            "the signature of checkpoint 8 does not verify (the checkpoint was edited)",
        ),
        (lambda text: text + "{not json}\n", "line 2 of the checkpoint file"),
        (lambda text: "", "is empty, but checkpoints up to entry 7 were written to it"),
    ],
    ids=["edited", "garbage", "emptied"],
)
def test_an_edited_checkpoint_file_is_damage(
    container: Container,
    owner: Actor,
    signed: Checkpoint,
    edit: Callable[[str], str],
    finding: str,
) -> None:
    path = checkpoints(container)
    path.write_text(edit(path.read_text()))
    result = container.audit.verify(owner)
    assert not result.ok and finding in (result.problem or "")


def test_a_truncated_checkpoint_file_is_damage(
    container: Container, owner: Actor, signed: Checkpoint
) -> None:
    assert container.audit.verify(owner).ok  # and signs entry 9
    path = checkpoints(container)
    path.write_text(path.read_text().splitlines(keepends=True)[0])
    result = container.audit.verify(owner)
    assert not result.ok and result.first_bad_seq == 9
    assert "ends at entry 7, but checkpoints up to entry 9 were written to it" in (
        result.problem or ""
    )


def test_a_replaced_public_key_is_damage(
    container: Container, owner: Actor, signed: Checkpoint, tmp_path: Path
) -> None:
    with container.db.write() as session:
        row = session.get(MetaRow, "audit.public_key")
        assert row is not None
        row.value = SigningKey.new().public_key
    result = container.audit.verify(owner)
    assert not result.ok and result.first_bad_seq == 7
    assert result.problem == "checkpoint 7 was signed with a key other than the trail's (replaced?)"
    with pytest.raises(DatabaseError, match="the public key the database records is not"):
        container.audit.checkpoint(owner)


def test_only_organization_admins_sign_and_the_key_is_made_by_the_first_checkpoint(
    container: Container, owner: Actor
) -> None:
    member = add_user(container, owner, "member@agency.test", Role.MEMBER)
    with pytest.raises(PermissionDenied):
        container.audit.checkpoint(member)
    with pytest.raises(NotFoundError, match="no signing key yet") as missing:
        container.audit.public_key(member)
    assert missing.value.remedy is not None and missing.value.remedy.action == "audit.checkpoint"


def _readme_hash(fields: list[object]) -> str:
    """An entry's hash as README.md tells a reader to compute it, without the program."""
    seq, workspace_id, *rest = fields
    parts = [str(seq), "" if workspace_id in (None, "") else str(workspace_id), *map(str, rest)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _check_offline(head: dict[str, object], events: list[dict[str, object]], kept: str) -> None:
    """What a reader does with a report and the public key they kept: the signature, the
    signed entry's hash, every row's hash and link."""
    assert head["public_key"] == kept
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(kept))
    key.verify(base64.b64decode(str(head["signature"])), str(head["signed_text"]).encode())
    assert head["signed_text"] == (
        f"penguin-desktop audit checkpoint v1\nseq {head['seq']}\nhash {head['hash']}\n"
        f"time {head['ts']}\n"
    )
    prev = GENESIS_HASH
    for event in events:
        fields = [event[name] for name in ("seq", "workspace_id", "ts", "actor", "face")]
        fields += [event[name] for name in ("workspace", "action", "target", "outcome")]
        fields += [event["summary"], event["prev_hash"]]
        assert event["prev_hash"] == prev and _readme_hash(fields) == event["hash"]
        prev = str(event["hash"])
    signed = [e for e in events if str(e["seq"]) == str(head["seq"])]
    assert signed and signed[0]["hash"] == head["hash"]


def test_reports_carry_the_signed_head_and_check_offline(
    container: Container, owner: Actor, signed: Checkpoint, tmp_path: Path
) -> None:
    kept = container.audit.public_key(owner)
    report = container.audit.export(owner, ExportFormat.JSON, tmp_path / "r.json", AuditFilter())
    doc = json.loads((tmp_path / "r.json").read_text())
    head = doc["report"]["signed_head"]
    assert report.signed is not None and head["seq"] == report.signed.seq == 9  # signed now
    assert doc["report"]["chain_head"] == {"seq": 9, "hash": head["hash"]}
    for event in doc["events"]:  # JSON gives the summary parsed: write it back canonically
        event["summary"] = json.dumps(
            event["summary"], ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
    _check_offline(head, doc["events"], kept)

    report = container.audit.export(owner, ExportFormat.CSV, tmp_path / "r.csv", AuditFilter())
    assert report.signed_head_path == str(tmp_path / "r.csv.signed-head.json")
    beside = json.loads((tmp_path / "r.csv.signed-head.json").read_text())
    assert beside["report"] == "r.csv" and beside["signed_head"]["seq"] == 10
    with (tmp_path / "r.csv").open(newline="") as fh:
        _check_offline(beside["signed_head"], list(csv.DictReader(fh)), kept)

    container.audit.export(owner, ExportFormat.PDF, tmp_path / "r.pdf", AuditFilter())
    pdf = "".join(
        "".join(page.extract_text().split()) for page in PdfReader(tmp_path / "r.pdf").pages
    )
    newest = lines(container)[-1]
    assert f"Signature:{newest['signature']}" in pdf and f"Publickey:{kept}" in pdf
    assert f"seq{newest['seq']}hash{newest['hash']}" in pdf


def test_a_report_without_a_usable_key_says_it_carries_no_signed_head(
    db_url: str, tmp_path: Path
) -> None:
    locked = Container(Settings(data_dir=tmp_path, db_url=db_url), None)
    try:
        owner = locked.auth.initialize("Org", OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
        result = locked.audit.export(owner, ExportFormat.JSON, tmp_path / "r.json", AuditFilter())
        assert result.signed is None
        assert json.loads((tmp_path / "r.json").read_text())["report"]["signed_head"] is None
        locked.audit.export(owner, ExportFormat.PDF, tmp_path / "r.pdf", AuditFilter())
        pdf = " ".join(page.extract_text() for page in PdfReader(tmp_path / "r.pdf").pages)
        assert "No signed checkpoint" in " ".join(pdf.split())
        assert "signing key was not available" in " ".join(pdf.split())
    finally:
        locked.close()


def test_a_report_over_damaged_checkpoints_says_they_contradict_the_trail(
    container: Container, owner: Actor, signed: Checkpoint, tmp_path: Path
) -> None:
    checkpoints(container).unlink()
    result = container.audit.export(owner, ExportFormat.PDF, tmp_path / "r.pdf", AuditFilter())
    assert result.signed is None
    pdf = " ".join(
        " ".join(page.extract_text() for page in PdfReader(tmp_path / "r.pdf").pages).split()
    )
    assert "the signed checkpoints contradict the trail" in pdf
    assert "signing key was not available" not in pdf


def test_with_secrets_in_vault_the_checkpoint_outlives_a_wiped_trail_and_file(
    container: Container, owner: Actor, vault: VaultServer
) -> None:
    container.secrets.set_backend(
        owner, BackendKind.VAULT, None, VaultConfig(vault.address), token=vault.root_token
    )
    container.workspaces.create(owner, "A")
    signed = container.audit.checkpoint(owner)
    store = VaultStore(VaultConfig(vault.address), token=vault.root_token)
    with container.db.read() as session:
        where = json.loads(session.get(MetaRow, "audit.signing_key").value)  # type: ignore[union-attr]
    assert where["backend"] == "vault"
    assert SigningKey.from_secret(store.get(f"system/{where['name']}")).public_key == (
        signed.public_key
    )
    assert container.audit.verify(owner).ok  # and signs the head again, in Vault too
    newest = lines(container)[-1]["seq"]
    assert isinstance(newest, int) and newest > signed.seq

    _cut_tail(container, 0)  # the trail emptied and its head reset ...
    checkpoints(container).unlink()  # ... the file beside it deleted and forgotten
    with container.db.write() as session:
        session.execute(delete(MetaRow).where(MetaRow.key.like("audit.checkpoints.%")))
    result = container.audit.verify(owner)
    # Reading the checkpoint kept in Vault is itself audited: entry 1 of the new trail.
    assert not result.ok and result.first_bad_seq == 2
    assert f"rewritten after checkpoint {newest} signed on" in (result.problem or "")
    assert (result.problem or "").endswith("it now ends at entry 1")
