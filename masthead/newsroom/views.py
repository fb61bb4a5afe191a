from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from taggit.models import Tag
from wagtail.views import serve as wagtail_serve

from masthead.newsroom import rendering
from masthead.newsroom.models import live_articles, paginate, prepare_cards_for_page


@require_safe
def tag_archive(request, slug):
    """Every live article carrying one tag, newest first."""
    tag = get_object_or_404(Tag, slug=slug)
    page_obj = paginate(request, live_articles().filter(tags=tag))
    if not page_obj.paginator.count:
        # A tag nobody publishes under is not a page worth indexing.
        return render(request, "404.html", status=404)
    return render(
        request,
        "newsroom/tag_archive.html",
        {"tag": tag, "page_obj": page_obj, "articles": prepare_cards_for_page(page_obj)},
    )


@require_safe
def serve(request, path):
    """Wagtail's page serving, with a cached path in front for article pages
    and, for readers without a session, for fronts.

    The cached path answers only when everything it needs is in the cache
    for the current content generation; otherwise Wagtail routes and serves
    the page as usual, and ``ArticlePage.serve`` or ``SharedFront.serve``
    fills the cache.

    Pages are read with GET (HEAD looks): anything else is a 405 before the
    paywall is asked, so no other method can reach an article's text.
    """
    response = rendering.serve_cached(request, path) or rendering.serve_cached_front(request, path)
    if response is not None:
        return response
    request._masthead_public_path = path
    return wagtail_serve(request, path)
