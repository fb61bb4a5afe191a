"""The Stripe provider: Checkout for subscribe and trial, the Billing Portal for
cards and invoices, subscription changes through Stripe's API.

Stripe holds the truth about payment; we keep a copy through its webhooks
(``masthead.billing.stripe_webhooks``), and also apply the state Stripe
returns to our own API calls at once, so the reader sees the result of a
click without waiting for a webhook. Configuration: STRIPE_SECRET_KEY,
STRIPE_WEBHOOK_SECRET, and each plan's Stripe price id (Plans in the admin).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from masthead import inputs
from masthead.billing.base import ProviderError
from masthead.members import lifecycle
from masthead.members.models import Plan, Subscription

logger = logging.getLogger(__name__)
PROVIDER = "stripe"
S = Subscription


class StripeUnavailable(ProviderError):
    """Stripe could not be reached or refused the request; nothing changed here."""


def client() -> stripe.StripeClient:
    key = settings.MASTHEAD_STRIPE_SECRET_KEY
    if not key:
        raise ImproperlyConfigured("STRIPE_SECRET_KEY is not set.")
    http_client = settings.MASTHEAD_STRIPE_HTTP_CLIENT
    return stripe.StripeClient(
        key,
        max_network_retries=2,
        # Tests replace only the HTTP transport (no network); production uses
        # the library's own.
        http_client=import_string(http_client)() if http_client else None,
    )


def _call(what: str, function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except stripe.StripeError as exc:
        logger.warning("Stripe %s failed: %s", what, exc)
        raise StripeUnavailable(
            _(
                "The payment service could not complete this just now. Nothing has changed; "
                "please try again in a minute."
            )
        ) from exc


def timestamp(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _get(obj, key, default=None):
    """Read a field from a Stripe object or a plain dict alike."""
    try:
        value = obj[key]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def _id(value) -> str:
    """A Stripe reference may be an id or an expanded object."""
    if isinstance(value, str):
        return value
    return _get(value, "id", "") if value else ""


def plan_for_price(price_id: str) -> Plan | None:
    return Plan.objects.filter(stripe_price_id=price_id).first() if price_id else None


def state_of(subscription) -> lifecycle.ProviderState | None:
    """A Stripe Subscription object in Masthead's terms; None for one we do not
    track yet (``incomplete``: the first payment has not gone through)."""
    status = _get(subscription, "status", "")
    items = _get(_get(subscription, "items", {}), "data", [])
    item = items[0] if items else {}
    # Since API version 2025-03-31 the billing period lives on the item.
    period_start = _get(item, "current_period_start") or _get(subscription, "current_period_start")
    period_end = _get(item, "current_period_end") or _get(subscription, "current_period_end")
    winding_down = bool(
        _get(subscription, "cancel_at_period_end") or _get(subscription, "cancel_at")
    )
    if status == "incomplete":
        return None
    if status in {"canceled", "incomplete_expired", "paused"}:
        ours = S.EXPIRED
    elif status in {"past_due", "unpaid"}:
        ours = S.PAST_DUE
    elif winding_down:
        ours = S.CANCELED
    elif status == "trialing":
        ours = S.TRIALING
    elif status == "active":
        ours = S.ACTIVE
    else:
        logger.warning("Unknown Stripe subscription status %r", status)
        return None
    if ours == S.EXPIRED:
        ended = timestamp(_get(subscription, "ended_at")) or timezone.now()
        period_end = min(int(period_end or ended.timestamp()), int(ended.timestamp()))
    price = _get(_get(item, "price", {}), "id", "")
    return lifecycle.ProviderState(
        status=ours,
        current_period_start=timestamp(period_start) or timezone.now(),
        current_period_end=timestamp(period_end) or timezone.now(),
        trial_end=timestamp(_get(subscription, "trial_end")),
        plan=plan_for_price(price),
        customer_id=_id(_get(subscription, "customer")),
    )


def user_for(subscription, fallback=None):
    """The account a Stripe subscription belongs to: from the metadata we set at
    checkout, else ``fallback`` (e.g. a checkout session's client_reference_id)."""
    from django.contrib.auth import get_user_model

    metadata = _get(subscription, "metadata", {}) or {}
    reference = inputs.object_id(str(_get(metadata, "masthead_user", "") or fallback or ""))
    if reference is None:
        return None
    return get_user_model().objects.filter(pk=reference).first()


def record(subscription, *, at: datetime, cause: str, event_id: str = "", fallback_user=None):
    """Apply a Stripe Subscription object's state to our copy of it."""
    stripe_id = subscription["id"]
    if not isinstance(stripe_id, str) or not stripe_id.startswith("sub_"):
        raise TypeError(f"not a subscription id: {stripe_id!r}")
    state = state_of(subscription)
    if state is None:
        return None
    return lifecycle.record_provider_state(
        provider=PROVIDER,
        provider_subscription_id=stripe_id,
        state=state,
        at=at,
        cause=cause,
        provider_event_id=event_id,
        user=user_for(subscription, fallback_user),
    )


def _now_to_the_second() -> datetime:
    # Stripe's event times are whole seconds: a state we fetched ourselves this
    # second must not outrank a webhook describing a later change this second.
    return timezone.now().replace(microsecond=0)


class StripeProvider:
    name = PROVIDER
    label = "Card payment (Stripe)"

    def __init__(self):
        self.client = client()

    def checkout(self, request, plan, trial):
        if not plan.stripe_price_id:
            raise StripeUnavailable(
                _("%(plan)s cannot be bought online yet.") % {"plan": plan.name}
            )
        user = request.user
        earlier = (
            Subscription.objects.filter(user=user, provider=PROVIDER)
            .exclude(provider_customer_id="")
            .values_list("provider_customer_id", flat=True)
            .first()
        )
        metadata = {"masthead_user": str(user.pk), "masthead_plan": plan.slug}
        subscription_data = {"metadata": metadata}
        if trial:
            subscription_data["trial_period_days"] = plan.trial_days
            # A trial that ends with no card on file ends; it is never "paused".
            subscription_data["trial_settings"] = {
                "end_behavior": {"missing_payment_method": "cancel"}
            }
        back = request.build_absolute_uri(reverse("billing:stripe_return"))
        following = inputs.next_path(request)
        if following:  # the reader comes back to the article they were reading
            back += "?" + urlencode({"next": following}) + "&"
        else:
            back += "?"
        params = {
            "mode": "subscription",
            "line_items": [{"price": plan.stripe_price_id, "quantity": 1}],
            "client_reference_id": str(user.pk),
            "metadata": metadata,
            "subscription_data": subscription_data,
            # Stripe fills in {CHECKOUT_SESSION_ID}; it must stay unencoded.
            "success_url": back + "session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": request.build_absolute_uri(reverse("members:subscribe")),
        }
        if earlier:
            params["customer"] = earlier
        else:
            params["customer_email"] = user.email
        minute = int(timezone.now().timestamp()) // 60
        session = _call(
            "checkout",
            self.client.v1.checkout.sessions.create,
            params,
            # One session per reader, plan and minute, however often they click.
            {"idempotency_key": f"checkout-{user.pk}-{plan.pk}-{trial}-{minute}"},
        )
        return redirect(session.url)

    def _update(self, subscription: Subscription, params: dict, cause: str):
        updated = _call(
            "subscription update",
            self.client.v1.subscriptions.update,
            subscription.provider_subscription_id,
            params,
        )
        record(updated, at=_now_to_the_second(), cause=cause)

    def cancel(self, subscription):
        self._update(subscription, {"cancel_at_period_end": True}, "reader canceled (Stripe)")

    def cancel_now(self, subscription):
        """Stripe's immediate cancellation: no final invoice, no proration credit,
        and Stripe stops collecting the subscription's open invoices."""
        ended = _call(
            "subscription cancel",
            self.client.v1.subscriptions.cancel,
            subscription.provider_subscription_id,
            {
                "invoice_now": False,
                "prorate": False,
                "cancellation_details": {"comment": "Ended at once by the reader."},
            },
            # A retry after a lost answer replays Stripe's first answer rather
            # than failing on a subscription that is already canceled.
            {"idempotency_key": f"cancel-now-{subscription.provider_subscription_id}"},
        )
        record(ended, at=_now_to_the_second(), cause="reader ended it at once (Stripe)")

    def resume(self, subscription):
        if subscription.status != S.CANCELED:
            raise lifecycle.LifecycleError(_("Only a canceled subscription can resume."))
        self._update(subscription, {"cancel_at_period_end": False}, "reader resumed (Stripe)")

    def change_plan(self, subscription, plan):
        if not plan.stripe_price_id:
            raise StripeUnavailable(
                _("%(plan)s cannot be bought online yet.") % {"plan": plan.name}
            )
        current = _call(
            "subscription lookup",
            self.client.v1.subscriptions.retrieve,
            subscription.provider_subscription_id,
        )
        item_id = current["items"]["data"][0]["id"]
        self._update(
            subscription,
            {
                "items": [{"id": item_id, "price": plan.stripe_price_id}],
                "proration_behavior": "create_prorations",
            },
            f"plan changed from {subscription.plan.name} to {plan.name} (Stripe)",
        )

    def portal_url(self, request, subscription):
        if not subscription.provider_customer_id:
            return None
        # The portal session is made when the reader clicks: its URL is short-lived.
        return reverse("billing:stripe_portal")

    def portal_session_url(self, request, subscription) -> str:
        session = _call(
            "billing portal",
            self.client.v1.billing_portal.sessions.create,
            {
                "customer": subscription.provider_customer_id,
                "return_url": request.build_absolute_uri(reverse("members:account")),
            },
        )
        return session.url

    def complete_checkout(self, request, session_id: str) -> Subscription | None:
        """On the reader's return from Checkout: record the subscription now rather
        than when the webhook arrives. Only the reader's own session counts."""
        session = _call(
            "checkout lookup",
            self.client.v1.checkout.sessions.retrieve,
            session_id,
            {"expand": ["subscription"]},
        )
        if str(_get(session, "client_reference_id", "")) != str(request.user.pk):
            return None
        if _get(session, "status") != "complete" or not _get(session, "subscription"):
            return None
        return record(
            session["subscription"],
            at=_now_to_the_second(),
            cause="checkout completed (reader returned from Stripe)",
            fallback_user=request.user.pk,
        )
