"""Meters: how many distinct metered articles a reader has opened in a window.

One interface, two stores. Both are atomic and idempotent per article per
window: concurrent first visits to N articles with an allowance of L yield
exactly min(N, L) reads, and re-opening an article never costs twice.
``peek`` looks without spending, and says NOT_COUNTED for an article the
window has not counted: the policy grants nothing for that.
"""

from __future__ import annotations

from functools import cache

import redis
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from masthead.cache import Breaker, Unavailable
from masthead.paywall.models import MeterEntry, MeterWindow
from masthead.paywall.policy import MeterOutcome, MeterState
from masthead.paywall.windows import Window


class MeterUnavailable(Exception):
    """The meter store could not answer; the policy decides what readers get."""


class DatabaseMeterStore:
    def consume(self, key: str, window: Window, article_id: int, limit: int) -> MeterState:
        # Most requests are re-reads or readers already over the limit: one
        # read answers them without taking a write lock. ``used`` only grows
        # within a window, so an answer read here stays true.
        known = self._lookup(key, window, article_id)
        if known is not None:
            used, counted = known
            if counted:
                return MeterState(MeterOutcome.COUNTED_BEFORE, used, limit)
            if used >= limit:
                return MeterState(MeterOutcome.OVER_LIMIT, used, limit)
        with transaction.atomic():
            meter = self._meter(key, window)
            if meter.entries.filter(article_id=article_id).exists():
                return MeterState(MeterOutcome.COUNTED_BEFORE, self._used(meter), limit)
            try:
                with transaction.atomic():
                    granted = MeterWindow.objects.filter(pk=meter.pk, used__lt=limit).update(
                        used=F("used") + 1
                    )
                    if not granted:
                        return MeterState(MeterOutcome.OVER_LIMIT, self._used(meter), limit)
                    MeterEntry.objects.create(meter=meter, article_id=article_id)
            except IntegrityError:
                # The same article, counted by a concurrent request a moment ago;
                # the savepoint rolled our increment back.
                return MeterState(MeterOutcome.COUNTED_BEFORE, self._used(meter), limit)
            return MeterState(MeterOutcome.COUNTED_NOW, self._used(meter), limit)

    def peek(self, key: str, window: Window, article_id: int, limit: int) -> MeterState:
        used, counted = self._lookup(key, window, article_id) or (0, False)
        if counted:
            return MeterState(MeterOutcome.COUNTED_BEFORE, used, limit)
        if used >= limit:
            return MeterState(MeterOutcome.OVER_LIMIT, used, limit)
        return MeterState(MeterOutcome.NOT_COUNTED, used, limit)

    @staticmethod
    def _lookup(key: str, window: Window, article_id: int) -> tuple[int, bool] | None:
        """(used, whether this article is counted) in one query; None if no meter yet."""
        quote = connection.ops.quote_name
        meters, entries = quote(MeterWindow._meta.db_table), quote(MeterEntry._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT m.used, EXISTS(SELECT 1 FROM {entries} e"  # noqa: S608 - names from the models
                f" WHERE e.meter_id = m.id AND e.article_id = %s)"
                f" FROM {meters} m WHERE m.{quote('key')} = %s AND m.{quote('window')} = %s",
                [article_id, key, window.id],
            )
            row = cursor.fetchone()
        return None if row is None else (int(row[0]), bool(row[1]))

    def merge(self, source: str, target: str, window: Window) -> None:
        with transaction.atomic():
            origin = MeterWindow.objects.filter(key=source, window=window.id).first()
            if origin is None:
                return
            # Lock the target so a concurrent read cannot interleave with the recount.
            meter = MeterWindow.objects.select_for_update().get(pk=self._meter(target, window).pk)
            have = set(meter.entries.values_list("article_id", flat=True))
            MeterEntry.objects.bulk_create(
                [
                    MeterEntry(meter=meter, article_id=article_id)
                    for article_id in origin.entries.values_list("article_id", flat=True)
                    if article_id not in have
                ],
                ignore_conflicts=True,
            )
            MeterWindow.objects.filter(pk=meter.pk).update(used=meter.entries.count())

    def purge_expired(self, now=None) -> int:
        _, by_model = MeterWindow.objects.filter(expires_at__lte=now or timezone.now()).delete()
        return by_model.get(MeterWindow._meta.label, 0)

    @staticmethod
    def _meter(key: str, window: Window) -> MeterWindow:
        meter, _ = MeterWindow.objects.get_or_create(
            key=key, window=window.id, defaults={"expires_at": window.ends_at}
        )
        return meter

    @staticmethod
    def _used(meter: MeterWindow) -> int:
        return MeterWindow.objects.values_list("used", flat=True).get(pk=meter.pk)


# KEYS[1]: the window's set of counted articles. ARGV: article id, limit, expiry (unix s).
# Returns {outcome, used}: 0 counted now, 1 counted before, 2 over the limit.
CONSUME = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
  return {1, redis.call('SCARD', KEYS[1])}
end
local used = redis.call('SCARD', KEYS[1])
if used >= tonumber(ARGV[2]) then
  return {2, used}
end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIREAT', KEYS[1], ARGV[3])
return {0, used + 1}
"""

MERGE = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('SUNIONSTORE', KEYS[2], KEYS[2], KEYS[1])
  redis.call('EXPIREAT', KEYS[2], ARGV[1])
end
return redis.call('SCARD', KEYS[2])
"""

OUTCOMES = {0: MeterOutcome.COUNTED_NOW, 1: MeterOutcome.COUNTED_BEFORE, 2: MeterOutcome.OVER_LIMIT}


class RedisMeterStore:
    """A Redis set per reader per window; one Lua script per operation keeps it atomic."""

    def __init__(self, url: str, timeout: float = 0.5):
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
        )
        self._consume = self.client.register_script(CONSUME)
        self._merge = self.client.register_script(MERGE)
        # During an outage, answer "unavailable" at once instead of waiting
        # for a timeout on every request; try Redis again a second later.
        self.breaker = Breaker("meter store")

    def _call(self, operation):
        try:
            return self.breaker.call(operation)
        except Unavailable as exc:
            raise MeterUnavailable(str(exc)) from exc

    @staticmethod
    def _key(key: str, window: Window) -> str:
        return f"masthead:meter:{window.id}:{key}"

    def consume(self, key: str, window: Window, article_id: int, limit: int) -> MeterState:
        expiry = int(window.ends_at.timestamp()) + 3600
        outcome, used = self._call(
            lambda: self._consume(keys=[self._key(key, window)], args=[article_id, limit, expiry])
        )
        return MeterState(OUTCOMES[int(outcome)], int(used), limit)

    def peek(self, key: str, window: Window, article_id: int, limit: int) -> MeterState:
        counted, used = self._call(lambda: self._peek(self._key(key, window), article_id))
        if counted:
            return MeterState(MeterOutcome.COUNTED_BEFORE, used, limit)
        if used >= limit:
            return MeterState(MeterOutcome.OVER_LIMIT, used, limit)
        return MeterState(MeterOutcome.NOT_COUNTED, used, limit)

    def _peek(self, key: str, article_id: int):
        with self.client.pipeline(transaction=False) as pipe:
            pipe.sismember(key, article_id)
            pipe.scard(key)
            return pipe.execute()

    def merge(self, source: str, target: str, window: Window) -> None:
        expiry = int(window.ends_at.timestamp()) + 3600
        self._call(
            lambda: self._merge(
                keys=[self._key(source, window), self._key(target, window)], args=[expiry]
            )
        )

    def purge_expired(self, now=None) -> int:
        return 0  # keys expire by themselves


@cache
def get_store():
    """The configured store: ``MASTHEAD_METER_STORE`` is "database", "redis" or a dotted path."""
    choice = settings.MASTHEAD_METER_STORE
    if choice == "redis":
        return RedisMeterStore(settings.MASTHEAD_METER_REDIS_URL)
    if choice == "database":
        return DatabaseMeterStore()
    return import_string(choice)()
