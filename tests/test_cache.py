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
