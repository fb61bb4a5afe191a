"""The reader's side of subscriptions: the plans page, the account page, and leaving
(downloading their data, deleting their account)."""

from __future__ import annotations

import logging

from allauth.account.decorators import reauthentication_required
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.mail import send_mail
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from masthead import inputs, locales
from masthead.billing.providers import ProviderError, get_provider
from masthead.discussion.models import Comment, DiscussionSettings
from masthead.members import export, leaving, lifecycle
from masthead.members.models import Plan
from masthead.offers import arms
from masthead.paywall import readers
from masthead.paywall.models import PaywallSettings

logger = logging.getLogger("masthead.members.leaving")


@require_safe
def subscribe(request):
    """Every plan on offer, with its trial, and a way to start one."""
    plans = list(Plan.objects.filter(active=True))
    user = request.user
    had_trial = user.is_authenticated and lifecycle.has_had_trial(user)
    current = lifecycle.current_for(user) if user.is_authenticated else None
    # An offer experiment may show this reader fewer plans, or recommend another.
    arm = arms.for_request(request)
    if arm is not None and arm.plan_slugs:
        plans = [plan for plan in plans if plan.slug in arm.plan_slugs] or plans
    highlighted = arm.highlighted if arm is not None and arm.highlighted else ""
    if not highlighted:
        chosen = PaywallSettings.for_request(request).highlighted_plan
        highlighted = chosen.slug if chosen is not None and chosen.active else ""
    response = render(
        request,
        "members/subscribe.html",
        {
            "plans": plans,
            "highlighted": highlighted,
            "trial_requested": request.GET.get("trial") == "1",
            "trial_available": not had_trial,
            "current": current,
            "next": inputs.next_path(request),
        },
    )
    if arm is not None:
        # This page depends on the reader's variant; a new visitor keeps the
        # variant it was shown here.
        readers.remember_visitor(response, readers.identify(request))
        patch_vary_headers(response, ["Cookie"])
        patch_cache_control(response, private=True)
    return response


@login_required
@require_POST
def start(request, slug):
    plan = get_object_or_404(Plan, slug=slug, active=True)
    if lifecycle.current_for(request.user) is not None:
        messages.info(request, _("You already have a subscription; change its plan here."))
        return redirect("members:account")
    trial = request.POST.get("trial") == "1"
    if trial and (plan.trial_days <= 0 or lifecycle.has_had_trial(request.user)):
        return HttpResponseBadRequest(_("This account cannot start a free trial of this plan."))
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
            "entitled": readers.identify(request).entitled,
            "plans": Plan.objects.filter(active=True),
            "portal_url": portal,
            "events": subscription.events.order_by("-recorded_at")[:10] if subscription else [],
            "feed_token": getattr(request.user, "feed_token", None),
            "may_leave": leaving.may_delete_themselves(request.user),
            "gifts_made": request.user.gifts_given.exists(),
        },
    )


@login_required
@require_POST
def manage(request):
    """Cancel at period end, resume, or change plan."""
    subscription = lifecycle.current_for(request.user)
    action = request.POST.get("action")
    if subscription is None or action not in {"cancel", "resume", "change_plan"}:
        return HttpResponseBadRequest(_("Nothing to change."))
    try:
        provider = get_provider(subscription.provider)
        if action == "cancel":
            provider.cancel(subscription)
            messages.success(request, _("Your subscription will end when the current period does."))
        elif action == "resume":
            provider.resume(subscription)
            messages.success(request, _("Your subscription will continue."))
        else:
            chosen = request.POST.get("plan", "")
            chosen_id = inputs.object_id(chosen)
            plan = chosen_id and Plan.objects.filter(active=True, pk=chosen_id).first()
            if not plan or plan == subscription.plan:
                return HttpResponseBadRequest(_("Choose a different plan on offer."))
            provider.change_plan(subscription, plan)
            messages.success(request, _("You are now on %(plan)s.") % {"plan": plan.name})
    except lifecycle.LifecycleError as exc:
        return HttpResponseBadRequest(str(exc))
    except (PermissionDenied, ProviderError) as exc:
        return render(request, "members/unavailable.html", {"reason": str(exc)}, status=503)
    return redirect(reverse("members:account"))


@login_required
@require_safe
def export_data(request):
    """Everything the site holds about the reader, as a JSON file to keep
    (``masthead.members.export``): theirs alone, and never stored on the way."""
    body = export.dumps(export.build(request.user, request))
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename()}"'
    patch_cache_control(response, private=True, no_store=True)
    return response


# What the "your account is gone" page shows, kept in the (signed-out) session.
DELETED = "masthead_account_deleted"


def _leaving_page(request, status=200, **extra):
    user = request.user
    subscriptions = leaving.live_subscriptions(user)
    discussion = DiscussionSettings.for_request(request)
    context = {
        "may_delete": leaving.may_delete_themselves(user),
        "subscriptions": subscriptions,
        "choices": leaving.choices_for(subscriptions),
        "comment_count": Comment.objects.filter(user=user, deleted_at__isnull=True).count(),
        "remove_comments": discussion.on_account_deletion == DiscussionSettings.REMOVE,
        "has_password": user.has_usable_password(),
        "had_trial": lifecycle.has_had_trial(user),
        **extra,
    }
    return render(request, "members/delete.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request):
    """What deleting the account does and keeps, and the form that does it."""
    if not leaving.may_delete_themselves(request.user):
        return _leaving_page(request, status=403)
    if request.method == "POST":
        return _delete_confirmed(request)
    return _leaving_page(request)


def _signed_in_recently(request) -> bool:
    """For an account with no password, allauth has nothing to ask again: it must
    have signed in (by emailed code) within allauth's reauthentication window."""
    import time

    from allauth.account import app_settings as allauth_settings
    from allauth.account.internal.flows.login import get_authentication_records

    times = [r.get("at") for r in get_authentication_records(request, request.user)]
    latest = max((t for t in times if isinstance(t, int | float)), default=0)
    return time.time() - latest < allauth_settings.REAUTHENTICATION_TIMEOUT


def _own_address(user, typed: str) -> bool:
    typed = typed.strip().casefold()
    addresses = set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    return bool(typed) and typed in {a.casefold() for a in addresses | {user.email} if a}


# With a password, allauth asks for it again (within its reauthentication
# window) before this runs; a POST that arrives without it is kept while the
# reader confirms, then carried out.
@reauthentication_required
def _delete_confirmed(request):
    user = request.user
    if request.POST.get("confirm") != "delete":
        return _leaving_page(request, status=400, error=_("Use the button below to confirm."))
    choice = request.POST.get("subscription", "")
    offered = leaving.choices_for(leaving.live_subscriptions(user))
    # With a subscription, one of the offered ways to end it; without, nothing
    # or a value that was offered a moment ago (it may just have expired).
    if choice not in (offered or ("", *leaving.SUBSCRIPTION_CHOICES)):
        return _leaving_page(
            request, status=400, error=_("Choose one of the buttons below for your subscription.")
        )
    if not user.has_usable_password():
        if not _own_address(user, request.POST.get("email", "")):
            return _leaving_page(
                request, status=400, error=_("Type the email address of this account to confirm.")
            )
        if not _signed_in_recently(request):
            return _leaving_page(request, status=403, sign_in_again=True)
    address = EmailAddress.objects.get_primary_email(user) or user.email
    subscriptions = leaving.live_subscriptions(user)
    comments = DiscussionSettings.for_request(request).on_account_deletion
    user_id = user.pk
    try:
        leaving.end_subscriptions(user, choice)
        outcome = leaving.delete_account(user, comments=comments)
    except leaving.LeavingError as exc:
        if exc.status == 400:
            return _leaving_page(request, status=400, error=str(exc))
        return render(
            request, "members/delete_failed.html", {"reason": str(exc)}, status=exc.status
        )
    leaving.forget_cached_discussions(outcome.articles)
    summary = _summary(request, subscriptions, choice, comments, outcome)
    logger.info(
        "account %s deleted by its reader",
        user_id,
        extra={
            "user": user_id,
            "subscriptions": [s.pk for s in subscriptions],
            "subscription_choice": choice,
            "comments_kept": outcome.comments_kept,
            "comments_removed": outcome.comments_removed,
        },
    )
    logout(request)
    summary["emailed"] = _say_goodbye(address, summary)
    request.session[DELETED] = summary
    return redirect("members:deleted")


def _summary(request, subscriptions, choice, comments, outcome) -> dict:
    ends = max((s.current_period_end for s in subscriptions), default=None)
    runs_out = ends is not None and choice == leaving.AT_PERIOD_END
    return {
        "site_name": export.site_name(request),
        "subscription": choice if subscriptions else "",
        "paid_until": locales.date(ends) if runs_out else "",
        "comments": "removed" if comments == DiscussionSettings.REMOVE else "kept",
        "comment_count": outcome.comments_removed + outcome.comments_kept,
    }


def _say_goodbye(address: str, summary: dict) -> bool:
    """A note to the address the account had: if someone else deleted it, its
    owner hears of it. A mail server that is down costs the note, not the deletion."""
    if not address:
        return False
    context = {**summary, "base_url": settings.WAGTAILADMIN_BASE_URL}
    subject = " ".join(
        render_to_string("members/email/account_deleted_subject.txt", context).split()
    )
    body = render_to_string("members/email/account_deleted_body.txt", context)
    try:
        send_mail(subject, body, None, [address])
    except Exception:  # noqa: BLE001 - the account is gone either way
        logger.warning("account deleted: the confirmation email could not be sent", exc_info=True)
        return False
    return True


@require_safe
def account_deleted(request):
    """The page a reader sees once their account is gone; nobody else has one."""
    summary = request.session.get(DELETED)
    if request.user.is_authenticated or not isinstance(summary, dict):
        return redirect("/")
    return render(request, "members/deleted.html", {"summary": summary})
