"""Two app servers sharing PostgreSQL and Redis behave as one site."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from tests.billing import fake_stripe as fake
from tests.deployment.conftest import COMMENTER, READER, deliver_webhook, stripe_env
from tests.deployment.test_faults import comment_form, post_comment
from tests.servers import AppServer, Browser, shell

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


def monthly(sub_id: str, reader_id: int, now: int, **ended) -> dict:
    """The reader's monthly subscription at Stripe, started a minute ago: live,
    or with ``status="canceled", ended_at=…`` ended."""
    user = SimpleNamespace(pk=reader_id)
    return fake.subscription(
        sub_id, user=user, price="price_monthly", start=now - 60, end=now + 30 * 86400, **ended
    )


def test_a_subscription_ended_through_one_server_stops_access_on_the_other_at_once(
    two_servers, seed
):
    first, second = two_servers
    exclusive = seed["subscribers"][0]
    reader = Browser()
    reader.log_in(*READER, via=first.base)
    assert reader.get(second.base + exclusive).walled

    now = int(time.time())
    live = monthly("sub_live", seed["reader_id"], now)
    assert deliver(first, "customer.subscription.created", live) == 200
    assert reader.get(second.base + exclusive).full_text  # the next request, on the other server

    ended = monthly("sub_live", seed["reader_id"], now, status="canceled", ended_at=now)
    assert deliver(second, "customer.subscription.deleted", ended) == 200
    assert reader.get(first.base + exclusive).walled  # no cache to wait out
    assert reader.get(second.base + exclusive).walled


def test_a_refund_that_ends_the_subscription_stops_access_on_the_other_server_at_once(
    two_servers, seed
):
    """A refund made in Stripe's dashboard ("refund and cancel now") arrives as
    the charge's refund, which changes nothing here, and the subscription's
    immediate end, which ends access on the next request on either server."""
    first, second = two_servers
    exclusive = seed["subscribers"][0]
    reader = Browser()
    reader.log_in(*READER, via=second.base)
    now = int(time.time())
    paid = monthly("sub_refunded", seed["reader_id"], now)
    assert deliver(second, "customer.subscription.created", paid) == 200
    assert reader.get(first.base + exclusive).full_text

    refund = {"id": "ch_refunded", "object": "charge", "refunded": True, "amount_refunded": 500}
    assert deliver(first, "charge.refunded", refund) == 200
    ended = monthly("sub_refunded", seed["reader_id"], now, status="canceled", ended_at=now)
    assert deliver(first, "customer.subscription.deleted", ended) == 200
    assert reader.get(second.base + exclusive).walled
    assert reader.get(first.base + exclusive).walled


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


# Each change to what a signed-in reader is, made elsewhere (the other server,
# a back-office worker, a management command: here a shell sharing the same
# PostgreSQL and Redis), shows on the next request on either server, although
# both keep the reader's standing and the discussion between requests.


def change(server: AppServer, code: str) -> None:
    shell(server.env, "from django.contrib.auth import get_user_model\n" + code)


def test_a_complimentary_grant_and_its_withdrawal_show_on_the_next_request(two_servers, seed):
    first, second = two_servers
    exclusive = seed["subscribers"][0]
    reader = Browser()
    reader.log_in(*READER, via=first.base)
    assert reader.get(first.base + exclusive).walled and reader.get(second.base + exclusive).walled

    change(
        first,
        "from masthead.members.models import ComplimentaryAccess\n"
        f"ComplimentaryAccess.objects.create(user_id={seed['reader_id']}, reason='press')",
    )
    assert reader.get(second.base + exclusive).full_text
    assert reader.get(first.base + exclusive).full_text

    change(
        first,
        "from masthead.members.models import ComplimentaryAccess\n"
        f"ComplimentaryAccess.objects.filter(user_id={seed['reader_id']}).delete()",
    )
    assert reader.get(second.base + exclusive).walled
    assert reader.get(first.base + exclusive).walled


def test_a_period_that_ends_unpaid_stops_access_at_its_end_on_both_servers(two_servers, seed):
    first, second = two_servers
    exclusive = seed["subscribers"][0]
    reader = Browser()
    reader.log_in(*READER, via=first.base)
    # The period ends 6 s after the shell has started (not after it was asked
    # to, which on a busy machine can take most of those seconds).
    ends = float(
        shell(
            first.env,
            "import time\n"
            "from datetime import datetime, timedelta, UTC\n"
            "from masthead.members.models import Plan, Subscription\n"
            "ends = time.time() + 6\n"
            "end = datetime.fromtimestamp(ends, UTC)\n"
            f"Subscription.objects.create(user_id={seed['reader_id']}, plan=Plan.objects.first(),"
            " status='active', provider='local', current_period_start=end - timedelta(days=30),"
            " current_period_end=end)\n"
            "print(ends)",
        )
    )
    # Read through both servers while paid: each keeps the standing it read.
    assert reader.get(first.base + exclusive).full_text
    assert reader.get(second.base + exclusive).full_text
    time.sleep(max(0, ends - time.time()) + 0.2)
    # Nothing happened but the clock: no event, no job.
    assert reader.get(second.base + exclusive).walled
    assert reader.get(first.base + exclusive).walled


def test_a_ban_and_a_new_comment_show_on_the_next_request_on_either_server(two_servers, seed):
    first, second = two_servers
    article = seed["metered"][0]
    commenter = Browser(first.base)
    commenter.log_in(*COMMENTER)
    neighbour = Browser()
    neighbour.log_in(*READER, via=second.base)
    change(
        first,
        "from masthead.members.models import ComplimentaryAccess\n"
        f"ComplimentaryAccess.objects.create(user_id={seed['reader_id']}, reason='press')",
    )
    assert "Join the discussion" in commenter.get(second.base + article["url"]).text
    assert "Join the discussion" in neighbour.get(second.base + article["url"]).text

    # A comment posted through one server is in the other's thread at once.
    words = f"from-first-{time.time_ns()}"
    assert (
        post_comment(commenter, article, comment_form(commenter, article["url"]), words).status
        == 302
    )
    assert words in neighbour.get(second.base + article["url"]).text
    assert words in neighbour.get(first.base + article["url"]).text

    change(
        first,
        "from masthead.discussion.models import CommentBan\n"
        f"CommentBan.objects.create(user_id={seed['commenter_id']}, reason='abuse')",
    )
    for server in (second, first):
        page = commenter.get(server.base + article["url"]).text
        assert "You can no longer post comments." in page and "Join the discussion" not in page
    refused = post_comment(
        commenter, article, comment_form(commenter, article["url"]), "after-the-ban"
    )
    assert refused.status == 403
    assert "after-the-ban" not in neighbour.get(second.base + article["url"]).text
    # The neighbour's own form is theirs, untouched by the ban.
    assert "Join the discussion" in neighbour.get(second.base + article["url"]).text


@pytest.mark.parametrize(
    "what",
    [
        "user.is_active = False\nuser.save()",
        "user.set_password('a-new-long-password')\nuser.save()",
        "user.delete()",
    ],
    ids=["deactivated", "password-changed", "deleted"],
)
def test_an_account_changed_elsewhere_is_signed_out_on_the_next_request_on_both_servers(
    two_servers, seed, what
):
    """Each server keeps the signed-in account between requests: a deactivation,
    a new password (which ends every other session) or a deletion made
    elsewhere still ends the session on the very next request."""
    first, second = two_servers
    reader = Browser()
    reader.log_in(*READER, via=first.base)
    for server in (first, second, first, second):  # both keep the account now
        assert "Log out" in reader.get(server.base + "/account/").text

    change(first, f"user = get_user_model().objects.get(pk={seed['reader_id']})\n{what}")

    for server in (second, first):
        account = reader.get(server.base + "/account/")
        assert account.status == 302 and "/accounts/login/" in account.headers["Location"]


GIFT = """
from datetime import timedelta
from django.utils import timezone
from masthead.gifts.models import GiftLink
from masthead.newsroom.models import ArticlePage
article = next(a for a in ArticlePage.objects.live() if a.url == {url!r})
link = GiftLink.objects.create(article=article, expires_at=timezone.now() + timedelta(days=1),
                               max_browsers={places})
print(link.pk, link.token)
"""


def test_twenty_browsers_opening_a_gift_with_ten_places_at_once_get_exactly_ten(two_servers, seed):
    """The cap holds under a rush, across servers: every browser opens the
    link at the same moment, half through each server; exactly ten may read
    the article, and a revocation through one server ends it for all ten on
    their next request to the other."""
    first, second = two_servers
    exclusive = seed["subscribers"][0]
    pk, token = shell(first.env, GIFT.format(url=exclusive, places=10)).split()[-2:]
    browsers = [Browser() for _ in range(20)]
    servers = [(first, second)[n % 2] for n in range(20)]
    for browser, server in zip(browsers, servers, strict=True):
        assert browser.get(server.base + exclusive).walled  # a visitor cookie, and the wall

    start = threading.Barrier(20)

    def open_gift(n: int) -> bool:
        start.wait()
        opened = browsers[n].get(servers[n].base + f"/gift/{token}/")
        assert opened.status == 302 and token not in opened.headers["Location"]
        return browsers[n].get(servers[n].base + exclusive).full_text

    with ThreadPoolExecutor(max_workers=20) as pool:
        read = list(pool.map(open_gift, range(20)))
    assert read.count(True) == 10
    counted = shell(
        first.env,
        f"from masthead.gifts.models import GiftLink; l = GiftLink.objects.get(pk={pk}); "
        "print(l.browsers, l.openings.count())",
    ).split()
    assert counted == ["10", "10"]
    # The ten read on either server, again and again; the other ten never.
    for n, browser in enumerate(browsers):
        other = servers[(n + 1) % 2]
        assert browser.get(other.base + exclusive).full_text == read[n]

    change(
        first, f"from masthead.gifts.models import GiftLink; GiftLink.objects.get(pk={pk}).revoke()"
    )
    for n, browser in enumerate(browsers):
        assert browser.get(servers[(n + 1) % 2].base + exclusive).walled


EXPERIMENT = """
from django.utils import timezone
from wagtail.models import Site
from masthead.offers import arms
from masthead.offers.models import Experiment, Variant
made = Experiment.objects.create(site=Site.objects.get(is_default_site=True), name="Two servers",
                                 wall="subscribe", status="running", started_at=timezone.now())
for order, name in enumerate(("Control", "Plain words")):
    Variant.objects.create(experiment=made, name=name, share=50, sort_order=order,
                           pitch="" if order == 0 else "Plain words, plain price.")
running = arms.load(made.site_id)
import secrets
while True:
    visitor = secrets.token_urlsafe(16)
    if running.for_browser(visitor).name == "Plain words":
        break
print(made.pk, visitor)
"""


def test_an_experiment_changed_on_one_server_shows_on_the_other_with_the_next_generation(
    two_servers, seed
):
    """Starting, rewording and stopping an experiment reach every worker of
    every server within the content generation's interval (a second), with
    no cached wall of the old words served after it."""
    from django.conf import settings

    from tests.security.test_real_server import signed_visitor

    first, second = two_servers
    exclusive = seed["subscribers"][0]
    pk, visitor = shell(first.env, EXPERIMENT).split()[-2:]
    reader = Browser()
    reader.cookies["mh_visitor"] = signed_visitor(visitor)
    interval = settings.MASTHEAD_FRESHNESS_SECONDS

    def words_everywhere(expected: str, absent: str) -> None:
        time.sleep(interval + 0.2)
        for n in range(12):  # every worker of both servers, more than once
            page = reader.get((first, second)[n % 2].base + exclusive)
            assert page.walled and expected in page.text and absent not in page.text, n

    words_everywhere("Plain words, plain price.", "\x00")
    shell(
        first.env,
        "from masthead.offers.models import Variant\n"
        f"v = Variant.objects.get(experiment_id={pk}, name='Plain words')\n"
        "v.pitch = 'Reworded while it ran.'\nv.save()\n",
    )
    words_everywhere("Reworded while it ran.", "Plain words, plain price.")
    shell(
        first.env,
        "from django.utils import timezone\nfrom masthead.offers.models import Experiment\n"
        f"e = Experiment.objects.get(pk={pk})\ne.status = 'ended'\ne.ended_at = timezone.now()\n"
        "e.save()\n",
    )
    words_everywhere('class="wall__pitch"', "Reworded while it ran.")
