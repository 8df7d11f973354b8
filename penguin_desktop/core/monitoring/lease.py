"""One monitor at a time per database: the scheduled rounds of a console and of a headless
`penguin monitor run` (or of two consoles on a shared PostgreSQL database) would otherwise
run every check twice and notify twice. The holder renews a short lease on each pass; another
monitor waits until it lapses (its holder stopped or died). A one-off round (`--once`, "Check
now") runs regardless."""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import MetaRow

KEY = "monitor.lease"
TERM = timedelta(seconds=90)


@dataclass(frozen=True)
class Holder:
    """Who holds the lease, in words for the one that waits."""

    host: str
    pid: int
    until: datetime

    def describe(self) -> str:
        return f"the monitor on {self.host} (process {self.pid}) runs the checks"


class Lease:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.token = uuid.uuid4().hex

    def hold(self, now: datetime) -> Holder | None:
        """Take or renew the lease; None when held, else who holds it."""
        try:
            with self.db.write() as session:
                row = session.execute(
                    select(MetaRow).where(MetaRow.key == KEY).with_for_update()
                ).scalar_one_or_none()
                other = _holder(row.value) if row is not None else None
                if other is not None and other[0] != self.token and other[1].until > now:
                    return other[1]
                value = json.dumps(
                    {"token": self.token, "host": socket.gethostname(), "pid": os.getpid(),
                     "until": (now + TERM).isoformat()}
                )  # fmt: skip
                if row is None:
                    session.add(MetaRow(key=KEY, value=value))
                else:
                    row.value = value
            return None
        except PenguinError:
            # Two monitors took it in the same instant and this one lost the insert.
            return Holder("another machine", 0, now + TERM)

    def release(self) -> None:
        """Let another monitor take over at once (a clean stop)."""
        with self.db.write() as session:
            row = session.get(MetaRow, KEY)
            if row is not None and (_holder(row.value) or ("",))[0] == self.token:
                session.delete(row)


def _holder(raw: str) -> tuple[str, Holder] | None:
    try:
        data = json.loads(raw)
        return str(data["token"]), Holder(
            str(data["host"]), int(data["pid"]), datetime.fromisoformat(data["until"])
        )
    except (ValueError, KeyError, TypeError):
        return None  # unreadable: treated as free
