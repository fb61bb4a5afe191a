"""Search finds articles by any of their words, but shows a reader only words they may read."""

import pytest
from django.test import Client

from masthead.members.models import ComplimentaryAccess
from tests import factories
from tests.paywall.helpers import gated_article, secret_sentence, secrets_in, teaser_sentence

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom():
    home = factories.site()
    section = factories.section(home, "World")
    metered = gated_article(section, 1, tags=["drones"])
    free = gated_article(section, 2, access="free")
    return {"metered": metered, "free": free}


def words_of(sentence, n=3):
    return " ".join(sentence.rstrip(".").split()[-n:])


def test_a_match_in_walled_text_finds_the_article_but_shows_the_dek(newsroom):
    hidden = words_of(secret_sentence(1, 4))
    page = Client().get("/search/", {"q": hidden}).text
    assert "Story 1" in page
    assert secrets_in(page, 1) == []
    assert "The summary of story 1." in page


def test_a_subscriber_sees_the_matching_passage(newsroom):
    reader = factories.reader("searcher@example.com")
    ComplimentaryAccess.objects.create(user=reader, reason="test")
    client = Client()
    client.force_login(reader)
    hidden = words_of(secret_sentence(1, 4))
    page = client.get("/search/", {"q": hidden}).text
    assert "<mark>server</mark>" in page and "Paid line" in page


def test_teaser_matches_show_teaser_text_with_the_terms_marked(newsroom):
    visible = words_of(teaser_sentence(1, 1), 2)
    page = Client().get("/search/", {"q": visible}).text
    assert "<mark>" in page and secrets_in(page, 1) == []


def test_tags_and_free_articles_are_searchable(newsroom):
    assert "Story 1" in Client().get("/search/", {"q": "drones"}).text
    free_words = words_of(secret_sentence(2, 5))
    page = Client().get("/search/", {"q": free_words}).text
    assert "Story 2" in page and "<mark>" in page


@pytest.mark.parametrize(
    "q", ["", "   ", "a", "!!!", "<script>alert(1)</script>", "x" * 5000, "\x00\x01drones", "%"]
)
def test_empty_and_malformed_queries_are_answered_calmly(newsroom, q):
    response = Client().get("/search/", {"q": q})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert secrets_in(response.text, 1) == []


def test_search_results_are_paginated(newsroom):
    assert Client().get("/search/", {"q": "story", "page": "1"}).status_code == 200
    # A page that does not exist is not found, like every other listing's.
    assert Client().get("/search/", {"q": "story", "page": "999"}).status_code == 404
    assert Client().get("/search/", {"q": "story", "page": "junk"}).status_code == 404
