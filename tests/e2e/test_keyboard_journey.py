"""A reader who uses only the keyboard: from the front page to an article,
to the wall, registers (the emailed code), starts a trial with the local
provider and posts a comment, pressing Tab, typing and Enter — never a
click. Every control it stops on shows where the focus is.

The same journey runs in Arabic (/ar/), where the layout mirrors.
Screenshots: test-artifacts/e2e/keyboard-*.png.
"""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import Site

from masthead.discussion.models import Comment
from masthead.members.models import Subscription
from masthead.newsroom.models import ArticlePage
from masthead.paywall.models import PaywallSettings
from tests.e2e.conftest import ARTIFACTS

FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    tag: element.tagName.toLowerCase(),
    text: (element.innerText || element.value || "").trim(),
    href: element.getAttribute("href") || "",
    id: element.id,
    name: element.getAttribute("name") || "",
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
  };
}"""


class Keyboard:
    """Tab until the focus is on what the reader wants, then act on it."""

    def __init__(self, page, name):
        self.page = page
        self.name = name
        self.stops = 0

    def tab_to(self, wanted, limit=250):
        seen = []
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            self.stops += 1
            focused = self.page.evaluate(FOCUSED)
            if focused["tag"] not in ("body", "html"):
                # Every stop shows the focus (WCAG 2.4.7), in both directions.
                assert focused["outline"], f"no visible focus on {focused}"
            if wanted(focused):
                return focused
            seen.append(focused["text"][:40] or focused["id"] or focused["tag"])
        raise AssertionError(f"never reached the control; tabbed through {seen}")

    def press_enter_on(self, wanted):
        self.tab_to(wanted)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def type_into(self, wanted, text):
        self.tab_to(wanted)
        self.page.keyboard.type(text)

    def shot(self, state):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"keyboard-{self.name}-{state}.png"))


def link_to(path):
    return lambda focused: focused["tag"] == "a" and focused["href"].split("?")[0] == path


def field(name):
    return lambda focused: focused["name"] == name


def button(text):
    return lambda focused: focused["tag"] == "button" and focused["text"] == text


@pytest.mark.parametrize("language", ["en", "ar"])
def test_home_to_wall_to_subscriber_comment_with_the_keyboard_only(
    live_server, browser, settings, language
):
    settings.MASTHEAD_LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION = True  # the demo's provider
    call_command("load_demo", "--no-insights-history", stdout=StringIO())
    paywall = PaywallSettings.for_site(Site.objects.get(is_default_site=True))
    paywall.anonymous_allowance = 0  # the first metered article is walled
    paywall.save()
    prefix = "" if language == "en" else f"/{language}"
    # The newest metered article in this language (the demo's Arabic edition).
    article = (
        ArticlePage.objects.live()
        .filter(access="metered", locale__language_code=language)
        .order_by("-date")
        .first()
    )
    email = f"keys.{language}@example.com"
    with translation.override(language):
        words = {
            name: gettext(name)
            for name in ("Skip to content", "Post comment", "Start free trial", "Verify")
        }
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    keys = Keyboard(page, language)
    url = live_server.url

    page.goto(url + prefix + "/")
    direction = page.locator("html").get_attribute("dir")
    assert direction == ("rtl" if language == "ar" else "ltr")
    # The first stop is the skip link, and it leads to the content.
    first = keys.tab_to(lambda focused: True, limit=1)
    assert first["href"] == "#main" and first["text"] == words["Skip to content"]
    keys.shot("skip-link")

    # The front page's link to the article (its headline), then the wall.
    keys.press_enter_on(link_to(article.url))
    assert page.locator(".wall").is_visible()
    wall_heading = page.locator("#wall-heading")
    assert wall_heading.is_visible()
    keys.shot("wall")
    if language == "ar":
        # Mirrored: rows run from the right (the first section and the
        # first account link rightmost), the wall and the text read right
        # to left, and the article's text starts at the right edge.
        for row in (".section-nav a", ".account-nav a"):
            first, last = page.locator(row).first, page.locator(row).last
            assert first.bounding_box()["x"] > last.bounding_box()["x"], row
        assert page.locator(".wall").evaluate("e => getComputedStyle(e).direction") == "rtl"
        headline = page.locator(".article__headline").bounding_box()
        body = page.locator(".article__body").bounding_box()
        assert abs((headline["x"] + headline["width"]) - (body["x"] + body["width"])) < 2

    # Register from the wall: the form, then the code sent by email.
    keys.press_enter_on(
        lambda focused: (
            focused["href"].startswith(prefix + "/accounts/signup/")
            and "wall" in page.evaluate("document.activeElement.closest('.wall') ? 'wall' : ''")
        )
    )
    keys.type_into(field("email"), email)
    keys.type_into(field("password1"), "correct horse battery staple")
    keys.type_into(field("password2"), "correct horse battery staple")
    keys.shot("sign-up")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("input[name=code]")
    [message] = [m for m in mail.outbox if email in m.to]
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE).group(1)
    keys.type_into(field("code"), code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")

    # Subscribe: the plans page, a trial, the local checkout, back to reading.
    page.goto(url + article.url)
    keys.press_enter_on(lambda focused: focused["href"].startswith(prefix + "/subscribe/"))
    keys.shot("plans")
    keys.press_enter_on(lambda focused: focused["tag"] == "button" and focused["name"] == "trial")
    assert re.search(r"/billing/local/checkout/", page.url)
    keys.press_enter_on(button(words["Start free trial"]))
    assert Subscription.objects.filter(user__email=email).exists()

    # Back on the article, in full, and a comment, typed and sent.
    page.goto(url + article.url)
    assert page.locator(".wall").count() == 0
    keys.type_into(field("text"), "Read with the keyboard alone, start to finish.")
    keys.press_enter_on(button(words["Post comment"]))
    page.locator(".comment", has_text="keyboard alone").wait_for()
    assert Comment.objects.filter(user__email=email).count() == 1
    keys.shot("commented")
    context.close()
