"""A cached render carries every difference it contains.

Article pages are rendered once per variant and reused; fronts are kept whole
for readers without a session. A reader must get from the cache exactly what
a cold render would have given them — never another reader's ads, wall, staff
view or discussion. Any stale entry a reader could meet was left by one
earlier reader, so checking every *ordered pair* of reader kinds (A warms the
cache, then B reads) covers every warm-up order: each B page is compared
with B's own render from an empty cache.
"""

from datetime import timedelta
from itertools import product

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from masthead import localcache
from masthead.discussion.models import Comment
from masthead.members.models import ComplimentaryAccess, Plan, Subscription
from masthead.newsroom import freshness
from masthead.paywall import meters
from masthead.paywall.models import MeterWindow, PaywallSettings
from masthead.paywall.readers import VISITOR_SALT
from masthead.paywall.windows import window_for
from tests import factories
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
]
OVER_VISITOR = "over-the-limit-visitor"


class Readers:
    """A browser for each kind of reader, in the same state at every request."""

    def __init__(self, home):
        now = timezone.now()
        plan = Plan.objects.create(name="Monthly", slug="monthly", price_minor=200)
        self.users = {}
        for kind in KINDS[2:]:
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

    def meter(self, key: str, used: int) -> None:
        """This reader's window holds exactly ``used`` articles (none of ours)."""
        MeterWindow.objects.filter(key=key).delete()
        window = window_for(timezone.now(), self.settings.period, "UTC")
        store = meters.get_store()
        for n in range(used):
            store.consume(key, window, 10**12 + n, used)

    def browser(self, kind: str) -> Client:
        if kind == "anonymous":
            return Client()  # a new visitor every time: nothing read yet
        if kind == "anonymous over the limit":
            self.meter(f"v:{OVER_VISITOR}", self.settings.anonymous_allowance)
            client = Client()
            client.cookies["mh_visitor"] = signing.get_cookie_signer(
                salt="mh_visitor" + VISITOR_SALT
            ).sign(OVER_VISITOR)
            return client
        user = self.users[kind]
        over = kind == "registered over the limit"
        self.meter(f"u:{user.pk}", self.settings.registered_allowance if over else 0)
        if kind not in self.clients:
            self.clients[kind] = Client()
            self.clients[kind].force_login(user)
        return self.clients[kind]


def forget_everything():
    for forget in (cache.clear, localcache.forget_all, freshness.forget):
        forget()


@pytest.fixture
def world(home):
    section = factories.section(home, "World")
    author = factories.author(factories.authors_index(home), "Dana Field")
    free = gated_article(section, 1, authors=[author], access="free", tags=["drones"])
    metered = gated_article(section, 2, authors=[author], tags=["drones"])
    exclusive = gated_article(section, 3, authors=[author], access="subscribers")
    readers = Readers(home)
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
    readers, pages = world
    cold = {}
    for page, url in pages.items():
        for kind in KINDS:
            forget_everything()
            cold[page, kind] = fetch(readers, kind, url)

    wrong = []
    for page, url in pages.items():
        for first, then in product(KINDS, KINDS):
            forget_everything()
            fetch(readers, first, url)
            if fetch(readers, then, url) != cold[page, then]:
                wrong.append(f"{page}: {then} after {first}")
    assert wrong == []


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
    assert len(set(seen.values())) >= 6


def test_an_editor_opening_an_article_first_leaves_subscribers_without_ads(world):
    """The case that once gave every paying subscriber ads: the shell an editor
    warmed (staff, not ad-free) must not be the one a subscriber gets."""
    readers, pages = world
    forget_everything()
    editor_page = fetch(readers, "staff", pages["metered article"])[0]
    subscriber_page = fetch(readers, "subscriber", pages["metered article"])[0]
    assert 'class="ad-slot' in editor_page
    assert 'class="ad-slot' not in subscriber_page
