"""The reader's side of subscriptions: the plans page and the account page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from masthead import inputs
from masthead.billing.providers import ProviderError, get_provider
from masthead.members import lifecycle
from masthead.members.entitlements import is_entitled
from masthead.members.models import Plan


@require_safe
def subscribe(request):
    """Every plan on offer, with its trial, and a way to start one."""
    plans = list(Plan.objects.filter(active=True))
    user = request.user
    had_trial = user.is_authenticated and lifecycle.has_had_trial(user)
    current = lifecycle.current_for(user) if user.is_authenticated else None
    return render(
        request,
        "members/subscribe.html",
        {
            "plans": plans,
            "trial_requested": request.GET.get("trial") == "1",
            "trial_available": not had_trial,
            "current": current,
            "next": inputs.next_path(request),
        },
    )


@login_required
@require_POST
def start(request, slug):
    plan = get_object_or_404(Plan, slug=slug, active=True)
    if lifecycle.current_for(request.user) is not None:
        messages.info(request, "You already have a subscription; change its plan here.")
        return redirect("members:account")
    trial = request.POST.get("trial") == "1"
    if trial and (plan.trial_days <= 0 or lifecycle.has_had_trial(request.user)):
        return HttpResponseBadRequest("This account cannot start a free trial of this plan.")
    try:
        response = get_provider().checkout(request, plan, trial)
    except (PermissionDenied, ProviderError) as exc:
        return render(request, "members/unavailable.html", {"reason": str(exc)}, status=503)
    following = inputs.next_path(request)
    # The local checkout is a page of ours and passes `next` on; a provider's
    # own checkout (Stripe) carries it in its return address instead.
    if following and response.status_code in (301, 302) and response["Location"].startswith("/"):
        separator = "&" if "?" in response["Location"] else "?"
        response["Location"] += separator + urlencode({"next": following})
    return response


@login_required
@require_safe
def account(request):
    subscription = lifecycle.current_for(request.user)
    portal = None
    if subscription is not None:
        try:
            portal = get_provider(subscription.provider).portal_url(request, subscription)
        except (PermissionDenied, ImproperlyConfigured, ProviderError):  # a portal is optional
            portal = None
    return render(
        request,
        "members/account.html",
        {
            "subscription": subscription,
            "entitled": is_entitled(request.user),
            "plans": Plan.objects.filter(active=True),
            "portal_url": portal,
            "events": subscription.events.order_by("-recorded_at")[:10] if subscription else [],
            "feed_token": getattr(request.user, "feed_token", None),
        },
    )


@login_required
@require_POST
def manage(request):
    """Cancel at period end, resume, or change plan."""
    subscription = lifecycle.current_for(request.user)
    action = request.POST.get("action")
    if subscription is None or action not in {"cancel", "resume", "change_plan"}:
        return HttpResponseBadRequest("Nothing to change.")
    try:
        provider = get_provider(subscription.provider)
        if action == "cancel":
            provider.cancel(subscription)
            messages.success(request, "Your subscription will end when the current period does.")
        elif action == "resume":
            provider.resume(subscription)
            messages.success(request, "Your subscription will continue.")
        else:
            chosen = request.POST.get("plan", "")
            chosen_id = inputs.object_id(chosen)
            plan = chosen_id and Plan.objects.filter(active=True, pk=chosen_id).first()
            if not plan or plan == subscription.plan:
                return HttpResponseBadRequest("Choose a different plan on offer.")
            provider.change_plan(subscription, plan)
            messages.success(request, f"You are now on {plan.name}.")
    except lifecycle.LifecycleError as exc:
        return HttpResponseBadRequest(str(exc))
    except (PermissionDenied, ProviderError) as exc:
        return render(request, "members/unavailable.html", {"reason": str(exc)}, status=503)
    return redirect(reverse("members:account"))
