"""A publisher moves in from WordPress: an old address leads to the imported
article, a reader meets the wall there, and a subscriber reads it whole."""

from io import StringIO

from django.core.management import call_command

from masthead.members.models import ComplimentaryAccess
from masthead.newsroom.models import ArticlePage
from tests import factories
from tests.importing.conftest import WORDPRESS, images

HIDDEN = ["Quayside ledger entry", "Brackwater pilots", "tidewrack cargo"]


def test_an_imported_metered_article_through_the_wall(live_server, page, screenshot, tmp_path):
    call_command("load_demo", stdout=StringIO())
    uploads = images(tmp_path / "uploads", ("2026/03/berth-four-crane.jpg", (1200, 800)),
                     ("2026/03/tug-crews.png", (800, 533)))  # fmt: skip
    call_command("import_wordpress", str(WORDPRESS), media_dir=str(uploads), no_progress=True,
                 stdout=StringIO())  # fmt: skip
    crane = ArticlePage.objects.get(imported_from="wordpress:https://harbourledger.example:21")
    spend = (
        ArticlePage.objects.live()
        .filter(locale__language_code="en")
        .filter(access="metered", imported_from="")[:3]
    )
    subscriber = factories.reader("mover@example.com", "a-long-test-password")
    ComplimentaryAccess.objects.create(user=subscriber, reason="Browser test")

    for article in spend:
        page.goto(live_server.url + article.url)
        assert page.locator(".wall").count() == 0

    # The old WordPress address, as a reader's bookmark holds it.
    page.goto(live_server.url + "/2026/03/02/new-crane-at-berth-four/")
    assert page.url == live_server.url + crane.url
    assert page.locator(".wall").is_visible()
    assert page.locator("h1").first.inner_text() == crane.title
    body = page.locator(".article__body")
    assert "new gantry crane" in body.inner_text()
    assert body.locator("figure img").count() == 1  # the imported image, with its caption
    dom = page.evaluate("document.documentElement.outerHTML")
    for sentence in HIDDEN:
        assert sentence not in dom, sentence
    screenshot("imported-article-wall")

    page.get_by_role("link", name="Already a subscriber? Log in").first.click()
    page.fill("input[name=login]", "mover@example.com")
    page.fill("input[name=password]", "a-long-test-password")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(live_server.url + crane.url)
    assert page.locator(".wall").count() == 0
    text = page.locator(".article__body").inner_text()
    for sentence in HIDDEN:
        assert sentence in text, sentence
    assert page.locator(".article__body table").count() == 1
    screenshot("imported-article-subscriber")
