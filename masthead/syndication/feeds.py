"""RSS and Atom feeds for the site, each section and each author.

Each item carries the headline, the dek as its summary, and body text from
``gate.body_for_output``: the teaser of a metered or subscribers-only article,
the whole of a free one. A subscriber's private feed (``/feed/private/<token>/``)
carries whole articles while the subscription lasts; a revoked token, or one
whose owner is no longer a subscriber, gets the teaser feed like everyone else.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from wagtail.models import Site

from masthead.newsroom.models import AuthorPage, PublicationSettings, SectionPage, live_articles
from masthead.paywall import gate, readers
from masthead.syndication.models import FeedToken

ITEMS = 30


class ArticleFeed(Feed):
    """A feed keeps the request's site, publication and (for the private feed)
    the reader's entitlement on itself while it is built, so each request gets
    its own instance (``as_view``): one shared between threads once lent a
    subscriber's entitlement to a concurrent stranger's request."""

    feed_type = Rss201rev2Feed
    entitled = False

    @classmethod
    def as_view(cls):
        def view(request, *args, **kwargs):
            return cls()(request, *args, **kwargs)

        view.__name__ = view.__qualname__ = cls.__name__
        view.__module__ = cls.__module__
        return view

    def get_object(self, request, *args, **kwargs):
        self.request = request
        self.site = Site.find_for_request(request)
        if self.site is None:
            raise Http404("No site here.")
        self.publication = PublicationSettings.for_site(self.site)
        # The site's pages in the feed's language (/ar/feed/: the Arabic
        # tree, where editors translated the site; else the site's own).
        self.root = self.site.root_page.localized
        return None

    def title(self, obj):
        return self.publication.name

    def link(self, obj):
        return self.root.get_url(self.request) or "/"

    def description(self, obj):
        return self.publication.tagline or self.publication.name

    def articles(self, obj):
        return live_articles().descendant_of(self.root)

    def items(self, obj):
        return list(
            self.articles(obj).prefetch_related("article_authors__author")[:ITEMS].specific()
        )

    def item_title(self, item):
        return item.title

    def item_link(self, item):
        return item.get_full_url(self.request)

    def item_guid(self, item):
        return f"{item.get_full_url(self.request)}#{item.pk}"

    item_guid_is_permalink = False

    def item_description(self, item):
        teaser, rest = gate.body_for_output(item, entitled=self.entitled)
        parts = [f"<p><strong>{_escape(item.dek)}</strong></p>"] if item.dek else []
        parts += [block.render() for block in teaser + rest]
        if item.access != "free" and not rest:
            parts.append(f'<p><a href="{item.get_full_url(self.request)}">Continue reading</a></p>')
        return "".join(str(part) for part in parts)

    def item_pubdate(self, item):
        return item.date

    def item_updateddate(self, item):
        return item.updated or item.date

    def item_author_name(self, item):
        return ", ".join(author.name for author in item.authors()) or None

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]


def _escape(text):
    from django.utils.html import escape

    return escape(text)


class AtomMixin:
    feed_type = Atom1Feed

    def subtitle(self, obj):
        return self.description(obj)


class SiteFeed(ArticleFeed):
    pass


class SiteAtomFeed(AtomMixin, SiteFeed):
    pass


class SectionFeed(ArticleFeed):
    def get_object(self, request, slug):
        super().get_object(request)
        return get_object_or_404(
            SectionPage.objects.live().public().descendant_of(self.root), slug=slug
        )

    def title(self, obj):
        return f"{obj.title} — {self.publication.name}"

    def link(self, obj):
        return obj.get_url(self.request)

    def articles(self, obj):
        return live_articles().child_of(obj)


class SectionAtomFeed(AtomMixin, SectionFeed):
    pass


class AuthorFeed(ArticleFeed):
    def get_object(self, request, slug):
        super().get_object(request)
        return get_object_or_404(
            AuthorPage.objects.live().public().descendant_of(self.root), slug=slug
        )

    def title(self, obj):
        return f"{obj.title} — {self.publication.name}"

    def link(self, obj):
        return obj.get_url(self.request)

    def articles(self, obj):
        return live_articles().filter(article_authors__author=obj)


class AuthorAtomFeed(AtomMixin, AuthorFeed):
    pass


class PrivateFeed(ArticleFeed):
    """Whole articles for a subscriber; the teaser feed for anyone else."""

    def get_object(self, request, token):
        super().get_object(request)
        found = FeedToken.objects.select_related("user").filter(token=token).first()
        self.entitled = bool(found) and readers.for_account(found.user).entitled
        return None

    def title(self, obj):
        return f"{self.publication.name} (subscriber feed)"

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # Personal, and possibly whole articles: never in a shared cache.
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response
