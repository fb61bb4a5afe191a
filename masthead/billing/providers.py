"""Payment providers: one interface, chosen by name.

A provider turns a reader's choice of plan into a subscription (through a
checkout of its own), and carries out cancel, resume and plan changes. The
members app keeps the subscription's state; a provider never writes it
except through ``masthead.members.lifecycle``.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from masthead.members.models import Plan, Subscription


class ProviderError(Exception):
    """The provider could not do what was asked; nothing changed. The message is
    for the reader."""


class PaymentProvider(Protocol):
    name: str
    label: str

    def checkout(self, request: HttpRequest, plan: Plan, trial: bool) -> HttpResponse:
        """Send the signed-in reader to pay for (or start a trial of) ``plan``."""

    def cancel(self, subscription: Subscription) -> None:
        """Stop renewal; access continues to the end of the paid period."""

    def cancel_now(self, subscription: Subscription) -> None:
        """End the subscription at once: no further payment, access stops now.
        The unused part of the period is not refunded."""

    def resume(self, subscription: Subscription) -> None:
        """Undo a cancellation before the period ends."""

    def change_plan(self, subscription: Subscription, plan: Plan) -> None: ...

    def portal_url(self, request: HttpRequest, subscription: Subscription) -> str | None:
        """The provider's own page for cards and invoices, if it has one."""


def get_provider(name: str | None = None) -> PaymentProvider:
    from masthead.billing.local import LocalProvider
    from masthead.billing.stripe_provider import StripeProvider

    available = {"local": LocalProvider, "stripe": StripeProvider}
    name = name or settings.MASTHEAD_PAYMENT_PROVIDERS[0]
    if name not in settings.MASTHEAD_PAYMENT_PROVIDERS or name not in available:
        raise ImproperlyConfigured(f"Payment provider {name!r} is not enabled.")
    return available[name]()
