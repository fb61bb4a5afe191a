"""An offer experiment in browsers: two fresh browsers placed in different
variants meet different subscribe walls on the same subscribers-only
article; the one shown the variant starts a free trial from its wall and
reads the article in full; the experiment's report counts the trial for
that variant and not for the control."""

import re
from io import StringIO

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from masthead.insights import record
from masthead.members.models import Subscription
from masthead.newsroom.models import ArticlePage
from masthead.offers.models import Assignment, ExperimentConversion
from masthead.paywall.models import PaywallSettings
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_reader_meets_the_wall import beyond_the_teaser
from tests.offers.helpers import experiment

CONTROL = {"name": "Today's wall", "share": 50}
LIGHTHOUSE = {
    "name": "Lighthouse",
    "share": 50,
    "headline": "Keep the lighthouse lit",
    "pitch": "Every story here was paid for by readers who chose to keep the lamp burning.",
    "offer_line": "Three months of the lighthouse for the price of one",
}
READER = "lamp.keeper@example.com"
READER_PASSWORD = "correct horse battery staple"
ADMIN = "editor-in-chief@newsroom.example"
ADMIN_PASSWORD = "an-editor-password-1"
MOST_BROWSERS = 30


def wall_text(page) -> dict:
    wall = page.locator(".wall")
    offer = wall.locator(".wall__offer")
    return {
        "headline": wall.locator(".wall__headline").inner_text(),
        "pitch": wall.locator(".wall__pitch").inner_text(),
        "offer": offer.inner_text() if offer.count() else "",
    }


def assert_walled(page, article):
    """The wall shows, and nothing beyond the teaser reached the browser."""
    assert page.locator(".wall").is_visible()
    dom = page.evaluate("document.documentElement.outerHTML")
    visible = page.locator("body").inner_text()
    hidden = beyond_the_teaser(article)
    assert hidden
    for snippet in hidden:
        assert snippet not in dom and snippet not in visible, snippet


def figure(row, name) -> str:
    return row.locator(f'td[data-figure="{name}"]').inner_text()


def count_of(row, name) -> int:
    """The count a conversion cell starts with ("1 · 100.0%…")."""
    text = figure(row, name)
    found = re.match(r"\s*(\d+) · ", text)
    assert found, f"{name}: {text!r}"
    return int(found.group(1))


def test_two_browsers_two_offers_one_trial_counted_for_its_variant(
    live_server, browser, page, screenshot, settings
):
    settings.MASTHEAD_LOCAL_BILLING_WITHOUT_PAYMENT_IN_PRODUCTION = True  # the demo's provider
    call_command("load_demo", stdout=StringIO())
    url = live_server.url
    article = (
        ArticlePage.objects.live()
        .filter(locale__language_code="en")
        .filter(access="subscribers")
        .order_by("-date")
        .first()
    )
    assert article is not None, "the demo has a subscribers-only article"
    made = experiment(CONTROL, LIGHTHOUSE, wall="subscribe")
    paywall = PaywallSettings.for_site(made.site)
    for words in ("headline", "pitch", "offer_line"):
        assert LIGHTHOUSE[words] not in (
            paywall.wall_headline,
            paywall.wall_pitch,
            paywall.offer_line,
        )

    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    # Fresh browsers (each a new visitor cookie) until one meets each variant.
    found = {}  # variant name → (context, page, the wall's words)
    browsers = {"Lighthouse": 0, "Today's wall": 0}
    for _ in range(MOST_BROWSERS):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.goto(url + article.url)
        assert_walled(tab, article)
        words = wall_text(tab)
        shows_variant = LIGHTHOUSE["pitch"] in words["pitch"]
        name = "Lighthouse" if shows_variant else "Today's wall"
        browsers[name] += 1
        if name in found:
            context.close()
        else:
            found[name] = (context, tab, words)
        if len(found) == 2:
            break
    assert set(found) == {"Lighthouse", "Today's wall"}, (
        f"{MOST_BROWSERS} fresh browsers all met one variant: {browsers}"
    )
    variant_context, variant_page, variant_wall = found["Lighthouse"]
    control_context, control_page, control_wall = found["Today's wall"]

    # The variant's words, and only on its browser.
    assert variant_wall["pitch"] == LIGHTHOUSE["pitch"]
    assert variant_wall["offer"] == LIGHTHOUSE["offer_line"]
    # A subscribers-only article keeps the site's own headline in every variant.
    assert variant_wall["headline"] == control_wall["headline"] == paywall.subscribers_only_headline
    assert control_wall["pitch"] == paywall.wall_pitch
    assert control_wall["offer"] == paywall.offer_for(())
    assert control_wall["offer"]
    assert variant_wall["pitch"] != control_wall["pitch"]
    assert variant_wall["offer"] != control_wall["offer"]
    control_dom = control_page.content()
    for words in ("headline", "pitch", "offer_line"):
        assert LIGHTHOUSE[words] not in control_dom, words
    variant_page.screenshot(path=str(ARTIFACTS / "offer-variant-wall.png"), full_page=True)
    control_page.screenshot(path=str(ARTIFACTS / "offer-control-wall.png"), full_page=True)
    control_context.close()

    # The variant's browser: from its wall to a free trial, and back to read.
    tab = variant_page
    trial_button = tab.locator(".wall").get_by_role("link", name="Try 14 days free")
    assert "trial=1" in trial_button.get_attribute("href")
    trial_button.click()
    tab.wait_for_url(re.compile(r"/subscribe/\?"))
    tab.get_by_role("link", name=re.compile(r"Start \d+-day free trial")).first.click()

    tab.fill("input[name=email]", READER)
    tab.fill("input[name=password1]", READER_PASSWORD)
    tab.fill("input[name=password2]", READER_PASSWORD)
    tab.locator("form button[type=submit]").first.click()
    tab.wait_for_selector("input[name=code]")
    [email] = [m for m in mail.outbox if READER in m.to]
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", email.body, re.MULTILINE).group(1)
    tab.fill("input[name=code]", code)
    tab.locator("form button[type=submit]").first.click()

    tab.wait_for_url(re.compile(r"/subscribe/"))
    tab.get_by_role("button", name=re.compile(r"Start \d+-day free trial")).first.click()
    tab.wait_for_url(re.compile(r"/billing/local/checkout/"))
    tab.get_by_role("button", name="Start free trial").click()
    tab.wait_for_url(url + article.url)
    assert tab.locator(".wall").count() == 0
    body = tab.locator(".article__body").inner_text()
    for snippet in beyond_the_teaser(article):
        assert snippet in body, snippet
    tab.screenshot(path=str(ARTIFACTS / "offer-variant-reads-in-full.png"), full_page=True)
    variant_context.close()

    subscription = Subscription.objects.get(user__email=READER)
    assert subscription.status == Subscription.TRIALING
    # The account kept the browser's variant.
    assert Assignment.objects.get(experiment=made, user=subscription.user).variant.name == (
        "Lighthouse"
    )

    # The page views the live server still holds in memory, written.
    record.flush()

    # An administrator reads the experiment's report.
    admin = get_user_model().objects.create_superuser("chief", ADMIN, ADMIN_PASSWORD)
    EmailAddress.objects.create(user=admin, email=ADMIN, primary=True, verified=True)
    page.goto(url + "/admin/login/")
    page.fill("input[name=login]", ADMIN)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(url + "/admin/")
    page.goto(url + f"/admin/insights/experiments/{made.pk}/")
    table = page.locator('table[data-report="variants"]')
    lighthouse = table.locator('tr[data-variant="Lighthouse"]')
    control = table.locator('tr[data-variant="Today\'s wall"]')
    assert lighthouse.count() == 1 and control.count() == 1
    screenshot("offer-report")

    # Every fresh browser is one exposed reader of the variant it met; the
    # reader who signed up and started the trial stays one.
    assert int(figure(lighthouse, "readers")) == browsers["Lighthouse"]
    assert int(figure(control, "readers")) == browsers["Today's wall"]
    assert count_of(lighthouse, "trial") == 1
    assert count_of(control, "trial") == 0
    assert count_of(lighthouse, "registration") == 1
    assert count_of(control, "registration") == 0
    assert count_of(lighthouse, "paid") == 0 and count_of(control, "paid") == 0
    tied = ExperimentConversion.objects.filter(experiment=made)
    assert sorted(tied.values_list("variant__name", "kind")) == [
        ("Lighthouse", "registration"),
        ("Lighthouse", "trial"),
    ]
