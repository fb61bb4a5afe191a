"""Real app servers on real PostgreSQL and Redis.

A demo publication is migrated and loaded once into a template database on the
shared PostgreSQL; each test gets its own copy of it (``CREATE DATABASE …
TEMPLATE``, a file copy) and starts gunicorn against that. Without PostgreSQL
or Redis these tests skip on a laptop and fail in CI.
"""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest

from tests.billing import fake_stripe
from tests.conftest import unavailable
from tests.servers import (
    Browser,
    ThrowawayPostgres,
    ThrowawayRedis,
    collect_static,
    create_shared_database,
    drop_shared_database,
    manage,
    production_env,
    shared_postgres_problem,
    shell,
)

# Named for this run: another checkout's run on the same server keeps its own.
SEED = f"masthead_deployment_seed_{uuid.uuid4().hex[:8]}"
READER = ("reader@example.com", "a-long-reader-password")
COMMENTER = ("commenter@example.com", "a-long-commenter-password")

# Run in the seed database after load_demo: the accounts and settings the tests use.
SETUP = """
import json
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from masthead.discussion.models import DiscussionSettings
from masthead.members.models import ComplimentaryAccess, Plan
from masthead.newsroom.models import ArticlePage
from masthead.paywall.models import PaywallSettings
from wagtail.models import Site

def account(email, password):
    user = get_user_model().objects.create_user(email.split("@")[0], email, password)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user

reader = account(*{reader})
commenter = account(*{commenter})
ComplimentaryAccess.objects.create(user=commenter, reason="deployment tests")
Plan.objects.filter(slug="monthly").update(stripe_price_id="price_monthly")
site = Site.objects.get(is_default_site=True)
discussion = DiscussionSettings.for_site(site)
discussion.per_minute = 1000  # the worker-kill test posts many comments at once
discussion.save()
# The site's own language's articles (the demo's Arabic edition is newer).
live = ArticlePage.objects.live().filter(locale=site.root_page.locale).order_by(
    "-first_published_at"
)
print(json.dumps({{
    "reader_id": reader.pk,
    "commenter_id": commenter.pk,
    "anonymous_allowance": PaywallSettings.for_site(site).anonymous_allowance,
    "free": [a.url for a in live.filter(access="free")],
    "subscribers": [a.url for a in live.filter(access="subscribers")],
    "metered": [{{"pk": a.pk, "url": a.url}} for a in live.filter(access="metered")],
}}))
"""


@pytest.fixture(scope="session")
def shared_services(redis_url):
    problem = shared_postgres_problem()
    if problem:
        unavailable(problem)
    return redis_url


@pytest.fixture(scope="session")
def seed(shared_services):
    """The demo publication in a template database; the facts the tests need."""
    url = create_shared_database(SEED, migrated=True)
    env = production_env(url)
    try:
        # With production settings: finds the template's migrations all applied.
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo", "--no-insights-history")
        collect_static(env)
        facts = json.loads(shell(env, SETUP.format(reader=READER, commenter=COMMENTER)))
        yield facts
    finally:
        drop_shared_database(SEED)


@pytest.fixture
def database(seed):
    """A fresh copy of the seeded publication for one test."""
    import psycopg

    name = f"masthead_deployment_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE "{SEED}"')
    yield f"postgres://postgres@127.0.0.1:5432/{name}"
    drop_shared_database(name)


@pytest.fixture
def shared_redis(shared_services):
    """Database 13 of the shared Redis, empty."""
    import redis

    url = shared_services.rsplit("/", 1)[0] + "/13"
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def throwaway_redis(tmp_path):
    problem = ThrowawayRedis.available()
    if problem:
        unavailable(problem)
    server = ThrowawayRedis(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def throwaway_postgres(seed):
    """A private cluster holding a copy of the seeded publication."""
    problem = ThrowawayPostgres.available()
    if problem:
        unavailable(problem)
    cluster = ThrowawayPostgres().create()
    try:
        dump = subprocess.run(
            [str(cluster.bin / "pg_dump"), "-h", "127.0.0.1", "-U", "postgres", "-Fc", SEED],
            check=True,
            capture_output=True,
            timeout=120,
        ).stdout
        subprocess.run(
            [
                str(cluster.bin / "pg_restore"), "-h", "127.0.0.1", "-p", str(cluster.port),
                "-U", "postgres", "-d", "masthead", "--no-owner",
            ],
            input=dump,
            check=True,
            capture_output=True,
            timeout=120,
        )  # fmt: skip
        yield cluster
    finally:
        cluster.destroy()


def stripe_env(database: str, redis_url: str) -> dict:
    """An app server taking Stripe's webhooks, signed with the tests' secret."""
    return production_env(
        database,
        redis_url,
        PAYMENT_PROVIDERS="stripe",
        STRIPE_SECRET_KEY="sk_test_deployment",
        STRIPE_WEBHOOK_SECRET=fake_stripe.WEBHOOK_SECRET,
    )


def deliver_webhook(base: str, event: dict) -> int:
    """POST one Stripe event to a server, signed as Stripe signs it; the status."""
    body = json.dumps(event)
    return (
        Browser(base)
        .post(
            "/billing/stripe/webhook/",
            body,
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": fake_stripe.sign(body),
            },
        )
        .status
    )
