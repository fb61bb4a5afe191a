"""A reader opens the front page, follows a story and reads it."""

from io import StringIO

from django.core.management import call_command

from masthead.newsroom.models import ArticlePage


def test_reader_follows_a_front_page_story_to_the_article(live_server, page, screenshot):
    call_command("load_demo", stdout=StringIO())
    lead = ArticlePage.objects.live().filter(locale__language_code="en").order_by("-date").first()

    page.goto(live_server.url + "/")
    assert page.locator(".site-name").inner_text() == "Ridgeline"

    page.locator(".card--lead .card__headline a").click()
    page.wait_for_load_state()

    assert page.url == live_server.url + lead.url
    assert page.locator("h1#headline").inner_text() == lead.title
    byline = page.locator(".article__header .byline__authors").inner_text()
    assert byline == "By " + " and ".join(author.name for author in lead.authors())
    assert page.locator(".article__lead-image .credit").inner_text() == (
        f"Image courtesy of {lead.lead_image.credit}"
    )
    lead_image = page.locator(".article__lead-image img")
    assert lead_image.evaluate("img => img.complete && img.naturalWidth > 0")

    shot = screenshot("article-from-front-page")
    assert shot.stat().st_size > 10_000


def test_reader_on_a_phone_reaches_an_author_archive(live_server, browser, screenshot):
    call_command("load_demo", stdout=StringIO())
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    try:
        phone.goto(live_server.url + "/defense/")
        phone.locator(".card__headline a").first.click()
        phone.get_by_role("link", name="View all posts").first.click()
        phone.wait_for_load_state()

        assert phone.locator(".listing-header h1").is_visible()
        assert phone.locator(".card").count() >= 1
        # Nothing on the page is wider than the phone's screen.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
