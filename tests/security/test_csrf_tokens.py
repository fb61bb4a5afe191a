"""The CSRF token a page carries is masked by Masthead (``security.csrf_token``)
faster than Django masks it; Django's middleware must take it as its own."""

import re
import secrets
import string
from collections import Counter

import pytest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, _unmask_cipher_token
from django.test import Client

from masthead.security import mask_csrf_secret
from tests import factories
from tests.paywall.helpers import gated_article


def test_a_masked_secret_unmasks_to_itself_and_looks_like_djangos_token():
    for _ in range(500):
        secret = "".join(secrets.choice(CSRF_ALLOWED_CHARS) for _ in range(32))
        token = mask_csrf_secret(secret)
        assert len(token) == 64 and set(token) <= set(CSRF_ALLOWED_CHARS)
        assert _unmask_cipher_token(token) == secret
    assert mask_csrf_secret(secret) != mask_csrf_secret(secret)  # a new mask each time


def test_every_character_is_as_likely_in_the_mask():
    counts = Counter("".join(mask_csrf_secret("a" * 32)[:32] for _ in range(4000)))
    assert set(counts) == set(string.ascii_letters + string.digits)
    expected = 4000 * 32 / 62
    assert all(abs(n - expected) < 0.25 * expected for n in counts.values()), counts


@pytest.mark.django_db
def test_a_signed_in_readers_form_posts_with_the_token_of_a_page_served_from_cache(home):
    article = gated_article(factories.section(home, "World"), 1)
    user = factories.reader("strict@example.com")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(article.url)  # no CSRF cookie yet: Django makes the secret and its cookie
    assert "csrftoken" in client.cookies
    page = client.get(article.url).content.decode()  # with the cookie: masked here
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert _unmask_cipher_token(token) == client.cookies["csrftoken"].value

    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_signed_in_readers_csrf_cookie_is_renewed_with_the_session_not_on_every_page(home):
    from masthead.members import sessions

    article = gated_article(factories.section(home, "World"), 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.reader("renewed@example.com"))
    first = client.get(article.url)
    assert "csrftoken" in first.cookies  # a new secret: set at once
    secret = client.cookies["csrftoken"].value

    again = client.get(article.url)
    assert "csrftoken" not in again.cookies  # the same cookie, not sent again
    page = again.content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert _unmask_cipher_token(token) == secret

    session = client.session  # a minute later: the session's last-seen time moves on
    session[sessions.SEEN_AT] -= sessions.SEEN_GRANULARITY
    session.save()
    renewed = client.get(article.url)
    assert renewed.cookies["csrftoken"].value == secret
