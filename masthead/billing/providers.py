"""Payment providers: one interface, chosen by name.

A provider turns a reader's choice of plan into a subscription (through a
checkout of its own), and carries out cancel, resume and plan changes. The
members app keeps the subscription's state; a provider never writes it
except through ``masthead.members.lifecycle``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from masthead.billing.base import PaymentProvider, ProviderError
from masthead.billing.local import LocalProvider
from masthead.billing.stripe_provider import StripeProvider

__all__ = ["PaymentProvider", "ProviderError", "get_provider"]


def get_provider(name: str | None = None) -> PaymentProvider:
    available = {"local": LocalProvider, "stripe": StripeProvider}
    name = name or settings.MASTHEAD_PAYMENT_PROVIDERS[0]
    if name not in settings.MASTHEAD_PAYMENT_PROVIDERS or name not in available:
        raise ImproperlyConfigured(f"Payment provider {name!r} is not enabled.")
    return available[name]()
