"""Every way a reader over the limit might try to read on: none yields a sentence
beyond the teaser. Assertions are on the raw response bytes, so text hidden by
CSS, tucked into JSON-LD, meta tags, data attributes, comments or scripts
would all be caught."""

import ipaddress

import pytest
from django.core.cache import cache
from django.test import Client

from masthead.paywall import crawlers
from tests import factories
from tests.conftest import fresh
from tests.paywall.fakes import google_crawler_dns
from tests.paywall.helpers import gated_article, secret_sentence, teasers_in

pytestmark = pytest.mark.django_db

GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
BINGBOT_UA = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
TARGET = 4  # the story number a reader meets the wall on


def leaked(response, n=TARGET):
    body = response.content.decode(errors="replace")
    return [s for k in range(3, 6) if (s := secret_sentence(n, k)) in body]


@pytest.fixture(autouse=True)
def dns_that_would_verify_googles_address(settings):
    settings.MASTHEAD_CRAWLER_RESOLVER = "tests.paywall.fakes.FakeResolver"
    crawlers.get_resolver.cache_clear()
    cache.clear()
    google_crawler_dns()
    yield
    crawlers.get_resolver.cache_clear()


@pytest.fixture(scope="module")
def published(module_db):
    """The site and its articles, made once for the module (tests only read them)."""
    with module_db():
        home = factories.site()
        section = factories.section(home, "World")
        author = factories.author(factories.authors_index(home), "Dana Field")
        articles = {n: gated_article(section, n, authors=[author]) for n in range(1, 8)}
        articles["exclusive"] = gated_article(section, 99, authors=[author], access="subscribers")
        return articles


@pytest.fixture
def newsroom(db, published):
    return fresh(published)


@pytest.fixture
def over_limit(newsroom):
    """A reader who has spent the anonymous allowance (3) and the article they are walled on."""
    reader = Client()
    for n in (1, 2, 3):
        reader.get(newsroom[n].url)
    response = reader.get(newsroom[TARGET].url)
    assert leaked(response) == [] and len(teasers_in(response.content.decode(), TARGET)) == 3
    return reader, newsroom[TARGET]


def test_javascript_off_plain_http_client(over_limit):
    reader, article = over_limit

    response = reader.get(article.url, HTTP_USER_AGENT="curl/8.5.0", HTTP_ACCEPT="*/*")

    assert response.status_code == 200 and leaked(response) == []


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15",
        "Mozilla/5.0 (compatible; Readability/1.0; reader mode)",
        "PocketParser/2.0 (+https://getpocket.com/pocketparser_ua)",
        "python-requests/2.32",
    ],
)
def test_reader_mode_style_full_html_fetch(over_limit, agent):
    reader, article = over_limit

    response = reader.get(article.url, HTTP_USER_AGENT=agent, HTTP_ACCEPT="text/html")

    assert leaked(response) == []


def test_clearing_cookies_gives_a_fresh_allowance_but_never_more(newsroom):
    reader = Client()
    assert sum(1 for n in range(1, 8) if leaked(reader.get(newsroom[n].url), n)) == 3

    reader.cookies.clear()  # a new visitor: the same 3 again, accepted by design
    assert sum(1 for n in range(1, 8) if leaked(reader.get(newsroom[n].url), n)) == 3


@pytest.mark.parametrize(
    "forged", ["subscriber", "admin", "1", "v:someone-else", "abc:def:ghi", "' OR 1=1 --"]
)
def test_a_forged_visitor_cookie_never_unlocks_subscriber_articles(newsroom, forged):
    reader = Client()
    reader.cookies["mh_visitor"] = forged

    response = reader.get(newsroom["exclusive"].url)

    assert leaked(response, 99) == []
    assert response.cookies["mh_visitor"].value != forged  # replaced by a fresh, signed id


def test_a_tampered_visitor_cookie_is_a_new_visitor_not_more_reads(over_limit):
    reader, article = over_limit
    value = reader.cookies["mh_visitor"].value
    tampered = value[:-1] + ("A" if value[-1] != "A" else "B")
    reader.cookies["mh_visitor"] = tampered

    reader.get(article.url)

    # The tampered cookie was not honoured: the reader got a new identity.
    assert reader.cookies["mh_visitor"].value not in (value, tampered)


@pytest.mark.parametrize("agent", [GOOGLEBOT_UA, BINGBOT_UA])
def test_crawler_user_agent_from_a_non_crawler_address(over_limit, agent):
    reader, article = over_limit

    response = reader.get(article.url, HTTP_USER_AGENT=agent, REMOTE_ADDR="198.51.100.7")

    assert leaked(response) == []


def test_crawler_user_agent_cannot_unlock_subscriber_articles(newsroom):
    response = Client().get(
        newsroom["exclusive"].url, HTTP_USER_AGENT=GOOGLEBOT_UA, REMOTE_ADDR="203.0.113.11"
    )

    assert leaked(response, 99) == []


def test_x_forwarded_for_spoofing_without_trusted_proxies(over_limit):
    reader, article = over_limit

    response = reader.get(
        article.url,
        HTTP_USER_AGENT=GOOGLEBOT_UA,
        HTTP_X_FORWARDED_FOR="66.249.66.1",
        HTTP_X_REAL_IP="66.249.66.1",
        REMOTE_ADDR="198.51.100.7",
    )

    assert leaked(response) == []


def test_x_forwarded_for_spoofing_through_a_trusted_proxy(over_limit, settings):
    settings.MASTHEAD_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    reader, article = over_limit

    # The reader sent "X-Forwarded-For: 66.249.66.1"; our proxy appended their real address.
    response = reader.get(
        article.url,
        HTTP_USER_AGENT=GOOGLEBOT_UA,
        HTTP_X_FORWARDED_FOR="66.249.66.1, 198.51.100.7",
        REMOTE_ADDR="10.0.0.5",
    )

    assert leaked(response) == []


@pytest.mark.parametrize(
    "referer",
    [
        "https://www.google.com/",
        "https://news.google.com/articles/abc",
        "https://www.facebook.com/",
        "https://t.co/abc123",
        "https://www.bing.com/search?q=story",
    ],
)
def test_referer_spoofing_from_search_and_social(over_limit, referer):
    reader, article = over_limit

    assert leaked(reader.get(article.url, HTTP_REFERER=referer)) == []


@pytest.mark.parametrize(
    "variant",
    [
        "{url}?amp",
        "{url}?amp=1",
        "{url}?outputType=amp",
        "{url}?print=1",
        "{url}?format=json",
        "{url}?share=1&utm_source=twitter",
        "{url}amp/",
        "{url}print/",
        "{stripped}",
        "{upper}",
        "{double}",
        "{url}index.html",
        "{url}?page=2",
    ],
)
def test_url_variants(over_limit, variant):
    reader, article = over_limit
    url = article.url
    variant_url = variant.format(
        url=url, stripped=url.rstrip("/"), upper=url.upper(), double=url.replace("/", "//")
    )

    response = reader.get(variant_url, follow=True)

    assert leaked(response) == [], variant_url


def test_json_accept_header(over_limit):
    reader, article = over_limit

    assert leaked(reader.get(article.url, HTTP_ACCEPT="application/json")) == []


def test_head_requests_carry_no_body(over_limit):
    reader, article = over_limit

    response = reader.head(article.url)

    assert response.content == b"" and leaked(response) == []


def test_other_methods_do_not_serve_more(over_limit):
    reader, article = over_limit

    for method in ("post", "put", "patch", "delete", "options"):
        response = getattr(reader, method)(article.url)
        assert leaked(response) == [], method


def test_wagtail_preview_and_revision_endpoints_without_a_login(over_limit):
    reader, article = over_limit
    revision = article.latest_revision
    urls = [
        f"/admin/pages/{article.pk}/edit/preview/",
        f"/admin/pages/{article.pk}/view_draft/",
        f"/admin/pages/{article.pk}/revisions/{revision.pk}/view/",
        f"/admin/pages/{article.pk}/revisions/compare/earliest...{revision.pk}/",
        f"/admin/pages/{article.pk}/edit/",
        f"/admin/api/main/pages/{article.pk}/",
        f"/admin/pages/preview/?id={article.pk}",
    ]
    for url in urls:
        response = reader.get(url, follow=True)
        assert leaked(response) == [], url
        assert reader.get(url).status_code in (302, 403, 404, 405), url


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap.xml",
        "/feed/",
        "/rss/",
        "/feeds/rss/",
        "/atom.xml",
        "/api/v1/articles/",
        "/api/v2/pages/",
        "/search/?q=stays+on+the+server",
        "/world/",
        "/",
        "/tags/drones/",
        "/authors/dana-field/",
        "/oembed/?url=http://localhost/world/article-4/",
    ],
)
def test_sitemaps_feeds_apis_and_listings_carry_no_body_text(over_limit, url):
    reader, _ = over_limit

    assert leaked(reader.get(url, follow=True)) == []


def test_the_walled_page_holds_no_trace_of_the_rest_in_markup_or_metadata(over_limit):
    reader, article = over_limit
    html = reader.get(article.url).content.decode()

    assert leaked(reader.get(article.url)) == []
    assert "paywalled-content" not in html.split("</head>")[1]  # the selector only in JSON-LD
    for fragment in ("stays on the server", "Paid line"):
        assert fragment not in html
