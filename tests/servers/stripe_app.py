"""localstripe's aiohttp app served on loopback, with what the tests need around it.

Run as a script (`python -m tests.servers.stripe_app PORT`) by `tests/servers/stripe.py`.
Around localstripe's own app it adds, on the test-only `/_test/` paths: a count of the API
requests received, the next N requests answered with a given status (429 with Stripe's
`rate_limit` error body, or a 5xx), a delay per request (so a sync can be killed halfway), and
seeding N customers with paying subscriptions in-process (for the benchmark: 10,000 invoices
through HTTP would take minutes to create). localstripe keeps its state in a pickle in /tmp and
writes it on every change; here the state stays in memory, so parallel servers never share it.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable

from aiohttp import web
from localstripe import resources, server

resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STATE: dict[str, int] = {
    "requests": 0,
    "fail_from": 0,
    "fail_count": 0,
    "fail_status": 429,
    "delay_ms": 0,
}


def _error(status: int) -> web.Response:
    kind = "rate_limit_error" if status == 429 else "api_error"
    body = {"error": {"type": kind, "message": f"test server answered {status}"}}
    # A 5xx says not to retry (as Stripe does when a retry would not help), so a test cuts a
    # sync at once; a 429 leaves the retry to the client.
    headers = {"Stripe-Should-Retry": "false"} if status >= 500 else {}
    return web.json_response(body, status=status, headers=headers)


ACCOUNT = {
    "id": "acct_1PenguinTest",
    "object": "account",
    "business_profile": {"name": "Penguin Test Agency"},
    "settings": {"dashboard": {"display_name": "Penguin Test Agency"}},
    "email": "finance@agency.test",
    "country": "DE",
    "default_currency": "eur",
    "charges_enabled": True,
}
# Restricted keys (rk_...) the tests registered, with the lists each may read: Stripe answers
# 403 with a permission error for the others.
RESTRICTED: dict[str, set[str]] = {}


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    return header.split(" ", 1)[1] if header.startswith("Bearer ") else ""


def _refused(key: str, path: str) -> web.Response:
    message = (
        f"The provided key '{key[:8]}***' does not have the required permissions for this "
        f"endpoint on account '{ACCOUNT['id']}'. Having the 'rak_{path.split('/')[2]}_read' "
        "permission would allow this request to continue."
    )
    return web.json_response(
        {"error": {"type": "invalid_request_error", "message": message}}, status=403
    )


async def _test_route(request: web.Request) -> web.Response:
    if request.path == "/_test/state" and request.method == "POST":
        STATE.update({k: int(v) for k, v in (await request.json()).items()})
    elif request.path == "/_test/seed":
        seed(int((await request.json())["customers"]))
    elif request.path == "/_test/restricted":
        body = await request.json()
        RESTRICTED[body["key"]] = set(body["read"])
    return web.json_response(STATE)


@web.middleware
async def harness(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/_test/"):
        return await _test_route(request)
    STATE["requests"] += 1
    if STATE["delay_ms"]:
        await asyncio.sleep(STATE["delay_ms"] / 1000)
    if STATE["fail_count"] > 0 and STATE["requests"] >= STATE["fail_from"]:
        STATE["fail_count"] -= 1
        return _error(STATE["fail_status"])
    key = _bearer(request)
    if key.startswith("rk_"):
        if key not in RESTRICTED:
            return web.json_response(
                {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}},
                status=401,
            )
        resource = request.path.split("/")[2] if request.path.count("/") >= 2 else ""
        if request.method == "GET" and resource not in RESTRICTED[key] | {"account"}:
            return _refused(key, request.path)
        request = request.clone(headers={**request.headers, "Authorization": "Bearer sk_test_rk"})
    if request.path == "/v1/events" and request.method == "GET":
        return _events(request)
    if request.path == "/v1/account" and request.method == "GET":
        if not key.startswith(("sk_", "rk_")):
            return web.json_response(
                {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}},
                status=401,
            )
        return web.json_response(ACCOUNT)
    return await handler(request)


def _missing(param: str, value: str) -> web.Response:
    error = {
        "type": "invalid_request_error",
        "code": "resource_missing",
        "param": param,
        "message": f"No such event: '{value}'",
    }
    return web.json_response({"error": error}, status=404)


def _events(request: web.Request) -> web.Response:
    """GET /v1/events as Stripe publishes it: newest first, `limit` (1-100), `starting_after`,
    `ending_before`, `type` and `created[gt|gte|lt|lte]`. localstripe lists oldest first and
    knows no `ending_before`, which an incremental sync needs; it keeps the events, this
    answers for them."""
    query = request.query
    events = [o for k, o in resources.store.items() if k.startswith("event:")][::-1]
    if "type" in query:
        events = [e for e in events if e.type == query["type"]]
    for op, test in (
        ("gt", int.__gt__),
        ("gte", int.__ge__),
        ("lt", int.__lt__),
        ("lte", int.__le__),
    ):
        if f"created[{op}]" in query:
            bound = int(query[f"created[{op}]"])
            events = [e for e in events if test(int(e.created), bound)]
    limit = min(max(int(query.get("limit", 10)), 1), 100)
    ids = [e.id for e in events]
    if "ending_before" in query:
        if query["ending_before"] not in ids:
            return _missing("ending_before", query["ending_before"])
        at = ids.index(query["ending_before"])
        page, more = events[max(0, at - limit) : at], at - limit > 0
    else:
        start = 0
        if "starting_after" in query:
            if query["starting_after"] not in ids:
                return _missing("starting_after", query["starting_after"])
            start = ids.index(query["starting_after"]) + 1
        page, more = events[start : start + limit], len(events) > start + limit
    body = {
        "object": "list",
        "url": "/v1/events",
        "has_more": more,
        "data": [e._export() for e in page],
    }
    return web.json_response(body)


def seed(customers: int) -> None:
    """`customers` customers with a card and a monthly subscription each: one paid invoice and
    one charge per customer, as localstripe creates them."""
    resources.Plan(
        id="seed-monthly", amount=2900, currency="usd", interval="month", product={"name": "Seed"}
    )
    for n in range(customers):
        customer = resources.Customer(email=f"c{n}@seed.test", name=f"Client {n}")
        token = resources.Token(
            card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
        )
        resources.Customer._api_add_source(customer.id, source=token.id)
        resources.Subscription(customer=customer.id, items=[{"plan": "seed-monthly"}])


def main() -> None:
    port = int(sys.argv[1])
    server.app.middlewares.insert(0, harness)
    print(json.dumps({"port": port}), flush=True)
    web.run_app(server.app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
