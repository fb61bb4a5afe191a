"""The read-only content API, /api/v1/. Article bodies come from the gate: the
teaser for anonymous callers and ordinary keys, whole articles for full-text keys."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from wagtail.models import Site

from masthead import inputs
from masthead.api import limits
from masthead.api.models import ApiKey
from masthead.api.schema import SCHEMA
from masthead.newsroom.models import (
    ArticlePage,
    AuthorPage,
    SectionPage,
    live_articles,
    prepare_cards,
)
from masthead.paywall import gate
from masthead.paywall.readers import client_ip

SLUG = re.compile(r"[-a-zA-Z0-9_]+")
MAX_PAGE_SIZE = 50
DEFAULT_PAGE_SIZE = 20


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _error(status, message):
    return JsonResponse({"error": message}, status=status)


def _key(request) -> ApiKey | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, key = header.partition(" ")
    found = ApiKey.find(key.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        raise ApiError(401, "Unknown or revoked API key. Send 'Authorization: Bearer <key>'.")
    ApiKey.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found


def _answer(request, data, key):
    """The JSON answer with a strong ETag of its bytes, or what the request's
    conditional headers call for instead: Django's reading of RFC 9110 (weak
    comparison for If-None-Match, lists of tags, "*", If-None-Match over
    If-Modified-Since). If-Match must name the current ETag, and If-Unmodified-Since
    always fails, as the answers have no modification date: both then get a 412.
    A 304 keeps the ETag, Cache-Control and Vary of the answer it stands for."""
    body = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    patch_vary_headers(response, ["Authorization"])
    if key is None:
        patch_cache_control(response, public=True, max_age=60)
    elif key.full_text:
        patch_cache_control(response, private=True, no_store=True)
    else:
        patch_cache_control(response, private=True, max_age=60)
    answer = get_conditional_response(request, etag=etag, response=response)
    if answer.status_code == 412:  # Django's is an empty HTML page; the API answers in JSON
        return _error(
            412,
            "Precondition failed: If-Match names no current ETag of this answer, or "
            "If-Unmodified-Since was sent (answers have no modification date).",
        )
    return answer


def _rate_limited(request, key) -> int | None:
    """Seconds to wait if this key (or, without one, this address) asked too often."""
    if key is not None:
        return limits.spend(f"key:{key.pk}", settings.MASTHEAD_API_RATE_PER_KEY)
    return limits.spend(f"address:{client_ip(request)}", settings.MASTHEAD_API_RATE_PER_ADDRESS)


def api_view(view):
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = _error(405, "The API is read-only: use GET.")
            response["Allow"] = "GET, HEAD"
            return response
        try:
            key = _key(request)
            wait = _rate_limited(request, key)
            if wait is not None:
                response = _error(429, f"Too many requests; try again in {wait} s.")
                response["Retry-After"] = str(wait)
                return response
            site = Site.find_for_request(request)
            if site is None:
                raise ApiError(404, "No publication at this address.")
            return _answer(request, view(request, site, key, *args, **kwargs), key)
        except ApiError as exc:
            return _error(exc.status, str(exc))

    wrapped.__name__ = view.__name__
    # Read-only and cookie-free: a POST gets the JSON 405 above, not a CSRF page.
    return csrf_exempt(wrapped)


def _int(request, name, default, low, high):
    raw = request.GET.get(name)
    if raw is None:
        return default
    value = inputs.whole_number(raw, low=low, high=high)
    if value is None:
        raise ApiError(400, f"'{name}' must be a whole number from {low} to {high}.")
    return value


def _page(request, queryset, serialize):
    size = _int(request, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    number = _int(request, "page", 1, 1, 10**6)
    paginator = Paginator(queryset, size)
    try:
        page = paginator.page(number)
    except EmptyPage:
        if number == 1:
            page = None
        else:
            raise ApiError(404, f"There is no page {number}.") from None

    def link(n):
        query = request.GET.copy()
        query["page"] = n
        return request.build_absolute_uri(request.path) + "?" + query.urlencode()

    items = list(page.object_list) if page else []
    return {
        "count": paginator.count,
        "next": link(number + 1) if page and page.has_next() else None,
        "previous": link(number - 1) if page and page.has_previous() else None,
        "results": serialize(items),
    }


def _slug(request, name):
    raw = request.GET.get(name)
    if raw is None:
        return None
    if not SLUG.fullmatch(raw):
        raise ApiError(400, f"'{name}' must be a slug such as 'foreign-policy'.")
    return raw


def _date(request, name):
    raw = request.GET.get(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"'{name}' must be a date like 2026-11-25.") from None


def _summary(article, request):
    section = article.section
    return {
        "id": article.pk,
        "url": article.get_full_url(request),
        "headline": article.title,
        "dek": article.dek,
        "section": {"slug": section.slug, "title": section.title} if section else None,
        "authors": [
            {"slug": byline.author.slug, "name": byline.author.title}
            for byline in article.article_authors.all()
        ],
        "tags": sorted(tag.slug for tag in article.tags.all()),
        "published": article.date.isoformat(),
        "updated": article.updated.isoformat() if article.updated else None,
        "access": article.access,
    }


@api_view
def articles(request, site, key):
    found = live_articles().descendant_of(site.root_page)
    if slug := _slug(request, "section"):
        found = found.filter(path__startswith=_section(site, slug).path)
    if slug := _slug(request, "author"):
        found = found.filter(article_authors__author__slug=slug).distinct()
    if slug := _slug(request, "tag"):
        found = found.filter(tags__slug=slug).distinct()
    if after := _date(request, "published_after"):
        found = found.filter(date__date__gte=after)
    if before := _date(request, "published_before"):
        found = found.filter(date__date__lte=before)

    def serialize(items):
        cards = prepare_cards(ArticlePage.objects.filter(pk__in=[a.pk for a in items]))
        by_pk = {card.pk: card for card in cards}
        return [_summary(by_pk[a.pk], request) for a in items]

    return _page(request, found, serialize)


def _section(site, slug):
    section = (
        SectionPage.objects.live().public().descendant_of(site.root_page).filter(slug=slug).first()
    )
    if section is None:
        raise ApiError(404, f"No section '{slug}'.")
    return section


@api_view
def article(request, site, key, pk):
    if pk > 2**31 - 1:  # beyond any id the database holds
        raise ApiError(404, f"No published article {pk}.")
    found = live_articles().descendant_of(site.root_page).filter(pk=pk).first()
    if found is None:
        raise ApiError(404, f"No published article {pk}.")
    [card] = prepare_cards(ArticlePage.objects.filter(pk=pk))
    entitled = bool(key and key.full_text)
    teaser, rest = gate.body_for_output(found, entitled=entitled)
    data = _summary(card, request)
    data["body"] = [{"type": b.block_type, "html": str(b.render())} for b in teaser + rest]
    data["complete"] = gate.output_is_complete(found, entitled=entitled)
    return data


@api_view
def sections(request, site, key):
    found = SectionPage.objects.live().public().descendant_of(site.root_page).order_by("path")
    return _page(
        request,
        found,
        lambda items: [
            {"slug": s.slug, "title": s.title, "url": s.get_full_url(request)} for s in items
        ],
    )


@api_view
def authors(request, site, key):
    found = AuthorPage.objects.live().public().descendant_of(site.root_page).order_by("title")
    return _page(
        request,
        found,
        lambda items: [
            {
                "slug": a.slug,
                "name": a.title,
                "role": a.role,
                "team": a.is_team,
                "url": a.get_full_url(request),
            }
            for a in items
        ],
    )


@require_GET
def schema(request):
    return JsonResponse(SCHEMA)


def not_found(request, rest=""):
    """Anything else under /api/v1/ answers in JSON too."""
    return _error(404, "No such API endpoint; see /api/v1/schema/.")
