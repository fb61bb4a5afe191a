"""Billing's own pages: the local provider's checkout, and Stripe's webhook,
return page and billing-portal redirect."""

import logging

import stripe
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from masthead import inputs
from masthead.billing import local, stripe_webhooks
from masthead.billing.providers import ProviderError, get_provider
from masthead.billing.stripe_provider import StripeUnavailable
from masthead.members import lifecycle
from masthead.members.models import Plan

logger = logging.getLogger(__name__)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def local_checkout(request, slug):
    if not local.allowed():
        raise PermissionDenied("The local payment provider is disabled when DEBUG is off.")
    plan = get_object_or_404(Plan, slug=slug, active=True)
    trial = (request.POST.get("trial") or request.GET.get("trial")) == "1"
    error = ""
    if request.method == "POST":
        try:
            lifecycle.start(
                request.user,
                plan,
                provider="local",
                now=timezone.now(),
                trial=trial,
                cause="free trial started (local provider)"
                if trial
                else "subscribed (local provider)",
            )
        except lifecycle.LifecycleError as exc:
            error = str(exc)
        else:
            return redirect(inputs.next_path(request, default="/account/"))
    return render(
        request,
        "billing/local_checkout.html",
        {"plan": plan, "trial": trial, "error": error, "next": inputs.next_path(request)},
        status=400 if error else 200,
    )


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's events: verified by the Stripe-Signature header, applied once."""
    if "stripe" not in settings.MASTHEAD_PAYMENT_PROVIDERS:
        raise Http404("Stripe is not enabled.")
    secret = settings.MASTHEAD_STRIPE_WEBHOOK_SECRET
    if not secret:
        logger.error("A Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is not set.")
        return HttpResponse("Webhook secret not configured.", status=503)
    try:
        event = stripe.Webhook.construct_event(
            request.body, request.headers.get("Stripe-Signature"), secret
        )
    except (stripe.SignatureVerificationError, ValueError) as exc:
        logger.warning("Rejected a Stripe webhook: %s", exc)
        return HttpResponseBadRequest("Invalid Stripe signature or payload.")
    try:
        applied, outcome = stripe_webhooks.process(event)
    except stripe_webhooks.MalformedEvent as exc:
        logger.error("Malformed Stripe event: %s", exc)
        return HttpResponseBadRequest("Malformed event.")
    except StripeUnavailable:
        # We needed to ask Stripe something and could not: nothing was
        # recorded, and Stripe will deliver the event again.
        return HttpResponse("Stripe unreachable; retry later.", status=503)
    return JsonResponse({"applied": applied, "outcome": outcome})


def _stripe_subscription(request):
    subscription = lifecycle.current_for(request.user)
    if subscription is None or subscription.provider != "stripe":
        return None
    return subscription


@login_required
@require_safe
def stripe_return(request):
    """Where Checkout sends the reader back: record the subscription at once."""
    session_id = request.GET.get("session_id", "")
    subscription = None
    if session_id.startswith("cs_"):
        try:
            subscription = get_provider("stripe").complete_checkout(request, session_id)
        except (ProviderError, ImproperlyConfigured):
            subscription = None
    if subscription is not None and subscription.status != subscription.EXPIRED:
        messages.success(request, _("Thank you! Your subscription has started."))
    else:
        messages.info(
            request,
            _(
                "Thank you! We are confirming your payment with Stripe; this page will show "
                "your subscription in a moment."
            ),
        )
    return redirect(inputs.next_path(request, default=reverse("members:account")))


@login_required
@require_POST
def stripe_portal(request):
    """Open Stripe's billing portal for the reader's own customer record."""
    subscription = _stripe_subscription(request)
    if subscription is None or not subscription.provider_customer_id:
        return HttpResponseBadRequest(_("There is no card on file to manage."))
    try:
        url = get_provider("stripe").portal_session_url(request, subscription)
    except ProviderError as exc:
        return render(request, "members/unavailable.html", {"reason": str(exc)}, status=503)
    return redirect(url)
