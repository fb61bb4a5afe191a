"""What every payment provider is: the interface, and the error it raises.

``masthead.billing.providers`` chooses one by name; each provider module
(``local``, ``stripe_provider``) implements this interface.
"""

from __future__ import annotations

from typing import Protocol

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
