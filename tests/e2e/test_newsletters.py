"""A reader signs up for the demo's briefing from the registration wall; an
editor sends the briefing's issue and watches its progress to the end; the
subscriber's copy has the whole metered article, the free reader's does not."""

import re
from io import StringIO

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.management import call_command
from wagtail.models import Site

from masthead.newsletters import sending
from masthead.newsletters.models import Batch, Issue, Recipient
from masthead.paywall.models import PaywallSettings
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_reader_meets_the_wall import beyond_the_teaser

CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)


def test_a_reader_joins_from_the_wall_and_an_editor_sends_the_issue(
    live_server, browser, page, screenshot, settings
):
    call_command("load_demo", "--no-insights-history", stdout=StringIO())
    # The wall asks for an account on the first metered article.
    paywall = PaywallSettings.for_site(Site.objects.get(is_default_site=True))
    paywall.anonymous_allowance = 0
    paywall.save()
    issue = Issue.objects.get(newsletter__slug="briefing")
    metered = issue.articles.get(sort_order=0).article.specific
    url = live_server.url

    # The reader meets the wall, which offers the briefing with the account.
    page.goto(url + metered.url)
    wall = page.locator(".wall")
    assert wall.is_visible()
    assert "The Ridgeline Briefing" in wall.inner_text()
    screenshot("wall-offers-the-briefing")
    page.get_by_role("link", name="Create a free account and get The Ridgeline Briefing").click()
    page.wait_for_url(re.compile(r".*/accounts/signup/.*"))
    assert page.get_by_label("The Ridgeline Briefing").is_checked()
    page.fill("input[name=email]", "wall.reader@example.com")
    page.fill("input[name=password1]", "a sturdy wall passphrase")
    page.fill("input[name=password2]", "a sturdy wall passphrase")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/.*|.*/verify.*|.*/code.*"))
    code = CODE.search(mail.outbox[-1].body).group(1)
    page.fill("input[name=code]", code)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(url + metered.url)
    joined = Recipient.objects.get(email="wall.reader@example.com")
    assert joined.status == Recipient.ACTIVE and joined.newsletter.slug == "briefing"

    # An editor sends the issue from the admin; a worker takes it later.
    settings.TASKS = {
        **settings.TASKS,
        "background": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []},
    }
    editor = get_user_model().objects.create_user(
        "desk", "desk@newsroom.example", "a-desk-editor-password-1"
    )
    EmailAddress.objects.create(user=editor, email=editor.email, primary=True, verified=True)
    group = Group.objects.create(name="Newsletter senders")
    group.permissions.set(
        Permission.objects.filter(codename__in=["access_admin", "change_issue", "send_issue"])
    )
    editor.groups.add(group)
    desk = browser.new_page()
    desk.goto(url + "/admin/login/")
    desk.fill("input[name=login]", editor.email)
    desk.fill("input[name=password]", "a-desk-editor-password-1")
    desk.press("input[name=password]", "Enter")
    desk.wait_for_url(url + "/admin/")
    desk.goto(url + f"/admin/newsletters/issue/{issue.pk}/")
    desk.get_by_role("button", name=re.compile(r"Send to 3 recipients now")).click()
    desk.wait_for_url(re.compile(r".*/admin/newsletters/send/\d+/"))
    assert desk.locator('[data-count="remaining"]').inner_text() == "3"
    assert "Sending" in desk.locator("[data-send-status=sending]").inner_text()

    # The worker's jobs: the page follows them to the end by itself.
    mail.outbox.clear()
    for batch in Batch.objects.filter(send__issue=issue, send__test_to=""):
        sending.send_batch(batch.pk, base_url=url)
    desk.wait_for_selector('[data-send-status="done"]', timeout=15000)
    assert desk.locator('[data-count="sent"]').inner_text() == "3"
    assert desk.locator('[data-count="remaining"]').inner_text() == "0"
    assert desk.get_by_role("heading", name="Report").is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    desk.screenshot(path=str(ARTIFACTS / "newsletter-sent.png"), full_page=True)
    desk.close()

    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {
        "subscriber@readers.example",
        "free.reader@readers.example",
        "wall.reader@example.com",
    }
    rest = beyond_the_teaser(metered)
    assert all(snippet in by_address["subscriber@readers.example"].body for snippet in rest)
    for free in ("free.reader@readers.example", "wall.reader@example.com"):
        assert not any(snippet in by_address[free].body for snippet in rest)
