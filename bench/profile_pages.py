#!/usr/bin/env python
"""Where a page's time goes: queries and cache round trips per request, and a profile.

Builds the benchmark's database (the demo, a subscriber, a registered reader
and an article with a 50-comment thread, as ``bench/paywall.py`` does), then
serves each scenario in this process through Django's full middleware stack
with production settings and reports, per request once warm: the database
queries (with their SQL), the cache calls, and the functions that cost most
(cProfile, cumulative time).

    .venv/bin/python bench/profile_pages.py 2>/dev/null         # SQLite; logs on stderr
    .venv/bin/python bench/profile_pages.py --backend postgres+redis
    .venv/bin/python bench/profile_pages.py --scenario subscriber --top 40
    .venv/bin/python bench/profile_pages.py --scenario subscriber --callers get_host
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import logging
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from paywall import (  # noqa: E402
    COMMENTS,
    EXPERIMENT,
    REGISTERED,
    SETUP,
    SUBSCRIBER,
    backend_env,
)

from tests.servers import manage, shell  # noqa: E402


def build(backend: str, tmp: Path) -> tuple[dict, dict]:
    env = backend_env(backend, tmp)
    if env is None:
        sys.exit(f"{backend} is not available here")
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    env["LOG_LEVEL"] = "WARNING"
    setup = SETUP.format(
        email=SUBSCRIBER[0], password=SUBSCRIBER[1], registered=REGISTERED[0], comments=COMMENTS
    )
    return env, json.loads(shell(env, setup))


class CacheCalls:
    """Counts calls on the default cache (each is a round trip on Redis)."""

    def __init__(self):
        self.calls = Counter()

    def __enter__(self):
        from django.core.cache import cache

        self.cache = cache._connections[cache._alias] if hasattr(cache, "_connections") else cache
        real = type(self.cache)
        self.saved = {}
        for name in ("get", "set", "add", "delete", "get_many", "set_many", "incr", "touch"):
            original = getattr(real, name)
            self.saved[name] = original

            def counted(instance, *args, _name=name, _original=original, **kwargs):
                self.calls[_name] += 1
                return _original(instance, *args, **kwargs)

            setattr(real, name, counted)
        return self

    def __exit__(self, *exc):
        real = type(self.cache)
        for name, original in self.saved.items():
            setattr(real, name, original)


class CollectorTime:
    """The time Python's cyclic garbage collector takes while this is open."""

    def __init__(self):
        self.seconds, self.runs, self._started = 0.0, 0, None

    def _callback(self, phase, info):
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self.seconds += time.perf_counter() - self._started
            self.runs += 1

    def __enter__(self):
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self._callback)


def wsgi_caller(path: str, client):
    """A callable that serves ``path`` through Django's WSGI handler with the
    client's cookies, reading the whole body, as a worker would."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.client import RequestFactory

    handler = WSGIHandler()
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    environ = RequestFactory()._base_environ(
        PATH_INFO=path, HTTP_HOST="127.0.0.1", HTTP_COOKIE=cookie, REQUEST_METHOD="GET"
    )

    def start_response(status, headers, exc_info=None):
        assert status.startswith("200"), status

    def serve():
        response = handler(dict(environ), start_response)
        b"".join(response)
        response.close()

    return serve


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres+redis"])
    parser.add_argument("--scenario", action="append", help="only these (repeatable)")
    parser.add_argument("--requests", type=int, default=200, help="profiled requests each")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sql", action="store_true", help="print each request's SQL")
    parser.add_argument(
        "--callers", action="append", help="also print who calls the functions matching this regex"
    )
    parser.add_argument(
        "--callees", action="append", help="also print what the functions matching this regex call"
    )
    parser.add_argument(
        "--experiment",
        action="store_true",
        help="with an offer experiment running (two variants of the registration wall)",
    )
    parser.add_argument(
        "--alternate-experiment",
        type=int,
        metavar="ROUNDS",
        help="instead of profiling: each scenario's CPU per request without and with an "
        "offer experiment running, alternately, ROUNDS times each",
    )
    parser.add_argument(
        "--no-logs",
        action="store_true",
        help="leave out the request and decision log lines production writes (to stderr)",
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="masthead-profile-"))
    env, urls = build(args.backend, tmp)
    os.environ.clear()
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "masthead.settings"
    import django

    django.setup()
    if args.no_logs:
        logging.disable(logging.INFO)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    metered = urls["metered"][0]

    def signed_in(email):
        client = Client()
        assert client.login(username=email, password=SUBSCRIBER[1]) or client.post(
            "/accounts/login/", {"login": email, "password": SUBSCRIBER[1]}
        )
        return client

    if args.experiment:
        exec(EXPERIMENT.format(action="start", wall="register"))  # noqa: S102 - our own code
    over = Client()
    for path in urls["metered"][1:4]:
        over.get(path, HTTP_HOST="127.0.0.1")
    under = Client()
    clients = {
        "anonymous-wall": (over, metered),
        "anonymous-free": (Client(), urls["free"]),
        "anonymous-metered": (under, metered),
        "subscriber": (signed_in(SUBSCRIBER[0]), metered),
        "registered": (signed_in(REGISTERED[0]), metered),
        "subscriber-home": (signed_in(SUBSCRIBER[0]), "/"),
    }
    # A browser holding a gift link for the article (anonymous, not counted).
    gifted = Client()
    gifted.get(metered, HTTP_HOST="127.0.0.1")  # its visitor cookie
    assert gifted.get(f"/gift/{urls['gift']}/", HTTP_HOST="127.0.0.1").status_code == 302
    clients["gift"] = (gifted, metered)
    if args.alternate_experiment:
        alternate(clients, args)
        return
    for name, (client, path) in clients.items():
        if args.scenario and name not in args.scenario:
            continue
        for _ in range(3):  # warm: counted once, caches filled
            response = client.get(path, HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, (name, response.status_code)
        with CaptureQueriesContext(connection) as queries, CacheCalls() as cache_calls:
            client.get(path, HTTP_HOST="127.0.0.1")
        print(
            f"\n== {name} ({path}): {len(queries)} queries, cache calls {dict(cache_calls.calls)}"
        )
        if args.sql:
            for query in queries:
                print("  ", query["sql"][:300])
        gc.freeze()  # as gunicorn.conf.py has the master do before forking workers
        # Served as gunicorn serves it (the WSGI handler, no test client and
        # its signals), first timed, then profiled.
        serve = wsgi_caller(path, client)
        with CollectorTime() as collector:
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(args.requests):
                serve()
            plain = (time.perf_counter() - started) / args.requests * 1000
            cpu = (time.process_time() - cpu) / args.requests * 1000
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            serve()
        profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        each = stats.total_tt / args.requests * 1000
        print(
            f"   {args.requests} requests: {plain:.2f} ms each ({cpu:.2f} ms of CPU), of which"
            f" {collector.seconds / args.requests * 1000:.2f} ms in the garbage collector"
            f" ({collector.runs} runs); {each:.1f} ms under the profiler"
        )
        for order in ("cumulative", "tottime"):
            stats.sort_stats(order).print_stats(args.top)
        for pattern in args.callers or ():
            stats.sort_stats("tottime").print_callers(pattern)
        for pattern in args.callees or ():
            stats.sort_stats("tottime").print_callees(pattern)
        print(out.getvalue())


def alternate(clients, args) -> None:
    """CPU per request of each scenario, with no offer experiment and with
    one running (two variants of the registration wall with their own
    words), measured alternately in this one process so that the machine's
    drift falls on both alike."""
    from masthead.newsroom import freshness

    def cpu_per_request(serve) -> float:
        for _ in range(50):  # the new generation's caches filled
            serve()
        started = time.process_time()
        for _ in range(args.requests):
            serve()
        return (time.process_time() - started) / args.requests * 1000

    from django.test import Client

    # A browser that keeps no cookies: a new visitor (and a new exposed
    # reader) at every request, as a crawler that is not one is.
    clients = {**clients, "anonymous-new-visitor": (Client(), clients["anonymous-metered"][1])}
    for name, (client, path) in clients.items():
        if args.scenario and name not in args.scenario:
            continue
        if name != "anonymous-new-visitor":
            client.get(path, HTTP_HOST="127.0.0.1")  # its visitor cookie; the read counted
        serve = wsgi_caller(path, client)
        found = {"stop": [], "start": []}
        for _ in range(args.alternate_experiment):
            for action in ("stop", "start"):
                exec(EXPERIMENT.format(action=action, wall="register"))  # noqa: S102 - our code
                freshness.forget()
                found[action].append(cpu_per_request(serve))
        without = sum(found["stop"]) / len(found["stop"])
        with_ = sum(found["start"]) / len(found["start"])
        print(
            f"== {name}: {without:.3f} ms of CPU per request without an experiment,"
            f" {with_:.3f} ms with one ({(with_ - without) / without:+.1%});"
            f" {args.alternate_experiment} rounds of {args.requests} requests each"
        )


if __name__ == "__main__":
    main()
