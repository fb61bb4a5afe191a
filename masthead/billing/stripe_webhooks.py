"""What Stripe tells us, applied once, in the order Stripe's clock says.

Each event is processed in one transaction with the ``WebhookEvent`` row that
marks it done: a replayed or duplicated delivery changes nothing, and an
event that fails part-way leaves nothing behind and is retried by Stripe.
Subscription events carry the subscription's whole state; we apply that
state if it is at least as new as the state we hold (see
``lifecycle.record_provider_state``), so deliveries out of order cannot move
a subscription backwards.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from masthead.billing import stripe_provider as sp
from masthead.billing.models import WebhookEvent
from masthead.members import lifecycle, notifications
from masthead.members.models import Subscription

logger = logging.getLogger(__name__)
S = Subscription

SUBSCRIPTION_EVENTS = {
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
}


class MalformedEvent(Exception):
    """A correctly signed event without the fields its type promises."""


def process(event) -> tuple[bool, str]:
    """Apply ``event`` (already verified). Returns (applied, outcome); applied is
    False for an event processed before."""
    event_id, kind = event["id"], event["type"]
    created = sp.timestamp(event["created"])
    try:
        with transaction.atomic():
            row = WebhookEvent.objects.create(
                provider=sp.PROVIDER, event_id=event_id, type=kind, created=created
            )
            try:
                outcome = dispatch(kind, event["data"]["object"], created, event_id)
            except (KeyError, TypeError, IndexError) as exc:
                raise MalformedEvent(f"{kind} {event_id}: missing {exc}") from exc
            row.outcome = outcome[:300]
            row.save(update_fields=["outcome"])
    except IntegrityError:
        if WebhookEvent.objects.filter(provider=sp.PROVIDER, event_id=event_id).exists():
            return False, "already processed"
        raise
    logger.info("Stripe %s %s: %s", kind, event_id, outcome)
    return True, outcome


def dispatch(kind: str, obj, created, event_id: str) -> str:
    if kind == "checkout.session.completed":
        return checkout_completed(obj, created, event_id)
    if kind in SUBSCRIPTION_EVENTS:
        subscription = sp.record(obj, at=created, cause=_cause(kind, obj), event_id=event_id)
        if subscription is None and _for_a_deleted_account(obj):
            return _end_orphan(obj)
        return _outcome(subscription)
    if kind == "invoice.paid":
        return invoice_paid(obj, created, event_id)
    if kind == "invoice.payment_failed":
        return invoice_failed(obj, created, event_id)
    return "ignored: not an event Masthead uses"


def _cause(kind: str, subscription) -> str:
    return f"Stripe {kind} (status {sp._get(subscription, 'status', '?')})"


def _outcome(subscription) -> str:
    if subscription is None:
        return "ignored: not a subscription Masthead tracks"
    return f"subscription {subscription.pk} is {subscription.status}"


def checkout_completed(session, created, event_id) -> str:
    if sp._get(session, "mode") != "subscription" or not sp._get(session, "subscription"):
        return "ignored: not a subscription checkout"
    stripe_subscription = session["subscription"]
    if isinstance(stripe_subscription, str):
        stripe_subscription = sp._call(
            "subscription lookup", sp.client().v1.subscriptions.retrieve, stripe_subscription
        )
    fallback = sp._get(session, "client_reference_id")
    subscription = sp.record(
        stripe_subscription,
        at=created,
        cause="Stripe checkout.session.completed",
        event_id=event_id,
        fallback_user=fallback,
    )
    if subscription is None and _for_a_deleted_account(stripe_subscription, fallback):
        return _end_orphan(stripe_subscription)
    return _outcome(subscription)


def _for_a_deleted_account(stripe_subscription, fallback=None) -> bool:
    """Bought for an account that is gone: the checkout began in another tab
    and finished after the reader deleted their account. Our checkout put the
    account's number in the metadata; the event is signed, so a number with
    no account behind it is one that was deleted."""
    metadata = sp._get(stripe_subscription, "metadata", {}) or {}
    reference = sp._get(metadata, "masthead_user", "") or fallback
    if not reference or sp.user_for(stripe_subscription, fallback) is not None:
        return False
    if Subscription.objects.filter(
        provider=sp.PROVIDER, provider_subscription_id=stripe_subscription["id"]
    ).exists():
        return False
    return sp._get(stripe_subscription, "status") not in {"canceled", "incomplete_expired"}


def _end_orphan(stripe_subscription) -> str:
    """Nobody can read with it and nobody would be billed knowingly: end it
    at once at Stripe, without a final invoice."""
    stripe_id = stripe_subscription["id"]
    sp._call(
        "subscription cancel",
        sp.client().v1.subscriptions.cancel,
        stripe_id,
        {
            "invoice_now": False,
            "prorate": False,
            "cancellation_details": {"comment": "Its account was deleted before checkout ended."},
        },
        {"idempotency_key": f"cancel-orphan-{stripe_id}"},
    )
    logger.warning("Stripe subscription %s belonged to a deleted account; ended it", stripe_id)
    return "ended at Stripe: its account was deleted"


def _invoice_subscription_id(invoice) -> str:
    legacy = sp._get(invoice, "subscription")
    if legacy:
        return sp._id(legacy)
    details = sp._get(sp._get(invoice, "parent", {}), "subscription_details", {})
    return sp._id(sp._get(details, "subscription"))


def _subscription_for_invoice(invoice, created) -> Subscription | None:
    """Our copy of the invoice's subscription; fetched from Stripe if the
    invoice arrived before any subscription event did."""
    stripe_id = _invoice_subscription_id(invoice)
    if not stripe_id:
        return None
    ours = Subscription.objects.filter(provider=sp.PROVIDER, provider_subscription_id=stripe_id)
    subscription = ours.select_related("plan", "user").first()
    if subscription is None:
        fetched = sp._call("subscription lookup", sp.client().v1.subscriptions.retrieve, stripe_id)
        sp.record(fetched, at=created, cause="Stripe subscription fetched for its invoice")
        subscription = ours.select_related("plan", "user").first()
    return subscription


def _is_stale(subscription, created) -> bool:
    return subscription.provider_state_at is not None and created < subscription.provider_state_at


def invoice_paid(invoice, created, event_id) -> str:
    subscription = _subscription_for_invoice(invoice, created)
    if subscription is None:
        return "ignored: not a subscription invoice Masthead tracks"
    amount = int(sp._get(invoice, "amount_paid", 0))
    if amount > 0:
        notifications.payment_received(
            subscription,
            reference=sp._get(invoice, "number") or invoice["id"],
            amount_minor=amount,
            currency=sp._get(invoice, "currency", subscription.plan.currency),
            url=sp._get(invoice, "hosted_invoice_url", ""),
        )
    settles = subscription.status == S.PAST_DUE or (subscription.status == S.TRIALING and amount)
    # (A trial begins with a paid invoice for nothing: that does not end the trial.)
    if _is_stale(subscription, created) or not settles:
        return f"{'receipt queued; ' if amount else ''}{_outcome(subscription)}"
    lines = sp._get(sp._get(invoice, "lines", {}), "data", [])
    period_end = sp.timestamp(sp._get(sp._get(lines[0], "period", {}), "end")) if lines else None
    period_start = (
        sp.timestamp(sp._get(sp._get(lines[0], "period", {}), "start")) if lines else None
    )
    fields = {"provider_state_at": created}
    if period_end and period_end > subscription.current_period_end:
        fields.update(current_period_end=period_end, current_period_start=period_start)
    lifecycle.change(
        subscription,
        S.ACTIVE,
        cause="Stripe invoice.paid",
        at=created,
        provider_event_id=event_id,
        **fields,
    )
    subscription.refresh_from_db()
    return f"{'receipt queued; ' if amount else ''}{_outcome(subscription)}"


def invoice_failed(invoice, created, event_id) -> str:
    subscription = _subscription_for_invoice(invoice, created)
    if subscription is None:
        return "ignored: not a subscription invoice Masthead tracks"
    if _is_stale(subscription, created) or subscription.status not in {S.ACTIVE, S.TRIALING}:
        return _outcome(subscription)
    lifecycle.change(
        subscription,
        S.PAST_DUE,
        cause="Stripe invoice.payment_failed",
        at=created,
        provider_event_id=event_id,
        provider_state_at=created,
    )
    subscription.refresh_from_db()
    return _outcome(subscription)
