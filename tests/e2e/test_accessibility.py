"""Every reader state passes axe (WCAG 2.x A/AA and best practices, every
impact), in English and in Arabic (right to left), at desktop and phone
widths; screenshots in test-artifacts/e2e/a11y-*.png.

States: home, section, author, tag, search; an article free, metered with
free articles left, behind the registration wall, behind the subscribe wall
(a subscribers-only article, and a metered one for a registered reader past
the allowance), read in full by a subscriber, opened from a gift; sign-up,
log in, log in by code, the plans page, checkout, the account page, the
newsletters page and a recipient's preferences; comments read, posted and
refused; the error pages.
"""

from io import StringIO

import pytest
from django.core import signing
from django.core.management import call_command
from django.template.loader import render_to_string
from django.utils import translation

from masthead.members.models import ComplimentaryAccess, Plan
from masthead.newsletters.sending import PREFERENCES_SALT
from masthead.newsroom.models import ArticlePage, AuthorPage, SectionPage
from tests import factories
from tests.e2e.accessibility import Audit

PASSWORD = "a-long-test-password"


def log_in(page, url, email):
    page.goto(url + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_reader_state_passes_axe(live_server, browser, settings, language):
    settings.MASTHEAD_LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION = True  # the demo's provider
    call_command("load_demo", "--no-insights-history", stdout=StringIO())
    base = live_server.url
    prefix = "" if language == "en" else f"/{language}"
    url = base + prefix
    audit = Audit(language)
    # The pages in this language (the demo's Arabic edition in Arabic).
    articles = ArticlePage.objects.live().filter(locale__language_code=language).order_by("-date")
    metered = list(articles.filter(access="metered")[:4])
    free = articles.filter(access="free").first()
    for_subscribers = articles.filter(access="subscribers").first()
    section = SectionPage.objects.live().filter(locale__language_code=language).first()
    author = AuthorPage.objects.live().filter(locale__language_code=language).first()
    tag = metered[0].tags.first()
    reader = factories.reader("registered@example.com", PASSWORD)
    subscriber = factories.reader("subscriber@example.com", PASSWORD)
    subscriber.first_name = "Nour"
    subscriber.save()
    ComplimentaryAccess.objects.create(user=subscriber, reason="Browser test")

    def new_page():
        return browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    # A reader without an account.
    page = new_page()
    page.goto(url + "/")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    audit.check(page, "home", phone=True)
    page.goto(base + section.url)
    audit.check(page, "section")
    page.goto(base + author.url)
    audit.check(page, "author")
    page.goto(url + f"/tags/{tag.slug}/")
    audit.check(page, "tag")
    page.goto(url + "/search/?q=" + metered[0].title.split()[0])
    audit.check(page, "search")
    page.goto(url + "/search/?q=zzzzqqq")
    audit.check(page, "search-nothing-found")
    page.goto(base + free.url)
    audit.check(page, "article-free-comments-prompt")
    page.goto(base + metered[0].url)
    assert page.locator(".meter-banner").count() == 1
    audit.check(page, "article-metered", phone=True)
    for article in metered[1:3]:
        page.goto(base + article.url)
    page.goto(base + metered[3].url)
    assert page.locator(".wall").is_visible()
    audit.check(page, "article-registration-wall", phone=True)
    page.goto(base + for_subscribers.url)
    audit.check(page, "article-subscribe-wall")
    page.goto(url + "/accounts/signup/")
    audit.check(page, "sign-up", phone=True)
    # Errors the server finds (the browser's own checks pass).
    page.fill("input[name=email]", "new.reader@example.com")
    page.fill("input[name=password1]", "short")
    page.fill("input[name=password2]", "shorter")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state("load")
    audit.check(page, "sign-up-errors")
    # Each error is tied to its field: announced with it, not only shown.
    invalid = page.locator("input[aria-invalid=true]").all()
    assert invalid
    for field in invalid:
        described = field.get_attribute("aria-describedby").split()
        assert any(page.locator(f"[id='{ref}']").inner_text().strip() for ref in described)
    page.goto(url + "/accounts/login/")
    audit.check(page, "log-in")
    page.goto(url + "/accounts/login/code/")
    audit.check(page, "log-in-by-code")
    page.goto(url + "/subscribe/")
    audit.check(page, "plans", phone=True)
    page.goto(url + "/newsletters/")
    audit.check(page, "newsletters")
    page.goto(url + "/no-such-page/")
    audit.check(page, "not-found")
    page.context.close()

    # A registered reader past the allowance, then checking out.
    page = new_page()
    log_in(page, url, reader.email)
    for article in metered[:4]:
        page.goto(base + article.url)
    page.goto(base + metered[-1].url)
    audit.check(page, "article-subscribe-wall-registered")
    page.goto(url + "/account/")
    audit.check(page, "account-registered")
    page.goto(url + "/accounts/email/")
    audit.check(page, "account-email-addresses")
    plan = Plan.objects.filter(active=True).order_by("price_minor").first()
    page.goto(url + f"/billing/local/checkout/{plan.slug}/")
    audit.check(page, "checkout")
    token = signing.dumps(reader.email, salt=PREFERENCES_SALT)
    page.goto(url + f"/newsletters/preferences/{token}/")
    audit.check(page, "newsletter-preferences")
    page.context.close()

    # A subscriber: reads in full, comments (refused, then posted), gifts.
    page = new_page()
    log_in(page, url, subscriber.email)
    page.goto(base + metered[3].url)
    assert page.locator(".wall").count() == 0
    audit.check(page, "article-subscriber", phone=True)
    page.goto(base + free.url)
    page.locator("#comment-text").fill("   ")
    page.locator("#comment-text").evaluate("element => element.removeAttribute('required')")
    page.locator(".comment-form button").click()
    page.wait_for_load_state("load")
    audit.check(page, "comment-refused")
    page.goto(base + free.url)
    page.locator("#comment-text").fill("A careful piece; the supply figures deserve a follow-up.")
    page.locator(".comment-form button").click()
    page.locator(".comment", has_text="supply figures").wait_for()
    audit.check(page, "comments-posted")
    page.goto(url + "/account/")
    audit.check(page, "account-subscriber")
    page.goto(url + f"/account/gifts/new/?article={for_subscribers.pk}")
    audit.check(page, "gift-new")
    page.locator("main form button.button").first.click()
    page.locator("#gift-address").wait_for()
    audit.check(page, "gift-made")
    address = page.locator("#gift-address").input_value()
    page.goto(url + "/account/gifts/")
    audit.check(page, "gift-list")
    page.context.close()

    page = new_page()
    page.goto(address)
    assert page.locator(".wall").count() == 0  # the gift opens the article whole
    assert page.locator("html").get_attribute("lang") == language
    audit.check(page, "article-gift")
    # The error pages a server shows without the site around them.
    with translation.override(language):
        for name in ("500", "503"):
            page.set_content(render_to_string(f"{name}.html"))
            audit.check(page, f"error-{name}")
    page.context.close()

    audit.assert_clean()
