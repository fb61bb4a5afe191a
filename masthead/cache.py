"""The shared cache: Redis, what the site does while Redis is away, and the
database cache that stands in for Redis on a site without it.

Redis holds things Masthead can do without for a while: rendered pages,
session copies (sessions are written through to the database), rate-limit
counters and DNS answers — and, in another client, the paywall's meters.
When it stops answering, pages must keep serving rather than fail with 500s:

- ``ResilientRedisCache`` is Django's Redis cache with every failure turned
  into a miss (reads return the default, writes do nothing), so the page is
  rendered from the database instead;
- ``Breaker`` keeps a process from paying a connection timeout on every call
  during an outage: after a failure it skips Redis for ``RETRY_SECONDS``,
  then tries again, so recovery needs no restart.

The meter store uses its own ``Breaker`` and answers "unavailable"; the
paywall's *open when meter unavailable* setting decides what readers get.

Trade-offs while Redis is down: allauth's rate limits do not count (they fail
open rather than lock every reader out), and a logout or a comment cannot
delete its cached copy; the copies expire (sessions when they would anyway,
comment prompts within minutes). A Redis that restarts empty, as configured in
docs/deploy.md, holds no stale copies at all.
"""

from __future__ import annotations

import base64
import logging
import pickle
import threading
import time

import redis
from django.core.cache import cache
from django.core.cache.backends import db as db_cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import connections, router
from django.utils import timezone

logger = logging.getLogger("masthead.redis")

RETRY_SECONDS = 1.0


class Unavailable(Exception):
    """The service failed just now, or did recently and is not being asked yet."""


class Breaker:
    """Per process: after a failure, callers skip the service until the retry time."""

    def __init__(self, name: str, retry_seconds: float = RETRY_SECONDS):
        self.name = name
        self.retry_seconds = retry_seconds
        self._open_until = 0.0
        self._lock = threading.Lock()

    def closed(self) -> bool:
        """True when a call may be tried."""
        return time.monotonic() >= self._open_until

    def failed(self, exc: Exception) -> None:
        with self._lock:
            first = self._open_until == 0.0
            self._open_until = time.monotonic() + self.retry_seconds
        if first:
            logger.warning("%s unavailable: %s", self.name, exc, extra={"service": self.name})

    def succeeded(self) -> None:
        if self._open_until:
            with self._lock:
                self._open_until = 0.0
            logger.warning("%s available again", self.name, extra={"service": self.name})

    def call(self, operation):
        """``operation()``, or ``Unavailable`` while the breaker is open or when
        Redis fails (which opens it)."""
        if not self.closed():
            raise Unavailable(f"{self.name} is unavailable; retrying shortly")
        try:
            result = operation()
        except redis.RedisError as exc:
            self.failed(exc)
            raise Unavailable(str(exc)) from exc
        self.succeeded()
        return result


def _guarded(name: str, default):
    def method(self, *args, **kwargs):
        parent = getattr(super(ResilientRedisCache, self), name)
        try:
            return self.breaker.call(lambda: parent(*args, **kwargs))
        except Unavailable:
            return default(args, kwargs)

    method.__name__ = name
    return method


def _argument(index: int, keyword: str, fallback=None):
    """The default a read returns on a miss: the caller's ``default`` argument."""

    def pick(args, kwargs):
        if keyword in kwargs:
            return kwargs[keyword]
        return args[index] if len(args) > index else fallback

    return pick


def _constant(value):
    return lambda args, kwargs: value


class OneClientPerPool(RedisCacheClient):
    """Django wraps a new ``redis.Redis`` around its connection pool for every
    cache call, which costs more than a local Redis round trip (it builds the
    client's table of response callbacks each time). One per pool serves every
    call: the client holds no state of its own, and the pool is thread-safe
    and reconnects after a fork."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(index)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, treating an unreachable Redis as an empty cache."""

    def __init__(self, server, params):
        options = params.setdefault("OPTIONS", {})
        # A blackholed Redis must not hold a request for the kernel's timeout.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, params)
        self._class = OneClientPerPool
        self.breaker = Breaker("cache")

    get = _guarded("get", _argument(1, "default"))
    get_many = _guarded("get_many", _constant({}))
    has_key = _guarded("has_key", _constant(False))
    # "Added" while Redis is away: allauth's rate limits take a lock with add()
    # and would answer every sign-in with 429 if it always failed. Failing
    # open is the documented trade-off; nothing in Masthead locks with add().
    add = _guarded("add", _constant(True))
    set = _guarded("set", _constant(None))
    set_many = _guarded("set_many", _constant([]))
    touch = _guarded("touch", _constant(False))
    delete = _guarded("delete", _constant(False))
    delete_many = _guarded("delete_many", _constant(None))
    clear = _guarded("clear", _constant(None))

    def set_reporting(self, key, value, timeout=None) -> bool:
        """``set``, saying whether Redis stored it (False while it is away)."""
        parent = super().set
        try:
            self.breaker.call(lambda: parent(key, value, timeout))
        except Unavailable:
            return False
        return True

    def incr(self, key, delta=1, version=None):
        # Django's contract: ValueError for a missing key. An unreachable
        # Redis is reported the same way, so callers that handle a miss cope.
        parent = super().incr
        try:
            return self.breaker.call(lambda: parent(key, delta, version))
        except Unavailable as exc:
            raise ValueError(f"Key '{key}' not found (cache unavailable).") from exc


def stored(key: str, value, timeout=None) -> bool:
    """Set ``key`` in the default cache forever (or for ``timeout``) and say
    whether it was stored. Only the Redis cache can lose a write quietly;
    the others raise when they fail."""
    report = getattr(cache, "set_reporting", None)
    if report is not None:
        return report(key, value, timeout)
    cache.set(key, value, timeout)
    return True


class DatabaseCache(db_cache.DatabaseCache):
    """Django's database cache (the shared cache without Redis), with
    ``get_many`` — a signed-in page's one early read — doing per call only
    what depends on the keys. Django's builds the statement, a DateTimeField
    and the expiry converters anew on every call, parses every row's expiry in
    Python and checks every key for memcached's limits, which are not this
    cache's. Here the statement is made once per process and number of keys,
    and the database leaves out what has expired: an expired entry is no entry,
    as in Django's (which also deletes it there; here culling does, on the
    next write that finds the table full, as it does for entries never read)."""

    _statements: dict[tuple[str, int], str] = {}

    def _statement(self, alias: str, count: int) -> str:
        sql = self._statements.get((alias, count))
        if sql is None:
            quote = connections[alias].ops.quote_name
            sql = "SELECT {}, {} FROM {} WHERE {} IN ({}) AND {} > %s".format(
                quote("cache_key"),
                quote("value"),
                quote(self._table),
                quote("cache_key"),
                ", ".join(["%s"] * count),
                quote("expires"),
            )
            self._statements[(alias, count)] = sql
        return sql

    def get_many(self, keys, version=None):
        if not keys:
            return {}
        key_map = {self.make_key(key, version=version): key for key in keys}
        alias = router.db_for_read(self.cache_model_class)
        connection = connections[alias]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(self._statement(alias, len(key_map)), [*key_map, now])
            rows = cursor.fetchall()
        result = {}
        for key, value in rows:
            value = connection.ops.process_clob(value)
            result[key_map[key]] = pickle.loads(base64.b64decode(value.encode()))  # noqa: S301 - our own rows
        return result
