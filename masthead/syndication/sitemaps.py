"""Sitemaps that list the site in every language it offers.

Each language's pages are a tree of their own in Wagtail, beside the site's
(the translations of its front page), so Wagtail's sitemap, which walks the
site's front page alone, would leave them out.
"""

from __future__ import annotations

from django.db.models import Q
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page


def every_tree(site) -> Q:
    """Pages under the site's front page or any translation of it."""
    root = site.root_page
    paths = Page.objects.filter(translation_key=root.translation_key).values_list("path", flat=True)
    condition = Q(path__startswith=root.path)
    for path in paths:
        condition |= Q(path__startswith=path)
    return condition


class EveryLanguage(Sitemap):
    def items(self):
        return (
            Page.objects.live()
            .public()
            .filter(every_tree(self.get_wagtail_site()))
            .order_by("path")
            .defer_streamfields()
            .specific()
        )
