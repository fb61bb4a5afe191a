"""A reader goes from the wall to a free trial with the local provider and reads
the walled article in full, without ads: sign up, verify the emailed code,
start the trial, come back."""

import re
import time
from io import StringIO

from django.core import mail
from django.core.management import call_command

from masthead.members.models import Subscription
from masthead.newsroom.models import ArticlePage
from tests.e2e.test_reader_meets_the_wall import beyond_the_teaser


def test_from_the_wall_to_a_trial_to_reading_without_ads(live_server, page, screenshot, settings):
    settings.MASTHEAD_LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION = True  # the demo's provider
    call_command("load_demo", stdout=StringIO())
    metered = list(
        ArticlePage.objects.live()
        .filter(locale__language_code="en")
        .filter(access="metered")
        .order_by("-date")[:4]
    )
    url = live_server.url

    page.goto(url + "/")
    trial = page.get_by_role("link", name="Try 14 days free").first
    assert trial.get_attribute("href") == "/subscribe/?trial=1&next=%2F"

    for article in metered[:3]:
        page.goto(url + article.url)
        assert page.locator(".ad-slot").count() > 0
    walled = metered[3]
    page.goto(url + walled.url)
    assert page.locator(".wall").is_visible()

    started = time.monotonic()
    page.locator(".wall").get_by_role("link", name="Subscribe", exact=True).click()
    page.wait_for_url(re.compile(r"/subscribe/\?next="))
    page.get_by_role("link", name="Start 14-day free trial").click()

    page.fill("input[name=email]", "new.reader@example.com")
    page.fill("input[name=password1]", "correct horse battery staple")
    page.fill("input[name=password2]", "correct horse battery staple")
    page.locator("form button[type=submit]").first.click()

    # The emailed code proves the address; it arrives through Django's mail.
    page.wait_for_selector("input[name=code]")
    [email] = [m for m in mail.outbox if "new.reader@example.com" in m.to]
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", email.body, re.MULTILINE).group(1)
    page.fill("input[name=code]", code)
    page.locator("form button[type=submit]").first.click()

    page.wait_for_url(re.compile(r"/subscribe/"))
    page.get_by_role("button", name="Start 14-day free trial").click()
    page.wait_for_url(re.compile(r"/billing/local/checkout/weekly/"))
    screenshot("trial-checkout")
    page.get_by_role("button", name="Start free trial").click()
    page.wait_for_url(url + walled.url)
    elapsed = time.monotonic() - started

    assert page.locator(".wall").count() == 0
    assert page.locator(".ad-slot").count() == 0
    assert "Advertisement" not in page.content()
    body = page.locator(".article__body").inner_text()
    for snippet in beyond_the_teaser(walled):
        assert snippet in body, snippet
    screenshot("trial-reader-reads-in-full")

    subscription = Subscription.objects.get(user__email="new.reader@example.com")
    assert subscription.status == Subscription.TRIALING and subscription.plan.slug == "weekly"
    assert elapsed < 60, f"wall to trial took {elapsed:.1f} s"

    page.goto(url + "/account/")
    assert page.locator(".account-details__status").inner_text() == "Trialing"
    assert "Free trial ends" in page.locator(".account-details").inner_text()
