"""Walking the chain and naming the first entry that breaks it."""

from __future__ import annotations

from sqlalchemy import Connection, select

from penguin_desktop.core.audit.chain import CHAINED_COLUMNS, entry_hash
from penguin_desktop.core.errors import Cancelled
from penguin_desktop.core.jobs import JobContext
from penguin_desktop.core.models import VerifyResult
from penguin_desktop.core.store.database import GENESIS_HASH
from penguin_desktop.core.store.tables import AuditHeadRow

_BATCH = 20_000
_SELECT = f"SELECT {', '.join(CHAINED_COLUMNS)}, hash FROM audit_events ORDER BY seq"


def verify_chain(conn: Connection, ctx: JobContext | None = None) -> VerifyResult:
    head = conn.execute(select(AuditHeadRow.seq, AuditHeadRow.hash)).one()
    total = max(head.seq, 1)
    expected_seq, prev = 1, GENESIS_HASH
    result = conn.execution_options(stream_results=True, yield_per=_BATCH).exec_driver_sql(_SELECT)
    checked = 0
    for batch in result.partitions(_BATCH):
        for row in batch:
            seq = row[0]
            if seq != expected_seq:
                missing = (
                    f"entry {expected_seq}"
                    if seq == expected_seq + 1
                    else f"entries {expected_seq}-{seq - 1}"
                )
                return _bad(checked, head.hash, seq, f"{missing} before entry {seq} deleted")
            if row[10] != prev:
                return _bad(
                    checked,
                    head.hash,
                    seq,
                    f"entry {seq} does not link to entry {seq - 1} "
                    "(entries reordered, or the one before it replaced)",
                )
            digest = entry_hash(row[:11])
            if digest != row[11]:
                return _bad(checked, head.hash, seq, f"entry {seq} was edited after it was written")
            prev = digest
            expected_seq += 1
            checked += 1
        if ctx is not None:
            ctx.progress(checked / total, f"verified {checked:,} of {head.seq:,} entries")
            if ctx.cancelled:
                raise Cancelled("verification cancelled")
    last = expected_seq - 1
    if last != head.seq or prev != head.hash:
        return _bad(
            checked,
            head.hash,
            last + 1,
            f"the chain ends at entry {last} but its head records entry {head.seq}: "
            "the newest entries were deleted or the head was altered",
        )
    return VerifyResult(ok=True, checked=checked, head_hash=head.hash)


def _bad(checked: int, head_hash: str, seq: int, problem: str) -> VerifyResult:
    return VerifyResult(
        ok=False, checked=checked, head_hash=head_hash, first_bad_seq=seq, problem=problem
    )
