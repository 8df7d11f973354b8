"""A fast loopback server for Stripe's list endpoints, holding a generated account of any size.

localstripe pages by scanning its whole store for every page, which makes an account of 10,000
customers take an hour to list; this serves the same published list API from pre-built JSON:
`GET /v1/<list>` newest first with `limit` (1-100), `starting_after` and `ending_before`
(404 `resource_missing` for an unknown id), `GET /v1/account`, a Bearer secret key or 401.
Its objects have the current API's shapes (prices on items, an invoice's subscription under
`parent`, a subscription's period on its items), so the sync's reading of those is exercised
too. The sync counts its own requests."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import parse_qs, urlsplit

KEY = "sk_test_bench_lists"
BASE = 1_760_000_000  # 2025-10-09


def _price(pid: str, amount: int, interval: str) -> dict[str, Any]:
    return {
        "id": pid,
        "object": "price",
        "unit_amount": amount,
        "currency": "usd",
        "recurring": {"interval": interval, "interval_count": 1},
        "product": "prod_agency",
        "active": True,
        "nickname": f"Agency {interval}ly",
        "metadata": {"max_domains": "10"},
        "created": BASE,
    }


def account_objects(customers: int) -> dict[str, list[dict[str, Any]]]:
    """`customers` customers, each with a subscription, one invoice, its charge and payment
    intent; every 30th charge declined, every 100th refunded, every 50th subscription canceled."""
    prices = [_price("price_month", 2900, "month"), _price("price_year", 29000, "year")]
    lists: dict[str, list[dict[str, Any]]] = {
        "products": [
            {
                "id": "prod_agency",
                "object": "product",
                "name": "Agency",
                "active": True,
                "metadata": {"features": "warmup"},
            }
        ],
        "plans": [
            {
                **p,
                "object": "plan",
                "amount": p["unit_amount"],
                "interval": p["recurring"]["interval"],
                "interval_count": 1,
            }
            for p in prices
        ],
    }
    for name in (
        "customers",
        "subscriptions",
        "invoices",
        "charges",
        "payment_intents",
        "refunds",
        "events",
    ):
        lists[name] = []
    for i in range(customers):
        t = BASE + i * 60
        price = prices[i % 7 == 0]
        declined = i % 30 == 29
        lists["customers"].append(
            {
                "id": f"cus_{i:06d}",
                "object": "customer",
                "created": t,
                "email": f"billing@client{i}.test",
                "name": f"Client {i}",
                "metadata": {"penguin_workspace": f"Client {i % 50}"},
            }
        )
        lists["subscriptions"].append(
            {
                "id": f"sub_{i:06d}",
                "object": "subscription",
                "customer": f"cus_{i:06d}",
                "status": "canceled" if i % 50 == 49 else "past_due" if declined else "active",
                "created": t,
                "start_date": t,
                "canceled_at": t + 30 if i % 50 == 49 else None,
                "ended_at": t + 30 if i % 50 == 49 else None,
                "currency": "usd",
                "items": {
                    "object": "list",
                    "data": [
                        {
                            "id": f"si_{i:06d}",
                            "object": "subscription_item",
                            "quantity": 1 + i % 3,
                            "price": price,
                            "plan": {
                                **price,
                                "object": "plan",
                                "amount": price["unit_amount"],
                                "interval": price["recurring"]["interval"],
                            },
                            "current_period_end": t + 30 * 86400,
                        }
                    ],
                },
            }
        )
        lists["invoices"].append(
            {
                "id": f"in_{i:06d}",
                "object": "invoice",
                "customer": f"cus_{i:06d}",
                "created": t,
                "status": "open" if declined else "paid",
                "currency": "usd",
                "total": 2900,
                "amount_due": 2900,
                "amount_paid": 0 if declined else 2900,
                "amount_remaining": 2900 if declined else 0,
                "attempt_count": 1,
                "next_payment_attempt": t + 3 * 86400 if declined else None,
                "number": f"PM-{i:06d}",
                "hosted_invoice_url": f"https://invoice.stripe.test/{i}",
                "invoice_pdf": f"https://invoice.stripe.test/{i}.pdf",
                "parent": {
                    "type": "subscription_details",
                    "subscription_details": {"subscription": f"sub_{i:06d}"},
                },
            }
        )
        lists["charges"].append(
            {
                "id": f"ch_{i:06d}",
                "object": "charge",
                "customer": f"cus_{i:06d}",
                "created": t,
                "amount": 2900,
                "amount_refunded": 2900 if i % 100 == 99 else 0,
                "currency": "usd",
                "status": "failed" if declined else "succeeded",
                "refunded": i % 100 == 99,
                "payment_intent": f"pi_{i:06d}",
                "failure_code": "card_declined" if declined else None,
                "failure_message": "Your card has insufficient funds." if declined else None,
                "outcome": {"reason": "insufficient_funds"} if declined else {},
            }
        )
        lists["payment_intents"].append(
            {
                "id": f"pi_{i:06d}",
                "object": "payment_intent",
                "customer": f"cus_{i:06d}",
                "created": t,
                "amount": 2900,
                "currency": "usd",
                "status": "requires_payment_method" if declined else "succeeded",
            }
        )
        if i % 100 == 99:
            lists["refunds"].append(
                {
                    "id": f"re_{i:06d}",
                    "object": "refund",
                    "created": t + 60,
                    "charge": f"ch_{i:06d}",
                    "amount": 2900,
                    "currency": "usd",
                    "status": "succeeded",
                }
            )
        lists["events"].append(
            {
                "id": f"evt_{i:06d}",
                "object": "event",
                "type": "invoice.paid",
                "created": t,
                "data": {"object": lists["invoices"][-1]},
            }
        )
    return {
        name: sorted(items, key=lambda o: o.get("created", 0), reverse=True)
        for name, items in lists.items()
    }


@dataclass
class Lists:
    pages: dict[str, list[str]]
    ids: dict[str, dict[str, int]]


def _page(lists: Lists, name: str, query: dict[str, str]) -> tuple[int, str]:
    items, index = lists.pages[name], lists.ids[name]
    limit = min(max(int(query.get("limit", "10")), 1), 100)
    for param in ("starting_after", "ending_before"):
        if param in query and query[param] not in index:
            error = {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "param": param,
                "message": f"No such object: '{query[param]}'",
            }
            return 404, json.dumps({"error": error})
    if "ending_before" in query:
        at = index[query["ending_before"]]
        page, more = items[max(0, at - limit) : at], at - limit > 0
    else:
        start = index[query["starting_after"]] + 1 if "starting_after" in query else 0
        page, more = items[start : start + limit], len(items) > start + limit
    body = (
        f'{{"object": "list", "url": "/v1/{name}", "has_more": {json.dumps(more)}, '
        f'"data": [{", ".join(page)}]}}'
    )
    return 200, body


def _answer(lists: Lists, path: str, authorization: str | None) -> tuple[int, str]:
    parts = urlsplit(path)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    name = parts.path.removeprefix("/v1/")
    if authorization != f"Bearer {KEY}":
        error = {"type": "invalid_request_error", "message": "Invalid API Key provided"}
        return 401, json.dumps({"error": error})
    if name == "account":
        return 200, json.dumps(
            {"id": "acct_bench", "object": "account", "business_profile": {"name": "Bench Agency"}}
        )
    if name in lists.pages:
        return _page(lists, name, query)
    error = {"type": "invalid_request_error", "message": "Unrecognized request URL"}
    return 404, json.dumps({"error": error})


def serve(customers: int, ready: Connection) -> None:
    """The server's process: build the account, answer until terminated."""
    objects = account_objects(customers)
    lists = Lists(
        {name: [json.dumps(o) for o in items] for name, items in objects.items()},
        {name: {o["id"]: n for n, o in enumerate(items)} for name, items in objects.items()},
    )

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status, body = _answer(lists, self.path, self.headers.get("Authorization"))
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ready.send(httpd.server_address[1])
    httpd.serve_forever()


@contextmanager
def running_list_server(customers: int) -> Iterator[str]:
    """The server's address, in a process of its own (as Stripe is on another machine)."""
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.Process(target=serve, args=(customers, child), daemon=True)
    proc.start()
    try:
        if not parent.poll(120):
            raise RuntimeError("the Stripe list server did not start")
        yield f"http://127.0.0.1:{parent.recv()}"
    finally:
        proc.terminate()
        proc.join(5)
