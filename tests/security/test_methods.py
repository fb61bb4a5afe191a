"""Every method is decided by the gate: a page is read with GET and looked at
with HEAD; nothing else reaches an article, and a look never hands out text.

These run with CSRF enforced and a real token, as a browser (or a script that
fetched a token from any page) would send it, by readers *under* the limit:
the reader for whom a peek used to answer "full text".
"""

import re

import pytest
from django.test import Client

from masthead.paywall import meters
from masthead.paywall.models import PaywallSettings
from masthead.paywall.windows import window_for
from tests import factories
from tests.conftest import fresh
from tests.paywall.helpers import gated_article, secrets_in

pytestmark = pytest.mark.django_db

OTHER_METHODS = ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"]


@pytest.fixture(scope="module")
def published(module_db):
    """The site and its articles, made once for the module: each test's reads
    are rolled back after it."""
    with module_db():
        home = factories.site()
        section = factories.section(home, "World")
        return {
            "home": home,
            "section": section,
            "metered": [gated_article(section, n) for n in (1, 2, 3)],
            "exclusive": gated_article(section, 9, access="subscribers"),
        }


@pytest.fixture
def home(db, published):
    return fresh(published["home"])


@pytest.fixture
def newsroom(db, published):
    articles = dict(published)
    del articles["home"]
    return fresh(articles)


def browser(user=None) -> tuple[Client, str]:
    """A client that enforces CSRF, with the token a page handed it."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    page = client.get("/account/" if user else "/accounts/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return client, token


def used(client, user=None) -> int:
    """How many articles this reader's meter has counted in the current window."""
    from django.utils import timezone

    period = PaywallSettings.objects.first().period if PaywallSettings.objects.exists() else "day"
    window = window_for(timezone.now(), period, "UTC")
    key = f"u:{user.pk}" if user else f"v:{client.cookies['mh_visitor'].value.split(':')[0]}"
    return meters.get_store().peek(key, window, 0, 99).used


@pytest.mark.parametrize("kind", ["anonymous", "registered"])
def test_a_reader_under_the_limit_gets_a_405_for_every_other_method(newsroom, kind):
    user = factories.reader(f"{kind}@example.com") if kind == "registered" else None
    client, token = browser(user)
    client.get("/")  # a visitor cookie, as any browser has after one page
    article = newsroom["metered"][0]

    for method in OTHER_METHODS:
        response = client.generic(
            method,
            article.url,
            data=f"csrfmiddlewaretoken={token}",
            content_type="application/x-www-form-urlencoded",
            HTTP_X_CSRFTOKEN=token,
        )
        assert response.status_code == 405, method
        assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
        assert secrets_in(response.content.decode(), 1) == [], method

    # Nothing was spent, and the reader may still read it with GET.
    assert secrets_in(client.get(article.url).content.decode(), 1) != []


@pytest.mark.parametrize("kind", ["anonymous", "registered"])
def test_a_look_with_head_spends_nothing_and_grants_nothing(newsroom, kind, settings):
    user = factories.reader(f"{kind}@example.com") if kind == "registered" else None
    client, _ = browser(user)
    client.get("/")
    first, second, _ = newsroom["metered"]

    looked = client.head(second.url)
    assert looked.status_code == 200 and looked.content == b""
    # The decision behind the look was the wall, not the text (the body is
    # dropped by the server, so it is the decision that must not grant).
    assert looked.wsgi_request._masthead_gated[second.pk].decision.walled
    assert used(client, user) == 0

    read = client.get(first.url)
    assert secrets_in(read.content.decode(), 1) != []
    again = client.head(first.url)  # already counted: a look at it is free and whole
    assert again.wsgi_request._masthead_gated[first.pk].decision.full_text
    assert used(client, user) == 1


def test_fronts_search_and_tags_answer_only_get_and_head(newsroom):
    client, token = browser()
    for url in ("/", newsroom["section"].url, "/search/?q=story", "/tags/anything/"):
        response = client.post(url, {"csrfmiddlewaretoken": token})
        assert response.status_code == 405, url


def masthead_routes():
    """Routes whose view is Masthead's own (not Wagtail's admin or allauth's)."""
    from tests.security.routes import all_routes

    return [
        route
        for route in all_routes()
        if not route.admin
        and getattr(route.pattern.callback, "__module__", "").startswith("masthead.")
    ]


def test_no_view_of_ours_takes_put_patch_or_delete(newsroom):
    """Nothing in Masthead is changed with PUT, PATCH or DELETE: each is a 405
    (or a 404 where there is nothing at all), for any route the resolver knows."""
    from tests.security.routes import Samples, addresses

    routes = masthead_routes()
    assert len(routes) > 20
    reader = Client(enforce_csrf_checks=False)
    reader.force_login(factories.reader("methods@example.com"))
    samples = Samples(
        by_converter={"int": [str(newsroom["metered"][0].pk)], "slug": ["world"]},
        by_route={"wagtail_serve": [newsroom["metered"][0].url, "/"]},
    )
    wrong = []
    for route, path in addresses(samples, routes):
        for method in ("PUT", "PATCH", "DELETE"):
            status = reader.generic(method, path).status_code
            if status not in (404, 405):
                wrong.append(f"{method} {path} ({route.label}): {status}")
    assert wrong == []


@pytest.mark.parametrize(
    "path",
    [
        "/feed/",
        "/feed/atom/",
        "/feed/section/world/",
        "/feed/private/any-token/",
        "/sitemap.xml",
        "/news-sitemap.xml",
        "/robots.txt",
        "/oembed/",
        "/subscribe/",
        "/account/",
        "/healthz",
    ],
)
def test_outputs_that_are_only_read_refuse_posts(newsroom, path):
    client = Client()
    client.force_login(factories.reader("poster@example.com"))
    assert client.post(path, {"anything": "1"}).status_code == 405
