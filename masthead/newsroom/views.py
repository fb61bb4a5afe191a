from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from taggit.models import Tag
from wagtail.models import Site

from masthead.newsroom import rendering
from masthead.newsroom.models import live_articles, paginate, prepare_cards_for_page


@require_safe
def tag_archive(request, slug):
    """Every live article carrying one tag, newest first."""
    tag = get_object_or_404(Tag, slug=slug)
    articles = live_articles().filter(tags=tag)
    site = Site.find_for_request(request)
    if site is not None:
        # This site's articles in the reader's language (the site's own
        # tree where no editor translated it).
        articles = articles.descendant_of(site.root_page.localized)
    page_obj = paginate(request, articles)
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
    """Every page of the site: ``rendering.serve`` owns the request from route
    to response (cached article or front, else Wagtail's routing and our
    rendering). Pages are read with GET (HEAD looks): anything else is a 405
    before the paywall is asked, so no other method can reach an article's text.
    """
    return rendering.serve(request, path)
