"""A reader reads three articles, meets the wall on the fourth, logs in as a
subscriber and reads it in full."""

import html
from io import StringIO

from django.core.management import call_command
from django.utils.html import strip_tags

from masthead.members.models import ComplimentaryAccess
from masthead.newsroom.models import ArticlePage
from tests import factories


def beyond_the_teaser(article):
    """Plain-text snippets of every paragraph a walled reader must not receive."""
    blocks = list(article.body)[article.teaser_blocks :]
    return [
        html.unescape(strip_tags(block.value.source))[:60]
        for block in blocks
        if block.block_type == "paragraph"
    ]


def test_wall_on_the_fourth_article_then_subscriber_reads_in_full(live_server, page, screenshot):
    call_command("load_demo", stdout=StringIO())
    metered = list(
        ArticlePage.objects.live()
        .filter(locale__language_code="en")
        .filter(access="metered")
        .order_by("-date")[:4]
    )
    subscriber = factories.reader("subscriber@example.com", "a-long-test-password")
    ComplimentaryAccess.objects.create(user=subscriber, reason="Browser test")

    for number, article in enumerate(metered[:3], 1):
        page.goto(live_server.url + article.url)
        assert page.locator(".wall").count() == 0
        assert (
            page.locator(".meter-banner")
            .inner_text()
            .startswith({1: "2 free articles", 2: "1 free article", 3: "This is your last"}[number])
        )
        assert beyond_the_teaser(article)[0] in page.locator(".article__body").inner_text()

    fourth = metered[3]
    page.goto(live_server.url + fourth.url)
    assert page.locator(".wall").is_visible()
    assert page.locator(".wall__headline").inner_text() == "Register to keep reading"
    dom = page.evaluate("document.documentElement.outerHTML")
    visible = page.locator("body").inner_text()
    for snippet in beyond_the_teaser(fourth):
        assert snippet not in dom and snippet not in visible, snippet
    screenshot("wall-on-fourth-article")

    page.get_by_role("link", name="Already a subscriber? Log in").first.click()
    page.fill("input[name=login]", "subscriber@example.com")
    page.fill("input[name=password]", "a-long-test-password")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(live_server.url + fourth.url)

    assert page.locator(".wall").count() == 0
    body_text = page.locator(".article__body").inner_text()
    for snippet in beyond_the_teaser(fourth):
        assert snippet in body_text, snippet
    screenshot("subscriber-reads-in-full")
