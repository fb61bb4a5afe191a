"""A subscriber posts a comment and a reply in a real browser (no JavaScript
needed); an anonymous reader sees only the prompt."""

from io import StringIO

from django.core.management import call_command

from masthead.members.models import ComplimentaryAccess
from masthead.newsroom.models import ArticlePage
from tests import factories


def log_in(page, url, email, password):
    page.goto(url + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(url + "/")


def test_a_subscriber_discusses_and_an_anonymous_reader_sees_the_prompt(
    live_server, browser, page, screenshot
):
    call_command("load_demo", stdout=StringIO())
    article = (
        ArticlePage.objects.live()
        .filter(locale__language_code="en")
        .filter(access="free")
        .order_by("-date")
        .first()
    )
    subscriber = factories.reader("commenter@example.com", "a-long-test-password")
    ComplimentaryAccess.objects.create(user=subscriber, reason="Browser test")
    url = live_server.url

    log_in(page, url, "commenter@example.com", "a-long-test-password")
    page.goto(url + article.url)
    page.fill("#comment-text", "The logistics section deserves a follow-up piece.")
    page.get_by_role("button", name="Post comment").click()
    comment = page.locator(".comment", has_text="deserves a follow-up piece")
    comment.wait_for()
    assert page.locator("#comments-heading").text_content().strip() == "Comments (1)"

    page.locator(".comment__reply summary").first.click()
    page.locator(".comment__reply textarea").first.fill("Agreed, and the maps were excellent.")
    page.get_by_role("button", name="Post reply").click()
    reply = page.locator(".comment--reply", has_text="maps were excellent")
    reply.wait_for()
    assert page.locator("#comments-heading").text_content().strip() == "Comments (2)"
    screenshot("subscriber-discussion")

    anonymous = browser.new_context().new_page()
    anonymous.goto(url + article.url)
    section = anonymous.locator("#comments")
    assert "You must become a subscriber or log in" in section.inner_text()
    assert "Comments (2)" in section.text_content()
    dom = anonymous.evaluate("document.documentElement.outerHTML")
    assert "follow-up piece" not in dom and "maps were excellent" not in dom
    anonymous.context.close()
