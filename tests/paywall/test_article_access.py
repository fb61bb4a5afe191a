"""What a reader receives on an article page, by who they are and what they have read."""

import json

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache

from masthead.members.models import ComplimentaryAccess
from masthead.paywall import crawlers, meters
from masthead.paywall.models import PaywallSettings
from tests import factories
from tests.conftest import fresh
from tests.paywall.fakes import google_crawler_dns
from tests.paywall.helpers import gated_article, secrets_in, teasers_in

pytestmark = pytest.mark.django_db

GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.fixture(scope="module")
def published(module_db):
    """The site and its articles, made once for the module: each test's reads
    and settings are rolled back after it."""
    with module_db():
        home = factories.site()
        section = factories.section(home, "World")
        author = factories.author(factories.authors_index(home), "Dana Field")
        articles = [gated_article(section, n, authors=[author]) for n in range(1, 8)]
        return {"home": home, "section": section, "author": author, "articles": articles}


@pytest.fixture
def home(db, published):
    return fresh(published["home"])


@pytest.fixture
def newsroom(db, published):
    return fresh(published)


def read(client, article, **extra):
    response = client.get(article.url, **extra)
    assert response.status_code == 200
    return response


def test_anonymous_reader_gets_three_metered_articles_then_the_wall(client, newsroom):
    articles = newsroom["articles"]

    for n in (1, 2, 3):
        response = read(client, articles[n - 1])
        assert secrets_in(response.text, n) == [
            f"Paid line {k} of story {n} stays on the server." for k in (3, 4, 5)
        ]

    walled = read(client, articles[3])
    assert secrets_in(walled.text, 4) == []
    assert len(teasers_in(walled.text, 4)) == 3
    soup = BeautifulSoup(walled.content, "html.parser")
    assert soup.select_one(".paywalled-content") is None
    assert soup.select_one(".wall") is not None


def test_banner_counts_down_quietly(client, newsroom):
    banners = []
    for article in newsroom["articles"][:3]:
        soup = BeautifulSoup(read(client, article).content, "html.parser")
        banners.append(soup.select_one(".meter-banner").get_text(strip=True))

    assert banners == [
        "2 free articles left today.",
        "1 free article left today.",
        "This is your last free article today.",
    ]


def test_reopening_an_article_costs_nothing(client, newsroom):
    first = newsroom["articles"][0]
    for _ in range(5):
        read(client, first)
    for article in newsroom["articles"][1:3]:
        read(client, article)

    assert secrets_in(read(client, first).text, 1)  # still readable, though the meter is spent
    assert not secrets_in(read(client, newsroom["articles"][3]).text, 4)


def test_free_articles_and_listing_pages_cost_nothing(client, newsroom):
    free = gated_article(newsroom["section"], 50, access="free")
    for _ in range(3):
        read(client, free)
    for url in ("/", newsroom["section"].url, newsroom["author"].url, "/tags/drones/"):
        client.get(url)

    for n in (1, 2, 3):
        assert secrets_in(read(client, newsroom["articles"][n - 1]).text, n)
    assert secrets_in(read(client, free).text, 50)
    soup = BeautifulSoup(read(client, free).content, "html.parser")
    assert soup.select_one(".meter-banner") is None


def test_subscribers_only_article_walls_non_subscribers_without_spending_the_meter(
    client, newsroom
):
    exclusive = gated_article(newsroom["section"], 60, access="subscribers")

    response = read(client, exclusive)

    assert secrets_in(response.text, 60) == []
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one(".wall__headline").get_text() == "This article is for subscribers"
    for n in (1, 2, 3):  # the whole allowance is still there
        assert secrets_in(read(client, newsroom["articles"][n - 1]).text, n)


def test_anonymous_wall_offers_registration_and_login_back_to_the_article(client, newsroom):
    for article in newsroom["articles"][:3]:
        read(client, article)
    target = newsroom["articles"][3]

    soup = BeautifulSoup(read(client, target).content, "html.parser")
    wall = soup.select_one(".wall")

    assert wall.select_one(".wall__headline").get_text() == "Register to keep reading"
    assert wall.find("a", string="Create a free account")["href"] == (
        f"/accounts/signup/?next={target.url}"
    )
    assert wall.find("a", string="Already a subscriber? Log in")["href"] == (
        f"/accounts/login/?next={target.url}"
    )


def test_registered_reader_has_five_then_meets_the_subscribe_wall(
    client, newsroom, django_user_model
):
    settings = PaywallSettings.for_site(newsroom["home"].get_site())
    settings.offer_line = "Full ad-free access for $0.50/week"
    settings.save()
    user = django_user_model.objects.create_user("r", "r@example.com", "pw")
    client.force_login(user)

    for n in range(1, 6):
        assert secrets_in(read(client, newsroom["articles"][n - 1]).text, n)
    walled = read(client, newsroom["articles"][5])

    assert secrets_in(walled.text, 6) == []
    wall = BeautifulSoup(walled.content, "html.parser").select_one(".wall")
    assert wall.select_one(".wall__headline").get_text() == (
        "You've reached your daily free article limit"
    )
    assert "Full ad-free access for $0.50/week" in wall.get_text()
    assert wall.select_one(".wall__login") is None  # already signed in


def test_signing_in_carries_the_visitors_reads_into_the_account(
    client, newsroom, django_user_model
):
    factories.reader("r@example.com", "secret-pass-123")
    for article in newsroom["articles"][:3]:
        read(client, article)

    response = client.post(
        "/accounts/login/", {"login": "r@example.com", "password": "secret-pass-123"}
    )
    assert response.status_code == 302

    # 3 of the account's 5 are spent: two more new articles, then the wall.
    assert secrets_in(read(client, newsroom["articles"][3]).text, 4)
    assert secrets_in(read(client, newsroom["articles"][4]).text, 5)
    assert not secrets_in(read(client, newsroom["articles"][5]).text, 6)


def log_in(client, email="r@example.com", password="secret-pass-123"):
    response = client.post("/accounts/login/", {"login": email, "password": password})
    assert response.status_code == 302


def log_out(client):
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_signing_out_keeps_the_browsers_anonymous_window(client, newsroom):
    factories.reader("r@example.com", "secret-pass-123")
    articles = newsroom["articles"]
    for article in articles[:2]:
        read(client, article)
    visitor = client.cookies["mh_visitor"].value
    log_in(client)
    log_out(client)

    assert client.cookies["mh_visitor"].value == visitor  # the cookie survives
    assert secrets_in(read(client, articles[2]).text, 3)  # the third of three
    assert not secrets_in(read(client, articles[3]).text, 4)


def test_reads_while_signed_in_stay_with_the_browser_after_signing_out(client, newsroom):
    """A browser that signed in before reading anything: what it read on the
    account is not forgotten when it signs out."""
    factories.reader("r@example.com", "secret-pass-123")
    articles = newsroom["articles"]
    log_in(client)
    for n, article in enumerate(articles[:3], 1):
        assert secrets_in(read(client, article).text, n)  # registered: 3 of 5
    assert "mh_visitor" in client.cookies  # signed-in browsers carry one too
    log_out(client)

    # The anonymous allowance (3) is already spent by this browser.
    assert not secrets_in(read(client, articles[3]).text, 4)
    assert secrets_in(read(client, articles[0]).text, 1)  # re-reading stays free


def test_subscriber_reads_everything_with_no_banner_and_no_wall(
    client, newsroom, django_user_model
):
    user = django_user_model.objects.create_user("s", "s@example.com", "pw")
    ComplimentaryAccess.objects.create(user=user, reason="Contributor")
    client.force_login(user)
    exclusive = gated_article(newsroom["section"], 70, access="subscribers")

    for n, article in enumerate(newsroom["articles"], 1):
        response = read(client, article)
        assert secrets_in(response.text, n) != []
        soup = BeautifulSoup(response.content, "html.parser")
        assert soup.select_one(".wall") is None and soup.select_one(".meter-banner") is None
    assert secrets_in(read(client, exclusive).text, 70)


def test_responses_that_depend_on_the_reader_stay_out_of_shared_caches(client, newsroom):
    free = gated_article(newsroom["section"], 80, access="free")
    full = read(client, newsroom["articles"][0])
    for article in newsroom["articles"][1:3]:
        read(client, article)
    walled = read(client, newsroom["articles"][3])

    for response in (full, walled, read(client, free)):
        assert "private" in response["Cache-Control"]
        assert "public" not in response["Cache-Control"]
        assert "Cookie" in response["Vary"]
    assert "no-store" in full["Cache-Control"]


def test_a_new_visitor_gets_a_signed_httponly_lax_cookie(client, newsroom):
    response = read(client, newsroom["articles"][0])
    cookie = response.cookies["mh_visitor"]

    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie.value.count(":") >= 1  # value:signature
    assert "mh_visitor" not in read(client, newsroom["articles"][1]).cookies  # only set once


def test_json_ld_marks_metered_articles_as_paywalled(client, newsroom):
    soup = BeautifulSoup(read(client, newsroom["articles"][0]).content, "html.parser")
    data = json.loads(soup.find("script", type="application/ld+json").string)

    assert data["isAccessibleForFree"] is False
    assert data["hasPart"] == {
        "@type": "WebPageElement",
        "isAccessibleForFree": False,
        "cssSelector": ".paywalled-content",
    }
    assert soup.select(".paywalled-content")


def test_verified_crawler_reads_in_full_with_paywall_markup(client, newsroom, settings):
    settings.MASTHEAD_CRAWLER_RESOLVER = "tests.paywall.fakes.FakeResolver"
    crawlers.get_resolver.cache_clear()
    cache.clear()
    google_crawler_dns()
    exclusive = gated_article(newsroom["section"], 90, access="subscribers")
    try:
        for n, article in [*enumerate(newsroom["articles"], 1), (90, exclusive)]:
            response = read(
                client, article, HTTP_USER_AGENT=GOOGLEBOT_UA, REMOTE_ADDR="66.249.66.1"
            )
            assert secrets_in(response.text, n), n
        soup = BeautifulSoup(response.content, "html.parser")
        data = json.loads(soup.find("script", type="application/ld+json").string)
        assert data["isAccessibleForFree"] is False
    finally:
        crawlers.get_resolver.cache_clear()


def test_head_requests_do_not_spend_the_meter(client, newsroom):
    for article in newsroom["articles"][:5]:
        assert client.head(article.url).status_code == 200

    for n in (1, 2, 3):
        assert secrets_in(read(client, newsroom["articles"][n - 1]).text, n)


class BrokenStore:
    def consume(self, *args):
        raise meters.MeterUnavailable("connection refused")

    peek = merge = consume


@pytest.fixture
def broken_meter(monkeypatch):
    monkeypatch.setattr(meters, "get_store", lambda: BrokenStore())
    monkeypatch.setattr("masthead.paywall.gate.get_store", lambda: BrokenStore())


def test_meter_outage_shows_the_teaser_by_default(client, newsroom, broken_meter):
    response = read(client, newsroom["articles"][0])

    assert response.status_code == 200
    assert secrets_in(response.text, 1) == []
    assert teasers_in(response.text, 1)


def test_meter_outage_can_be_configured_to_let_readers_through(client, newsroom, broken_meter):
    settings = PaywallSettings.for_site(newsroom["home"].get_site())
    settings.open_when_meter_unavailable = True
    settings.save()

    assert secrets_in(read(client, newsroom["articles"][0]).text, 1)


def test_weekly_window_counts_across_days(client, newsroom):
    settings = PaywallSettings.for_site(newsroom["home"].get_site())
    settings.period = "week"
    settings.save()

    for article in newsroom["articles"][:2]:
        read(client, article)
    soup = BeautifulSoup(read(client, newsroom["articles"][2]).content, "html.parser")

    assert soup.select_one(".meter-banner").get_text(strip=True) == (
        "This is your last free article this week."
    )
