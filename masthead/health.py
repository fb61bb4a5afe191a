"""``/healthz``: is this app server able to serve? For load balancers and monitors.

It checks the database (a trivial query) and, when ``REDIS_URL`` is set, Redis
(a PING with a short timeout), and answers 200 with what it checked, or 503
saying which dependency failed. The public answer says only "unavailable":
the error itself, which names hosts and ports, goes to the log with the
request's id. It touches no content, sessions or cookies.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

REDIS_TIMEOUT = 0.5
logger = logging.getLogger("masthead.health")


def _database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not healthy", with its reason
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
    return None


def _redis(url: str) -> str | None:
    import redis

    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
        client.ping()
        client.close()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@never_cache
@require_safe
def healthz(request):
    started = time.monotonic()
    checks = {"database": _database()}
    if settings.MASTHEAD_METER_REDIS_URL:
        checks["redis"] = _redis(settings.MASTHEAD_METER_REDIS_URL)
    failed = {name: error for name, error in checks.items() if error}
    for name, error in failed.items():
        logger.warning("health check failed: %s: %s", name, error, extra={"check": name})
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": {name: ("unavailable" if error else "ok") for name, error in checks.items()},
        "ms": round((time.monotonic() - started) * 1000, 1),
    }
    return JsonResponse(body, status=503 if failed else 200)
