"""The site search page: what a reader finds is what that reader may read."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe
from wagtail.models import Site

from masthead.newsroom.models import ArticlePage, live_articles, paginate, prepare_cards
from masthead.paywall import readers
from masthead.paywall.policy import ReaderStatus
from masthead.search import backends, snippets
from masthead.search.models import FullText, OpenText

MAX_QUERY = 200


def clean_query(raw: str) -> str:
    """The query as shown back: printable, single-spaced, at most MAX_QUERY characters."""
    text = "".join(ch if ch.isprintable() else " " for ch in raw or "")
    return " ".join(text.split())[:MAX_QUERY]


@require_safe
def search(request):
    """Search headlines, summaries, tags, bylines and the text this reader may read.

    Readers entitled to whole articles (subscribers, editors) search
    ``FullText``; everyone else searches ``OpenText``, which holds nothing
    past a teaser. The choice is made once, from the reader, and nothing else
    about the search depends on who is asking.
    """
    query = clean_query(request.GET.get("q", ""))
    words = backends.terms(query)
    page_obj, results = None, []
    if words:
        entitled = readers.identify(request).status == ReaderStatus.SUBSCRIBER
        index = FullText if entitled else OpenText
        site = Site.find_for_request(request)
        among = live_articles()
        if site is not None:
            # The site's pages in the reader's language (its own tree when
            # an editor translated the site, else the site's).
            among = among.descendant_of(site.root_page.localized)
        page_obj = paginate(request, backends.Matches(index, words, among))
        ids = list(page_obj.object_list)
        cards = {card.pk: card for card in prepare_cards(ArticlePage.objects.filter(pk__in=ids))}
        texts = dict(index.objects.filter(article_id__in=ids).values_list("article_id", "text"))
        results = [
            (cards[pk], snippets.snippet(texts.get(pk, ""), cards[pk].dek, words))
            for pk in ids
            if pk in cards
        ]
    return render(
        request,
        "search/results.html",
        {"query": query, "searched": bool(words), "page_obj": page_obj, "results": results},
    )
