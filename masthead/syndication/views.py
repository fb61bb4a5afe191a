"""robots.txt, the Google News sitemap and oEmbed: descriptions of articles, never their text."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlsplit

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import require_POST, require_safe
from wagtail.models import Page, Site

from masthead import locales
from masthead.newsroom.models import ArticlePage, PublicationSettings, live_articles
from masthead.paywall import readers
from masthead.syndication import sitemaps
from masthead.syndication.models import FeedToken

NEWS_WINDOW = timedelta(hours=48)


@require_safe
def robots_txt(request):
    site = Site.find_for_request(request)
    publication = PublicationSettings.for_site(site) if site else None
    rules = (publication.robots_txt if publication else "").strip()
    base = request.build_absolute_uri("/").rstrip("/")
    lines = [rules or "User-agent: *\nDisallow: /admin/\nDisallow: /account/"]
    lines.append(f"Sitemap: {base}/sitemap.xml")
    lines.append(f"Sitemap: {base}/news-sitemap.xml")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def news_sitemap(request):
    """Google News: articles of the last 48 hours (headline, date, publication)."""
    site = Site.find_for_request(request)
    if site is None:
        return HttpResponse(status=404)
    publication = PublicationSettings.for_site(site)
    since = timezone.now() - NEWS_WINDOW
    # Every language's articles, each with its own language (Google News
    # asks for it per article).
    articles = live_articles().filter(sitemaps.every_tree(site), date__gte=since)[:1000]
    return render(
        request,
        "syndication/news_sitemap.xml",
        {
            "articles": [
                (a, a.get_full_url(request), locales.language_of(a.locale_id)) for a in articles
            ],
            "publication": publication,
        },
        content_type="application/xml; charset=utf-8",
    )


@require_safe
def oembed(request):
    """oEmbed for an article URL: a link card with the headline and dek, no body text."""
    url = request.GET.get("url", "")
    answer_in = request.GET.get("format", "json")
    if answer_in not in ("json", "xml"):
        return HttpResponseBadRequest("The format is json or xml.")
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL at all, e.g. "http://[::1"
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.path:
        return HttpResponseBadRequest("Give the url of an article on this site.")
    site = Site.find_for_request(request)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    page = None
    if site is not None and parts.hostname in (request.get_host().split(":")[0], site.hostname):
        page = (
            Page.objects.live()
            .public()
            .type(ArticlePage)
            .filter(url_path=site.root_page.url_path + path.lstrip("/"))
            .specific()
            .first()
        )
    if page is None:
        return HttpResponse("No article at that address.", status=404)
    publication = PublicationSettings.for_site(site)
    link = page.get_full_url(request)
    card = (
        f'<blockquote class="masthead-embed"><p><a href="{escape(link)}">{escape(page.title)}</a>'
        f"</p><p>{escape(page.dek)}</p><p>— {escape(publication.name)}</p></blockquote>"
    )
    data = {
        "version": "1.0",
        "type": "rich",
        "title": page.title,
        "author_name": ", ".join(a.name for a in page.authors()),
        "provider_name": publication.name,
        "provider_url": request.build_absolute_uri("/"),
        "html": card,
        "width": 600,
        "height": None,
        "cache_age": 3600,
    }
    if answer_in == "xml":
        return HttpResponse(_oembed_xml(data), content_type="text/xml; charset=utf-8")
    return JsonResponse(data)


def _oembed_xml(data: dict) -> str:
    """oEmbed's XML form: one element per field, text escaped by the generator."""
    stream = io.StringIO()
    xml = SimplerXMLGenerator(stream, "utf-8")
    xml.startDocument()
    xml.startElement("oembed", {})
    for name, value in data.items():
        if value is not None:
            xml.addQuickElement(name, str(value))
    xml.endElement("oembed")
    xml.endDocument()
    return stream.getvalue()


@login_required
@require_POST
def renew_feed(request):
    """Make (or replace) the reader's private feed address; the old one stops working."""
    if not readers.identify(request).entitled:
        return HttpResponseBadRequest(_("The full-text feed is for subscribers."))
    return _renew_feed(request)


@reauthentication_required
def _renew_feed(request):
    """A feed address reads the full text without signing in, so making one
    asks for the password again (allauth's reauthentication), like any change
    a stolen session could turn into lasting access. allauth keeps the request
    while it asks and replays it once the password is given."""

    FeedToken.renew(request.user)
    messages.success(
        request, _("Your private feed has a new address; the old one no longer works.")
    )
    return redirect("syndication:feed_address")


@login_required
@require_safe
@reauthentication_required
def feed_address(request):
    """The reader's private feed address, shown after the password is given
    again: it reads the full text without signing in, so a session alone —
    perhaps someone else's copy of it — does not reveal it."""

    token = FeedToken.objects.filter(user=request.user).first()
    if token is None or not readers.identify(request).entitled:
        return redirect("members:account")
    return render(request, "syndication/feed_address.html", {"feed_token": token})
