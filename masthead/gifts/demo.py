"""The demo's gift link: an editor's link to the newest subscribers-only
article, so that whoever tries the demo can open a gift in a private window
(``load_demo`` prints its address)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from masthead.gifts.models import GiftLink
from masthead.newsroom.models import Access, ArticlePage

LABEL = "Demo: a gift link to try"


def load() -> tuple[Counter, str | None]:
    """(what was created, the demo link's path), making the link if missing."""
    created = Counter()
    link = GiftLink.objects.filter(label=LABEL, giver=None).first()
    if link is None:
        article = (
            ArticlePage.objects.live().filter(access=Access.SUBSCRIBERS).order_by("-date").first()
        )
        if article is None:
            return created, None
        link = GiftLink.objects.create(
            article=article,
            label=LABEL,
            expires_at=timezone.now() + timedelta(days=365),
            max_browsers=1000,
        )
        created["gift links"] += 1
    return created, link.path()
