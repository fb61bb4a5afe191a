"""Rate limits hold under the real topology: several workers, a proxy in front,
requests in parallel.

Each test starts gunicorn with two or more workers on a copy of the seeded
publication. Without Redis the limits count in the database cache every
worker shares; with it, in Redis. An attacker's `X-Forwarded-For` counts only
when the request came through a proxy listed in `TRUSTED_PROXIES`.
"""

from __future__ import annotations

import secrets
import threading
import time

import pytest

from tests.deployment.conftest import COMMENTER, READER
from tests.servers import AppServer, Browser, production_env, shell

pytestmark = pytest.mark.servers

TOO_MANY = "Too many failed login attempts"


def refused(response) -> bool:
    """allauth refuses a form over its limit with the form again and this
    message; a view-wide limit answers 429."""
    return response.status == 429 or TOO_MANY in response.text


@pytest.fixture(params=["database cache", "redis"])
def topology(request, database, shared_redis):
    """The two ways a site counts: in its database, or in Redis."""
    redis_url = shared_redis if request.param == "redis" else None
    return production_env(database, redis_url, API_RATE_LIMIT_PER_ADDRESS="5")


def test_login_codes_are_limited_once_for_the_site_not_once_per_worker(topology, tmp_path):
    with AppServer(topology, workers=3, log=tmp_path / "server.log") as server:
        answers = []
        for _ in range(8):
            browser = Browser(server.base)  # a new connection, and any worker, each time
            token = browser.csrf_token("/accounts/login/code/")
            response = browser.post(
                "/accounts/login/code/", {"csrfmiddlewaretoken": token, "email": READER[0]}
            )
            answers.append(refused(response))
    # allauth allows three codes a minute for one address, across all workers.
    assert answers == [False] * 3 + [True] * 5


def test_the_api_limit_counts_once_for_the_site(topology, tmp_path):
    with AppServer(topology, workers=3, log=tmp_path / "server.log") as server:
        # The limit's windows are whole minutes: asking across a minute's end
        # would start a second window and be let through again.
        into_the_minute = time.time() % 60
        if into_the_minute > 45:
            time.sleep(60 - into_the_minute + 0.5)
        statuses = [Browser(server.base).get("/api/v1/sections/").status for _ in range(9)]
    assert statuses.count(200) == 5 and statuses.count(429) == 4


def test_a_forged_x_forwarded_for_does_not_escape_the_login_limit(database, tmp_path):
    """The proxy listed is not us: what we claim in X-Forwarded-For is ignored."""
    env = production_env(database, TRUSTED_PROXIES="10.0.0.0/8")
    with AppServer(env, workers=2, log=tmp_path / "server.log") as server:
        answers = []
        for n in range(14):
            browser = Browser(server.base)
            browser.headers = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
            token = browser.csrf_token("/accounts/login/")
            response = browser.post(
                "/accounts/login/",
                {
                    "csrfmiddlewaretoken": token,
                    "login": f"nobody{n}@example.com",  # a new address each time
                    "password": "wrong-password",
                },
            )
            answers.append(refused(response))
    # allauth allows ten failed logins a minute from one address.
    assert answers == [False] * 10 + [True] * 4


def test_parallel_comments_pass_the_limit_only_as_often_as_it_allows(database, tmp_path, seed):
    env = production_env(database)
    shell(
        env,
        "from masthead.discussion.models import DiscussionSettings\n"
        "DiscussionSettings.objects.update(per_minute=5, hold_first_comment=False)\n"
        "print('ok')",
    )
    article = seed["metered"][0]
    with AppServer(env, workers=4, log=tmp_path / "server.log") as server:
        browser = Browser(server.base)
        browser.log_in(*COMMENTER)
        csrf = browser.csrf_token(article["url"])
        statuses, lock = [], threading.Lock()

        def post():
            response = browser.post(
                f"/discussion/articles/{article['pk']}/comments/",
                {"csrfmiddlewaretoken": csrf, "text": "At once.", "token": secrets.token_hex(12)},
            )
            with lock:
                statuses.append(response.status)

        threads = [threading.Thread(target=post) for _ in range(15)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    count = shell(
        env,
        "from masthead.discussion.models import Comment\nprint(Comment.objects.count())",
    )
    assert int(count) == 5
    assert statuses.count(302) == 5 and statuses.count(429) == 10
