"""How often the API may be asked: per key, and per address for callers without one.

Counted in a store every worker shares — Redis when configured (an atomic
``INCR``), the database otherwise (``RateWindow``, an atomic ``UPDATE``) —
never in one process's memory, where each worker would count alone. Windows
are whole minutes. A caller over the limit gets ``429`` with ``Retry-After``
(the seconds until the minute ends). With Redis unreachable, requests are
not counted (the API stays up rather than refusing everyone).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F

from masthead.api.models import RateWindow

WINDOW = 60


def _shared_cache() -> bool:
    return "redis" in settings.CACHES["default"]["BACKEND"].lower()


def _count_in_redis(key: str) -> int | None:
    cache.add(key, 0, timeout=2 * WINDOW)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls, or Redis is away
        return None


def _count_in_database(key: str, ends: float) -> int:
    window = RateWindow.objects.filter(key=key)
    if not window.update(hits=F("hits") + 1):
        try:
            with transaction.atomic():
                RateWindow.objects.create(
                    key=key, hits=1, expires_at=datetime.fromtimestamp(ends, UTC)
                )
        except IntegrityError:  # another worker opened the window a moment ago
            window.update(hits=F("hits") + 1)
    return window.values_list("hits", flat=True).get()


def spend(bucket: str, limit: int) -> int | None:
    """Count one request against ``bucket``; ``None`` when it is within ``limit``,
    else the seconds until the caller may ask again."""
    now = time.time()
    start = int(now // WINDOW) * WINDOW
    key = f"masthead:api-rate:{bucket}:{start}"
    if _shared_cache():
        hits = _count_in_redis(key)
    else:
        hits = _count_in_database(key, start + WINDOW)
    if hits is None or hits <= limit:
        return None
    return max(1, int(start + WINDOW - now + 0.999))


def purge_expired(now=None) -> int:
    deleted, _ = RateWindow.objects.filter(expires_at__lte=now or datetime.now(UTC)).delete()
    return deleted
