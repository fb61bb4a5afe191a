"""Gift links for readers: opening one, and a subscriber's own gifts.

Opening (``open_gift``) never shows the article itself: it checks the link,
gives this browser a place (``GiftLink.open_for``), sets the signed gift
cookie (``readers.grant_gift``) and redirects to the article's own address,
so the token leaves the address bar before any page is shown and no page
can send it on in a Referer. What the article page then shows is the gate's
decision, like every other.
"""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from masthead import inputs
from masthead.gifts.models import GiftLink, default_expiry, made_this_month, month_start
from masthead.newsroom.models import Access, ArticlePage
from masthead.paywall import readers
from masthead.paywall.models import PaywallSettings
from masthead.paywall.policy import ReaderStatus
from masthead.security import private_page

# The second visit a browser without our visitor cookie is sent on: if it
# still has none, it keeps no cookies (a link preview, a scraper) and takes
# no place.
CHECKED = "checked"
# Link previews fetch a shared link to show its title: they get the ordinary
# page and take no place. (Most keep no cookies either; these say who they are.)
PREVIEWERS = re.compile(
    r"slackbot|facebookexternalhit|facebot|twitterbot|whatsapp|telegrambot|discordbot|"
    r"linkedinbot|skypeuripreview|embedly|redditbot|applebot|pinterest|vkshare|"
    r"mastodon|bluesky|iframely|googlebot|bingbot|yandex|duckduckbot|baiduspider",
    re.IGNORECASE,
)


def _away(url: str):
    """A gift link's answer: a redirect, private, that names the address it
    came from (the token) to nobody. (Only here: a page sent with
    ``no-referrer`` has its forms posted with ``Origin: null``, which CSRF
    refuses.)"""
    response = private_page(HttpResponseRedirect(url))
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
def open_gift(request, token: str):
    gift = GiftLink.by_token(token)
    article_url = gift.article.url if gift is not None and gift.article.live else None
    if article_url is None:  # no such link, or its article is not served anywhere now
        raise Http404("This gift link is not valid.")
    reader = readers.identify(request)
    ordinary = _away(article_url)
    if (
        request.method != "GET"  # a look (HEAD) takes no place
        or reader.status in (ReaderStatus.SUBSCRIBER, ReaderStatus.CRAWLER)
        or gift.article.access == Access.FREE
        or PREVIEWERS.search(request.META.get("HTTP_USER_AGENT", ""))
    ):
        return ordinary
    if reader.new_visitor:
        if CHECKED in request.GET:
            return ordinary  # keeps no cookies: a preview or a scraper
        again = _away(f"{request.path}?{CHECKED}=1")
        readers.remember_visitor(again, reader)
        return again
    if not gift.open_for(reader.visitor_id):
        return ordinary  # expired, revoked or every place taken: the ordinary page
    grant_seconds = settings.MASTHEAD_GIFT_GRANT_SECONDS
    until = min(gift.expires_at.timestamp(), time.time() + grant_seconds)
    response = _away(article_url)
    readers.grant_gift(response, reader, gift.article_id, gift.pk, until)
    return response


# -- a subscriber's gifts ---------------------------------------------------


def _entitled(request) -> bool:
    return readers.identify(request).entitled


def _refused(request):
    return render(request, "gifts/not_subscriber.html", status=403)


def _left(request) -> tuple[int, int]:
    """(gifts a month, gifts left this month)."""
    per_month = PaywallSettings.for_request(request).gifts_per_month
    return per_month, max(per_month - made_this_month(request.user), 0)


@login_required
@require_safe
def gifts(request):
    """The subscriber's gifts, newest first, with how each was opened."""
    links = list(GiftLink.objects.filter(giver=request.user).select_related("article")[:200])
    if not links and not _entitled(request):
        return _refused(request)
    per_month, left = _left(request)
    now = timezone.now()
    return private_page(
        render(
            request,
            "gifts/list.html",
            {
                "links": [(link, link.status(now)) for link in links],
                "left": left,
                "per_month": per_month,
            },
        )
    )


def _giftable(raw) -> ArticlePage | None:
    article_id = inputs.object_id(raw)
    if article_id is None:
        return None
    article = ArticlePage.objects.live().public().filter(pk=article_id).first()
    if article is None or article.access == Access.FREE:
        return None
    return article


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def new_gift(request):
    """GET: what gifting this article costs; POST: make (or share again) the link."""
    if not _entitled(request):
        return _refused(request)
    data = request.POST if request.method == "POST" else request.GET
    article = _giftable(data.get("article"))
    if article is None:
        return render(request, "gifts/no_article.html", status=400)
    site = PaywallSettings.for_request(request)
    if request.method != "POST":
        per_month, left = _left(request)
        current = _current(request.user, article, timezone.now())
        return private_page(
            render(
                request,
                "gifts/new.html",
                {
                    "article": article,
                    "current": current,
                    "left": left,
                    "per_month": per_month,
                    "days": site.gift_days,
                    "browsers": site.gift_browsers,
                },
            )
        )
    link = _make(request, article, site, show_name=data.get("show_name") == "on")
    if link is None:
        messages.error(request, _("You have used this month's gifts. They start again next month."))
        return redirect("gifts:list")
    return redirect("gifts:detail", pk=link.pk)


def _current(user, article, now) -> GiftLink | None:
    """This subscriber's link for this article made this month, if it still
    opens the article for someone new: sharing it again is free."""
    return (
        GiftLink.objects.standing(now)
        .filter(
            giver=user,
            article=article,
            created_at__gte=month_start(now),
            browsers__lt=F("max_browsers"),
        )
        .order_by("-created_at")
        .first()
    )


def _make(request, article, site, *, show_name: bool) -> GiftLink | None:
    """The subscriber's link for this article made this month (free to share
    again), or a new one from this month's gifts; None when they are spent.
    The account row is locked so two clicks at once cannot both take the
    last gift."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=request.user.pk).first()
        now = timezone.now()
        current = _current(request.user, article, now)
        if current is not None:
            if current.show_name != show_name:
                current.show_name = show_name
                current.save(update_fields=["show_name"])
            return current
        if made_this_month(request.user, now) >= site.gifts_per_month:
            return None
        return GiftLink.objects.create(
            article=article,
            giver=request.user,
            expires_at=default_expiry(site.gift_days, now),
            max_browsers=site.gift_browsers,
            show_name=show_name,
        )


@login_required
@require_safe
def detail(request, pk: int):
    link = get_object_or_404(GiftLink.objects.select_related("article"), pk=pk, giver=request.user)
    path = link.path()
    return private_page(
        render(
            request,
            "gifts/detail.html",
            {
                "link": link,
                "status": link.status(),
                "address": request.build_absolute_uri(path) if path else "",
            },
        )
    )


@login_required
@require_POST
def revoke(request, pk: int):
    link = get_object_or_404(GiftLink, pk=pk, giver=request.user)
    link.revoke()
    messages.success(request, _("The link is revoked: it opens nothing from now on."))
    return redirect("gifts:list")
