"""gunicorn settings for Masthead (read automatically from the working directory).

Every value can be overridden from the environment, so the same file serves
a laptop, a production host and the benchmarks.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: Masthead's requests are short and CPU-bound (templates), so one
# process per core plus one keeps the CPUs busy while a worker waits on I/O.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# Load the application once in the master and fork workers from it: a worker
# that is replaced (max_requests, a crash) is serving again in milliseconds
# instead of spending a second importing Django and Wagtail while requests
# queue behind it. Django opens no connections at import, so none are shared.
preload_app = True
# Replace workers now and then as a guard against slow leaks, staggered so
# they do not all restart at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 50000))
max_requests_jitter = max_requests // 10
# Masthead logs each request itself (logger masthead.request: JSON, with the
# request id and time taken), so gunicorn's own access log is off unless asked for.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "") or None
# If it is, secrets in paths, queries and headers are masked there too.
logger_class = "masthead.access_log.RedactingLogger"
errorlog = "-"
# One rule for the whole site: forwarded headers (X-Forwarded-Proto here, and
# X-Forwarded-For, X-Request-ID in Django) count only from TRUSTED_PROXIES.
# Without any, gunicorn believes none either, so the scheme Django sees is the
# connection's own.
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "").strip() or ""


def pre_fork(server, worker):
    """Freeze what the master loaded (Django, Wagtail, the app) before each
    fork: the garbage collector's full passes in the workers then skip those
    hundreds of thousands of long-lived objects instead of walking them all
    again, and their memory stays shared with the master instead of being
    copied by the collector's bookkeeping (Python's gc.freeze documentation)."""
    gc.freeze()
