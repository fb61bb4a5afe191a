"""An account's standing kept between requests, and every way it changes."""

import pytest

from masthead.members import standing
from masthead.members.models import ComplimentaryAccess
from masthead.newsroom import freshness
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_grant_given_to_another_account_leaves_the_first_at_once():
    first, second = factories.reader("first@example.com"), factories.reader("second@example.com")
    grant = ComplimentaryAccess.objects.create(user=first, reason="press")
    assert standing.of(first).entitled and not standing.of(second).entitled
    grant.user = second  # an editor picks another account in the admin
    grant.save()
    assert not standing.of(first).entitled
    assert standing.of(second).entitled


def test_a_change_redis_could_not_record_lets_go_of_every_kept_standing(monkeypatch):
    reader = factories.reader("outage@example.com")
    assert not standing.of(reader).entitled
    before = freshness.current()
    monkeypatch.setattr(standing, "stored", lambda key, value, timeout=None: False)
    ComplimentaryAccess.objects.create(user=reader, reason="granted while Redis was away")
    assert freshness.current() != before
    assert standing.of(reader).entitled


def test_the_redis_cache_says_when_a_write_was_lost():
    from masthead.cache import ResilientRedisCache

    away = ResilientRedisCache("redis://127.0.0.1:9/0", {})  # nothing listens on port 9
    assert away.set_reporting("key", "value") is False
    assert away.get("key") is None
