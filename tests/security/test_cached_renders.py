"""A cached render carries every difference it contains.

Article pages are rendered once per variant and reused; fronts are kept whole
for readers without a session. A reader must get from the cache exactly what
a cold render would have given them — never another reader's ads, wall, staff
view or discussion. Any stale entry a reader could meet was left by one
earlier reader, so checking every *ordered pair* of reader kinds (A warms the
cache, then B reads) covers every warm-up order: each B page is compared
with B's own render from an empty cache.

What is compared, for every page, A and B: B's answer with the caches exactly
as A's read from empty caches left them, against B's cold render. The caches
A's read leaves (Django's cache, every in-process LocalCache, with the time
each entry has left) are kept and put back before each B reads, rather than
emptied and warmed by A again for each of the ten B: the same state, made
by one render instead of ten. Should a read change the content generation
(the token every cache key carries), the caches are warmed by A afresh.
"""

import copy
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from masthead import localcache
from masthead.discussion.models import Comment
from masthead.gifts.models import GiftLink
from masthead.members.models import ComplimentaryAccess, Plan, Subscription
from masthead.newsroom import freshness
from masthead.newsroom.models import ContentGeneration
from masthead.offers import arms
from masthead.offers.models import Assignment, new_seed
from masthead.paywall import meters
from masthead.paywall.models import MeterWindow, PaywallSettings
from masthead.paywall.readers import GIFT_SALT, VISITOR_SALT
from masthead.paywall.windows import window_for
from tests import factories
from tests.offers.helpers import experiment, visitor_in
from tests.paywall.helpers import gated_article
from tests.security.normalise import normalised

pytestmark = pytest.mark.django_db

KINDS = [
    "anonymous",
    "anonymous over the limit",
    "registered",
    "registered over the limit",
    "subscriber",
    "lapsed subscriber",
    "staff",
    "staff with a subscription",
    # Over the limit, holding gift links for the metered and the
    # subscribers-only article (a subscriber's gifts, opened in this browser).
    "anonymous gift recipient",
    "registered gift recipient",
    # An offer experiment runs on the registration wall: the reader above
    # over the limit is in its control, this one in its variant (other
    # words, and for an account, another allowance).
    "anonymous over the limit in an offer variant",
]
OVER_VISITOR = "over-the-limit-visitor"
GIFT_VISITOR = "gift-recipient-visitor"
VARIANT = {
    "name": "Sharper ask",
    "share": 50,
    "headline": "One free account, five more stories",
    "pitch": "Register with your email address; it takes a minute.",
    "button_label": "Register and read on",
    "registered_allowance": 4,
}


def offer_experiment(wall: str, variant: dict, control_visitor: str):
    """A running experiment on ``wall``: its control and ``variant``, with a
    seed that puts ``control_visitor`` in the control; returns it and a
    visitor id in the variant."""
    made = experiment({"name": "Control", "share": 50}, variant, wall=wall)
    while arms.load(made.site_id).for_browser(control_visitor).name != "Control":
        made.seed = new_seed()
        made.save()
    return made, visitor_in(made, variant["name"])


def signed_cookie(name: str, value: str, salt: str) -> str:
    """A cookie's value as the server signs it."""
    response = HttpResponse()
    response.set_signed_cookie(name, value, salt=salt)
    return response.cookies[name].value


class Readers:
    """A browser for each kind of reader, in the same state at every request."""

    def __init__(self, home):
        now = timezone.now()
        plan = Plan.objects.create(name="Monthly", slug="monthly", price_minor=200)
        self.users = {}
        self.gifts = ""
        for kind in [kind for kind in KINDS[2:] if kind != "anonymous gift recipient"]:
            email = kind.replace(" ", "-") + "@example.com"
            user = factories.reader(email)
            self.users[kind] = user
            if kind.startswith("staff"):
                user.is_staff = True
                user.save()
            if kind in ("subscriber", "staff with a subscription"):
                ComplimentaryAccess.objects.create(user=user, reason="test")
            if kind == "lapsed subscriber":
                Subscription.objects.create(
                    user=user,
                    plan=plan,
                    status=Subscription.CANCELED,
                    provider="local",
                    current_period_start=now - timedelta(days=40),
                    current_period_end=now - timedelta(days=10),
                )
        self.settings = PaywallSettings.for_site(home.get_site())
        self.clients = {}
        self.experiment, self.variant_visitor = offer_experiment("register", VARIANT, OVER_VISITOR)
        # The registered reader's account keeps the variant (its allowance).
        Assignment.objects.create(
            experiment=self.experiment,
            variant=self.experiment.variants.get(name=VARIANT["name"]),
            user=self.users["registered"],
            reader="0" * 32,
            at=now,
        )

    def meter(self, key: str, used: int) -> None:
        """This reader's window holds exactly ``used`` articles (none of ours)."""
        MeterWindow.objects.filter(key=key).delete()
        window = window_for(timezone.now(), self.settings.period, "UTC")
        store = meters.get_store()
        for n in range(used):
            store.consume(key, window, 10**12 + n, used)

    def give(self, articles) -> None:
        """Gift links for ``articles``, made by the subscriber and opened by
        the gift recipients' browsers (their grant cookie's entries)."""
        until = int(time.time()) + 3600
        for article in articles:
            link = GiftLink.objects.create(
                article=article,
                giver=self.users["subscriber"],
                expires_at=timezone.now() + timedelta(days=1),
                max_browsers=10,
            )
            self.gifts += ("," if self.gifts else "") + f"{article.pk}.{link.pk}.{until}"

    def holding_gifts(self, client: Client, visitor: str) -> Client:
        client.cookies["mh_visitor"] = signed_cookie("mh_visitor", visitor, VISITOR_SALT)
        client.cookies["mh_gift"] = signed_cookie("mh_gift", f"{visitor}|{self.gifts}", GIFT_SALT)
        return client

    def browser(self, kind: str) -> Client:
        if kind == "anonymous gift recipient":
            self.meter(f"v:{GIFT_VISITOR}", self.settings.anonymous_allowance)
            return self.holding_gifts(Client(), GIFT_VISITOR)
        if kind == "anonymous":
            return Client()  # a new visitor every time: nothing read yet
        if kind == "anonymous over the limit in an offer variant":
            self.meter(f"v:{self.variant_visitor}", self.settings.anonymous_allowance)
            client = Client()
            client.cookies["mh_visitor"] = signed_cookie(
                "mh_visitor", self.variant_visitor, VISITOR_SALT
            )
            return client
        if kind == "anonymous over the limit":
            self.meter(f"v:{OVER_VISITOR}", self.settings.anonymous_allowance)
            client = Client()
            client.cookies["mh_visitor"] = signing.get_cookie_signer(
                salt="mh_visitor" + VISITOR_SALT
            ).sign(OVER_VISITOR)
            return client
        user = self.users[kind]
        over = kind in ("registered over the limit", "registered gift recipient")
        self.meter(f"u:{user.pk}", self.settings.registered_allowance if over else 0)
        if kind not in self.clients:
            self.clients[kind] = Client()
            self.clients[kind].force_login(user)
            if kind == "registered gift recipient":
                self.holding_gifts(self.clients[kind], f"{GIFT_VISITOR}-{user.pk}")
        return self.clients[kind]


def forget_everything():
    for forget in (cache.clear, localcache.forget_all, freshness.forget):
        forget()


class Caches:
    """What one read leaves in this process's caches, to be put back exactly:
    every entry of Django's cache and of each LocalCache, in the same order,
    with the same time left to live, and as new objects each time (a read
    that changed a cached object in place changes only its own copy)."""

    def __init__(self):
        self.generation = generation()
        self.wall, self.clock = time.time(), time.monotonic()
        self.shared = copy.copy(cache._cache)  # an OrderedDict of pickles, in LRU order
        self.expiry = dict(cache._expire_info)
        self.local = copy.deepcopy({id(local): local.items for local in localcache._every})
        self.token = freshness._last_read  # (token, monotonic time read) or None

    def restore(self) -> bool:
        """Put the caches back; False if the content generation has changed
        since (the entries would no longer be found: warm them again)."""
        if generation() != self.generation:
            return False
        forget_everything()
        wall_shift, clock_shift = time.time() - self.wall, time.monotonic() - self.clock
        cache._cache.update(self.shared)
        cache._expire_info.update(
            {key: None if at is None else at + wall_shift for key, at in self.expiry.items()}
        )
        copies = copy.deepcopy(self.local)  # one copy: what two caches shared, they share
        for local in localcache._every:
            for key, (expires, value) in copies.get(id(local), {}).items():
                local.items[key] = (None if expires is None else expires + clock_shift, value)
        if self.token is not None:
            freshness._last_read = (self.token[0], self.token[1] + clock_shift)
        return True


def generation() -> str | None:
    return ContentGeneration.objects.values_list("token", flat=True).first()


@pytest.fixture
def world(home):
    section = factories.section(home, "World")
    author = factories.author(factories.authors_index(home), "Dana Field")
    free = gated_article(section, 1, authors=[author], access="free", tags=["drones"])
    metered = gated_article(section, 2, authors=[author], tags=["drones"])
    exclusive = gated_article(section, 3, authors=[author], access="subscribers")
    readers = Readers(home)
    readers.give([metered, exclusive])
    for article in (free, metered, exclusive):
        Comment.objects.create(
            article=article,
            user=readers.users["subscriber"],
            text=f"A subscriber's view of story {article.pk}.",
            token=f"seed{article.pk:012d}",
        )
    pages = {
        "free article": free.url,
        "metered article": metered.url,
        "subscribers-only article": exclusive.url,
        "home": "/",
        "section": section.url,
        "author": author.url,
    }
    return readers, pages


def fetch(readers: Readers, kind: str, url: str):
    response = readers.browser(kind).get(url)
    assert response.status_code == 200, (kind, url)
    return (
        normalised(response.content.decode()),
        response.get("Cache-Control"),
        response.get("Vary"),
    )


@pytest.mark.exhaustive
def test_every_reader_gets_from_the_cache_what_a_cold_render_gives_them(world):
    """For each page and each ordered pair (A, B) of reader kinds, all 11 × 11:
    B reading after A, with nothing else cached, gets B's cold render."""
    readers, pages = world
    assert isinstance(caches["default"], LocMemCache), "Caches copies a LocMemCache's state"
    assert wrong_renders(readers, KINDS, pages) == []


def wrong_renders(readers, kinds, pages) -> list[str]:
    """Every (page, A, B) where B, reading after A, did not get B's cold render."""
    cold = {}
    for page, url in pages.items():
        for kind in kinds:
            forget_everything()
            cold[page, kind] = fetch(readers, kind, url)

    def warm(first, url):
        forget_everything()
        fetch(readers, first, url)
        return Caches()

    wrong = []
    for page, url in pages.items():
        for first in kinds:
            left = warm(first, url)
            for then in kinds:
                if not left.restore():
                    left = warm(first, url)
                    assert left.restore()
                if fetch(readers, then, url) != cold[page, then]:
                    wrong.append(f"{page}: {then} after {first}")
    return wrong


def test_the_readers_really_see_different_pages(world):
    """The comparison above means something only if the kinds differ."""
    readers, pages = world
    forget_everything()
    seen = {kind: fetch(readers, kind, pages["metered article"])[0] for kind in KINDS}
    assert 'class="ad-slot' in seen["staff"] and 'class="ad-slot' not in seen["subscriber"]
    assert 'class="ad-slot' not in seen["staff with a subscription"]
    assert 'class="wall"' in seen["anonymous over the limit"]
    assert 'class="wall"' not in seen["anonymous"]
    assert "view of story" in seen["subscriber"]
    assert "view of story" not in seen["lapsed subscriber"]
    for kind in ("anonymous gift recipient", "registered gift recipient"):
        assert 'class="wall"' not in seen[kind] and "gave you this article" in seen[kind]
        assert '<meta name="robots" content="noindex' in seen[kind]
    assert "gave you this article" not in seen["anonymous"]
    variant = seen["anonymous over the limit in an offer variant"]
    assert VARIANT["headline"] in variant and VARIANT["button_label"] in variant
    assert VARIANT["headline"] not in seen["anonymous over the limit"]
    # The registered reader kept the variant's allowance of four: three left.
    assert "3 free articles left" in seen["registered"], seen["registered"]
    assert len(set(seen.values())) >= 9


SUBSCRIBE_VARIANT = {
    "name": "Plain price",
    "share": 50,
    "headline": "Keep reading for less than a coffee",
    "pitch": "Every story, no ads, a week at a time.",
    "offer_line": "The first month for a dollar",
    "trial_label": "Two weeks on the house",
    "registered_allowance": 2,
}


def test_a_subscribe_wall_experiments_variants_never_cross_in_the_cache(world):
    """The same walk for an experiment on the subscribe wall, for the readers
    it changes: each variant's wall (subscribers-only and over the limit),
    and a subscriber, who is in none."""
    readers, pages = world
    readers.experiment.status = "ended"
    readers.experiment.save()
    made, visitor = offer_experiment("subscribe", SUBSCRIBE_VARIANT, OVER_VISITOR)
    readers.variant_visitor = visitor
    kinds = [
        "anonymous over the limit",
        "anonymous over the limit in an offer variant",
        "registered over the limit",
        "subscriber",
    ]
    walled = {name: pages[name] for name in ("metered article", "subscribers-only article")}
    forget_everything()
    seen = {kind: fetch(readers, kind, walled["subscribers-only article"])[0] for kind in kinds}
    assert SUBSCRIBE_VARIANT["offer_line"] in seen["anonymous over the limit in an offer variant"]
    assert SUBSCRIBE_VARIANT["offer_line"] not in seen["anonymous over the limit"]
    assert wrong_renders(readers, kinds, walled) == []


def test_an_editor_opening_an_article_first_leaves_subscribers_without_ads(world):
    """The case that once gave every paying subscriber ads: the shell an editor
    warmed (staff, not ad-free) must not be the one a subscriber gets."""
    readers, pages = world
    forget_everything()
    editor_page = fetch(readers, "staff", pages["metered article"])[0]
    subscriber_page = fetch(readers, "subscriber", pages["metered article"])[0]
    assert 'class="ad-slot' in editor_page
    assert 'class="ad-slot' not in subscriber_page


def test_no_language_is_served_another_languages_cached_render(world):
    """The same page under each language's prefix (the site's pages, with
    the interface in that language, while no editor translated them): each
    reader reading it in one language after a reader warmed another gets
    their own language's cold render — shells, fronts and slots are kept per
    language."""
    readers, every_page = world
    # The article shells (per decision) and fronts (per address), with the
    # readers whose pages differ most: a wall, the full text, staff controls.
    pages = {name: every_page[name] for name in ("metered article", "free article", "home")}
    kinds = ["anonymous over the limit", "subscriber", "staff"]
    prefixes = ["", "/ar", "/fr"]
    cold = {}
    for page, url in pages.items():
        for prefix in prefixes:
            for kind in kinds:
                forget_everything()
                cold[page, prefix, kind] = fetch(readers, kind, prefix + url)
    english, arabic = (cold["metered article", p, "subscriber"] for p in ("", "/ar"))
    assert english != arabic
    wrong = []
    for page, url in pages.items():
        for first in prefixes:
            for then in prefixes:
                if first == then:
                    continue
                # Every kind warms the caches in one language, then every
                # kind reads in the other.
                forget_everything()
                for kind in kinds:
                    fetch(readers, kind, first + url)
                for kind in kinds:
                    if fetch(readers, kind, then + url) != cold[page, then, kind]:
                        wrong.append(f"{page}: {kind} in {then or 'en'} after {first or 'en'}")
    assert wrong == []
