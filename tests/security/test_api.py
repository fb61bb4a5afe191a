"""The content API: filters, pagination, ETags, keys — and the wall."""

import pytest
from django.test import Client

from masthead.api.models import ApiKey
from masthead.newsroom.models import HomePage
from tests import factories
from tests.conftest import fresh
from tests.paywall.helpers import gated_article, secrets_in, teasers_in

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def published(module_db):
    """The site and its articles, made once for the module: each test's keys
    and reads are rolled back after it."""
    with module_db():
        return make_newsroom()


@pytest.fixture
def newsroom(db, published):
    return fresh(published)


def make_newsroom():
    home = factories.site()
    world = factories.section(home, "World")
    defense = factories.section(home, "Defense")
    index = factories.authors_index(home)
    dana = factories.author(index, "Dana Field")
    sam = factories.author(index, "Sam Okafor")
    metered = gated_article(world, 1, authors=[dana], tags=["drones"])
    free = gated_article(defense, 2, access="free", authors=[sam])
    locked = gated_article(world, 3, access="subscribers", authors=[dana, sam])
    return {"metered": metered, "free": free, "locked": locked}


def key(full_text):
    made = ApiKey(name="Partner app", full_text=full_text)
    made.save()
    return made.new_key


def get(url, token=None, **headers):
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return Client().get(url, **headers)


def test_articles_list_filters_and_paginates(newsroom):
    everything = get("/api/v1/articles/").json()
    assert everything["count"] == 3
    assert [a["headline"] for a in everything["results"]][0] == "Story 3"  # newest first
    assert get("/api/v1/articles/?section=defense").json()["count"] == 1
    assert get("/api/v1/articles/?author=dana-field").json()["count"] == 2
    assert get("/api/v1/articles/?tag=drones").json()["results"][0]["headline"] == "Story 1"
    assert get("/api/v1/articles/?published_after=2999-01-01").json()["count"] == 0
    first = get("/api/v1/articles/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"].endswith("page=2")
    second = get(first["next"].replace("http://testserver", "")).json()
    assert len(second["results"]) == 1 and second["next"] is None and second["previous"]


@pytest.mark.parametrize(
    "query, status",
    [
        ("?page=0", 400),
        ("?page=abc", 400),
        ("?page_size=500", 400),
        ("?page=9", 404),
        ("?published_after=yesterday", 400),
        ("?section=no-such-section", 404),
    ],
)
def test_bad_queries_get_a_clear_json_error(newsroom, query, status):
    response = get(f"/api/v1/articles/{query}")
    assert response.status_code == status and response.json()["error"]


def test_anonymous_and_ordinary_keys_get_the_teaser(newsroom):
    for token in (None, key(full_text=False)):
        for name in ("metered", "locked"):
            article = newsroom[name]
            data = get(f"/api/v1/articles/{article.pk}/", token).json()
            text = str(data)
            number = int(article.title.split()[-1])
            assert teasers_in(text, number) and secrets_in(text, number) == []
            assert data["complete"] is False


def test_a_full_text_key_gets_whole_articles(newsroom):
    token = key(full_text=True)
    response = get(f"/api/v1/articles/{newsroom['locked'].pk}/", token)
    assert len(secrets_in(str(response.json()), 3)) == 3 and response.json()["complete"]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_free_articles_are_whole_for_everyone(newsroom):
    data = get(f"/api/v1/articles/{newsroom['free'].pk}/").json()
    assert len(secrets_in(str(data), 2)) == 3 and data["complete"]


def test_keys_are_stored_hashed_and_revocable(newsroom):
    token = key(full_text=True)
    stored = ApiKey.objects.get()
    assert token not in str(stored.__dict__) and stored.key_digest != token
    stored.revoked = True
    stored.save()
    response = get(f"/api/v1/articles/{newsroom['locked'].pk}/", token)
    assert response.status_code == 401 and "revoked" in response.json()["error"]
    assert secrets_in(response.content.decode(), 3) == []


@pytest.mark.parametrize("header", ["Bearer mh_not-a-real-key", "Bearer ", "Basic abc", "Bearer x"])
def test_a_bad_key_is_refused_not_ignored(newsroom, header):
    response = Client().get("/api/v1/articles/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_etags_answer_304_when_nothing_changed(newsroom):
    first = get("/api/v1/sections/")
    etag = first["ETag"]
    again = get("/api/v1/sections/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    factories.section(HomePage.objects.get(), "Culture")
    changed = get("/api/v1/sections/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_sections_and_authors(newsroom):
    sections = get("/api/v1/sections/").json()
    assert [s["slug"] for s in sections["results"]] == ["world", "defense"]
    authors = get("/api/v1/authors/").json()
    assert [a["name"] for a in authors["results"]] == ["Dana Field", "Sam Okafor"]


def test_the_admin_shows_a_new_key_once(newsroom, django_user_model):
    admin = django_user_model.objects.create_superuser("ed", "ed@example.com", "pw")
    client = Client()
    client.force_login(admin)
    factories.reauthenticate(client, "pw")
    response = client.post(
        "/admin/snippets/api/apikey/add/", {"name": "Newsletter", "full_text": "on"}
    )
    # In the answer to the form itself, not in a message (a cookie): see test_api_keys.py.
    assert response.status_code == 200
    stored = ApiKey.objects.get(name="Newsletter")
    body = response.content.decode()
    assert f'value="{stored.prefix}' in body and "cannot be shown again" in body
    assert not [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("path", ["/api/v1/articles/99999999999999999999999/", "/api/v1/nope/"])
def test_unknown_things_are_json_404s(newsroom, path):
    response = get(path)
    assert response.status_code == 404 and response.json()["error"]


def test_writes_are_a_json_405(newsroom):
    response = Client().post("/api/v1/articles/", {})
    assert response.status_code == 405 and response.json()["error"]


def test_callers_are_limited_per_address_and_per_key_with_retry_after(newsroom, settings):
    settings.MASTHEAD_API_RATE_PER_ADDRESS = 3
    settings.MASTHEAD_API_RATE_PER_KEY = 5
    answers = [get("/api/v1/sections/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = get("/api/v1/sections/")
    assert limited.status_code == 429 and 1 <= int(limited["Retry-After"]) <= 60
    assert "error" in limited.json()
    # Another address is counted apart; so is a key, on its own allowance.
    assert get("/api/v1/sections/", REMOTE_ADDR="198.51.100.9").status_code == 200
    token = key(full_text=False)
    assert [get("/api/v1/sections/", token).status_code for _ in range(6)] == [200] * 5 + [429]


def test_a_bad_key_is_refused_before_it_is_counted(newsroom, settings):
    settings.MASTHEAD_API_RATE_PER_ADDRESS = 1
    assert get("/api/v1/sections/", "mh_not-a-key").status_code == 401
    assert get("/api/v1/sections/").status_code == 200
