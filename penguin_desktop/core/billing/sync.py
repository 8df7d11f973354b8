"""The sync: a full one that pages through every list, then incremental ones from the events.

**Full.** The events first (only their ids and the newest one are kept: the objects listed
next are newer than any of them), then customers, products, plans, subscriptions, invoices,
charges, payment intents and refunds, each paged by the library's auto-pagination. Every page
is written in one transaction with a bookmark (the list and the last id written), so a sync
killed halfway starts again at that page, and the upserts make the pages it writes twice
harmless: the rows end as one uninterrupted sync would leave them.

**Incremental.** The events after the newest one seen (`ending_before` that event: the library
pages them oldest first), applied in that order, each in one transaction with its id, so an
event is applied once whether the sync or the webhook saw it first. Nothing new costs one
request. Stripe keeps events 30 days: a cursor it no longer knows turns the sync into a full
one."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import stripe
from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.billing import mirror
from penguin_desktop.core.billing.client import Stripe, as_dict
from penguin_desktop.core.billing.models import SyncKind, SyncReport
from penguin_desktop.core.billing.tables import BillingAccountRow, CustomerRow, EventRow
from penguin_desktop.core.platform.errors import Cancelled
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import utcnow

PAGE = 100
LISTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("events", {}),
    ("customers", {}),
    ("products", {}),
    ("plans", {}),
    ("subscriptions", {"status": "all"}),
    ("invoices", {}),
    ("charges", {}),
    ("payment_intents", {}),
    ("refunds", {}),
)


@dataclass
class _Tally:
    written: int = 0
    events: int = 0


def account(session: Session) -> BillingAccountRow:
    row = session.get(BillingAccountRow, 1)
    if row is None:  # the service checks the connection before syncing
        raise LookupError("billing is not connected")
    return row


def relink(session: Session) -> None:
    """Link the customers that name a workspace which did not exist when they were synced."""
    keys = mirror.workspace_keys(session)
    waiting = select(CustomerRow).where(
        CustomerRow.workspace_id.is_(None),
        CustomerRow.metadata_json.contains(f'"{mirror.WORKSPACE_KEY}"'),
    )
    for customer in session.scalars(waiting):
        mirror.link_by_metadata(session, customer, keys)


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class Syncer:
    """One run of the sync over one connection."""

    def __init__(self, db: Database, api: Stripe, ctx: JobContext) -> None:
        self.db, self.api, self.ctx = db, api, ctx
        self.tally = _Tally()

    def run(self, full: bool) -> SyncReport:
        with self.db.write() as session:
            row = account(session)
            kind = SyncKind.FULL if full or not row.full_sync_done else SyncKind.INCREMENTAL
            if full and row.full_sync_done:
                row.full_sync_done, row.sync_resource, row.sync_after = False, None, None
                row.event_cursor = None
        try:
            if kind is SyncKind.FULL:
                self._full()
            elif not self._incremental():
                kind = SyncKind.FULL
                self._restart_full()
        except Exception as exc:
            self._finish(kind, getattr(exc, "message", None) or str(exc) or type(exc).__name__)
            raise
        self._finish(kind, None)
        return SyncReport(kind, self.api.requests, self.tally.written, self.tally.events)

    def _finish(self, kind: SyncKind, error: str | None) -> None:
        with self.db.write() as session:
            row = account(session)
            row.last_sync_at, row.last_sync_kind = utcnow(), kind.value
            row.last_sync_requests, row.last_sync_error = self.api.requests, error
            if error is None:
                relink(session)

    # --- full ----------------------------------------------------------------------------------
    def _restart_full(self) -> None:
        with self.db.write() as session:
            row = account(session)
            row.full_sync_done, row.sync_resource, row.sync_after = False, None, None
            row.event_cursor = None
        self._full()

    def _full(self) -> None:
        with self.db.read() as session:
            row = account(session)
            resume, after = row.sync_resource, row.sync_after
        names = [name for name, _ in LISTS]
        start = names.index(resume) if resume in names else 0
        for index in range(start, len(LISTS)):
            name, params = LISTS[index]
            self._list(index, name, params, after if index == start else None)
        with self.db.write() as session:
            row = account(session)
            row.full_sync_done, row.sync_resource, row.sync_after = True, None, None

    def _list(self, index: int, name: str, params: dict[str, Any], after: str | None) -> None:
        query = {**params, "limit": PAGE}
        if after:
            query["starting_after"] = after
        listing = getattr(self.api.client.v1, name).list(params=query)
        done = 0
        for batch in _batches(listing.auto_paging_iter(), PAGE):
            objects = [as_dict(o) for o in batch]
            with self.db.write() as session:
                if name == "events":
                    self._note_events(session, objects)
                else:
                    mirror.prefetch(session, objects)
                    for obj in objects:
                        self.tally.written += mirror.write(session, obj, None, "sync")
                row = account(session)
                row.sync_resource, row.sync_after = name, objects[-1]["id"]
            done += len(objects)
            self.ctx.progress((index + 0.5) / len(LISTS), f"{name.replace('_', ' ')}: {done}")
            if self.ctx.cancelled:
                raise Cancelled(f"sync cancelled during {name}; the next sync resumes there")
        with self.db.write() as session:
            row = account(session)
            row.sync_resource, row.sync_after = (
                (LISTS[index + 1][0], None) if index + 1 < len(LISTS) else (None, None)
            )
        self.ctx.progress((index + 1) / len(LISTS), f"{name.replace('_', ' ')}: {done}")

    def _note_events(self, session: Session, events: list[dict[str, Any]]) -> None:
        """Events met by a full sync are not applied (the lists that follow are newer); their
        ids are kept so the next incremental sync skips them."""
        row = account(session)
        if row.event_cursor is None and row.sync_after is None:
            row.event_cursor = events[0]["id"]  # Stripe lists the newest first
        known = set(
            session.scalars(select(EventRow.id).where(EventRow.id.in_([e["id"] for e in events])))
        )
        for event in events:
            if event["id"] not in known:
                session.add(
                    EventRow(
                        id=event["id"],
                        type=str(event.get("type", ""))[:64],
                        created=int(event.get("created") or 0),
                        source="sync",
                    )
                )

    # --- incremental ---------------------------------------------------------------------------
    def _incremental(self) -> bool:
        """Apply the events since the cursor; False when Stripe no longer knows the cursor."""
        with self.db.read() as session:
            cursor = account(session).event_cursor
        params: Any = {"limit": PAGE}
        if cursor is not None:
            params["ending_before"] = cursor
        try:
            listing = self.api.client.v1.events.list(params=params)
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing":
                return False
            raise
        pages = listing.auto_paging_iter()
        fresh = pages if cursor is not None else reversed(list(pages))
        newest = cursor
        for number, obj in enumerate(fresh, 1):
            event = as_dict(obj)
            apply_event(self.db, event, "sync", self._count)
            newest = event["id"]
            if number % PAGE == 0 or self.ctx.cancelled:
                self._keep_cursor(newest)
                self.ctx.progress(0.5, f"events: {number}")
            if self.ctx.cancelled:
                raise Cancelled("sync cancelled; the next sync goes on from the last event")
        self._keep_cursor(newest)
        return True

    def _keep_cursor(self, event_id: str | None) -> None:
        with self.db.write() as session:
            account(session).event_cursor = event_id

    def _count(self, written: int) -> None:
        self.tally.written += written
        self.tally.events += 1


def apply_event(
    db: Database, event: dict[str, Any], source: str, counted: Callable[[int], None]
) -> bool:
    """Apply one event once: its id is inserted in the same transaction as its object, so a
    second copy (from the webhook or a re-run) finds the id and does nothing. False if seen."""
    with db.write() as session:
        if session.get(EventRow, event["id"]) is not None:
            return False
        created = int(event.get("created") or 0)
        session.add(
            EventRow(
                id=event["id"], type=str(event.get("type", ""))[:64], created=created, source=source
            )
        )
        obj = (event.get("data") or {}).get("object")
        written = mirror.write(session, obj, created, event["id"]) if isinstance(obj, dict) else 0
    counted(written)
    return True
