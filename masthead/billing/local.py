"""The local provider: subscriptions and trials with no card, for demos and development.

It takes no payment, so it refuses to run with DEBUG off unless
MASTHEAD_LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION is set (environment:
LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION=true).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from masthead.members import lifecycle
from masthead.members.models import Subscription


def allowed() -> bool:
    return settings.DEBUG or settings.MASTHEAD_LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION


class LocalProvider:
    name = "local"
    label = "Demo checkout (no payment)"

    def __init__(self):
        if not allowed():
            raise PermissionDenied(
                _("The local payment provider takes no payment and is disabled when DEBUG is off.")
            )

    def checkout(self, request, plan, trial):
        url = reverse("billing:local_checkout", args=[plan.slug])
        return redirect(f"{url}?trial=1" if trial else url)

    def cancel(self, subscription: Subscription) -> None:
        lifecycle.cancel_at_period_end(
            subscription, at=timezone.now(), cause="reader canceled (local provider)"
        )

    def cancel_now(self, subscription: Subscription) -> None:
        lifecycle.end_now(
            subscription, at=timezone.now(), cause="reader ended it at once (local provider)"
        )

    def resume(self, subscription: Subscription) -> None:
        lifecycle.resume(subscription, at=timezone.now(), cause="reader resumed (local provider)")

    def change_plan(self, subscription: Subscription, plan) -> None:
        lifecycle.change(
            subscription,
            subscription.status,
            cause=f"plan changed from {subscription.plan.name} to {plan.name}",
            at=timezone.now(),
            plan=plan,
        )

    def portal_url(self, request, subscription):
        return None
