"""An issue as email, rendered once per audience and filled per recipient.

What a recipient reads of each article is what the paywall's gate gives
them (``gate.body_for_output``): a subscriber the whole article, anyone else
the teaser, a link to the rest and the publisher's offer. There are two
audiences (``FREE``, ``FULL``); which one a recipient is, is their reader's
answer (``readers.for_account``: an address without an account is a reader
without one). Each is rendered once per send, cut at the per-recipient
stand-ins (the unsubscribe and preferences links), and filled per recipient
with one join (``masthead.stencil``).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from html import unescape

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import strip_tags
from wagtail.models import Site

from masthead.paywall import gate, readers
from masthead.paywall.models import PaywallSettings
from masthead.paywall.policy import Access
from masthead.stencil import Stencil

FREE, FULL = "free", "full"
AUDIENCES = (FREE, FULL)
# What stands for each recipient's own links until they are filled in; fresh
# in every process, so no article or issue text can carry one.
UNSUBSCRIBE = f"masthead-unsubscribe-{secrets.token_hex(12)}"
PREFERENCES = f"masthead-preferences-{secrets.token_hex(12)}"
STAND_INS = (UNSUBSCRIBE, PREFERENCES)


def audience_of(reader: readers.Reader) -> str:
    """Whole articles for whoever may read them whole on the site."""
    return FULL if reader.entitled or reader.staff else FREE


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: Stencil
    text: Stencil

    def for_recipient(self, unsubscribe_url: str, preferences_url: str) -> tuple[str, str]:
        values = {UNSUBSCRIBE: unsubscribe_url, PREFERENCES: preferences_url}
        return self.html.fill(values), self.text.fill(values)


def render(issue, audience: str) -> Rendered:
    """The issue for ``audience``. Its own words (the offer, the links under
    each article, the footer) are in the site's language: the same whoever
    renders it, a worker or an editor previewing it in an admin set to
    another language."""
    if audience not in AUDIENCES:
        raise ValueError(f"No audience {audience!r}; there are {AUDIENCES}.")
    with translation.override(settings.LANGUAGE_CODE):
        return _render(issue, audience)


def _render(issue, audience: str) -> Rendered:
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    paywall = PaywallSettings.for_site(site)
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    articles = []
    for entry in issue.articles.select_related("article").order_by("sort_order"):
        article = entry.article.specific
        if not article.live:
            continue
        teaser, rest = gate.body_for_output(article, entitled=audience == FULL)
        whole = gate.output_is_complete(article, entitled=audience == FULL)
        articles.append(
            {
                "title": article.title,
                "dek": getattr(article, "dek", ""),
                "url": base + article.url,
                "teaser_blocks": teaser,
                "rest_blocks": rest,
                "whole": whole,
                "subscribers_only": Access(article.access) == Access.SUBSCRIBERS,
            }
        )
    context = {
        "issue": issue,
        "newsletter": issue.newsletter,
        "articles": articles,
        "audience": audience,
        "offer": paywall.offer if audience == FREE else "",
        "subscribe_url": base + "/subscribe/",
        "unsubscribe_url": UNSUBSCRIBE,
        "preferences_url": PREFERENCES,
        "base_url": base,
    }
    html = absolute(render_to_string("newsletters/email/issue.html", context), base)
    text = render_to_string("newsletters/email/issue.txt", context)
    return Rendered(
        issue.subject, Stencil.at_every(html, STAND_INS), Stencil.at_every(text, STAND_INS)
    )


_RELATIVE = re.compile(r'(\s(?:src|href)=")(/[^/"][^"]*|/)"')


def absolute(html: str, base: str) -> str:
    """Links and images in an email need the site's address."""
    return _RELATIVE.sub(lambda m: f'{m.group(1)}{base}{m.group(2)}"', html)


def plain(html: str) -> str:
    """HTML as text: tags gone, entities written out (``&#x27;`` is ')."""
    return re.sub(r"\n{3,}", "\n\n", unescape(strip_tags(html))).strip()
