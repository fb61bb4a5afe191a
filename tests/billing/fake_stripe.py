"""Stripe, offline: the real ``stripe`` library with only its HTTP transport replaced.

Every call the code under test makes to Stripe's API goes through
``FakeStripeHTTP.request``: the call is recorded (method, path, decoded form
parameters) and answered from ``FakeStripeHTTP.routes``. A call with no
route fails the test loudly instead of reaching the network.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import parse_qsl, urlsplit

import stripe

WEBHOOK_SECRET = "whsec_test_masthead_0123456789"


class FakeStripeHTTP(stripe.HTTPClient):
    name = "masthead-fake"
    routes: dict = {}
    calls: list = []

    @classmethod
    def reset(cls):
        cls.routes = {}
        cls.calls = []

    @classmethod
    def answer(cls, method: str, path: str, body, status: int = 200):
        """Answer ``METHOD path`` with ``body`` (a dict, or a function of the call)."""
        cls.routes[(method.upper(), path)] = (body, status)

    @classmethod
    def calls_to(cls, method: str, path: str) -> list[dict]:
        return [c["params"] for c in cls.calls if (c["method"], c["path"]) == (method, path)]

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        encoded = post_data if post_data is not None else parts.query
        if isinstance(encoded, bytes):
            encoded = encoded.decode()
        call = {
            "method": method.upper(),
            "path": parts.path,
            "params": dict(parse_qsl(encoded or "")),
            "idempotency_key": (headers or {}).get("Idempotency-Key"),
        }
        type(self).calls.append(call)
        route = type(self).routes.get((call["method"], call["path"]))
        if route is None:
            body = {"error": {"type": "api_error", "message": f"no fake for {method} {url}"}}
            return json.dumps(body), 500, {}
        body, status = route
        if callable(body):
            body = body(call)
        return json.dumps(body), status, {"request-id": "req_fake"}

    def request_stream(self, *args, **kwargs):
        raise NotImplementedError

    def close(self):
        pass


def sign(payload: str, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A Stripe-Signature header, made the way Stripe makes it: HMAC-SHA256 of
    "<timestamp>.<payload>" with the endpoint secret."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


_serial = iter(range(1, 10**9))


def event(kind: str, obj: dict, created: int, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{next(_serial):06d}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": created,
        "livemode": False,
        "pending_webhooks": 1,
        "type": kind,
        "data": {"object": obj},
    }


def subscription(
    sub_id: str,
    *,
    user,
    price: str,
    status: str = "active",
    start: int,
    end: int,
    trial_end: int | None = None,
    cancel_at_period_end: bool = False,
    customer: str = "cus_test1",
    ended_at: int | None = None,
) -> dict:
    """A Subscription object as the current API shapes it (periods on the item)."""
    return {
        "id": sub_id,
        "object": "subscription",
        "status": status,
        "customer": customer,
        "cancel_at_period_end": cancel_at_period_end,
        "cancel_at": end if cancel_at_period_end else None,
        "trial_end": trial_end,
        "ended_at": ended_at,
        "metadata": {"masthead_user": str(user.pk)} if user is not None else {},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_{sub_id}",
                    "object": "subscription_item",
                    "price": {"id": price, "object": "price"},
                    "current_period_start": start,
                    "current_period_end": end,
                }
            ],
        },
    }


def invoice(inv_id: str, sub_id: str, *, amount: int, start: int, end: int, currency="usd"):
    return {
        "id": inv_id,
        "object": "invoice",
        "number": f"MH-{inv_id[-4:].upper()}",
        "amount_paid": amount,
        "currency": currency,
        "hosted_invoice_url": f"https://invoice.stripe.example/{inv_id}",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": sub_id},
        },
        "lines": {"object": "list", "data": [{"period": {"start": start, "end": end}}]},
    }
