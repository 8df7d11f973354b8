"""Filling the audit trail quickly for tests and benchmarks: chained records appended in
batches through core's own `trail.append`, so verification still passes."""

from __future__ import annotations

from penguin_desktop.container import Container
from penguin_desktop.core.platform.audit import trail
from penguin_desktop.core.platform.audit.trail import AuditRecord


def seed_events(container: Container, count: int, batch: int = 50_000) -> None:
    done = 0
    while done < count:
        size = min(batch, count - done)
        records = [
            AuditRecord(
                actor=f"bot{(done + i) % 7}@agency.test",
                face="system",
                action="test.event" if (done + i) % 2 else "test.other",
                target=f"item:{done + i}",
                summary={"n": done + i},
            )
            for i in range(size)
        ]
        with container.db.write() as session:
            trail.append(session, records)
        done += size
