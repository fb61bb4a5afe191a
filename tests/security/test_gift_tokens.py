"""Gift tokens: keys to walled text that travel through chat apps and search
engines, attacked as an outsider would.

A token must never leave the place it was shown (its giver's own page):
not in canonical links, sitemaps, feeds, the API, oEmbed, search, fronts or
any header, and not in the address bar once used (so no Referer carries
it). Every token that is not a standing link for *this* article gives the
ordinary page: 0 bytes more of any article. And what a gift opens is the
article page alone: never comments, feeds or the API.
"""

from __future__ import annotations

import string
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from masthead.gifts.models import GiftLink, derive_token, hash_token
from masthead.members.models import ComplimentaryAccess
from tests import factories
from tests.conftest import fresh
from tests.paywall.helpers import gated_article, secrets_in

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def published(module_db):
    with module_db():
        home = factories.site()
        section = factories.section(home, "World")
        writer = factories.author(factories.authors_index(home), "Dana Field")
        metered = gated_article(section, 1, authors=[writer])
        locked = gated_article(section, 2, access="subscribers", authors=[writer])
        other = gated_article(section, 3, access="subscribers", authors=[writer])
        giver = factories.reader("giver@readers.example")
        ComplimentaryAccess.objects.create(user=giver, reason="gift security tests")
        link = GiftLink.objects.create(
            article=locked,
            giver=giver,
            expires_at=timezone.now() + timedelta(days=14),
            max_browsers=1000,
        )
        return {"home": home, "articles": (metered, locked, other), "giver": giver, "link": link}


@pytest.fixture
def newsroom(db, published):
    return fresh(published)


def opened(token: str, client: Client | None = None) -> Client:
    client = client or Client()
    response = client.get(f"/gift/{token}/")
    for _ in range(3):
        if response.status_code != 302:
            break
        response = client.get(response["Location"])
    return client


EVERYWHERE = [
    "/",
    "/world/",
    "/sitemap.xml",
    "/news-sitemap.xml",
    "/robots.txt",
    "/feed/",
    "/feed/atom/",
    "/feed/section/world/",
    "/feed/author/dana-field/",
    "/api/v1/articles/",
    "/search/?q=story",
    "/authors/dana-field/",
]


def test_a_token_appears_in_no_output_for_anyone(newsroom):
    link = newsroom["link"]
    token = link.token
    locked = newsroom["articles"][1]
    recipient = opened(token)
    giver = Client()
    giver.force_login(newsroom["giver"])
    addresses = [
        *EVERYWHERE,
        locked.url,
        locked.url + "?amp=1",
        f"/api/v1/articles/{locked.pk}/",
        f"/oembed/?url=http://localhost{locked.url}",
    ]
    for client in (Client(), recipient, giver):
        for address in addresses:
            response = client.get(address)
            seen = response.content.decode(errors="replace") + str(response.headers)
            assert token not in seen, address
            assert link.token_hash not in seen and link.nonce not in seen, address


def test_the_redirect_takes_the_token_out_of_the_address_bar(newsroom):
    token = newsroom["link"].token
    client = Client()
    first = client.get(f"/gift/{token}/")
    second = client.get(first["Location"])
    assert second.status_code == 302
    assert token not in second["Location"] and second["Location"] == newsroom["articles"][1].url
    for response in (first, second):
        assert response["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert "noindex" in response["X-Robots-Tag"]
        assert response.content == b""
    page = client.get(second["Location"])
    assert secrets_in(page.text, 2)
    # Every page sends at most its own origin on: links out carry nothing.
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"] and "Cookie" in page["Vary"]


def test_a_link_without_its_slash_is_answered_alike(newsroom):
    token = newsroom["link"].token
    client = Client()
    client.get(f"/gift/{token}/")  # the visitor cookie
    answer = client.get(f"/gift/{token}")
    assert answer.status_code == 302 and answer["Location"] == newsroom["articles"][1].url
    assert answer["Referrer-Policy"] == "no-referrer" and "no-store" in answer["Cache-Control"]
    assert secrets_in(client.get(answer["Location"]).text, 2)


def test_a_token_for_one_article_gives_nothing_of_any_other(newsroom):
    metered, locked, other = newsroom["articles"]
    client = opened(newsroom["link"].token)
    assert secrets_in(client.get(locked.url).text, 2)
    assert secrets_in(client.get(other.url).text, 3) == []
    # The gift cookie is for the article page: feeds, the API and oEmbed are
    # the ordinary teaser for this browser.
    for address in ("/feed/", f"/api/v1/articles/{locked.pk}/", "/api/v1/articles/"):
        assert secrets_in(client.get(address).content.decode(), 2) == [], address


def test_a_token_of_a_deleted_or_unpublished_article_is_a_404(newsroom):
    link = newsroom["link"]
    token = link.token
    link.article.unpublish()
    assert Client().get(f"/gift/{token}/").status_code == 404


def test_stored_rows_alone_do_not_make_a_token(newsroom):
    """What a stolen database backup holds: the hash and the nonce. Without
    the site's secret key neither is a token."""
    link = newsroom["link"]
    for guess in (link.token_hash[:32], link.nonce[:32], derive_token(link.nonce, "guessed-key")):
        response = Client().get(f"/gift/{guess}/")
        assert response.status_code == 404
    assert hash_token(link.token) == link.token_hash


def test_a_key_rotation_keeps_links_working_and_showable(newsroom, settings):
    link = newsroom["link"]
    token = link.token
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-test-0123456789"
    assert link.token == token  # shown again, from the old key
    client = opened(token)
    assert secrets_in(client.get(link.article.url).text, 2)


TOKEN_CHARACTERS = string.ascii_letters + string.digits + "-_.~%!$&'()*+,;=:@"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    token=st.one_of(
        st.text(alphabet=TOKEN_CHARACTERS, min_size=1, max_size=80),
        st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=32, max_size=32),
    )
)
def test_no_made_up_token_opens_anything_or_errs(newsroom, token):
    client = Client()
    response = client.get(f"/gift/{token}/")
    assert response.status_code in (404, 400, 301), (token, response.status_code)
    assert "mh_gift" not in response.cookies
    assert secrets_in(client.get(newsroom["articles"][1].url).text, 2) == []
