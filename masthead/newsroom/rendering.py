"""Article pages rendered once per content generation and paywall decision, then reused.

Rendering an article (StreamField blocks, images, bylines, "More from") and
routing to it through Wagtail's page tree cost tens of milliseconds and a
dozen queries; the paywall must answer in one or two. So the first request
for an article renders it the ordinary way and leaves three things in the
cache, all keyed by the content generation (``freshness``):

- a **route**: this host and path lead to article N with access level A,
  on site S, with no view restrictions;
- the site's **paywall settings**;
- a **shell**: the page rendered for one paywall variant
      (full text or teaser, which wall, the reader's ``variant`` — kind of
      reader, staff, ads or none — and window period)
  with two slots, the meter banner and a signed-in reader's header, that
  are filled per request.

Later requests take the cached path in ``serve_cached``: one query for the
generation, the reader's meter, and the gate's decision — the same
``gate.evaluate`` the slow path runs — then the shell of that decision.

Safety: whether a shell holds the full text is part of its key, and the key
comes from the gate's decision for this request, so a reader is only ever
handed the shell of their own decision. Any change to published content or
settings changes the generation, so nothing stale is served after it.

**Fronts** — the home page, sections, the staff page and author archives —
hold no article text beyond cards and are the same for every reader without
a session, so for them the whole page is kept (``serve_cached_front``): per
generation, address and page number, and per minute, since the comment
counts on their cards change without a new generation. Signed-in readers
get the same front as a shell kept per reader ``variant`` (ads or none, staff,
kind of reader) with their header filled per request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from wagtail.views import serve as wagtail_serve

from masthead import inputs, locales
from masthead.discussion import section
from masthead.localcache import LocalCache
from masthead.members import prefetch
from masthead.newsroom import freshness
from masthead.newsroom.models import ArticlePage, SharedFront
from masthead.paywall import gate, readers
from masthead.paywall.models import PaywallSettings
from masthead.security import csrf_token
from masthead.stencil import Stencil

# How long a front may show a card's old comment count.
FRONT_SECONDS = 60
SLOT = "<!--masthead-slot:{}-->"
# The per-request parts of a cached shell; templates mark them with {% slot %}.
BANNER, ACCOUNT, DISCUSSION, GIFT = SLOTS = ("banner", "account", "discussion", "gift")
CACHED_METHODS = {"GET", "HEAD"}


# Shells, routes, paywall settings and fronts: every key carries the content
# generation, so each worker may keep its own copy (``masthead.localcache``).
recent = LocalCache(512, shared=True)


@dataclass(frozen=True)
class ArticleRoute:
    """What the cached path needs to know about an article without loading it."""

    pk: int
    access: str
    site_id: int


def _origin(request) -> str:
    """Scheme and host, as every key here names them: worked out (and the host
    checked against ALLOWED_HOSTS) once per request."""
    origin = request.__dict__.get("_masthead_origin")
    if origin is None:
        origin = request._masthead_origin = f"{request.scheme}://{request.get_host()}"
    return origin


def route_key(request, path: str) -> str:
    return f"masthead:route:v1:{freshness.current(request)}:{_origin(request)}:{path}"


def settings_key(request, site_id: int) -> str:
    return f"masthead:paywall-settings:v1:{freshness.current(request)}:{site_id}"


def shell_key(request, article_pk: int, gated) -> str:
    decision = gated.decision
    return ":".join(
        [
            "masthead:article-shell:v6",
            freshness.current(request),
            _origin(request),
            str(article_pk),
            # The language of the address (/ar/…): the page's words, its
            # direction and its links to the other languages.
            locales.of(request),
            "full" if decision.full_text else "teaser",
            decision.wall.value if decision.wall else "-",
            # Opened by a gift: noindex, the gift's own wall (the giver's name
            # is a slot, filled per request).
            "gift" if gated.gifted else "-",
            # The offer experiment's variant whose words the wall shows.
            gated.offer.key if gated.offer is not None else "-",
            # Every fact about the reader a page may show differently (ads,
            # staff, kind of reader): one shell per combination.
            gated.reader.variant,
            gated.period,
        ]
    )


@prefetch.also
def _discussion_token(request) -> dict:
    """A signed-in reader's article page asks for its discussion's comment
    token: this worker knows the article from its route, so the token comes
    in the request's one early round trip (``members.prefetch``)."""
    if request.method not in CACHED_METHODS or freshness.known(request) is None:
        return {}
    route = recent.peek(route_key(request, public_path(request)))
    if not isinstance(route, ArticleRoute):
        return {}
    return {
        section.token_key(route.pk): lambda token: section.remember_token(request, route.pk, token)
    }


# Kept in this worker's copy of a front's route key once it served that front:
# the next request for it skips the shared cache's "no article here".
NOT_AN_ARTICLE = "not-an-article"


def serve_cached(request, path: str) -> HttpResponse | None:
    """The article page from cache, or None when the ordinary path must serve it."""
    if request.method not in CACHED_METHODS:
        return None
    route = recent.get(route_key(request, path))
    if not isinstance(route, ArticleRoute):  # unknown yet, or a front (``NOT_AN_ARTICLE``)
        return None
    paywall = recent.get(settings_key(request, route.site_id))
    if paywall is None:
        return None
    gated = gate.evaluate(request, route, paywall=paywall)
    shell = recent.get(shell_key(request, route.pk, gated))
    if shell is None:
        # The decision is memoized on the request: the ordinary path reuses
        # it, so the meter is not spent twice.
        return None
    response = HttpResponse(fill_slots(shell, request, gated, route.pk))
    gate.finish(request, route, response)
    return response


def render_article(page, request, args=(), kwargs=None) -> HttpResponse:
    """The miss: render (or reuse) the shell for this reader's decision and
    leave the route and settings for the cached path."""
    kwargs = kwargs or {}
    path = public_path(request)
    paywall = PaywallSettings.for_request(request)
    gated = gate.evaluate(request, page, paywall=paywall)
    key = shell_key(request, page.pk, gated)
    shell = recent.get(key)
    if shell is None:
        context = page.get_context(request, *args, **kwargs)
        context["shell"] = True
        template = page.get_template(request, *args, **kwargs)
        shell = cut(TemplateResponse(request, template, context).render().content.decode())
        recent.set(key, shell)
    if not page.get_view_restrictions().exists():
        recent.set(settings_key(request, paywall.site_id), paywall)
        recent.set(route_key(request, path), ArticleRoute(page.pk, page.access, paywall.site_id))
    response = HttpResponse(fill_slots(shell, request, gated, page.pk))
    gate.finish(request, page, response)
    return response


# The meter banner says only how many articles are left in which period.
banners = LocalCache(64)


def meter_banner(decision, period: str) -> str:
    key = f"{translation.get_language()}:{decision.remaining}:{period}"
    html = banners.get(key)
    if html is None:
        html = render_to_string("paywall/banner.html", {"decision": decision, "period": period})
        banners.set(key, html)
    return html


# The signed-in header differs between readers only by the name it shows and
# the request's CSRF token: rendered once per name and language, with a
# stand-in for the token that each request replaces with its own.
# (The stand-in is the discussion controls' own, random per process.)
navs = LocalCache(1024)


def account_nav(request) -> str:
    user = request.user
    key = f"{translation.get_language()}:{user.email}:{user.get_username()}"
    html = navs.get(key)
    if html is None:
        html = render_to_string(
            "includes/account_nav.html", {"request": request, "csrf_token": section.CSRF_STAND_IN}
        )
        navs.set(key, html)
    return html.replace(section.CSRF_STAND_IN, csrf_token(request), 1)


# A gift's note differs only by who gave it (a first name, the publication, or
# "a subscriber"), whether the page is whole (or asks for an account first),
# whether the reader is signed in and the article's address (the offer's link
# returns there): kept per content generation (the publication's name and
# offer) and those facts.
notes = LocalCache(256)


def gift_note(request, gated) -> str:
    """Who gave this reader the article, and the publisher's offer: per gift,
    so never part of a shell."""
    gift = gated.gift
    key = ":".join(
        [
            translation.get_language(),
            freshness.current(request),
            "editor" if gift.by_editor else gift.giver_name,
            "full" if gated.decision.full_text else "asks",
            "in" if request.user.is_authenticated else "out",
            request.path,
        ]
    )
    html = notes.get(key)
    if html is None:
        html = render_to_string("gifts/note.html", {"gift": gift, "gated": gated}, request=request)
        notes.set(key, html)
    return html


def cut(html: str) -> Stencil:
    """A rendered shell, kept cut at its slots (the first of each) so that
    filling it per request is one join, not a copy of the page per slot."""
    return Stencil.at_first(html, [SLOT.format(name) for name in SLOTS])


def fill_slots(shell: Stencil, request, gated, article_pk: int) -> str:
    decision = gated.decision
    values = {SLOT.format(BANNER): "", SLOT.format(GIFT): ""}
    if gated.gifted:
        values[SLOT.format(GIFT)] = gift_note(request, gated)
    if decision.full_text and decision.remaining is not None:
        values[SLOT.format(BANNER)] = meter_banner(decision, gated.period)
    if request.user.is_authenticated:
        values[SLOT.format(ACCOUNT)] = account_nav(request)
    # The discussion depends on who is reading and changes with every comment:
    # never part of the shell.
    values[SLOT.format(DISCUSSION)] = section.render(request, article_pk, gated.reader)
    return shell.fill(values)


def _shareable(request) -> bool:
    """A request whose front page is the same as every other anonymous reader's.

    No session (so no signed-in header, no passed view restriction), no
    pending flash message, and no query string but a page number — so that
    junk parameters cannot fill the cache with copies.
    """
    if request.method not in CACHED_METHODS:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False
    return _at_most_a_page_number(request)


def _at_most_a_page_number(request) -> bool:
    """No query string but a valid page number: junk parameters cannot fill
    the cache with copies of a front."""
    query = request.GET
    return not query or (list(query) == ["page"] and inputs.page_number(query["page"]) is not None)


def front_key(request, path: str) -> str:
    minute = int(time.time() // FRONT_SECONDS)
    query = request.META.get("QUERY_STRING", "")
    generation = freshness.current(request)
    return f"masthead:front:v1:{generation}:{minute}:{_origin(request)}:{path}?{query}"


def serve_cached_front(request, path: str) -> HttpResponse | None:
    """A front page from cache, or None: whole for a reader without a session,
    as the shell of this reader's variant (header filled per request) for a
    signed-in one."""
    if _shareable(request):
        html = recent.get(front_key(request, path))
    elif _signed_in_front(request):
        shell = recent.get(front_shell_key(request, path))
        html = None if shell is None else fill_front(shell, request)
    else:
        return None
    if html is None:
        return None
    recent.keep(route_key(request, path), NOT_AN_ARTICLE)
    response = HttpResponse(html)
    patch_vary_headers(response, ["Cookie"])
    return response


def _signed_in_front(request) -> bool:
    """A signed-in reader's front that a shell may serve: read (GET/HEAD),
    with no query string but a page number (so junk cannot fill the cache)."""
    user = getattr(request, "user", None)
    if request.method not in CACHED_METHODS or user is None or not user.is_authenticated:
        return False
    return _at_most_a_page_number(request)


def front_shell_key(request, path: str) -> str:
    """A front as signed-in readers of one variant see it, but for their
    header: keyed like the anonymous front, and by every fact about the
    reader a page may show differently (``Reader.variant``: ads, staff, kind)."""
    variant = readers.identify(request).variant
    return f"{front_key(request, path).replace(':front:v1:', ':front-shell:v2:', 1)}:{variant}"


def fill_front(shell: Stencil, request) -> str:
    return shell.fill({SLOT.format(ACCOUNT): account_nav(request)})


def render_front_for_reader(page, request, args, kwargs) -> HttpResponse:
    """A signed-in reader's front on a miss: rendered as a shell (its header a
    slot), kept for their variant, then filled."""
    if not page.paginated and "page" in request.GET:
        raise Http404("This page has no numbered pages.")
    context = page.get_context(request, *args, **kwargs)
    context["shell"] = True
    template = page.get_template(request, *args, **kwargs)
    shell = cut(TemplateResponse(request, template, context).render().content.decode())
    if not page.get_view_restrictions().exists():
        recent.set(front_shell_key(request, public_path(request)), shell, ttl=2 * FRONT_SECONDS)
    response = HttpResponse(fill_front(shell, request))
    patch_vary_headers(response, ["Cookie"])
    return response


def remember_front(request, path: str, response) -> None:
    """Keep a front just rendered for an anonymous reader, if it is safe to share."""
    if not _shareable(request) or response.status_code != 200 or response.cookies:
        return
    if "private" in response.get("Cache-Control", ""):
        return
    recent.set(front_key(request, path), response.content.decode(), ttl=2 * FRONT_SECONDS)


def public_path(request) -> str:
    """The page's path as Wagtail's route reads it: the request's, without
    the leading slash. Routes and fronts are kept under it."""
    return request.path_info.lstrip("/")


def serve(request, path: str) -> HttpResponse:
    """Every public page request, from route to response.

    1. An article from cache: route, paywall settings and the shell of this
       reader's decision (``serve_cached``).
    2. A front from cache, for a reader without a session.
    3. Otherwise Wagtail routes the path (its view restrictions and hooks
       run as usual) and ``serve_page`` renders: an article through
       ``render_article``, a front through the page and then kept.

    Previews and revisions in the admin are served by Wagtail directly
    (``Page.serve``), never through here, so they are never kept.
    """
    key_path = public_path(request)
    response = serve_cached(request, key_path) or serve_cached_front(request, key_path)
    if response is not None:
        return response
    return wagtail_serve(request, path)


class CachedPages:
    """The innermost middleware: a page this worker has served from cache
    before is served from cache again before Django routes its URL, as
    Django's own cache middleware does — routing a page path walks every URL
    pattern of the site first, and that was the largest cost left on a cached
    page. Only paths this worker has recorded (an article's route, or
    ``NOT_AN_ARTICLE`` for a front), which were routed to ``serve`` when they
    were recorded, and only for GET and HEAD; everything else, and every miss,
    goes on to routing as before. Every other middleware has run by now,
    sessions, CSRF, sign-in and the session's limits included. It asks
    nothing of the database or the shared cache itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only with the content generation this process already holds: a
        # request the cache cannot answer (a health check, the API) must not
        # wait on the database for it.
        if request.method in CACHED_METHODS and freshness.known(request) is not None:
            path = public_path(request)
            known = recent.peek(route_key(request, path))
            response = None
            if isinstance(known, ArticleRoute):
                response = serve_cached(request, path)
            elif known == NOT_AN_ARTICLE:
                response = serve_cached_front(request, path)
            if response is not None:
                return response
        return self.get_response(request)


def serve_page(next_serve):
    """Wagtail's ``on_serve_page`` hook: how a routed page is served on the
    public path (registered in ``newsroom.wagtail_hooks``)."""

    def serve_routed(page, request, args, kwargs):
        if isinstance(page, ArticlePage):
            return render_article(page, request, args, kwargs)
        if isinstance(page, SharedFront) and _signed_in_front(request):
            return render_front_for_reader(page, request, args, kwargs)
        response = next_serve(page, request, args, kwargs)
        if isinstance(page, SharedFront) and not page.get_view_restrictions().exists():
            if hasattr(response, "render"):
                response.render()
            remember_front(request, public_path(request), response)
        return response

    return serve_routed
