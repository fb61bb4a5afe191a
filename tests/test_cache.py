"""An unreachable Redis is an empty cache and an unavailable meter, never an error."""

import socket

import pytest
from django.utils import timezone

from masthead.cache import Breaker, ResilientRedisCache
from masthead.paywall.meters import MeterUnavailable, RedisMeterStore
from masthead.paywall.windows import window_for


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe closes


@pytest.fixture
def nowhere():
    return f"redis://127.0.0.1:{closed_port()}/0"


def test_an_unreachable_cache_reads_as_empty_and_writes_do_nothing(nowhere):
    cache = ResilientRedisCache(nowhere, {})
    assert cache.get("page", "fallback") == "fallback"
    assert cache.get("page", default="fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("a") is False
    assert cache.add("lock", 1) is True  # a lock that cannot be taken must not lock readers out
    cache.set("a", 1)
    cache.delete("a")
    cache.delete_many(["a"])
    assert cache.get_or_set("a", 7) == 7
    with pytest.raises(ValueError):
        cache.incr("hits")
    assert not cache.breaker.closed()  # later calls skip Redis until the retry time


def test_the_cache_comes_back_by_itself_when_redis_answers_again(redis_url):
    cache = ResilientRedisCache(redis_url, {"KEY_PREFIX": "test-resilient"})
    cache.breaker.failed(ConnectionError("was down"))
    assert cache.get("k", "miss") == "miss"  # inside the retry interval: Redis is not asked
    cache.breaker = Breaker("cache", retry_seconds=0)
    cache.breaker.failed(ConnectionError("was down"))  # and the interval is over at once
    cache.set("k", "v")
    assert cache.get("k") == "v" and cache.breaker.closed()
    cache.delete("k")


def test_an_unreachable_meter_store_is_unavailable_and_says_so_quickly(nowhere, settings):
    store = RedisMeterStore(nowhere)
    window = window_for(timezone.now(), "day", "UTC")
    with pytest.raises(MeterUnavailable):
        store.consume("v:someone", window, 1, 3)
    with pytest.raises(MeterUnavailable, match="retrying shortly"):
        store.peek("v:someone", window, 1, 3)


@pytest.mark.django_db
def test_the_database_caches_get_many_answers_as_djangos_does():
    from django.core.cache.backends.db import DatabaseCache as DjangosCache
    from django.db import connection

    from masthead.cache import DatabaseCache

    ours = DatabaseCache("masthead_cache", {"KEY_PREFIX": "t"})
    django = DjangosCache("masthead_cache", {"KEY_PREFIX": "t"})
    ours.set("session", {"_auth_user_id": "7"}, 60)
    django.set("version", "a1b2c3", None)
    ours.set("other-version", "v2", 60, version=2)

    def stored(key):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM masthead_cache WHERE cache_key = %s", [ours.make_key(key)]
            )
            return cursor.fetchone() is not None

    ours.set("stale", "gone", -5)  # already past its expiry
    assert stored("stale")
    django.set("stale-too", "gone", -5)

    for keys in (
        ["session"],
        ["session", "version", "missing"],
        ["stale", "version"],
        ["stale-too"],
        [],
    ):
        assert ours.get_many(keys) == django.get_many(keys)
    assert ours.get_many(["session", "version", "missing"]) == {
        "session": {"_auth_user_id": "7"},
        "version": "a1b2c3",
    }
    assert ours.get_many(["other-version"], version=2) == {"other-version": "v2"}
    assert ours.get("missing", "fallback") == "fallback"
    # An expired entry is no entry, though it stays in the table until culled.
    ours.set("stale", "gone", -5)
    assert ours.get_many(["stale"]) == {} and stored("stale")
    assert ours.get_many(["stale", "session"]) == {"session": {"_auth_user_id": "7"}}
