"""Conditional GETs on the API: If-None-Match as RFC 9110 reads it (through
Django's get_conditional_response), and what a 304 keeps."""

import pytest
from django.test import Client

from masthead.api.models import ApiKey
from tests import factories
from tests.paywall.helpers import gated_article

pytestmark = pytest.mark.django_db

URL = "/api/v1/sections/"


@pytest.fixture(scope="module")
def published(module_db):
    """One article in one section, made once for the module."""
    with module_db():
        home = factories.site()
        section = factories.section(home, "World")
        gated_article(section, 1)


@pytest.fixture
def current_etag(db, published):
    first = Client().get(URL)
    assert first.status_code == 200 and first["ETag"].startswith('"')
    return first["ETag"]


def get(**headers):
    return Client().get(URL, **headers)


def assert_not_modified(response, etag):
    assert response.status_code == 304
    assert response.content == b""
    # What a cache needs to keep using its copy: the same validators and rules.
    assert response["ETag"] == etag
    assert "Authorization" in response["Vary"]
    assert "max-age=60" in response["Cache-Control"]


def test_the_current_etag_gets_a_304(current_etag):
    assert_not_modified(get(HTTP_IF_NONE_MATCH=current_etag), current_etag)


def test_a_list_of_etags_that_includes_the_current_one_gets_a_304(current_etag):
    listed = f'"0123456789abcdef", {current_etag} ,W/"stale"'
    assert_not_modified(get(HTTP_IF_NONE_MATCH=listed), current_etag)


def test_a_list_of_only_other_etags_gets_the_answer(current_etag):
    response = get(HTTP_IF_NONE_MATCH='"0123456789abcdef", W/"stale"')
    assert response.status_code == 200 and response.json()["count"] == 1
    assert response["ETag"] == current_etag


def test_a_star_matches_any_current_answer(current_etag):
    assert_not_modified(get(HTTP_IF_NONE_MATCH="*"), current_etag)


def test_a_weak_etag_matches_weakly(current_etag):
    """If-None-Match compares weakly: W/"x" stands for the same answer as "x"."""
    assert_not_modified(get(HTTP_IF_NONE_MATCH=f"W/{current_etag}"), current_etag)


@pytest.mark.parametrize("header", ["", "not-quoted", '"', "W/", ",,,", '"a" "b"'])
def test_a_malformed_if_none_match_is_ignored_not_an_error(current_etag, header):
    response = get(HTTP_IF_NONE_MATCH=header)
    assert response.status_code == 200 and response["ETag"] == current_etag


def test_if_none_match_wins_over_if_modified_since(current_etag):
    long_ago = "Sat, 01 Jan 2000 00:00:00 GMT"
    response = get(HTTP_IF_NONE_MATCH='"other"', HTTP_IF_MODIFIED_SINCE=long_ago)
    assert response.status_code == 200
    # Alone, a date says nothing: the answers carry no Last-Modified to compare.
    alone = get(HTTP_IF_MODIFIED_SINCE="Fri, 01 Jan 2100 00:00:00 GMT")
    assert alone.status_code == 200 and "Last-Modified" not in alone


def test_if_match_must_name_the_current_answer(current_etag):
    assert get(HTTP_IF_MATCH=current_etag).status_code == 200
    failed = get(HTTP_IF_MATCH='"stale"')
    assert failed.status_code == 412
    assert failed["Content-Type"] == "application/json"
    assert "If-Match" in failed.json()["error"]


def test_an_etag_is_per_caller_and_a_304_keeps_a_keys_cache_rules(current_etag):
    made = ApiKey(name="Partner", full_text=False)
    made.save()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {made.new_key}"}
    with_key = get(**auth)
    assert with_key.status_code == 200
    again = get(HTTP_IF_NONE_MATCH=with_key["ETag"], **auth)
    assert again.status_code == 304
    assert "private" in again["Cache-Control"] and "public" not in again["Cache-Control"]


def test_errors_are_never_turned_into_304s(current_etag):
    response = Client().get(URL + "?page=0", HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 400 and response.json()["error"]
