from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from masthead import config
from masthead.paywall import readers

register = template.Library()


@register.simple_tag(takes_context=True)
def ad_slot(context, name: str):
    """An ad placement for readers who are not subscribers; subscribers get no ad markup at all.

    Whether this reader pays is the reader's own fact (``Reader.ad_free``), the
    same one the cached article page is keyed by.
    """
    request = context.get("request")
    markup = settings.MASTHEAD_AD_SLOT_HTML
    if not markup or request is None or readers.identify(request).ad_free:
        return ""
    if markup == config.PLACEHOLDER_AD:
        # Masthead's own placeholder: its word in the reader's language.
        markup = format_html('<div class="ad-slot__placeholder">{}</div>', gettext("Advertisement"))
    # The markup is the operator's own configuration, not reader input.
    return format_html(
        '<aside class="ad-slot ad-slot--{}" aria-label="{}">{}</aside>',
        name,
        gettext("Advertisement"),
        mark_safe(markup),  # noqa: S308
    )


@register.filter
def with_next(href: str, path: str) -> str:
    """``href`` with ``?next=path`` added, so the reader comes back to ``path``
    after subscribing. Only for this site's own pages: an external subscribe
    URL a publisher configured is left as it is."""
    if not href or not href.startswith("/") or href.startswith("//") or not path:
        return href
    separator = "&" if "?" in href else "?"
    return f"{href}{separator}{urlencode({'next': path})}"


@register.simple_tag
def wall_offer(paywall, offer=None) -> str:
    """The subscribe wall's offer line: the variant's own, else the
    publisher's, else built from the cheapest plan this reader is offered."""
    if offer is not None and offer.offer_line:
        return offer.offer_line
    return paywall.offer_for(offer.plan_slugs if offer is not None else ())
