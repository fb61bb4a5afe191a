"""Two app servers sharing PostgreSQL and Redis behave as one site."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from tests.billing import fake_stripe as fake
from tests.deployment.conftest import READER, deliver_webhook, stripe_env
from tests.servers import AppServer, Browser

pytestmark = pytest.mark.servers


@pytest.fixture
def two_servers(database, shared_redis, tmp_path):
    env = stripe_env(database, shared_redis)
    first = AppServer(env, log=tmp_path / "first.log").start()
    second = AppServer(env, log=tmp_path / "second.log").start()
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()


def deliver(server: AppServer, kind: str, obj: dict) -> int:
    return deliver_webhook(server.base, fake.event(kind, obj, int(time.time())))


def test_a_reader_alternating_between_servers_gets_the_allowance_once(two_servers, seed):
    first, second = two_servers
    allowance = seed["anonymous_allowance"]
    articles = [a["url"] for a in seed["metered"]][: allowance + 3]
    reader = Browser()

    full = []
    for n, url in enumerate(articles):
        server = (first, second)[n % 2]
        page = reader.get(server.base + url)
        assert page.status == 200
        full.append(page.full_text)

    assert full == [True] * allowance + [False] * 3
    # Re-reading a counted article on the other server costs nothing and shows it all.
    assert reader.get(second.base + articles[0]).full_text
    assert reader.get(first.base + articles[1]).full_text
    assert reader.get(first.base + articles[-1]).walled


def test_a_subscription_ended_through_one_server_stops_access_on_the_other_at_once(
    two_servers, seed
):
    first, second = two_servers
    exclusive = seed["subscribers"][0]
    reader = Browser()
    reader.log_in(*READER, via=first.base)
    assert reader.get(second.base + exclusive).walled

    now = int(time.time())
    user = SimpleNamespace(pk=seed["reader_id"])
    live = fake.subscription(
        "sub_live", user=user, price="price_monthly", start=now - 60, end=now + 30 * 86400
    )
    assert deliver(first, "customer.subscription.created", live) == 200
    assert reader.get(second.base + exclusive).full_text  # the next request, on the other server

    ended = fake.subscription(
        "sub_live",
        user=user,
        price="price_monthly",
        status="canceled",
        start=now - 60,
        end=now + 30 * 86400,
        ended_at=now,
    )
    assert deliver(second, "customer.subscription.deleted", ended) == 200
    assert reader.get(first.base + exclusive).walled  # no cache to wait out
    assert reader.get(second.base + exclusive).walled


def test_signing_out_on_one_server_signs_out_on_the_other(two_servers, seed):
    first, second = two_servers
    reader = Browser()
    reader.log_in(*READER, via=first.base)
    assert "Log out" in reader.get(second.base + "/account/").text

    token = reader.csrf_token(second.base + "/accounts/logout/")
    assert (
        reader.post(second.base + "/accounts/logout/", {"csrfmiddlewaretoken": token}).status == 302
    )
    account = reader.get(first.base + "/account/")
    assert account.status == 302 and "/accounts/login/" in account.headers["Location"]
