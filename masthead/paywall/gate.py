"""The gate: the only code that hands out article body text.

Every output that needs an article's body — the HTML page today; the API,
feeds, search snippets and previews as they arrive — asks ``evaluate`` for
the reader's decision and ``body_for`` for the blocks that decision allows.
A walled reader's response is built from the teaser blocks alone, so the rest
of the article is never in it: not hidden, not in markup, not in metadata.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

from masthead import locales
from masthead.gifts.models import Gift, GiftLink
from masthead.insights import record
from masthead.offers import arms
from masthead.paywall import readers
from masthead.paywall.meters import MeterUnavailable, get_store
from masthead.paywall.models import PaywallSettings
from masthead.paywall.policy import (
    GIFT_REASONS,
    Access,
    Decision,
    MeterOutcome,
    MeterState,
    ReaderStatus,
    Wall,
    allowance,
    decide,
    may_be_gifted,
    needs_meter,
)
from masthead.paywall.windows import window_for
from masthead.security import private_page

logger = logging.getLogger("masthead.paywall")

# Requests that may spend a reader's allowance. HEAD and the rest only look.
CONSUMING_METHODS = {"GET"}


@dataclass(frozen=True)
class Gated:
    reader: readers.Reader
    access: Access
    decision: Decision
    period: str
    gift: Gift | None = None  # the standing gift this reader reads by, if any
    # The running offer experiment's variant this reader is shown, if any.
    placed: arms.Placed | None = None
    # Read in the site's own language: a variant's words (written in it)
    # show, and the reader is counted for them. In another language the
    # variant's allowance still holds (one reader, one meter), its words not.
    site_language: bool = True

    @property
    def gifted(self) -> bool:
        """A page opened by a gift (read in full, or asked to register for
        it): never indexed, never kept by a cache, and it names the giver."""
        return self.decision.reason in GIFT_REASONS

    @property
    def offer(self) -> arms.Arm | None:
        """The variant whose words this page's wall shows: only on the
        experiment's own wall (never a gift's). A cached wall is keyed by it."""
        placed = self.placed
        if placed is None or self.gifted or self.decision.wall is None or not self.site_language:
            return None
        return placed.arm if placed.arm.wall == self.decision.wall.value else None


def evaluate(request, article, paywall: PaywallSettings | None = None) -> Gated:
    """Decide, once per request and article, what this reader may read.

    ``article`` needs ``pk`` and ``access``; ``paywall`` is the site's
    settings when the caller already holds them (the cached serving path).
    """
    memo = request.__dict__.setdefault("_masthead_gated", {})
    if article.pk in memo:
        return memo[article.pk]

    reader = readers.identify(request)
    access = Access(article.access)
    if paywall is None:
        paywall = PaywallSettings.for_request(request)
    rules = paywall.rules()
    placed = None
    if access != Access.FREE:
        placed = arms.place(request, reader, paywall.site_id)
        if placed is not None:
            rules = placed.arm.rules(rules)  # a variant's allowance, within the bounds
    gift = _standing_gift(reader, access, article)
    meter = None
    if needs_meter(reader.status, access, gifted=gift is not None):
        meter = _read_meter(
            request, reader, article, paywall.period, allowance(reader.status, rules)
        )
    decision = decide(reader.status, access, meter, rules, gifted=gift is not None)
    # One line per decision (JSON in production, with the request's id): who
    # read what, and why they got the full text or the wall.
    logger.info(
        "paywall decision: article %s, %s reader, %s",
        article.pk,
        reader.status.value,
        decision.reason.value,
        extra={
            "article": article.pk,
            "access": access.value,
            "reader": reader.status.value,
            "full_text": decision.full_text,
            "reason": decision.reason.value,
            # The offer experiment's variant (its allowance may be the reason).
            "offer": placed.arm.key if placed is not None else None,
        },
    )
    site_language = locales.of(request) == settings.LANGUAGE_CODE
    memo[article.pk] = gated = Gated(
        reader, access, decision, paywall.period, gift, placed, site_language
    )
    if (
        settings.MASTHEAD_INSIGHTS_RECORDING
        and request.method in CONSUMING_METHODS
        # An editor's preview (Wagtail's view_draft and live preview) is not a reader.
        and not getattr(request, "is_preview", False)
        and reader.meter_key
        and access != Access.FREE
        and reader.status in COUNTED_READERS
    ):
        record.saw(reader.meter_key, article.pk, _SIGHTINGS[decision.wall])
        if placed is not None and site_language and arms.exposes(placed, reader.status):
            record.exposed(placed, walled=gated.offer is not None)
    return gated


# Insights counts the readers the wall is for (``masthead.insights``): what
# each met on a metered or subscribers-only article, spending its meter.
COUNTED_READERS = {ReaderStatus.ANONYMOUS, ReaderStatus.REGISTERED}
_SIGHTINGS = {
    None: record.READ,
    Wall.REGISTER: record.REGISTER_WALL,
    Wall.SUBSCRIBE: record.SUBSCRIBE_WALL,
}


def _standing_gift(reader, access: Access, article) -> Gift | None:
    """The gift this reader reads this article by: one their browser opened
    for this very article (the signed gift cookie, ``readers.read_gifts``)
    that still stands. A gift for another article opens nothing here."""
    if not may_be_gifted(reader.status, access):
        return None
    gift_id = reader.gift_for(article.pk)
    if gift_id is None:
        return None
    return GiftLink.stands(gift_id, article.pk)


def _read_meter(request, reader, article, period, limit) -> MeterState:
    window = window_for(timezone.now(), period, settings.TIME_ZONE)
    store = get_store()
    try:
        if request.method in CONSUMING_METHODS:
            return store.consume(reader.meter_key, window, article.pk, limit)
        return store.peek(reader.meter_key, window, article.pk, limit)
    except MeterUnavailable as exc:
        logger.warning("meter store unavailable: %s", exc)
        return MeterState(MeterOutcome.UNAVAILABLE, 0, limit)


def body_for(article, decision: Decision) -> tuple[list, list]:
    """(teaser blocks, remaining blocks). The remainder is empty unless the
    decision grants the full text."""
    return _split(article, decision.full_text)


def finish(request, article, response) -> None:
    """Headers for a gated response: the visitor cookie, and caching that keeps
    any response that depends on the reader out of shared caches."""
    gated = evaluate(request, article)
    readers.remember_visitor(response, gated.reader)
    patch_vary_headers(response, ["Cookie"])
    if gated.gifted:
        private_page(response)  # opened by a gift: for this browser alone, and no index
    elif gated.decision.full_text and gated.access != Access.FREE:
        patch_cache_control(response, private=True, no_store=True)
    else:
        patch_cache_control(response, private=True, max_age=0)


def body_for_output(article, *, entitled: bool) -> tuple[list, list]:
    """(teaser blocks, remaining blocks) for an output other than the article page:
    a feed, the API, search snippets, link previews.

    No meter is spent there (a feed reader polling every hour is not a reader
    opening an article), so the rule is simpler than the page's: a free article
    is whole; a metered or subscribers-only article is whole only for an
    ``entitled`` reader — a subscriber's private feed, a full-text API key.
    """
    return _split(article, whole_for_output(article, entitled=entitled))


def output_is_complete(article, *, entitled: bool) -> bool:
    """Whether ``body_for_output`` hands this reader the whole article."""
    return whole_for_output(article, entitled=entitled) or (
        len(article.body) <= article.teaser_blocks
    )


def whole_for_output(article, *, entitled: bool) -> bool:
    """The outputs' rule: a free article is whole for everyone; a metered or
    subscribers-only one only for an entitled reader."""
    return entitled or Access(article.access) == Access.FREE


def _split(article, whole: bool) -> tuple[list, list]:
    """The teaser split, in one place: (teaser blocks, the rest if ``whole``)."""
    blocks = list(article.body)
    teaser, rest = blocks[: article.teaser_blocks], blocks[article.teaser_blocks :]
    return teaser, (rest if whole else [])
