"""A subscriber gifts an article; a stranger's browser reads it in full with
the token gone from its address bar; the subscriber revokes the gift, and
the stranger's next visit meets the wall."""

from io import StringIO

from django.core.management import call_command

from masthead.members.models import ComplimentaryAccess
from masthead.newsroom.models import SectionPage
from tests import factories
from tests.e2e.conftest import ARTIFACTS
from tests.paywall.helpers import gated_article, secret_sentence

PASSWORD = "a-long-test-password"
HIDDEN = [secret_sentence(1, k) for k in (3, 4, 5)]


def test_a_gift_opened_read_in_full_then_revoked(live_server, browser, page, screenshot):
    # The demo publication (a browser test's database starts empty, without
    # even Wagtail's root page), and an article whose hidden lines we know.
    call_command("load_demo", "--no-insights-history", stdout=StringIO())
    section = SectionPage.objects.live().order_by("path").first()
    article = gated_article(section, 1, access="subscribers")
    giver = factories.reader("rosa@readers.example", PASSWORD)
    giver.first_name = "Rosa"
    giver.save()
    ComplimentaryAccess.objects.create(user=giver, reason="Browser test")

    # The subscriber signs in from the article and gifts it.
    page.goto(live_server.url + article.url)
    page.get_by_role("link", name="Log in").first.click()
    page.fill("input[name=login]", "rosa@readers.example")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(live_server.url + article.url)
    page.get_by_role("link", name="Gift this article").click()
    assert page.get_by_label("Tell them it is from Rosa").is_checked()
    page.get_by_role("button", name="Make the gift link").click()
    address = page.locator("#gift-address").input_value()
    assert "/gift/" in address
    screenshot("gift-link-made")

    # A stranger opens it: the article, whole, and the token already gone.
    stranger = browser.new_context(viewport={"width": 1280, "height": 900})
    other = stranger.new_page()
    other.goto(address)
    assert other.url == live_server.url + article.url
    assert other.locator(".wall").count() == 0
    text = other.locator(".article__body").inner_text()
    for sentence in HIDDEN:
        assert sentence in text
    assert "Rosa gave you this article" in other.locator(".gift-note").inner_text()
    assert other.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow"
    other.screenshot(path=str(ARTIFACTS / "gift-opened.png"), full_page=True)

    # The subscriber sees it opened once, and revokes it.
    page.goto(live_server.url + "/account/gifts/")
    assert "1 of 10 browsers" in page.locator(".gifts-table").inner_text()
    page.get_by_role("button", name=f"Revoke the gift of {article.title}").click()
    assert "revoked" in page.locator(".notice").inner_text()

    # The stranger's next visit: the wall, and none of the walled text.
    other.reload()
    assert other.locator(".wall").is_visible()
    dom = other.evaluate("document.documentElement.outerHTML")
    for sentence in HIDDEN:
        assert sentence not in dom
    other.screenshot(path=str(ARTIFACTS / "gift-revoked.png"), full_page=True)
    stranger.close()
