"""Offer experiments through the pages readers meet: each reader's variant is
decided on the server, stays theirs, changes only the wall's words, the
plans page and the allowance, and is counted in the experiment's report."""

from __future__ import annotations

import secrets
from collections import Counter

import pytest
from django.test import Client
from django.utils import timezone

from masthead.insights import record
from masthead.insights.models import Conversion
from masthead.members.models import Plan
from masthead.offers import arms, results
from masthead.offers.models import Assignment, Experiment, ExperimentConversion, Exposure
from masthead.paywall.models import PaywallSettings
from masthead.paywall.policy import ReaderStatus
from tests import factories
from tests.conftest import fresh
from tests.gifts.test_gift_links import sign_up
from tests.offers.helpers import browser, browser_in, experiment, visitor_in
from tests.paywall.helpers import gated_article, secrets_in, teasers_in

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.fixture(scope="module")
def published(module_db):
    with module_db():
        home = factories.site()
        section = factories.section(home, "World")
        articles = [gated_article(section, n) for n in range(1, 9)]
        locked = gated_article(section, 9, access="subscribers")
        plans = {
            slug: Plan.objects.create(
                name=name, slug=slug, price_minor=price, interval=interval, trial_days=trial
            )
            for slug, name, price, interval, trial in [
                ("weekly", "Weekly", 50, "week", 14),
                ("monthly", "Monthly", 900, "month", 14),
                ("yearly", "Yearly", 9000, "year", 0),
            ]
        }
        return {"home": home, "articles": articles, "locked": locked, "plans": plans}


@pytest.fixture
def newsroom(db, published):
    return fresh(published)


CONTROL = {"name": "Today's wall", "share": 50}
BOLD = {
    "name": "Bold",
    "share": 50,
    "headline": "Nothing here is free for ever",
    "pitch": "Reporting from the front costs money; a week costs less than a coffee.",
    "offer_line": "First month for a dollar",
    "button_label": "Back the reporting",
    "trial_label": "Read free for two weeks",
    "registered_allowance": 2,
}
EARLY = {
    "name": "Earlier ask",
    "share": 50,
    "headline": "Sign up: it is free",
    "pitch": "An account is all it takes to keep reading today.",
    "button_label": "Make my free account",
    "anonymous_allowance": 1,
}


def paywall_of(newsroom) -> PaywallSettings:
    return PaywallSettings.for_site(newsroom["home"].get_site())


def registered(newsroom, email="reader@example.com"):
    user = factories.reader(email)
    client = Client()
    client.force_login(user)
    return user, client


# --- Assignment -----------------------------------------------------------


def running_with(shares, seed=None) -> arms.Running:
    fake = [arms.Arm(1, n + 1, "subscribe", f"v{n}") for n in range(len(shares))]
    upper, total = [], 0
    for share in shares:
        total += share * 100
        upper.append(total)
    return arms.Running(1, "subscribe", seed or secrets.token_bytes(16), tuple(fake), tuple(upper))


@pytest.mark.parametrize("shares", [(50, 50), (10, 90), (20, 30, 50), (5, 15, 20, 20, 25, 15)])
def test_a_hundred_thousand_visitors_follow_the_split_within_two_points(shares):
    running = running_with(shares)
    visitors = [secrets.token_urlsafe(16) for _ in range(100_000)]
    placed = Counter(running.for_browser(visitor).name for visitor in visitors)
    for n, share in enumerate(shares):
        assert abs(placed[f"v{n}"] / len(visitors) * 100 - share) <= 2, (placed, shares)
    # Sticky: every visitor lands in the same variant again, and on another
    # server (the same experiment loaded anew from its stored seed).
    again = arms.Running(
        running.experiment_id, "subscribe", running.seed, running.arms, running.upper
    )
    assert all(
        running.for_browser(v).name == again.for_browser(v).name == running.for_browser(v).name
        for v in visitors[:20_000]
    )


def test_two_experiments_split_the_same_readers_independently():
    first, second = running_with((50, 50)), running_with((50, 50))
    visitors = [secrets.token_urlsafe(16) for _ in range(40_000)]
    pairs = Counter((first.for_browser(v).name, second.for_browser(v).name) for v in visitors)
    for pair in [("v0", "v0"), ("v0", "v1"), ("v1", "v0"), ("v1", "v1")]:
        assert abs(pairs[pair] / len(visitors) - 0.25) < 0.02


def test_a_variant_changes_only_the_allowance_of_the_policy(newsroom):
    bounds = PaywallSettings.for_site(newsroom["home"].get_site())
    bounds.experiment_allowance_min, bounds.experiment_allowance_max = 2, 5
    bounds.save()
    made = experiment(CONTROL, {"name": "Generous", "share": 50, "anonymous_allowance": 50})
    generous = arms.load(made.site_id).arms[1]
    # Beyond the publisher's bounds, the most they allow.
    assert generous.anonymous_allowance == 5
    rules = generous.rules(bounds.rules())
    assert (rules.anonymous_allowance, rules.registered_allowance) == (5, 5)
    assert rules.open_when_meter_unavailable == bounds.open_when_meter_unavailable


# --- The wall a reader meets ------------------------------------------------


def test_each_variant_shows_its_own_subscribe_wall_and_keeps_the_text_on_the_server(newsroom):
    made = experiment(CONTROL, BOLD)
    bold = browser_in(made, "Bold")
    control = browser_in(made, "Today's wall")
    locked = newsroom["locked"]

    bold_page = bold.get(locked.url).text
    assert "Reporting from the front costs money" in bold_page
    assert "First month for a dollar" in bold_page
    assert "Back the reporting" in bold_page and "Read free for two weeks" in bold_page
    # The subscribers-only headline stays the site's; the article stays shut.
    assert "This article is for subscribers" in bold_page
    assert secrets_in(bold_page, 9) == [] and len(teasers_in(bold_page, 9)) == 3

    control_page = control.get(locked.url).text
    paywall = paywall_of(newsroom)
    assert paywall.wall_pitch in control_page
    assert "Full ad-free access for $0.50/week" in control_page
    assert "Reporting from the front" not in control_page
    assert secrets_in(control_page, 9) == []


def test_each_variant_shows_its_own_registration_wall_and_allowance(newsroom):
    made = experiment(CONTROL, EARLY, wall="register")
    early, control = browser_in(made, "Earlier ask"), browser_in(made, "Today's wall")
    first, second = newsroom["articles"][:2]

    assert len(secrets_in(early.get(first.url).text, 1)) == 3  # its one free article
    walled = early.get(second.url).text
    assert "Sign up: it is free" in walled and "Make my free account" in walled
    assert secrets_in(walled, 2) == []

    for n, article in enumerate(newsroom["articles"][:3], start=1):
        assert len(secrets_in(control.get(article.url).text, n)) == 3  # the site's three
    control_walled = control.get(newsroom["articles"][3].url).text
    assert paywall_of(newsroom).register_headline in control_walled
    assert "Sign up: it is free" not in control_walled and secrets_in(control_walled, 4) == []


def test_a_registered_reader_in_a_subscribe_variant_gets_its_allowance(newsroom):
    made = experiment(CONTROL, BOLD)
    user, client = registered(newsroom)
    browser(visitor_in(made, "Bold"), client)
    for n, article in enumerate(newsroom["articles"][:2], start=1):
        page = client.get(article.url).text
        assert len(secrets_in(page, n)) == 3
    walled = client.get(newsroom["articles"][2].url).text
    assert "Nothing here is free for ever" in walled and secrets_in(walled, 3) == []
    assert Assignment.objects.get(user=user).variant.name == "Bold"


def test_subscribers_and_editors_are_never_in_an_experiment(newsroom):
    experiment(CONTROL, BOLD)
    from masthead.members.models import ComplimentaryAccess

    user, client = registered(newsroom, "paid@example.com")
    ComplimentaryAccess.objects.create(user=user, reason="test")
    page = client.get(newsroom["locked"].url).text
    assert len(secrets_in(page, 9)) == 3
    record.flush()
    assert not Exposure.objects.exists() and not Assignment.objects.exists()


def test_a_browser_takes_its_variant_into_the_account_and_every_device(newsroom):
    made = experiment(CONTROL, BOLD)
    visitor = visitor_in(made, "Bold")
    first = browser(visitor)
    first.get(newsroom["locked"].url)
    user = factories.reader("carried@example.com")
    signed = first.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert signed.status_code == 302 and "_auth_user_id" in first.session
    assert Assignment.objects.get(user=user).variant.name == "Bold"

    # A phone whose own hash says "Today's wall" sees the account's variant.
    phone = browser_in(made, "Today's wall")
    phone.force_login(user)
    page = phone.get(newsroom["locked"].url).text
    assert "Reporting from the front costs money" in page
    record.flush()
    # Still one reader for the experiment: the browser's.
    exposures = Exposure.objects.filter(experiment=made)
    assert exposures.count() == 1 and exposures.get().variant.name == "Bold"


def test_the_plans_page_offers_a_variants_plans_and_recommends_its_choice(newsroom):
    plans = newsroom["plans"]
    made = experiment(
        CONTROL,
        {
            "name": "Yearly first",
            "share": 50,
            "plans": [plans["monthly"], plans["yearly"]],
            "highlighted_plan": plans["yearly"],
        },
    )
    varied = browser_in(made, "Yearly first").get("/subscribe/").text
    assert "Weekly" not in varied and "Monthly" in varied and "Yearly" in varied
    assert varied.count("plan--highlighted") == 1 and "Recommended" in varied
    # The wall's offer line is built from the cheapest plan this reader is offered.
    wall = browser_in(made, "Yearly first").get(newsroom["locked"].url).text
    assert "Full ad-free access for $9.00/month" in wall

    control = browser_in(made, "Today's wall").get("/subscribe/").text
    assert "Weekly" in control and "plan--highlighted" not in control
    # Hiding a plan is words, not a lock: anyone may still buy any plan on offer.
    assert Plan.objects.filter(slug="weekly", active=True).exists()


def test_a_change_to_a_running_experiment_shows_on_the_next_request(newsroom):
    made = experiment(CONTROL, BOLD)
    bold = browser_in(made, "Bold")
    assert "Reporting from the front" in bold.get(newsroom["locked"].url).text
    variant = made.variants.get(name="Bold")
    variant.pitch = "A new pitch, written this minute."
    variant.save()
    assert "A new pitch, written this minute." in bold.get(newsroom["locked"].url).text
    made.status, made.ended_at = Experiment.ENDED, timezone.now()
    made.save()
    page = bold.get(newsroom["locked"].url).text
    assert "A new pitch" not in page and paywall_of(newsroom).wall_pitch in page


# --- Counting -----------------------------------------------------------------


def test_readers_wall_impressions_and_a_registration_are_counted_per_variant(newsroom):
    made = experiment(CONTROL, EARLY, wall="register")
    early = browser_in(made, "Earlier ask")
    for article in newsroom["articles"][:3]:
        early.get(article.url)  # one read, then the wall twice
    control = browser_in(made, "Today's wall")
    control.get(newsroom["articles"][0].url)
    record.flush()

    sign_up(early, "early@example.com")
    report = results.report(made)
    by_name = {result.variant.name: result for result in report.variants}
    assert (by_name["Earlier ask"].readers, by_name["Earlier ask"].impressions) == (1, 2)
    assert by_name["Earlier ask"].walled_readers == 1
    assert (by_name["Today's wall"].readers, by_name["Today's wall"].impressions) == (1, 0)
    assert by_name["Earlier ask"].shares["registration"].count == 1
    assert by_name["Today's wall"].shares["registration"].count == 0
    tied = ExperimentConversion.objects.get()
    assert tied.conversion.kind == Conversion.REGISTRATION and tied.variant.name == "Earlier ask"


def test_a_trial_started_from_a_variant_is_counted_for_it(newsroom, settings):
    settings.DEBUG = True  # the local provider
    made = experiment(CONTROL, BOLD)
    user, client = registered(newsroom, "trial@example.com")
    browser(visitor_in(made, "Bold"), client)
    client.get(newsroom["locked"].url)
    started = client.post("/subscribe/weekly/", {"trial": "1"})
    client.post(started["Location"].split("?")[0], {"trial": "1"})
    report = results.report(made)
    bold = next(result for result in report.variants if result.variant.name == "Bold")
    assert bold.readers == 1 and bold.shares["trial"].count == 1
    assert ExperimentConversion.objects.get().kind == Conversion.TRIAL


def test_a_conversion_after_the_experiment_ended_is_not_its_own(newsroom, settings):
    settings.DEBUG = True
    made = experiment(CONTROL, BOLD)
    user, client = registered(newsroom, "late@example.com")
    browser(visitor_in(made, "Bold"), client)
    client.get(newsroom["locked"].url)
    record.flush()
    made.status, made.ended_at = Experiment.ENDED, timezone.now()
    made.save()
    started = client.post("/subscribe/weekly/", {"trial": "1"})
    client.post(started["Location"].split("?")[0], {"trial": "1"})
    assert not ExperimentConversion.objects.exists()


def test_a_look_that_spends_nothing_exposes_nobody(newsroom):
    made = experiment(CONTROL, BOLD)
    browser_in(made, "Bold").head(newsroom["locked"].url)
    record.flush()
    assert not Exposure.objects.exists()


def test_exposes_only_readers_the_wall_is_for():
    register_arm = arms.Placed(arms.Arm(1, 1, "register", "a"), "v:x")
    subscribe_arm = arms.Placed(arms.Arm(1, 1, "subscribe", "a"), "v:x")
    assert arms.exposes(register_arm, ReaderStatus.ANONYMOUS)
    assert not arms.exposes(register_arm, ReaderStatus.REGISTERED)
    assert arms.exposes(subscribe_arm, ReaderStatus.REGISTERED)


def test_a_conversion_whose_exposure_another_worker_still_held_is_tied_by_the_chore(newsroom):
    """A reader who signs up seconds after their first page: that page's
    exposure may still be in another worker's memory when the registration
    is written. The Insights chore ties it when it has arrived."""
    from masthead.insights import rollup

    made = experiment(CONTROL, EARLY, wall="register")
    visitor = visitor_in(made, "Earlier ask")
    early = browser(visitor)
    early.get(newsroom["articles"][0].url)
    held = dict(record._exposures)  # as another worker would still hold it
    record.forget()
    sign_up(early, "quick@example.com")
    assert not ExperimentConversion.objects.exists()

    record._exposures.update(held)
    record.flush()
    assert rollup.reattribute(timezone.now()) == 1
    tied = ExperimentConversion.objects.get()
    assert tied.variant.name == "Earlier ask" and tied.kind == Conversion.REGISTRATION
    assert rollup.reattribute(timezone.now()) == 0  # tied once


def test_the_plans_page_keeps_a_new_visitor_in_the_variant_it_showed(newsroom):
    plans = newsroom["plans"]
    experiment(CONTROL, {"name": "Yearly only", "share": 50, "plans": [plans["yearly"]]})
    seen = set()
    for _ in range(6):
        client = Client()
        first = client.get("/subscribe/")
        assert "mh_visitor" in first.cookies and "Cookie" in first["Vary"]
        assert "private" in first["Cache-Control"]
        weekly = "Weekly" in first.text
        seen.add(weekly)
        assert all(("Weekly" in client.get("/subscribe/").text) == weekly for _ in range(3))


def test_a_variants_words_show_in_the_sites_own_language_only(newsroom):
    """A variant's words are written in the site's language: a reader of the
    Arabic pages meets the site's wall in Arabic and is not counted for the
    variant's words (its allowance still holds: one reader, one meter); the
    same browser on the site's own pages meets its variant."""
    made = experiment(CONTROL, BOLD)
    bold = browser_in(made, "Bold")
    locked = newsroom["locked"]
    arabic = bold.get("/ar" + locked.url).text
    assert "Reporting from the front" not in arabic and '<html lang="ar" dir="rtl">' in arabic
    assert secrets_in(arabic, 9) == []
    record.flush()
    assert not Exposure.objects.filter(experiment=made).exists()
    english = bold.get(locked.url).text
    assert "Reporting from the front costs money" in english
    record.flush()
    assert Exposure.objects.filter(experiment=made).count() == 1


def test_a_variants_allowance_holds_in_every_language(newsroom):
    """A stingy variant's reader gains nothing by reading under another
    language's prefix: the variant's allowance is the reader's everywhere."""
    made = experiment(CONTROL, EARLY, wall="register")
    early = browser_in(made, "Earlier ask")
    first, second = newsroom["articles"][:2]
    assert secrets_in(early.get("/fr" + first.url).text, 1) != []
    walled = early.get("/fr" + second.url).text
    assert 'class="wall"' in walled and secrets_in(walled, 2) == []
