"""Faults: Redis stopped, PostgreSQL restarted, workers killed mid-request.

Each test stops or kills only what it started itself: a private redis-server,
a private PostgreSQL cluster, its own gunicorn's workers.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import signal
import threading
import time

import psycopg
import pytest

from masthead.cache import RETRY_SECONDS
from tests.billing import fake_stripe as fake
from tests.deployment.conftest import COMMENTER, READER, deliver_webhook, stripe_env
from tests.servers import AppServer, Browser, production_env, shell, wait_until

# Crash tests: services stopped, restarted and killed under the servers.
# What a client sees of a worker killed under its request: the connection
# refused or reset, or an answer cut off partway (headers sent, body not).
DIED = (OSError, http.client.HTTPException)

pytestmark = [pytest.mark.servers, pytest.mark.crash]


def rows(database_url: str, sql: str, params=()) -> list[tuple]:
    with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as connection:
        return connection.execute(sql, params).fetchall()


def comment_form(browser: Browser, article_url: str) -> str:
    return browser.csrf_token(browser.base + article_url)


def post_comment(browser: Browser, article: dict, csrf: str, text: str, timeout=15):
    return browser.post(
        f"/discussion/articles/{article['pk']}/comments/",
        {"csrfmiddlewaretoken": csrf, "text": text, "token": text.replace("-", "")},
        timeout=timeout,
    )


def test_with_redis_stopped_pages_serve_the_wall_stays_shut_and_recovery_is_automatic(
    database, throwaway_redis, seed, tmp_path
):
    env = production_env(database, throwaway_redis.url)
    metered = [a["url"] for a in seed["metered"]]
    with AppServer(env, log=tmp_path / "server.log") as server:
        subscriber = Browser(server.base)
        subscriber.log_in(*COMMENTER)
        assert Browser(server.base).get(metered[0]).full_text
        assert Browser(server.base).get("/healthz").status == 200

        throwaway_redis.stop()

        # Every kind of page still serves.
        for url in ["/", seed["free"][0], metered[1], seed["subscribers"][0], "/subscribe/"]:
            assert Browser(server.base).get(url).status == 200, url
        newcomer = Browser(server.base).get(metered[1])
        assert newcomer.status == 200 and newcomer.walled  # default: shut rather than leak
        assert Browser(server.base).get(seed["free"][0]).full_text
        assert subscriber.get(metered[1]).full_text  # entitlement comes from the database
        assert subscriber.get(seed["subscribers"][0]).full_text
        late = Browser(server.base)
        late.log_in(*READER)  # sessions and rate limits cope without their cache
        assert late.get("/account/").status == 200
        health = Browser(server.base).get("/healthz")
        assert health.status == 503 and "redis" in json.loads(health.text)["checks"]

        # The publisher's policy is a setting: open when the meter is unavailable.
        shell(
            env,
            "from masthead.paywall.models import PaywallSettings\n"
            "from wagtail.models import Site\n"
            "s = PaywallSettings.for_site(Site.objects.get(is_default_site=True))\n"
            "s.open_when_meter_unavailable = True\n"
            "s.save()",
        )
        wait_until(lambda: Browser(server.base).get(metered[2]).full_text, 10, "the open policy")

        throwaway_redis.start()  # same port, empty, as after a real restart

        wait_until(lambda: Browser(server.base).get("/healthz").status == 200, 10, "healthy")
        # Each worker asks Redis again at most RETRY_SECONDS after its last failure.
        time.sleep(RETRY_SECONDS + 0.2)
        # Metering is back: a new reader is counted again and walled after the allowance.
        reader = Browser(server.base)
        allowance = seed["anonymous_allowance"]
        served = [reader.get(url).full_text for url in metered[: allowance + 1]]
        assert served == [True] * allowance + [False]

    log = (tmp_path / "server.log").read_text()
    assert "Internal Server Error" not in log and "Traceback" not in log


def test_postgres_restarted_mid_run_gives_503s_then_serves_without_a_restart(
    throwaway_postgres, throwaway_redis, seed, tmp_path
):
    database = throwaway_postgres.url
    env = production_env(database, throwaway_redis.url)
    article = seed["metered"][0]
    with AppServer(env, workers=2, log=tmp_path / "server.log") as server:
        commenter = Browser(server.base)
        commenter.log_in(*COMMENTER)
        csrf = comment_form(commenter, article["url"])
        assert (
            post_comment(commenter, article, csrf, f"before-{secrets.token_hex(8)}").status == 302
        )

        statuses: list[int] = []
        acknowledged: list[str] = []
        stop = threading.Event()

        def readers():
            while not stop.is_set():
                page = Browser(server.base).get(article["url"])
                statuses.append(page.status)
                if page.status == 503:
                    assert "back in a moment" in page.text
                    assert page.headers["Retry-After"] == "30"

        def poster():
            while not stop.is_set():
                text = f"during-{secrets.token_hex(8)}"
                try:
                    response = post_comment(commenter, article, csrf, text)
                except OSError:
                    continue
                statuses.append(response.status)
                if response.status == 302:
                    acknowledged.append(text)
                time.sleep(0.05)

        threads = [threading.Thread(target=readers), threading.Thread(target=poster)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1)
            throwaway_postgres.stop("fast")
            time.sleep(2)
            # A trial started while the database is down: refused, nothing written.
            trial = commenter.post(
                "/billing/local/checkout/weekly/", {"csrfmiddlewaretoken": csrf, "trial": "1"}
            )
            assert trial.status == 503
            throwaway_postgres.start()
            wait_until(lambda: Browser(server.base).get("/").status == 200, 30, "serving again")
            time.sleep(1)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)

        assert 503 in statuses and 200 in statuses
        assert set(statuses) <= {200, 302, 503}, sorted(set(statuses))
        assert statuses[-1] in {200, 302}
        # No server restart: the same master is serving with reconnected workers.
        assert server.process.poll() is None
        assert Browser(server.base).get(article["url"]).status == 200

        # Every acknowledged comment was stored, whole.
        stored = {text for (text,) in rows(database, "SELECT text FROM discussion_comment")}
        assert set(acknowledged) <= stored
        # The trial refused during the outage left nothing behind; one started now is whole.
        assert rows(database, "SELECT count(*) FROM members_subscription") == [(0,)]
        started = commenter.post(
            "/billing/local/checkout/weekly/", {"csrfmiddlewaretoken": csrf, "trial": "1"}
        )
        assert started.status == 302
        (subscription,) = rows(database, "SELECT id FROM members_subscription")
        assert rows(
            database,
            "SELECT count(*) FROM members_subscriptionevent WHERE subscription_id = %s",
            subscription,
        ) == [(1,)]

    log = (tmp_path / "server.log").read_text()
    assert "Internal Server Error" not in log


def test_workers_killed_mid_request_lose_nothing_that_was_acknowledged(
    database, shared_redis, seed, tmp_path
):
    env = stripe_env(database, shared_redis)
    article = seed["metered"][0]
    now = int(time.time())
    subscription = fake.subscription(
        "sub_killed",
        user=type("User", (), {"pk": seed["reader_id"]}),
        price="price_monthly",
        start=now - 60,
        end=now + 30 * 86400,
    )
    # Stripe's deliveries: a creation, then updates, each its own event.
    events = [fake.event("customer.subscription.created", subscription, now - 30)] + [
        fake.event("customer.subscription.updated", subscription, now - 30 + n)
        for n in range(1, 40)
    ]

    with AppServer(env, workers=3, log=tmp_path / "server.log") as server:
        commenter = Browser(server.base)
        commenter.log_in(*COMMENTER)
        csrf = comment_form(commenter, article["url"])
        acknowledged_comments: list[str] = []
        acknowledged_events: set[str] = set()
        failures = 0
        stop = threading.Event()

        def deliver(event) -> int:
            return deliver_webhook(server.base, event)

        def stripe():
            nonlocal failures
            for event in events:
                try:
                    if deliver(event) == 200:
                        acknowledged_events.add(event["id"])
                except DIED:
                    failures += 1  # the worker died under this request: Stripe will retry

        def poster():
            nonlocal failures
            while not stop.is_set():
                text = f"kill-{secrets.token_hex(8)}"
                try:
                    if post_comment(commenter, article, csrf, text).status == 302:
                        acknowledged_comments.append(text)
                except DIED:
                    failures += 1

        killed = []

        def killer():
            rng = random.Random(7)
            for _ in range(12):
                time.sleep(0.25)
                workers = server.workers()
                if workers:
                    victim = rng.choice(workers)
                    os.kill(victim, signal.SIGKILL)
                    killed.append(victim)

        threads = [threading.Thread(target=f) for f in (stripe, poster, poster, killer)]
        for thread in threads:
            thread.start()
        threads[-1].join(60)
        threads[0].join(60)
        stop.set()
        for thread in threads:
            thread.join(60)

        assert len(killed) == 12 and server.process.poll() is None
        assert failures > 0, "no request was cut off: the test did not exercise a kill"
        # Stripe retries what was not acknowledged, and may resend what was.
        for event in events:
            wait_until(lambda e=event: deliver(e) == 200, 20, f"delivery of {event['id']}")

    stored_comments = {text for (text,) in rows(database, "SELECT text FROM discussion_comment")}
    assert set(acknowledged_comments) <= stored_comments
    assert len(acknowledged_comments) > 0
    applied = [
        event_id for (event_id,) in rows(database, "SELECT event_id FROM billing_webhookevent")
    ]
    assert sorted(applied) == sorted(event["id"] for event in events)  # each exactly once
    assert acknowledged_events <= set(applied)
    # The creation made one subscription; every event that changed it has its row.
    assert rows(database, "SELECT count(*) FROM members_subscription") == [(1,)]
    changes = rows(
        database,
        "SELECT provider_event_id, count(*) FROM members_subscriptionevent"
        " WHERE provider_event_id <> '' GROUP BY provider_event_id HAVING count(*) > 1",
    )
    assert changes == []
