"""The local provider's checkout: confirm, and the subscription starts. No card."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from masthead.billing import local
from masthead.members import lifecycle
from masthead.members.models import Plan
from masthead.members.views import safe_next


@login_required
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
            return redirect(safe_next(request, default="/account/"))
    return render(
        request,
        "billing/local_checkout.html",
        {"plan": plan, "trial": trial, "error": error, "next": safe_next(request)},
        status=400 if error else 200,
    )
